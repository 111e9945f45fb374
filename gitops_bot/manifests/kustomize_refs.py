"""What a kustomization makes kustomize read besides itself (text in, values out; no I/O):
its ``resources:`` (and legacy ``bases:``), ``components:``, and its patches of every form
(``patches:`` by path or inline, ``patchesStrategicMerge:``, ``patchesJson6902:``); and the
image values a JSON 6902 patch sets (an ``image`` string, or a container whose ``image:`` it
holds). Strategic-merge patches hold containers as a workload does: :func:`images.read` reads
them."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from gitops_bot.core.errors import GitOpsBotError
from gitops_bot.core.model import WrittenRef
from gitops_bot.manifests import images, nodes
from gitops_bot.manifests.yamltext import YamlText


@dataclass(frozen=True, slots=True)
class Selector:
    """A ``patches:`` entry's ``target:``: kustomize matches ``kind`` and ``name`` as anchored
    regular expressions. Its namespace, labels, annotations, group or version only ever select
    fewer, so a target whose kind and name match nothing built selects nothing at all."""

    kind: str
    name: str

    def selects(self, kind: str, name: str) -> bool:
        return _matches(self.kind, kind) and _matches(self.name, name)


def _matches(pattern: str, value: str) -> bool:
    if not pattern:
        return True
    try:
        return re.fullmatch(pattern, value) is not None
    except re.error:
        return pattern == value


@dataclass(frozen=True, slots=True)
class Patch:
    """One patch of a kustomization: a file (``path``) or text written in it (``inline``,
    whose first line is line ``first_line`` of the kustomization, 1-based). ``json6902``:
    listed where only JSON 6902 goes; None when its own text says which form it is."""

    path: str | None
    inline: str | None
    first_line: int
    json6902: bool | None
    target: str = ""  # ``Kind/name`` of its target, as far as the entry says
    selector: Selector | None = None  # its ``target:``, when it has one


@dataclass(frozen=True, slots=True)
class Refs:
    resources: tuple[str, ...]  # resources: and bases:, in the order kustomize reads them
    components: tuple[str, ...]
    patches: tuple[Patch, ...]
    refused: str = ""  # why kustomize itself refuses the kustomization ("" when it builds)
    # what makes the names it builds other than its resources' own (a prefix, a generator):
    # "" when its resources' kinds and names are what its patches select from
    unsure: str = ""
    component: bool = False  # ``kind: Component``: its patches apply to what includes it


def is_remote(entry: str) -> bool:
    """A resource kustomize fetches (a URL, a git reference): not in the repository."""
    return "://" in entry or entry.startswith(("git@", "github.com/", "gitlab.com/", "bitbucket.org/"))


def _strings(root: Any, key: str) -> list[str]:
    found = nodes.get(root, key)
    if found is None or not nodes.is_seq(found[1]):
        return []
    return [str(n.value) for n in found[1].value if nodes.is_scalar(n) and not nodes.is_null(n) and n.value]


def _inline(node: Any) -> tuple[str, int]:
    """An inline patch's text and the 1-based line of the kustomization its first line is on
    (a block scalar's text starts on the line after its ``|``)."""
    start = int(node.start_mark.line) + 1
    return str(node.value), start + 1 if node.style in ("|", ">") else start


def _target(node: Any) -> tuple[str, Selector | None]:
    found = nodes.get(node, "target")
    if found is None or not nodes.is_map(found[1]):
        return "", None
    parts = [nodes.get(found[1], k) for k in ("kind", "name")]
    kind, name = (str(p[1].value) if p is not None and nodes.is_scalar(p[1]) else "" for p in parts)
    return f"{kind}/{name}", Selector(kind, name)


def _patch(node: Any, json6902: bool | None) -> Patch | None:
    if nodes.is_scalar(node) and not nodes.is_null(node) and node.value:
        if "\n" in str(node.value):  # patchesStrategicMerge takes a patch written inline too
            text, line = _inline(node)
            return Patch(None, text, line, json6902)
        return Patch(str(node.value), None, 0, json6902)
    if not nodes.is_map(node):
        return None
    path, patch = nodes.get(node, "path"), nodes.get(node, "patch")
    target, selector = _target(node)
    if path is not None and nodes.is_scalar(path[1]) and path[1].value:
        return Patch(str(path[1].value), None, 0, json6902, target, selector)
    if patch is not None and nodes.is_scalar(patch[1]) and patch[1].value:
        text, line = _inline(patch[1])
        return Patch(None, text, line, json6902, target, selector)
    return None


def _patches(root: Any, key: str, json6902: bool | None) -> list[Patch]:
    found = nodes.get(root, key)
    if found is None or not nodes.is_seq(found[1]):
        return []
    return [p for n in found[1].value if (p := _patch(n, json6902)) is not None]


def refs(text: str, filename: str) -> Refs:
    """The kustomization's references, in kustomize's order: resources (``bases:`` after
    ``resources:``, as kustomize appends them), components, then patches (``patches:``, then
    the legacy keys)."""
    root = nodes.compose(YamlText.of(text).body, filename)
    if not nodes.is_map(root):
        return Refs((), (), ())
    found = nodes.get(root, "patches")
    plain = [n for n in found[1].value if nodes.is_scalar(n)] if found and nodes.is_seq(found[1]) else []
    refused = (
        f"kustomize refuses {filename}:{int(plain[0].start_mark.line) + 1}: a patches: entry must be a "
        "mapping (path: or patch:), not a plain string"
        if plain
        else ""
    )
    return Refs(
        tuple(_strings(root, "resources") + _strings(root, "bases")),
        tuple(_strings(root, "components")),
        tuple(
            _patches(root, "patches", None)
            + _patches(root, "patchesStrategicMerge", False)
            + _patches(root, "patchesJson6902", True)
        ),
        refused,
        next((f"its {k}:" for k in _RENAMING if nodes.get(root, k) is not None), ""),
        _scalar(root, "kind") == "Component",
    )


# what builds names other than the resources' own, or objects no resource file holds
_RENAMING = (
    "namePrefix",
    "nameSuffix",
    "helmCharts",
    "helmChartInflationGenerator",
    "generators",
    "transformers",
    "replacements",
    "openapi",
    "crds",
)


def _scalar(node: Any, key: str) -> str:
    found = nodes.get(node, key) if nodes.is_map(node) else None
    return str(found[1].value) if found is not None and nodes.is_scalar(found[1]) else ""


def objects(text: str, filename: str) -> list[tuple[str, str]] | None:
    """The ``(kind, metadata.name)`` of each object a resource file holds (a ``List``'s items
    too); None when a document is not an object whose kind and name are plain text."""
    out: list[tuple[str, str]] = []
    try:
        docs = nodes.compose_all(YamlText.of(text).body, filename)
    except GitOpsBotError:
        return None
    stack = list(docs)
    while stack:
        doc = stack.pop(0)
        if doc is None or nodes.is_null(doc):
            continue
        if not nodes.is_map(doc):
            return None
        kind = _scalar(doc, "kind")
        items = nodes.get(doc, "items")
        if kind.endswith("List") and items is not None and nodes.is_seq(items[1]):
            stack += list(items[1].value)
            continue
        meta = nodes.get(doc, "metadata")
        name = _scalar(meta[1], "name") if meta is not None else ""
        if not kind or not name:
            return None
        out.append((kind, name))
    return out


def _spec_of(ref: WrittenRef, specs: Sequence[images.ImageSpec]) -> images.ImageSpec | None:
    key = ref.location
    return next(
        (
            s
            for s in specs
            if (s.repository_key and s.repository_key == key) or (s.written and s.written == ref.name)
        ),
        None,
    )


def _image_scalars(value: Any, path: str) -> list[Any]:
    """The ``image`` scalars an operation's value sets: the value itself when the path ends at
    ``/image``, a container's ``image:``, or each container's in a list of them."""
    if nodes.is_scalar(value):
        return [value] if path.rstrip("/").endswith("/image") and not nodes.is_null(value) else []
    if nodes.is_map(value):
        found = nodes.get(value, "image")
        return [found[1]] if found is not None and nodes.is_scalar(found[1]) else []
    if nodes.is_seq(value):
        return [n for item in value.value for n in _image_scalars(item, path + "/-")]
    return []


def json6902_sites(text: str, filename: str, specs: Sequence[images.ImageSpec]) -> list[images.Site]:
    """The images a JSON 6902 patch sets (``add``/``replace`` operations), as sites."""
    out: list[images.Site] = []
    for doc in nodes.compose_all(YamlText.of(text).body, filename):
        if not nodes.is_seq(doc):
            continue
        for op in doc.value:
            if not nodes.is_map(op):
                continue
            kind, path, value = nodes.get(op, "op"), nodes.get(op, "path"), nodes.get(op, "value")
            if kind is None or path is None or value is None or str(kind[1].value) not in ("add", "replace"):
                continue
            for scalar in _image_scalars(value[1], str(path[1].value)):
                ref = WrittenRef.split(str(scalar.value))
                spec = _spec_of(ref, specs)
                if spec is not None:
                    line = int(scalar.start_mark.line) + 1
                    out.append(images.Site(spec.name, "patch", line, ref.name, ref.tag, ref.digest or None))
    return out


def is_json6902(text: str, filename: str) -> bool:
    """A patch whose document is a list of operations (else a strategic-merge patch)."""
    docs = nodes.compose_all(YamlText.of(text).body, filename)
    return bool(docs) and nodes.is_seq(docs[0])


def patch_sites(
    text: str, filename: str, specs: Sequence[images.ImageSpec], json6902: bool | None
) -> list[images.Site]:
    """The image sites of one patch's text, whichever its form."""
    if json6902 is True or (json6902 is None and is_json6902(text, filename)):
        return json6902_sites(text, filename, specs)
    return images.read(text, filename, specs, strict=False)
