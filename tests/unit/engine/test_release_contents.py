"""What the engine asks for a release's contents: the revisions come from the images' labels,
else from the image's ``source:`` settings (the tag read by ``revision_from_tag``); a rollback
asks for the commits it takes out; whatever is missing or refused becomes one line, never a
failure, and nothing is asked then."""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from types import SimpleNamespace
from typing import Any, cast

from gitops_bot.config import parse
from gitops_bot.core.errors import RegistryAccessError
from gitops_bot.core.model import ImageMetadata, ReleaseKind
from gitops_bot.engine.app import App
from gitops_bot.engine.contents import attach
from gitops_bot.forges.compare_kit import CompareUnavailable, Comparison
from gitops_bot.release.proposal import Change, Release

OLD, NEW = "a" * 40, "b" * 40
CONFIG = """version: 1
images:
  - name: app
    repository: registry.example.com/acme/app
{source}
environments:
  - name: dev
    path: overlays/dev
"""


@dataclass
class Registry:
    labels: dict[str, dict[str, str]] = field(default_factory=dict)  # reference -> labels
    read: list[str] = field(default_factory=list)  # the references asked, in order

    def get_metadata(self, repository: str, reference: str, platform: str | None = None) -> ImageMetadata:
        self.read.append(reference)
        if reference not in self.labels:
            raise RegistryAccessError("not found", status=404)
        return ImageMetadata(labels=self.labels[reference])


@dataclass
class History:
    asked: list[tuple[str, str, str]] = field(default_factory=list)
    refuse: bool = False

    def compare(self, repository: str, base: str, head: str) -> Comparison:
        self.asked.append((repository, base, head))
        if self.refuse:
            raise CompareUnavailable(
                "HTTP 404: the repository is private, absent, or the token may not read it"
            )
        return Comparison((), 0, f"{repository}/compare/{base}...{head}")


@dataclass
class FakeApp:
    config: Any
    reg: Any
    # the run's worker pool, as Declared sizes it from the registries' limits
    declared: Any = field(default_factory=lambda: SimpleNamespace(workers=8))

    def registry(self, host: str) -> Registry:
        return self.reg


def _app(registry: Registry, source: str = "") -> App:
    return cast(App, FakeApp(parse(CONFIG.format(source=source), "gitops-bot.yaml"), registry))


def _release(kind: ReleaseKind = ReleaseKind.UPDATE, **kw: Any) -> Release:
    change = Change(
        "dev",
        "app",
        "registry.example.com/acme/app",
        ("f",),
        kw.get("from_tag", "1.0.0"),
        "sha256:" + "1" * 64,
        kw.get("to_tag", "1.1.0"),
        "sha256:" + "2" * 64,
        "newer",
    )
    return Release("dev", (change,), kind=kind)


def _labels(rev: str) -> dict[str, str]:
    return {
        "org.opencontainers.image.source": "https://github.com/acme/app",
        "org.opencontainers.image.revision": rev,
    }


def test_labels_name_the_repository_and_both_revisions() -> None:
    registry = Registry({"sha256:" + "1" * 64: _labels(OLD), "sha256:" + "2" * 64: _labels(NEW)})
    history = History()
    (change,) = attach(_app(registry), _release(), history).changes
    assert history.asked == [("https://github.com/acme/app", OLD, NEW)]
    assert change.contents is not None and change.contents_note is None


def test_a_rollback_asks_for_the_commits_it_takes_out() -> None:
    registry = Registry({"sha256:" + "1" * 64: _labels(NEW), "sha256:" + "2" * 64: _labels(OLD)})
    history = History()
    attach(_app(registry), _release(ReleaseKind.ROLLBACK), history)
    assert history.asked == [("https://github.com/acme/app", OLD, NEW)]  # from the restored to the running


def test_the_source_settings_stand_in_for_missing_labels() -> None:
    source = (
        "    source:\n      repository: https://git.example.com/acme/app\n"
        '      revision_from_tag: "sha-(?P<sha>[0-9a-f]{7,40})"'
    )
    history = History()
    release = _release(from_tag=f"sha-{OLD[:7]}", to_tag=f"sha-{NEW[:12]}")
    attach(_app(Registry(), source), release, history)
    assert history.asked == [("https://git.example.com/acme/app", OLD[:7], NEW[:12])]


def test_missing_labels_are_one_line_and_nothing_is_asked() -> None:
    history, registry = History(), Registry()
    (change,) = attach(_app(registry), _release(), history).changes
    assert history.asked == []
    assert change.contents is None
    assert change.contents_note == (
        "no source repository (label org.opencontainers.image.source or source.repository), "
        "no revision of the proposed image"
    )
    assert registry.read == ["sha256:" + "2" * 64]  # the running image is not read: nothing to compare


def test_a_refused_comparison_is_one_line_naming_the_repository() -> None:
    registry = Registry({"sha256:" + "1" * 64: _labels(OLD), "sha256:" + "2" * 64: _labels(NEW)})
    (change,) = attach(_app(registry), _release(), History(refuse=True)).changes
    assert change.contents_note == (
        "https://github.com/acme/app: HTTP 404: the repository is private, absent, or the token may not read it"
    )


@dataclass
class Meeting(Registry):
    """Answers only once three label reads are in flight together (a release's reads one after
    another would never get there: the barrier breaks after its timeout)."""

    barrier: threading.Barrier = field(default_factory=lambda: threading.Barrier(3, timeout=10))

    def get_metadata(self, repository: str, reference: str, platform: str | None = None) -> ImageMetadata:
        self.barrier.wait()
        return super().get_metadata(repository, reference, platform)


def test_the_labels_of_every_change_are_read_at_once_and_the_compares_one_at_a_time() -> None:
    """Three images: their proposed images' labels read together, then their running images'
    (one after another, a release of a thousand images waited two thousand round trips); the
    source compares stay in the release's order, one at a time."""
    digests = {n: (f"sha256:{n}1" + "0" * 62, f"sha256:{n}2" + "0" * 62) for n in "abc"}
    registry = Meeting(
        {d: _labels(f"{n}{i}" * 20) for n, pair in digests.items() for i, d in enumerate(pair)}
    )
    changes = tuple(
        Change("dev", "app", f"registry.example.com/acme/{n}", ("f",), "1.0.0", old, "1.1.0", new, "newer")
        for n, (old, new) in digests.items()
    )
    history = History()
    out = attach(_app(registry), Release("dev", changes), history)
    assert [c.contents is not None for c in out.changes] == [True, True, True]
    assert history.asked == [("https://github.com/acme/app", f"{n}0" * 20, f"{n}1" * 20) for n in "abc"]


def test_images_built_from_one_commit_of_one_repository_share_one_compare() -> None:
    """A monorepo's services: two images, the same source repository and the same two
    revisions. One compare answers both; a refusal is said for both, asked once too."""
    old, new = "sha256:" + "1" * 64, "sha256:" + "2" * 64
    changes = tuple(
        Change("dev", name, f"registry.example.com/acme/{name}", ("f",), "1.0.0", old, "1.1.0", new, "newer")
        for name in ("api", "web")
    )
    for refuse in (False, True):
        history = History(refuse=refuse)
        out = attach(_app(Registry({old: _labels(OLD), new: _labels(NEW)})), Release("dev", changes), history)
        assert history.asked == [("https://github.com/acme/app", OLD, NEW)]
        if refuse:
            assert [c.contents_note for c in out.changes] == [out.changes[0].contents_note] * 2
            assert out.changes[0].contents_note and "HTTP 404" in out.changes[0].contents_note
        else:
            assert all(c.contents is not None for c in out.changes)
