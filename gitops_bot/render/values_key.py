"""Where a Helm values file an environment renders, or a Flux HelmRelease's ``spec.values``,
names an image as a plain value (a chart's ``image.repository``, or the whole reference under
``image``), so an image configured without ``helm:`` keys is told which keys to add. Read from
the walk's files (text in through ``text``; the place, key path and keys out)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import PurePosixPath
from typing import Any

from gitops_bot.core.errors import GitOpsBotError
from gitops_bot.core.imageref import WrittenRef
from gitops_bot.manifests import nodes, workloads
from gitops_bot.manifests.kustomize import KUSTOMIZATION_NAMES
from gitops_bot.manifests.yamltext import YamlText
from gitops_bot.render.walk import YAML_SUFFIXES, Walk


def values_key(text: Callable[[str], str | None], walk: Walk, image: str) -> tuple[str, str, str] | None:
    """Where a values file the walk read (or a HelmRelease's values) names ``image`` as a plain
    value: ``file:line``, the key path (said with what it is under), and the fix: the ``helm:``
    keys to add (``reference: KEY`` for a whole reference; else ``repository: KEY`` and its
    sibling tag key). An object of a kind no format reads naming it (a CatalogSource's
    ``spec.image``) is the same place, its fix the marker comment. ``text``: a file's text by
    its path under the config root."""
    # a name as a Flux marker gives it (namespace:policy) is no image reference: split as one,
    # its "repository" is the namespace, met in every object's metadata
    want = workloads.repository_key(image) if not (":" in image and "/" not in image) else None
    if want is None:
        return None
    for rel in walk.files:
        if not rel.endswith(YAML_SUFFIXES) or PurePosixPath(rel).name in KUSTOMIZATION_NAMES:
            continue
        body = text(rel)
        try:
            docs = nodes.compose_all(YamlText.of(body).body, rel) if body is not None else []
        except (GitOpsBotError, TypeError, ValueError):
            continue
        for doc in docs:
            root, under = _values(doc)
            if root is not None and (hit := _find(root, (), want)):
                line, key, keys = hit
                add = f"add helm: {{{keys}}} to the image in gitops-bot.yaml"
                return f"{rel}:{line}", f"{key}{under}", add
            kind = nodes.get(doc, "kind") if root is None and nodes.is_map(doc) else None
            if (
                kind is not None
                and nodes.is_scalar(kind[1])
                and not _scans(doc)
                and (hit := _find(doc, (), want))
            ):
                # an object of a kind no format reads (an OLM CatalogSource's spec.image)
                line, key, _ = hit
                return (
                    f"{rel}:{line}",
                    f"{key} of its {kind[1].value}, a field no format reads",
                    f'add the marker comment # {{"gitops-bot": "{image}"}} at the end of that line',
                )
    return None


def _scans(doc: Any) -> bool:
    """A Flux image automation object (ImageRepository, ImagePolicy): the image it names is
    what Flux scans, not what runs; no place to mark."""
    api = nodes.get(doc, "apiVersion")
    return (
        api is not None
        and nodes.is_scalar(api[1])
        and str(api[1].value).startswith("image.toolkit.fluxcd.io/")
    )


def _values(doc: Any) -> tuple[Any, str]:
    """A document's Helm values: a values file's root, or a HelmRelease's ``spec.values``."""
    if doc is None or not nodes.is_map(doc):
        return None, ""
    kind = nodes.get(doc, "kind")
    if kind is None:
        return doc, ""
    spec = nodes.get(doc, "spec") if nodes.is_scalar(kind[1]) and kind[1].value == "HelmRelease" else None
    values = nodes.get(spec[1], "values") if spec is not None and nodes.is_map(spec[1]) else None
    if values is None or not nodes.is_map(values[1]):
        return None, ""
    return values[1], " (under the HelmRelease's spec.values)"


def _find(node: Any, path: tuple[str, ...], want: str) -> tuple[int, str, str] | None:
    keys = {str(k.value): v for k, v in node.value if nodes.is_scalar(k)}
    for name, v in keys.items():
        key = ".".join((*path, name))
        if nodes.is_scalar(v) and workloads.repository_key(str(v.value)) == want:
            ref = WrittenRef.split(str(v.value))
            if ref.tag or ref.digest:
                return v.start_mark.line + 1, key, f"reference: {key}"
            tag = next((t for t in ("tag", "version") if t in keys and t != name), None)
            said = f"repository: {key}" + (f", tag: {'.'.join((*path, tag))}" if tag else "")
            return v.start_mark.line + 1, key, said
        if nodes.is_map(v) and (hit := _find(v, (*path, name), want)):
            return hit
    return None
