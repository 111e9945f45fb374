"""Whether the object that sets an image's version is still in an environment's render.

The rules read a base's HelmRelease (or Deployment) as the environment's pin; an overlay's
``$patch: delete`` (or a ``patches:`` entry deleting it) leaves it out of what kubectl renders, so a
release written for that environment would change nothing that runs: the environment does not
run the image, and is told which file deletes the object."""

from __future__ import annotations

import os
import re
from collections.abc import Iterable
from dataclasses import replace
from pathlib import Path

import yaml

from gitops_bot.core.reading import EnvironmentReading, PinStatus
from gitops_bot.manifests.guard import LOADER
from gitops_bot.render import helm_render
from gitops_bot.render.bounded import MAX_OUTPUT


def holder(text: str, line: int) -> tuple[str, str] | None:
    """The kind and ``metadata.name`` of the YAML document holding 1-based ``line``; None when
    it is no named Kubernetes object (a kustomization, a values file) or does not parse."""
    loader = LOADER(text)
    try:
        while loader.check_node():
            node = loader.get_node()
            if node is None or not node.start_mark.line < line <= node.end_mark.line + 1:
                continue
            doc = yaml.constructor.SafeConstructor().construct_document(node)
            meta = doc.get("metadata") if isinstance(doc, dict) else None
            kind, name = (doc.get("kind"), meta.get("name")) if isinstance(meta, dict) else (None, None)
            if str(doc.get("apiVersion", "")).startswith("kustomize.config.k8s.io"):
                return None
            return (kind, name) if isinstance(kind, str) and isinstance(name, str) else None
    except yaml.YAMLError:
        return None
    finally:
        loader.dispose()
    return None


def kept(objects: Iterable[dict[str, object]], kind: str, name: str) -> bool:
    """Whether the render holds an object of ``kind`` named ``name`` (with any prefix or suffix
    a ``namePrefix:``/``nameSuffix:`` adds)."""
    for obj in objects:
        meta = obj.get("metadata")
        got = meta.get("name") if isinstance(meta, dict) else None
        if obj.get("kind") == kind and isinstance(got, str) and name in got:
            return True
    return False


def deleter(texts: Iterable[tuple[str, str]], kind: str, name: str) -> str | None:
    """Of ``(file, text)`` pairs the render read, the first whose ``$patch: delete`` names the
    object."""
    # the name whole on its line: "podinfo" is not "podinfo-redis"
    named = re.compile(rf"^\s*name:\s*[\"']?{re.escape(name)}[\"']?\s*(#.*)?$", re.MULTILINE)
    for file, text in texts:
        if "$patch: delete" in text and f"kind: {kind}" in text and named.search(text):
            return file
    return None


def judged(
    reading: EnvironmentReading,
    uncarried: Iterable[str],
    render: str,
    where: str,
    reached: Iterable[Path],
    base: Path,
) -> EnvironmentReading:
    """``reading`` with each image in ``uncarried`` (its marker nowhere in the render) whose
    every effective pin sits in an object the render of ``where`` (the kustomizations, as
    named) no longer holds said not rendered there, with the file that deletes it: no release
    is proposed for what the environment does not run. ``base``: the pins' files' directory."""
    out, names, objects, reached = [], set(uncarried), None, list(reached)
    read = set(reached)
    for r in reading.images:
        pins = [p for p in r.pins if p.effective] if r.image in names else []
        held = [h for p in pins if (h := holder(_text(base / p.file), p.line)) is not None]
        # a pin in a file the render did not read (an Argo CD Application's own kustomize.images,
        # written into the build of its path) is in no object of it: none was deleted
        if (
            not pins
            or len(held) < len(pins)
            or any(Path(os.path.realpath(base / p.file)) not in read for p in pins)
        ):
            out.append(r)
            continue
        objects = objects if objects is not None else helm_render.objects(render)
        gone = [h for h in dict.fromkeys(held) if not kept(objects, *h)]
        if len(gone) < len(set(held)):
            out.append(r)
            continue
        kind, name = gone[0]
        by = deleter(sorted((_named(f, base), _text(f)) for f in reached), kind, name)
        how = f"{by} deletes it ($patch: delete)" if by else f"it is not in {r.environment}'s render"
        said = f"kubectl kustomize {where} renders no {kind} {name}, which sets it at {pins[0].place}: {how}"
        out.append(
            replace(r, status=PinStatus.NOT_RENDERED, pins=(), reason=said, fix=None, would_write=None)
        )
    return replace(reading, images=tuple(out))


def _named(path: Path, base: Path) -> str:
    return path.relative_to(base).as_posix() if path.is_relative_to(base) else str(path)


def _text(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8") if path.stat().st_size <= MAX_OUTPUT else ""
    except (OSError, UnicodeDecodeError):
        return ""
