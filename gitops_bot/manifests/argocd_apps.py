"""What an Argo CD ``Application`` makes Argo CD render (text in, values out; no I/O): each
source's ``path`` in the repository, its Helm ``valueFiles`` and ``parameters``, and its
``kustomize.images`` (argocd-image-updater's write-back target), with the line of each value.
A source naming a chart of a Helm repository (``chart:``) or another repository is named, not
followed: nothing of it is in this repository."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from gitops_bot.manifests import nodes
from gitops_bot.manifests.yamltext import Source


@dataclass(frozen=True, slots=True)
class Setting:
    """A value the Application sets: a ``kustomize.images`` entry (``name=new:tag`` or
    ``name:tag``) or a Helm parameter (``name``/``value``)."""

    name: str
    value: str
    line: int


@dataclass(frozen=True, slots=True)
class AppSource:
    application: str  # metadata.name
    path: str | None  # in the repository; None: a chart or an outside source
    repo_url: str
    chart: str | None
    value_files: tuple[str, ...]
    parameters: tuple[Setting, ...]
    images: tuple[Setting, ...]
    line: int  # of the source


def _scalar(node: Any, key: str) -> str | None:
    found = nodes.get(node, key) if nodes.is_map(node) else None
    if found is None or not nodes.is_scalar(found[1]) or nodes.is_null(found[1]):
        return None
    return str(found[1].value)


def _at(node: Any, *keys: str) -> Any:
    for key in keys:
        found = nodes.get(node, key) if nodes.is_map(node) else None
        if found is None:
            return None
        node = found[1]
    return node


def _items(node: Any) -> list[Any]:
    return list(node.value) if nodes.is_seq(node) else []


def _source(app: str, node: Any) -> AppSource:
    helm = _at(node, "helm")
    params = tuple(
        Setting(name, value, int(item.start_mark.line) + 1)
        for item in _items(_at(helm, "parameters"))
        if (name := _scalar(item, "name")) and (value := _scalar(item, "value")) is not None
    )
    images = tuple(
        Setting(str(item.value), str(item.value), int(item.start_mark.line) + 1)
        for item in _items(_at(node, "kustomize", "images"))
        if nodes.is_scalar(item) and item.value
    )
    files = tuple(str(i.value) for i in _items(_at(helm, "valueFiles")) if nodes.is_scalar(i) and i.value)
    return AppSource(
        app,
        _scalar(node, "path"),
        _scalar(node, "repoURL") or "",
        _scalar(node, "chart"),
        files,
        params,
        images,
        int(node.start_mark.line) + 1,
    )


def sources(text: str, filename: str) -> list[AppSource]:
    """Every source of every ``Application`` in the file, in file order."""
    out: list[AppSource] = []
    for doc in nodes.compose_all(Source.of(text).body, filename):
        if not nodes.is_map(doc) or _scalar(doc, "kind") != "Application":
            continue
        if not (_scalar(doc, "apiVersion") or "").startswith("argoproj.io/"):
            continue
        name = _scalar(_at(doc, "metadata"), "name") or ""
        one = _at(doc, "spec", "source")
        out += [_source(name, one)] if nodes.is_map(one) else []
        out += [_source(name, s) for s in _items(_at(doc, "spec", "sources")) if nodes.is_map(s)]
    return out
