"""How a chart version's place is read in a YAML document, for the chart site readers
(:mod:`gitops_bot.manifests.charts`, :mod:`gitops_bot.manifests.charts_argocd`): a key looked
up as Helm, Argo CD, Flux and kustomize look it up, the version scalar under it, and the file
refused where those tools would read a key gitops-bot does not follow (a merge key, a key
matched ignoring case)."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any

from gitops_bot.core.errors import ManifestError
from gitops_bot.core.record import record
from gitops_bot.manifests import nodes


@record
class FoundVersion:
    """A version scalar a file pins a chart at: the chart's (name, repository key), the site's
    form and whether the mapping holding it is written in flow style."""

    spec_key: tuple[str, str]
    node: Any  # the version scalar
    form: str
    flow: bool
    oci_tag: bool = False  # an OCI tag: "+" is written "_"


class Refusal(Exception):
    """A reason to refuse the file, raised where the filename is not at hand."""

    def __init__(self, node: Any, message: str, hint: str) -> None:
        super().__init__(message)
        self.line, self.message, self.hint = node.start_mark.line + 1, message, hint


@contextmanager
def refusals(filename: str) -> Iterator[None]:
    """A :class:`Refusal` raised inside as the file's :class:`ManifestError`."""
    try:
        yield
    except Refusal as r:
        raise ManifestError(filename, r.line, r.message, hint=r.hint) from None


def version_node(mapping: Any, key: str) -> Any:
    """The version scalar under ``key``, or None where there is none to edit (absent, null,
    not a scalar, or a template)."""
    found = get(mapping, key)
    if found is None or not nodes.is_scalar(found[1]) or nodes.is_null(found[1]):
        return None
    return None if "{{" in str(found[1].value) else found[1]


def is_kind(doc: Any, api: str, kind: str) -> bool:
    return (
        nodes.is_map(doc)
        and string(doc, "kind", merged=True) == kind
        and string(doc, "apiVersion", merged=True).startswith(api)
    )


def no_folded_keys(mapping: Any, fields: Sequence[str], reader: str) -> None:
    """Helm (Chart.yaml) and kustomize (kustomization) decode through Go's encoding/json, which
    matches a key to a field ignoring case (a long s, U+017F, folded to "s") where no key is
    written exactly: ``Version:`` is the version there."""
    folded = {f.casefold(): f for f in fields}
    for k, _v in mapping.value if nodes.is_map(mapping) else ():
        field = folded.get(str(k.value).casefold()) if nodes.is_scalar(k) else None
        if field is not None and k.value != field:
            raise Refusal(
                k,
                f"key {k.value!r} is read by {reader} as {field!r}, which gitops-bot does not follow",
                f"write it {field!r}",
            )


def get(mapping: Any, key: str, *, merged: bool = False) -> tuple[Any, Any] | None:
    """``key`` of a mapping where a chart is looked for. A merge key (``<<``) there is refused
    (unless ``merged``: what it brings in is not looked at): Helm, Argo CD and kustomize read
    the keys it brings in, and a version reached through it is shared with its anchor."""
    found = None
    for k, v in mapping.value if nodes.is_map(mapping) else ():
        if not nodes.is_scalar(k):
            continue
        if not merged and k.tag.endswith(":merge"):
            raise Refusal(
                k,
                "a merge key (<<) where chart versions are looked for, which gitops-bot does not follow",
                "write the keys it brings in out in this mapping",
            )
        if found is None and k.value == key:
            found = (k, v)
    return found


def at(node: Any, path: tuple[str, ...]) -> Any:
    for key in path:
        found = get(node, key)
        if found is None:
            return None
        node = found[1]
    return node


def string(node: Any, key: str, *, merged: bool = False) -> str:
    found = get(node, key, merged=merged)
    return str(found[1].value) if found and nodes.is_scalar(found[1]) and not nodes.is_null(found[1]) else ""
