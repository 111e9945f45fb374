"""The list elements of an ApplicationSet written in place: the scalar a generated Application's
``helm.parameters`` value, ``helm.valuesObject`` scalar or ``kustomize.images`` entry takes whole
is that Application's own, and a release for its environment writes it there (through the
editors an Application's own fields are written by). Imported by name when an edited file holds
an ApplicationSet."""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from typing import Any

from gitops_bot.core.errors import ManifestError
from gitops_bot.manifests import argocd_apps, nodes
from gitops_bot.manifests.argocd_apps import at
from gitops_bot.manifests.argocd_appsets import Literal, Unexpanded, named, template_values, value
from gitops_bot.manifests.edit import APP_VALUES_OBJECT, APP_VALUES_STRING, EditResult
from gitops_bot.manifests.site_values import Update


def _element_values(
    docs: list[Any], filename: str, application: str | None, path: tuple[str, ...]
) -> Iterator[list[tuple[str, Literal, str]]]:
    """Of each Application the ApplicationSets among ``docs`` generate (only ``application``
    when given): each item at ``path`` of its template's sources (``helm``, ``parameters``; or
    :data:`OWN`: its own Helm values' scalars by dotted key) whose value (its ``value``, or the
    item itself) is one list element's scalar whole, with its name, it and the field it is in.
    An ``application`` the names of several elements' Applications may be is refused, naming
    them."""
    for doc in docs:
        if not nodes.is_map(doc) or argocd_apps.scalar(doc, "kind") != "ApplicationSet":
            continue
        spec = at(doc, "spec", "template", "spec")
        many = at(spec, "sources")
        sources = [at(spec, "source"), *(many.value if nodes.is_seq(many) else [])]
        items = [(n, w, _field(s, path)) for s in sources for n, w in _items(s, path)]
        try:
            go, sets = named(doc, application)
        except Unexpanded:
            continue
        if application is not None and len(sets) > 1 and any(n != application for n, _ in sets):
            _ambiguous(doc, filename, application, sets)
        for _, params in sets:
            out = []
            for name, written, field in items:
                try:
                    got = value(written, params, go)
                except Unexpanded:
                    continue
                if isinstance(got, Literal):
                    out.append((name, got, field))
            yield out


def _items(source: Any, path: tuple[str, ...]) -> list[tuple[str, str]]:
    return template_values(at(source, "helm")) if path == OWN else _written(at(source, *path))


def _field(source: Any, path: tuple[str, ...]) -> str:
    """The field a release of a source's items writes through, as a release names it."""
    if path != OWN:
        return f"argocd {'.'.join(path)}"
    return APP_VALUES_OBJECT if nodes.is_map(at(source, "helm", "valuesObject")) else APP_VALUES_STRING


# a template's own Helm values (valuesObject, else a values string): :func:`template_values`
OWN = ("helm", "own values")


def _written(found: Any) -> list[tuple[str, str]]:
    """(name, text) of each item of a list at a template's path (a parameter's ``name`` and
    ``value``, or an entry whole)."""
    out = []
    for item in found.value if nodes.is_seq(found) else []:
        written = argocd_apps.scalar(item, "value") if nodes.is_map(item) else None
        written = str(item.value) if nodes.is_scalar(item) else written
        if written is not None:
            out.append((argocd_apps.scalar(item, "name") or "" if nodes.is_map(item) else "", written))
    return out


def _ambiguous(doc: Any, filename: str, application: str, sets: list[tuple[str, dict[str, Any]]]) -> None:
    """Several list elements' Applications may be named ``application``: none is written."""
    meta = at(doc, "spec", "template", "metadata")
    found = nodes.get(meta, "name") if nodes.is_map(meta) else None
    lines = [
        str(v.node.start_mark.line + 1)
        for _, p in sets
        if (v := next((v for v in p.values() if isinstance(v, Literal)), None)) is not None
    ]
    raise ManifestError(
        filename,
        found[1].start_mark.line + 1 if found else None,
        f"{application} may be the Application of {len(sets)} list elements (lines {', '.join(lines)}): "
        f"the name {found[1].value if found else ''!r} takes what only Argo CD lists (a git generator's "
        "directory), so the bot cannot tell which element is its own and writes none",
        hint="name the generated Applications so that no element's value ends another's (env: dev beside "
        "env: pre-dev), or move the version into a values file of each Application",
    )


def edit_parameters(
    text: str,
    filename: str,
    helm: Mapping[str, Mapping[str, str]],
    updates: Sequence[Update],
    application: str | None = None,
) -> EditResult:
    """The list elements' scalars the ApplicationSets' ``helm.parameters`` (``value: '{{tag}}'``)
    and own Helm values (``valuesObject``, or a ``values`` string: ``tag: '{{tag}}'``) take whole
    set in place, as an
    Application's own parameters are (:func:`argocd_apps.edit_parameter_values`: one editor):
    the element of each generated Application, only ``application``'s when given (its own)."""

    def each(docs: list[Any]) -> Iterator[Mapping[str, tuple[bool, Any, str]]]:
        objects = _element_values(docs, filename, application, OWN)
        parameters = _element_values(docs, filename, application, ("helm", "parameters"))
        for values, params in zip(objects, parameters, strict=True):  # Argo CD sets parameters last
            yield {name: (v.flow, v.node, field) for name, v, field in (*values, *params)}

    return argocd_apps.edit_parameter_values(text, filename, helm, updates, each)


def edit_images(
    text: str,
    filename: str,
    wanted: Mapping[str, tuple[str, str | None, str | None]],
    application: str | None = None,
) -> EditResult:
    """The list elements' scalars the ApplicationSets' ``kustomize.images`` entries take whole
    (``- '{{image}}'``) set in place, as an Application's own entries are
    (:func:`argocd_apps.edit_entries`: one editor)."""

    def each(docs: list[Any]) -> Iterator[tuple[bool, Any]]:
        for found in _element_values(docs, filename, application, ("kustomize", "images")):
            yield from ((v.flow, v.node) for _, v, _ in found)

    return argocd_apps.edit_entries(text, filename, wanted, each)
