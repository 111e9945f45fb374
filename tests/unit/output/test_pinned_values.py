"""The plan row's version column: of an environment rendering an image in several places (its
several paths, several workloads) at different versions, every version is named, never the
last one alone as if it were what the whole environment runs."""

from __future__ import annotations

from gitops_bot.core.reading import ImageReading, Pin, PinKind, PinStatus
from gitops_bot.output.text import pinned_value

SHA = "sha256:" + "ab" * 32


def _pin(file: str, tag: str, *, effective: bool = True, digest: str | None = None) -> Pin:
    return Pin(file, 7, PinKind.CONTAINER, effective, (), "ghcr.io/acme/app", tag, digest)


def test_one_version_in_several_places_is_shown_once() -> None:
    r = ImageReading(
        "prod",
        "ghcr.io/acme/app",
        PinStatus.PINNED,
        (_pin("eu/app.yaml", "1.2.0"), _pin("us/app.yaml", "1.2.0")),
    )
    assert pinned_value(r) == "1.2.0"


def test_places_pinning_different_versions_are_each_named_with_where() -> None:
    r = ImageReading(
        "prod",
        "ghcr.io/acme/app",
        PinStatus.PINNED,
        (
            _pin("eu/app.yaml", "1.2.0"),
            _pin("us/old.yaml", "0.9.0", effective=False),
            _pin("us/app.yaml", "1.3.0", digest=SHA),
        ),
    )
    assert pinned_value(r) == "1.2.0 (and 1.3.0@abababababab in us/app.yaml)"
