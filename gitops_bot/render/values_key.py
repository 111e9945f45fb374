"""Where a Helm values file an environment renders, or a Flux HelmRelease's ``spec.values``,
names an image as a plain value (a chart's ``image.repository``, or the whole reference under
``image``), so an image configured without ``helm:`` keys is told which keys to add. Read from
the walk's files (text in through ``text``; the place, key path and keys out)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import PurePosixPath
from typing import Any

from gitops_bot.core.errors import GitOpsBotError
from gitops_bot.core.imageref import WrittenRef
from gitops_bot.manifests import nodes, workloads
from gitops_bot.manifests.kustomize import KUSTOMIZATION_NAMES
from gitops_bot.manifests.yamltext import YamlText
from gitops_bot.render.walk import YAML_SUFFIXES, Walk


class ValuesKey:
    """:func:`values_key` over one walk's files, each file composed and its values' names
    indexed once: a reading asks it for each image it finds not rendered (199 images of
    tmax-cloud/argocd-installer walked every scalar of every values file once each)."""

    def __init__(self, text: Callable[[str], str | None], walk: Walk) -> None:
        self._text, self._walk = text, walk
        self._index: list[tuple[str, str, str, dict[str, _Hit]]] | None = None

    def __call__(self, image: str) -> tuple[str, str, str] | None:
        return values_key(self._text, self._walk, image, self)

    def index(self) -> list[tuple[str, str, str, dict[str, _Hit]]]:
        """Each document's (file, what it is under, its kind or "", the first place each
        repository is named in it), in the walk's order."""
        if self._index is None:
            self._index = list(_documents(self._text, self._walk))
        return self._index


def values_key(
    text: Callable[[str], str | None], walk: Walk, image: str, kept: ValuesKey | None = None
) -> tuple[str, str, str] | None:
    """Where a values file the walk read (or a HelmRelease's values) names ``image`` as a plain
    value: ``file:line``, the key path (said with what it is under), and the fix: the ``helm:``
    keys to add (``reference: KEY`` for a whole reference; else ``repository: KEY`` and its
    sibling tag key). An object of a kind no format reads naming it (a CatalogSource's
    ``spec.image``) is the same place, its fix the marker comment. ``text``: a file's text by
    its path under the config root; ``kept``: the walk's documents indexed already."""
    # a name as a Flux marker gives it (namespace:policy) is no image reference: split as one,
    # its "repository" is the namespace, met in every object's metadata
    want = workloads.repository_key(image) if not (":" in image and "/" not in image) else None
    if want is None:
        return None
    for rel, under, kind, names in kept.index() if kept is not None else _documents(text, walk):
        if (hit := names.get(want)) is None:
            continue
        line, key, keys = hit
        if not kind:
            add = f"add helm: {{{keys}}} to the image in gitops-bot.yaml"
            return f"{rel}:{line}", f"{key}{under}", add
        # an object of a kind no format reads (an OLM CatalogSource's spec.image)
        return (
            f"{rel}:{line}",
            f"{key} of its {kind}, a field no format reads",
            f'add the marker comment # {{"gitops-bot": "{image}"}} at the end of that line',
        )
    return None


_Hit = tuple[int, str, str]  # line, key path, the helm: keys to add


def _documents(
    text: Callable[[str], str | None], walk: Walk
) -> Iterator[tuple[str, str, str, dict[str, _Hit]]]:
    """The walk's documents that may name an image as a plain value: a values file's root or
    a HelmRelease's values ("" as kind), or an object of a kind no format reads (its kind),
    each with the first place (in the order a search meets them) each repository is named."""
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
            if root is not None:
                yield rel, under, "", _names(root, (), {})
                continue
            kind = nodes.get(doc, "kind") if nodes.is_map(doc) else None
            if kind is not None and nodes.is_scalar(kind[1]) and not _scans(doc):
                yield rel, "", str(kind[1].value), _names(doc, (), {})


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


def _names(node: Any, path: tuple[str, ...], found: dict[str, _Hit]) -> dict[str, _Hit]:
    """Each repository a mapping names as a plain value (under it too), at the first place a
    depth-first search meets it: the key path, and the ``helm:`` keys to add (``reference:``
    for a whole reference, else ``repository:`` and its sibling tag key)."""
    keys = {str(k.value): v for k, v in node.value if nodes.is_scalar(k)}
    for name, v in keys.items():
        key = ".".join((*path, name))
        if nodes.is_scalar(v):
            want = workloads.repository_key(str(v.value))
            if want is None or want in found:
                continue
            ref = WrittenRef.split(str(v.value))
            if ref.tag or ref.digest:
                found[want] = (v.start_mark.line + 1, key, f"reference: {key}")
                continue
            if not _names_an_image(key, str(v.value)):
                continue
            tag = next((t for t in ("tag", "version") if t in keys and t != name), None)
            said = f"repository: {key}" + (f", tag: {'.'.join((*path, tag))}" if tag else "")
            found[want] = (v.start_mark.line + 1, key, said)
        elif nodes.is_map(v):
            _names(v, (*path, name), found)
    return found


def _names_an_image(key: str, value: str) -> bool:
    """Whether a value with no tag may be an image's repository: one naming its registry
    (``ghcr.io/acme/app``), or a bare name (``nextcloud``, ``busybox``) under a key naming an
    image (``image.repository``, ``repo``). A bare name elsewhere is a word the image shares (an
    Application's ``metadata.name``, a database owner's ``nextcloud: nextcloud``)."""
    host = value.split("/", 1)[0]
    if "/" in value and ("." in host or ":" in host or host == "localhost"):
        return True
    parts = key.lower().split(".")
    return any("image" in p for p in parts) or parts[-1] in ("repository", "repo")
