"""A Flux ``Kustomization``'s ``spec.images``: set in place (text in, text out; no I/O).

kustomize-controller applies these entries to the kustomization it builds at ``spec.path``,
each replacing that kustomization's entry of the same name or added after them, with
kustomize's fields and rules (``name`` matches, ``newName``, ``newTag``, ``digest``). So an
entry is written as :mod:`.kustomize` writes an ``images:`` entry: only the characters of the
values that change, the document re-read to prove nothing else did. An image with no entry
gets none here: the entry belongs to whoever wrote the Kustomization, and a release goes to the
environment's own kustomization instead."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from gitops_bot.manifests import kustomize, nodes
from gitops_bot.manifests.edit import EditResult, FieldChange
from gitops_bot.manifests.kustomize_text import ImageEdit, entry_ops
from gitops_bot.manifests.yamltext import Op, Text, YamlText, apply_ops

API = "kustomize.toolkit.fluxcd.io/"
RULE = "only the set fields of matched spec.images entries of Flux Kustomizations change, each in place"


def holds(text: str) -> bool:
    """Whether ``text`` may hold a Flux Kustomization with images (a cheap test first)."""
    return API in text and "images" in text


def _spec(doc: Any) -> Any:
    if not nodes.is_map(doc):
        return None
    kind, api = nodes.get(doc, "kind"), nodes.get(doc, "apiVersion")
    if (
        kind is None
        or api is None
        or kind[1].value != "Kustomization"
        or not str(api[1].value).startswith(API)
    ):
        return None
    spec = nodes.get(doc, "spec")
    return spec[1] if spec is not None and nodes.is_map(spec[1]) else None


def edit(text: str, filename: str, edits: Sequence[ImageEdit]) -> EditResult:
    """``edits`` applied to the ``spec.images`` entries of their names, in every Flux
    Kustomization of the file; fails (writing nothing) unless exactly those fields changed."""
    src = YamlText.of(text)
    t = Text(src)
    docs = nodes.compose_all(src.body, filename)
    wanted = {e.name: e for e in edits}
    ops: list[Op] = []
    changes: list[FieldChange] = []
    found: dict[str, None] = {}
    expected: list[Any] = []
    for doc in docs:
        spec = _spec(doc)
        images = kustomize.entry_nodes(spec, filename) if spec is not None else []
        plan: kustomize.Plan = []
        for i, (name, entry) in enumerate(images):
            if (e := wanted.get(name)) is None:
                continue
            found[name] = None
            current = kustomize.entry_values(entry)
            fields = kustomize.entry_fields(current, e)
            ops += entry_ops(t, entry, fields, filename)
            line = entry.start_mark.line + 1
            changes += [
                FieldChange(filename, name, f"spec.images[{i}]", line, f, current.get(f), v)
                for f, v in fields.items()
                if current.get(f) != v
            ]
            plan.append((i, name, fields))
        expected.append(_expected(doc, spec, plan))
    if not ops:
        return EditResult(text, (), tuple(found))
    body = apply_ops(src.body, ops)
    nodes.confirm(expected, body, filename, rule=RULE, documents=True)
    return EditResult(src.bom + body, tuple(changes), tuple(found))


def _expected(doc: Any, spec: Any, plan: kustomize.Plan) -> Any:
    """The document as comparable values, with the planned fields of its spec.images written."""
    if not plan:
        return nodes.plain(doc)
    data = dict(nodes.plain(doc))
    data[kustomize.field_key("spec")] = kustomize.expected_tree(spec, plan)
    return data
