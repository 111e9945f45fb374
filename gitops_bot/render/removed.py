"""Whether the object that sets an image's version is still in an environment's render.

The rules read a base's HelmRelease (or Deployment) as the environment's pin; an overlay's
``$patch: delete`` (or a ``patches:`` entry deleting it) leaves it out of what kubectl renders, so a
release written for that environment would change nothing that runs: the environment does not
run the image, and is told which file deletes the object."""

from __future__ import annotations

import importlib
import os
import re
from collections.abc import Iterable, Mapping
from dataclasses import replace
from pathlib import Path

import yaml

from gitops_bot.core.errors import ManifestError
from gitops_bot.core.reading import KUSTOMIZE_ENTRY, EnvironmentReading, ImageReading, PinKind, PinStatus
from gitops_bot.core.record import record
from gitops_bot.manifests import nodes
from gitops_bot.manifests.guard import LOADER, Constructor
from gitops_bot.manifests.kustomize import KUSTOMIZATION_NAMES
from gitops_bot.manifests.yamltext import YamlText
from gitops_bot.render.bounded import read_text

# the render's objects, parsed where an image's marker is missing from it: imported by name there
HELM_RENDER = "gitops_bot.render.helm_render"


def holder(text: str, line: int) -> tuple[str, str, str | None] | None:
    """The kind, ``metadata.name`` and ``metadata.namespace`` of the YAML document holding
    1-based ``line``; None when it is no named Kubernetes object (a kustomization, a values
    file) or does not parse."""
    loader = LOADER(text)
    try:
        while loader.check_node():
            node = loader.get_node()
            if node is None or not node.start_mark.line < line <= node.end_mark.line + 1:
                continue
            doc = Constructor().construct_document(node)
            meta = doc.get("metadata") if isinstance(doc, dict) else None
            kind, name = (doc.get("kind"), meta.get("name")) if isinstance(meta, dict) else (None, None)
            if str(doc.get("apiVersion", "")).startswith("kustomize.config.k8s.io"):
                return None
            space = meta.get("namespace") if isinstance(meta, dict) else None
            if not isinstance(kind, str) or not isinstance(name, str):
                return None
            return kind, name, space if isinstance(space, str) else None
    except yaml.YAMLError:
        return None
    finally:
        loader.dispose()
    return None


@record
class Renames:
    """What the kustomizations a render read change of an object's identity: each
    ``namePrefix:``, ``nameSuffix:`` and ``namespace:`` they set."""

    prefixes: frozenset[str] = frozenset()
    suffixes: frozenset[str] = frozenset()
    namespaces: frozenset[str] = frozenset()


def renames(paths: Iterable[Path], texts: Mapping[Path, str]) -> Renames:
    """The :class:`Renames` of the kustomization files among ``paths``, as ``texts`` writes
    them (an Argo CD build's, its Application's fields written in), else as they are."""
    found: dict[str, set[str]] = {"namePrefix": set(), "nameSuffix": set(), "namespace": set()}
    for path in paths:
        if path.name not in KUSTOMIZATION_NAMES:
            continue
        text = texts[path] if path in texts else (read_text(path) or "")
        try:  # the text the reading composed: its parse, kept
            doc = nodes.constructed(nodes.compose(YamlText.of(text).body, str(path)))
        except (ManifestError, yaml.YAMLError):
            continue
        for key, values in found.items():
            if isinstance(doc, dict) and isinstance(value := doc.get(key), str) and value:
                values.add(value)
    return Renames(*(frozenset(v) for v in found.values()))


def kept(
    objects: Iterable[dict[str, object]], kind: str, name: str, namespace: str | None, by: Renames
) -> bool:
    """Whether the render holds the object of ``kind`` named ``name`` in ``namespace``, as
    kustomize identifies it: the whole name, with only the prefixes and suffixes ``by`` adds
    (an overlay deleting ``app`` leaves ``app-worker``, which is another object), in its own
    namespace or one a kustomization moves it to."""
    for obj in objects:
        meta = obj.get("metadata")
        got = meta.get("name") if isinstance(meta, dict) else None
        space = meta.get("namespace") if isinstance(meta, dict) else None
        if (
            obj.get("kind") == kind
            and isinstance(got, str)
            and _named_as(got, name, by)
            and (space == namespace or space in by.namespaces)
        ):
            return True
    return False


def _named_as(got: str, name: str, by: Renames) -> bool:
    # each step strips a non-empty prefix or suffix: the recursion ends
    return (
        got == name
        or any(got.startswith(p) and _named_as(got[len(p) :], name, by) for p in by.prefixes)
        or any(got.endswith(s) and _named_as(got[: -len(s)], name, by) for s in by.suffixes)
    )


def deleter(texts: Iterable[tuple[str, str]], kind: str, name: str) -> str | None:
    """Of ``(file, text)`` pairs the render read, the first whose ``$patch: delete`` names the
    object."""
    # the name whole on its line: "podinfo" is not "podinfo-redis"
    named = re.compile(rf"^[ \t]*name:[ \t]*[\"']?{re.escape(name)}[\"']?[ \t\r]*(#.*)?$", re.MULTILINE)
    for file, text in texts:
        if "$patch: delete" in text and f"kind: {kind}" in text and named.search(text):
            return file
    return None


# the pins that set an image in the objects a kustomization builds, in none of their own
_ENTRIES = frozenset({PinKind.KUSTOMIZE, PinKind.ARGOCD})


def judged(
    reading: EnvironmentReading,
    uncarried: Iterable[str],
    render: str,
    where: str,
    reached: Iterable[Path],
    base: Path,
    texts: Mapping[Path, str] | None = None,
) -> EnvironmentReading:
    """``reading`` with each image in ``uncarried`` (its marker nowhere in the render) whose
    every effective pin sits in an object the render of ``where`` (the kustomizations, as
    named) no longer holds said not rendered there, with the file that deletes it: no release
    is proposed for what the environment does not run. ``base``: the pins' files' directory;
    ``texts``: the files the render read as it read them, where not as they are."""
    out, names, objects, reached = [], set(uncarried), None, list(reached)
    by: Renames | None = None
    read = set(reached)
    for r in reading.images:
        # the objects of the files the render read that run the image, each with its pin
        held = {
            p.place: h
            for p in (r.pins if r.image in names else ())
            if Path(os.path.realpath(base / p.file)) in read
            and (h := holder(read_text(base / p.file) or "", p.line)) is not None
        }
        # each effective pin is in one of them, or is an entry naming the image (an images:
        # entry, an Argo CD Application's kustomize.images written into the build of its
        # path) that sets it only in those objects
        pins = [p for p in r.pins if p.effective]
        if not held or not pins or any(p.place not in held and p.kind not in _ENTRIES for p in pins):
            out.append(r)
            continue
        objects = objects if objects is not None else importlib.import_module(HELM_RENDER).objects(render)
        by = by if by is not None else renames(reached, texts or {})
        gone = [h for h in dict.fromkeys(held.values()) if not kept(objects, *h, by)]
        if len(gone) < len(set(held.values())):
            out.append(r)
            continue
        kind, name, _ = gone[0]
        place = next(at for at, h in held.items() if h == gone[0])
        file = deleter(sorted((_named(f, base), read_text(f) or "") for f in reached), kind, name)
        how = f"{file} deletes it ($patch: delete)" if file else f"it is not in {r.environment}'s render"
        said = f"kubectl kustomize {where} renders no {kind} {name}, which sets it at {place}: {how}"
        out.append(
            replace(r, status=PinStatus.NOT_RENDERED, pins=(), reason=said, fix=None, would_write=None)
        )
    return replace(reading, images=tuple(out))


def _named(path: Path, base: Path) -> str:
    return path.relative_to(base).as_posix() if path.is_relative_to(base) else str(path)


def over_values(readings: Mapping[str, EnvironmentReading], base: Path) -> dict[str, EnvironmentReading]:
    """``readings`` with each image a release would give an ``images:`` entry in its overlay while
    every place it wins is a HelmRelease's ``spec.values`` refused: kustomize sets containers'
    images, never those values, so the entry would change nothing that runs. The marked render
    shows it where it runs; where it does not (no kubectl, a remote base, past the size budget),
    the rules' no-op place is never proposed either. ``base``: the pins' files' directory."""
    out = {}
    for name, reading in readings.items():
        found = tuple(_over_values(r, base) for r in reading.images)
        out[name] = reading if found == reading.images else replace(reading, images=found)
    return out


def _over_values(r: ImageReading, base: Path) -> ImageReading:
    entry = r.would_write
    pins = [p for p in r.pins if p.effective]
    if r.status is not PinStatus.INHERITED or entry is None or entry.form != KUSTOMIZE_ENTRY or not pins:
        return r
    held = {holder(read_text(base / p.file) or "", p.line) if p.kind is PinKind.HELM else None for p in pins}
    if any(h is None or h[0] != "HelmRelease" for h in held):
        return r
    _, name, _ = sorted(h for h in held if h is not None)[0]
    own = entry.file.rpartition("/")[0] or "."
    return replace(
        r,
        status=PinStatus.UNSUPPORTED,
        reason=(
            f"a release writing {', '.join(entry.files)} would change nothing {r.environment} renders: "
            f"kustomize's images: entries set containers' images, never HelmRelease {name}'s spec.values"
        ),
        fix=(
            f"give {own} a patch of the HelmRelease whose spec.values set it at {pins[0].place} (patches: "
            "- path: FILE, target: {kind: HelmRelease}) holding the image's keys under spec.values; releases "
            "then write them there"
        ),
    )
