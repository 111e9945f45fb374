"""Whether each release the reading places can be written byte-exactly where it goes: the
editors a release runs (:mod:`gitops_bot.manifests.layers`) run over the files as they are,
each file once for every image going there. One that refuses makes the image's reading
``unsupported`` with the editor's words and fix, so ``plan`` never says "a release writes ..."
of a place ``update`` cannot write, and ``update`` skips that image alone, the run's others
released as usual."""

from __future__ import annotations

import functools
from collections.abc import Callable, Mapping, Sequence
from dataclasses import replace

from gitops_bot.core.errors import ManifestError
from gitops_bot.core.reading import KUSTOMIZE_ENTRY, ImageReading, PinKind, PinStatus
from gitops_bot.manifests import images, layers


def checked(
    specs: Sequence[images.ImageSpec],
    text: Callable[[str], str | None],
    readings: Sequence[ImageReading],
    documents: Mapping[str, str],
) -> list[ImageReading]:
    """``readings`` with each release no editor takes made ``unsupported``. ``text``: a file's
    text by its path in the reading; ``documents``: of a file holding several Applications, the
    environment's own (the only one a release edits)."""
    by_name = {s.name: s for s in specs}
    layered: dict[str, list[ImageReading]] = {}  # file -> the images a release adds there
    in_place: dict[str, list[ImageReading]] = {}  # file -> the images a release edits there
    for r in readings:
        if (
            r.status not in (PinStatus.PINNED, PinStatus.INHERITED)
            or not r.writable
            or r.image not in by_name
        ):
            continue
        if r.would_write is not None:
            for f in r.would_write.files:
                layered.setdefault(f, []).append(r)
        else:
            # in place, a Helm value may be no scalar to write (a list) or a key the file lacks;
            # an images: entry or a container is written in any style it is in (checking them
            # too tripled a 1,000-image environment's reading, 0.05 s -> 0.3 s)
            helm = (
                p.file
                for p in r.pins
                if p.effective and p.editable and not p.branch and p.kind is PinKind.HELM
            )
            for f in dict.fromkeys(helm):
                in_place.setdefault(f, []).append(r)
    refused: dict[str, tuple[str, str]] = {}
    for file, found in layered.items():
        if (body := text(file)) is None:
            continue

        def add(rs: Sequence[ImageReading], body: str = body, file: str = file) -> object:
            added = {k: v for r in rs for k, v in layers.keys(r, by_name[r.image]).items()}
            return layers.own_layer(body, file, specs, layers.probes([r.image for r in rs]), added)

        # a kustomization takes every new entry the same way (appended in the list's style): one
        # stands for all, where writing each of a 1,000 inherited images took 0.35 s a reading
        entries = all(r.would_write is not None and r.would_write.form == KUSTOMIZE_ENTRY for r in found)
        if not entries or layers.refusal(functools.partial(add, found[:1])) is not None:
            _check(found, add, refused, functools.partial(_into, file))
    for file, found in in_place.items():
        if (body := text(file)) is None:
            continue

        def edit(rs: Sequence[ImageReading], body: str = body, file: str = file) -> object:
            probes = layers.probes([r.image for r in rs])
            return images.edit(body, file, specs, probes, append=False, application=documents.get(file))

        _check(found, edit, refused, functools.partial(_in_place, file))
    return [
        replace(
            r,
            status=PinStatus.UNSUPPORTED,
            reason=refused[r.image][0],
            fix=refused[r.image][1],
            would_write=None,
        )
        if r.image in refused
        else r
        for r in readings
    ]


def _into(file: str, r: ImageReading) -> str:
    return f"its {r.would_write.form if r.would_write is not None else 'entry'} would go into {file}"


def _in_place(file: str, r: ImageReading) -> str:
    return f"it is set in place in {file}"


def _check(
    found: Sequence[ImageReading],
    write: Callable[[Sequence[ImageReading]], object],
    refused: dict[str, tuple[str, str]],
    where: Callable[[ImageReading], str],
) -> None:
    """Every image of one file written at once (one parse and one re-read); when the editors
    refuse, each alone, so the refusal is said of the images it is about."""
    if layers.refusal(lambda: write(found)) is None:
        return
    for r in found:
        error = layers.refusal(lambda r=r: write([r]))  # type: ignore[misc]
        if error is not None and r.image not in refused:
            refused[r.image] = _said(r, where(r), error)


def _said(r: ImageReading, where: str, error: ManifestError) -> tuple[str, str]:
    return (
        f"no release can be written byte-exactly: {where}, and {error.message}",
        error.hint or "write the image's place in the file by hand once; releases then edit it there",
    )
