"""Helm values a Flux HelmRelease takes from a ConfigMap or Secret kustomize generates from a
file of the repository: ``configMapGenerator: [{name: app-values, files: [values.yaml=values.yaml]}]``
beside the HelmRelease's ``valuesFrom: [{kind: ConfigMap, name: app-values, valuesKey:
values.yaml}]`` (wahooli/gitops-repo's apps are shaped so). Flux merges that key's text as the
release's values, whatever chart it installs (one of the repository, or one Flux fetches): the file
is the environment's own values layer, read as a values file (a ``$imagepolicy`` marker in it
found as in ``spec.values``) and released into. A generated file no HelmRelease the environment
renders takes is a ConfigMap's data, not read.
"""

from __future__ import annotations

from pathlib import Path, PurePosixPath
from typing import Protocol

from gitops_bot.render import walk as walks
from gitops_bot.render.helm_render import at, objects, scalar_at
from gitops_bot.render.walk import YAML_SUFFIXES, Tree, Walk

# kustomize's generators -> the kind of what they generate, as valuesFrom names it
GENERATORS = {"configMapGenerator": "ConfigMap", "secretGenerator": "Secret"}


class _Steps(Protocol):
    config_root: Path
    tree: Tree

    def rel(self, path: Path) -> str: ...

    def read_file(self, path: Path, walk: Walk) -> str | None: ...

    def plain(self, path: Path, text: str, walk: Walk, how: str = "") -> None: ...


def read(reader: _Steps, directory: Path, text: str, walk: Walk) -> None:
    """Each file the kustomization ``text`` (in ``directory``) generates a ConfigMap or Secret key
    from, that a HelmRelease of the environment takes through ``valuesFrom``: read as its values.
    Called after the kustomization's resources and patches are read, where a HelmRelease (or the
    overlay's patch giving it ``valuesFrom``) is among the environment's files."""
    generated = _generated(text)
    if not generated:
        return
    taken = _taken(reader, walk)
    for kind, name, key, entry in generated:
        release = taken.get((kind, name, key))
        path = walks.joined(directory, entry)
        if release is None or path.suffix not in YAML_SUFFIXES:
            continue
        if (body := reader.read_file(path, walk)) is None:
            continue
        rel = reader.rel(path)
        walk.note(rel, f"the values HelmRelease {release} takes from {kind} {name} (valuesFrom, key {key})")
        walk.own_values(rel)
        reader.plain(path, body, walk, walk.helm_reads(rel))


def _generated(text: str) -> list[tuple[str, str, str, str]]:
    """(kind, name, key, file) of each file a generator of the kustomization makes a key of:
    ``key=file``, or the file alone, keyed by its name."""
    out: list[tuple[str, str, str, str]] = []
    for doc in objects(text):
        for field, kind in GENERATORS.items():
            generators = at(doc, field)
            for g in generators if isinstance(generators, list) else []:
                name = scalar_at(g, "name")
                made = at(g, "files")
                for f in made if isinstance(made, list) and name else []:
                    if isinstance(f, str) and f.strip():
                        key, _, file = f.partition("=") if "=" in f else (PurePosixPath(f).name, "", f)
                        out.append((kind, name, key.strip(), file.strip()))
    return out


def _taken(reader: _Steps, walk: Walk) -> dict[tuple[str, str, str], str]:
    """(kind, name, key) -> the HelmRelease taking it, of each ``valuesFrom`` among the files the
    environment renders so far."""
    out: dict[tuple[str, str, str], str] = {}
    for rel in walk.files:
        text = reader.tree.text(reader.config_root / rel)
        if not text or "valuesFrom" not in text:
            continue
        for doc in objects(text):
            if doc.get("kind") != "HelmRelease":
                continue
            froms = at(doc, "spec", "valuesFrom")
            for ref in froms if isinstance(froms, list) else []:
                if (kind := scalar_at(ref, "kind")) in GENERATORS.values():
                    named = (kind, scalar_at(ref, "name"), scalar_at(ref, "valuesKey") or "values.yaml")
                    out.setdefault(named, scalar_at(doc, "metadata", "name"))
    return out
