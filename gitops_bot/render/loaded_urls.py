"""The remote addresses a kustomization names outside ``resources:``, ``components:`` and its
patches (the reader's own steps name those): every other file kustomize loads goes through the
same loader, which fetches an ``https://`` path over HTTP (through the operator's proxy, on the
repository author's say) and clones a git reference. Each such entry is named as not followed,
like a remote patch, so the kustomization is not rendered here (what it loads is not in the
repository) and the plan says what it did not read. Imported by name when a word of a kustomization's
text is an address (most kustomizations have none)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from gitops_bot.core.errors import GitOpsBotError
from gitops_bot.manifests import kustomize_refs, nodes
from gitops_bot.manifests.yamltext import YamlText
from gitops_bot.render.walk import NoteKind, Walk

# a key whose list holds paths (or, for the plugins, a path or a configuration written inline)
_LISTS = {
    "configurations": "configurations file",
    "crds": "CRD file",
    "generators": "generator",
    "transformers": "transformer",
    "validators": "validator",
}
# a key whose list holds mappings, and which of their keys hold a path or a list of paths
_ENTRIES = {
    "replacements": ("replacements file", ("path",)),
    "configMapGenerator": ("generator source", ("files", "envs", "env")),
    "secretGenerator": ("generator source", ("files", "envs", "env")),
    "helmCharts": ("values file", ("valuesFile", "additionalValuesFiles")),
}


def note(text: str, rel: str, walk: Walk) -> None:
    """Each remote entry of kustomization ``rel`` (its ``text``) outside its resources and
    patches, noted on ``walk`` as never followed."""
    try:
        root = nodes.compose(YamlText.of(text).body, rel)
    except GitOpsBotError:  # the reader's own parse of it says what is wrong
        return
    if not nodes.is_map(root):
        return
    for what, entry in _remote(root):
        walk.note(entry, f"a remote {what}, not followed", NoteKind.REMOTE, rel)
        if (said := kustomize_refs.remote_said(entry, what)) not in walk.said:
            walk.said.append(said)
        walk.unsure.update(walk.stack)


def _remote(root: Any) -> Iterator[tuple[str, str]]:
    for key, what in _LISTS.items():
        for value in _values(nodes.get(root, key)):
            if "\n" not in value and kustomize_refs.is_remote(value):  # not a configuration inline
                yield what, value
    openapi = nodes.get(root, "openapi")
    if openapi is not None and nodes.is_map(openapi[1]):
        paths = _values(nodes.get(openapi[1], "path"))
        yield from (("OpenAPI schema", v) for v in paths if kustomize_refs.is_remote(v))
    for key, (what, fields) in _ENTRIES.items():
        found = nodes.get(root, key)
        for item in found[1].value if found is not None and nodes.is_seq(found[1]) else ():
            for field in fields if nodes.is_map(item) else ():
                for value in _values(nodes.get(item, field)):
                    if kustomize_refs.is_remote(path := _path(field, value)):
                        yield what, path


def _path(field: str, value: str) -> str:
    """A generator's file written ``KEY=PATH``: its path; any other entry as written."""
    key, eq, path = value.partition("=")
    return path if field == "files" and eq and path and not kustomize_refs.is_remote(key) else value


def _values(found: tuple[Any, Any] | None) -> list[str]:
    """The text of a scalar, or of each scalar of a list, at ``found`` (a key and its value)."""
    if found is None:
        return []
    items = found[1].value if nodes.is_seq(found[1]) else [found[1]]
    return [str(n.value) for n in items if nodes.is_scalar(n) and not nodes.is_null(n) and n.value]
