"""A release into an environment's own layer that no editor can write byte-exactly is refused
by the editors in one line naming the file, with the fix: an ``images:`` entry into a JSON
kustomization with no ``images:`` list (a block list cannot go inside a flow mapping; the
result did not read back as YAML, said as a bug to report), the Helm keys into a values file
that is one flow mapping or whose ``image:`` is ``{}``. The same editors, run when the reading
is made (:func:`gitops_bot.render.verdict.checked_writes`), make each such pin ``unsupported``."""

from __future__ import annotations

import pytest

from gitops_bot.core.errors import ManifestError
from gitops_bot.core.reading import (
    HELM_KEY,
    KUSTOMIZE_ENTRY,
    ImageReading,
    Pin,
    PinKind,
    PinStatus,
    WouldWrite,
)
from gitops_bot.manifests import images, values_keys
from gitops_bot.render import verdict

IMAGE = "ghcr.io/acme/app"
SPEC = images.ImageSpec(IMAGE, helm={"repository": "image.repository", "tag": "image.tag"})
UPDATE = images.Update(IMAGE, tag="1.1.0", digest="sha256:" + "a" * 64)


@pytest.mark.parametrize(
    "text", ['{"resources": ["../../base"]}\n', '{"resources": ["../../base"], "images": []}\n']
)
def test_an_entry_into_a_json_kustomization_without_images_is_refused_with_the_fix(text: str) -> None:
    with pytest.raises(ManifestError) as caught:
        values_keys.own_layer(text, "overlays/dev/kustomization.yaml", [SPEC], [UPDATE], {})
    said = str(caught.value)
    assert said.startswith("overlays/dev/kustomization.yaml:1: cannot add an images: entry"), said
    assert "flow mapping (JSON)" in said and "please report" not in said, said
    assert f'"images": [{{"name": "{IMAGE}"' in (caught.value.hint or ""), caught.value.hint


def test_a_json_kustomization_listing_images_takes_the_entry_in_its_own_style() -> None:
    text = '{"resources": ["../../base"], "images": [{"name": "other", "newTag": "1"}]}\n'
    new = values_keys.own_layer(text, "kustomization.yaml", [SPEC], [UPDATE], {}).text
    assert new.startswith(
        '{"resources": ["../../base"], "images": [{"name": "other", "newTag": "1"}, {name: '
    )


@pytest.mark.parametrize(
    "text, where",
    [("{replicaCount: 1}\n", "the file"), ("replicaCount: 1\nimage: {}\n", "image")],
)
def test_keys_into_a_flow_mapping_are_refused_naming_it(text: str, where: str) -> None:
    with pytest.raises(ManifestError, match=f"cannot add image.repository: {where} is not a block mapping"):
        values_keys.own_layer(
            text, "values-dev.yaml", [SPEC], [UPDATE], {"image.repository": IMAGE, "image.tag": "1.0.0"}
        )


def _inherited(file: str, form: str) -> ImageReading:
    pin = Pin("base/values.yaml", 3, PinKind.HELM, True, ("prod",), IMAGE, "1.0.0")
    return ImageReading("dev", IMAGE, PinStatus.INHERITED, (pin,), would_write=WouldWrite(file, form))


@pytest.mark.parametrize(
    "file, form, text, said",
    [
        (
            "overlays/dev/kustomization.yaml",
            KUSTOMIZE_ENTRY,
            '{"resources": ["../base"]}\n',
            "flow mapping (JSON)",
        ),
        ("values-dev.yaml", HELM_KEY, "{replicaCount: 1}\n", "the file is not a block mapping"),
        ("values-dev.yaml", HELM_KEY, "image: {}\n", "image is not a block mapping"),
    ],
)
def test_the_reading_says_an_unwritable_layer_unsupported_with_the_editors_words(
    file: str, form: str, text: str, said: str
) -> None:
    fine = ImageReading("dev", "other", PinStatus.PINNED, (Pin("x.yaml", 1, PinKind.CONTAINER, True, ()),))
    (got, other) = verdict.checked_writes([SPEC], {file: text}.get, [_inherited(file, form), fine], {})
    assert got.status is PinStatus.UNSUPPORTED and got.would_write is None, got
    assert got.reason is not None and said in got.reason and file in got.reason, got.reason
    assert got.reason.startswith("no release can be written byte-exactly: "), got.reason
    assert got.fix and "by hand once" in got.fix, got.fix
    assert got.pins == _inherited(file, form).pins  # what it runs is still read
    assert other is fine  # an image the file does not hold is not its concern


def test_a_layer_the_editors_take_stays_as_read() -> None:
    reading = _inherited("values-dev.yaml", HELM_KEY)
    assert verdict.checked_writes([SPEC], {"values-dev.yaml": "replicaCount: 1\n"}.get, [reading], {}) == [
        reading
    ]
