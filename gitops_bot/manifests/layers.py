"""A release written where it goes (text in, text out; no I/O): in place, or into the
environment's own layer (an ``images:`` entry appended to its kustomization, the image's Helm
keys added to its values file, then set). ``update`` writes with these editors, and the
reading runs the same ones over the files as they are (:func:`refusal`), so a place no release
can write byte-exactly is said when the environment is read, never first when ``update``
stops: one check, the editors' own."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence

from gitops_bot.core.errors import ManifestError
from gitops_bot.core.reading import HELM_KEY, HELMRELEASE_KEY, ImageReading
from gitops_bot.manifests import images, values_keys
from gitops_bot.manifests.edit import EditResult

# what the reading's check writes: a tag and digest no file holds, so every place is written
PROBE_TAG = "0.0.0-gitops-bot-write-check"
PROBE_DIGEST = "sha256:" + "0" * 64
# the key a release adds is under the layer's values: a values file's root, a HelmRelease's spec
_UNDER = {HELM_KEY: "", HELMRELEASE_KEY: "spec.values."}


def keys(reading: ImageReading, spec: images.ImageSpec | None) -> dict[str, str]:
    """The Helm keys an inherited image is given in the environment's own values layer, holding
    what it inherits (the release then sets them there, as any values key); none for another
    layer's form (a kustomization takes an entry)."""
    pin = reading.effective
    form = reading.would_write.form if reading.would_write is not None else ""
    if form not in _UNDER or pin is None or spec is None:
        return {}
    held = {"repository": pin.repository, "tag": pin.tag}
    return {_UNDER[form] + spec.helm[f]: v for f, v in held.items() if f in spec.helm and v is not None}


def own_layer(
    text: str,
    filename: str,
    specs: Sequence[images.ImageSpec],
    updates: Sequence[images.Update],
    added: Mapping[str, str],
) -> EditResult:
    """``updates`` written into an environment's own layer: ``added`` keys given to a values file
    first (:func:`values_keys.add`), then each image set, a kustomization given an entry."""
    keyed = values_keys.add(text, filename, added) if added else text
    return images.edit(keyed, filename, specs, updates, append=True)


def probes(names: Sequence[str]) -> list[images.Update]:
    return [images.Update(n, tag=PROBE_TAG, digest=PROBE_DIGEST) for n in names]


def refusal(write: Callable[[], object]) -> ManifestError | None:
    """Why the editors refuse ``write`` (None: they take it)."""
    try:
        write()
    except ManifestError as e:
        return e
    return None
