"""Kustomize ``images:`` entries: read them, and set them by replacing only the characters of
the values that change (text in, text out; no I/O).

kustomize matches an entry by ``name`` exactly; ``newName`` never matches. Field rules follow
``kustomize edit set image``: a tag set without a digest drops a stale digest (it would keep
pinning the old image); a digest set alone keeps ``newTag`` (the ``tag@digest`` pin); a
``newName`` set alone touches nothing else.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from pathlib import Path, PurePath
from typing import Any, TypeVar

from gitops_bot.core.errors import ManifestError, UsageError
from gitops_bot.core.model import WrittenRef
from gitops_bot.core.record import record
from gitops_bot.manifests import nodes
from gitops_bot.manifests.edit import EditResult, FieldChange
from gitops_bot.manifests.kustomize_text import FIELDS, append_ops, entry_ops, insert_op
from gitops_bot.manifests.kustomize_text import ImageEdit as ImageEdit  # callers name it here too
from gitops_bot.manifests.yamltext import Op, Text, YamlText, apply_ops

KUSTOMIZATION_NAMES = ("kustomization.yaml", "kustomization.yml", "Kustomization")


P = TypeVar("P", bound=PurePath)


def renders_chart(kind: str, directory: P, holds: Callable[[P], object]) -> bool:
    """Whether Argo CD renders ``directory`` as a Helm chart: the type its source names
    (``helm:``, ``kustomize:``, ``directory:`` or ``plugin:``, argo-cd's ``ExplicitType``), else
    what the path holds, a kustomization before a ``Chart.yaml`` (its repo server's discovery
    walks the files in order and keeps the last it knows: ``kustomization.yaml`` sorts after).
    ``holds``: a file's text, or whether it is there (None or False: it is not)."""
    if holds(directory / "Chart.yaml") in (None, False):
        return False
    return kind == "helm" if kind else all(holds(directory / n) in (None, False) for n in KUSTOMIZATION_NAMES)


@record
class KustomizeImage:
    """One ``images:`` entry of a kustomization."""

    name: str
    new_name: str | None
    new_tag: str | None
    digest: str | None
    line: int  # 1-based, of the entry
    value_line: int = 0  # 1-based, of the version it sets (newTag, else digest; 0: neither)


def chart_places(doc: Mapping[str, Any], entry: Mapping[str, Any]) -> tuple[str, str]:
    """Where kustomize finds a ``helmCharts`` entry's chart before it pulls one, relative to the
    kustomization: ``<chartHome>/<name>``, then ``<chartHome>/<name>-<version>/<name>`` (where it
    pulls to); ``chartHome`` is ``charts`` unless ``helmGlobals`` sets it."""
    held = doc.get("helmGlobals")
    home = str(held.get("chartHome") or "charts") if isinstance(held, Mapping) else "charts"
    name, version = str(entry.get("name") or ""), str(entry.get("version") or "")
    return f"{home}/{name}", f"{home}/{name}-{version}/{name}"


def find_kustomization(directory: Path) -> Path:
    for name in KUSTOMIZATION_NAMES:
        candidate = directory / name
        if candidate.is_file():
            return candidate
    raise UsageError(
        f"no kustomization file in {directory}",
        hint=f"expected one of {', '.join(KUSTOMIZATION_NAMES)}",
    )


# -- reading ---------------------------------------------------------------------------


def _root(text: str, filename: str) -> Any:
    root = nodes.compose(YamlText.of(text).body, filename)
    if root is not None and not nodes.is_map(root):
        raise ManifestError(filename, 1, "a kustomization must be a mapping")
    return root


def _images(root: Any, filename: str) -> tuple[Any, Any] | None:
    found = nodes.get(root, "images") if root is not None else None
    if found is None:
        return None
    key, value = found
    if not (nodes.is_seq(value) or nodes.is_null(value)):
        raise ManifestError(filename, key.start_mark.line + 1, "'images' must be a list")
    return key, value


def _entries(images: Any, filename: str) -> list[tuple[str, Any]]:
    """(name, entry node) of every entry, in file order. A name may appear twice: kustomize
    builds that, applying one transformer per entry in turn, so the later entry's fields win
    wherever the earlier one left the name matching."""
    out: list[tuple[str, Any]] = []
    if not nodes.is_seq(images):
        return out
    for entry in images.value:
        line = entry.start_mark.line + 1
        if not nodes.is_map(entry):
            raise ManifestError(filename, line, "each 'images' entry must be a mapping with 'name'")
        for k, v in entry.value:
            if nodes.is_scalar(k) and k.value in FIELDS and not nodes.is_scalar(v):
                raise ManifestError(filename, k.start_mark.line + 1, f"'{k.value}' must be a single value")
        name = nodes.get(entry, "name")
        if name is None or nodes.is_null(name[1]) or not name[1].value:
            raise ManifestError(filename, line, "an 'images' entry has no 'name'")
        out.append((name[1].value, entry))
    return out


def entry_values(entry: Any) -> dict[str, str | None]:
    """The entry's fields as written (``newTag: 1.10`` is "1.10"); empty/null ones are None.
    Of a key written twice the first counts, as :func:`nodes.get` reads it."""
    out: dict[str, str | None] = {}
    for k, v in reversed(entry.value):  # _entries has checked that these fields hold scalars
        if k.value in FIELDS:
            out[k.value] = None if v.tag.endswith(":null") else str(v.value)
    return out


def entry_nodes(root: Any, filename: str = "kustomization.yaml") -> list[tuple[str, Any]]:
    """(name, mapping node) of every ``images:`` entry of a composed kustomization, in file order."""
    if root is not None and not nodes.is_map(root):
        raise ManifestError(filename, 1, "a kustomization must be a mapping")
    images = _images(root, filename)
    return _entries(images[1], filename) if images else []


def entry_image(name: str, entry: Any) -> KustomizeImage:
    """One entry of :func:`entry_nodes` as kustomize reads it."""
    v = entry_values(entry)
    held = nodes.get(entry, "newTag") or nodes.get(entry, "digest")
    at = int(held[1].start_mark.line) + 1 if held is not None else 0
    return KustomizeImage(name, v.get("newName"), *_tag_digest(v), entry.start_mark.line + 1, at)


def extract_images(text: str, filename: str = "kustomization.yaml") -> list[KustomizeImage]:
    root = _root(text, filename)
    images = _images(root, filename)
    if images is None:
        return []
    return [entry_image(name, e) for name, e in _entries(images[1], filename)]


def _tag_digest(values: dict[str, str | None]) -> tuple[str | None, str | None]:
    """``newTag`` and ``digest``; ``newTag: 1.4.2@sha256:...`` (kustomize builds the reference
    from it, Renovate writes it) is a tag and a digest when the entry has no ``digest:``."""
    tag, digest = values.get("newTag"), values.get("digest")
    if tag is None or "@" not in tag or digest is not None:
        return tag, digest
    pinned = WrittenRef.of_tag("", tag)
    return pinned.tag or None, pinned.digest or None


# what may follow an entry's name in an image it applies to: a tag, then a digest, each optional
# (kustomize's api/image.IsImageMatched)
_AFTER_NAME = re.compile(r"(:[a-zA-Z0-9_.{}-]*)?(@sha256:[a-zA-Z0-9_.{}-]*)?")


def matches(reference: str, name: str) -> bool:
    """Whether an ``images:`` entry named ``name`` applies to an image written ``reference``: its
    name exactly, a tag and a digest after it (an entry named ``app:1`` matches ``app:1`` only)."""
    return reference.startswith(name) and _AFTER_NAME.fullmatch(reference[len(name) :]) is not None


def applied(entries: Sequence[KustomizeImage], references: Iterable[str]) -> tuple[list[bool], set[str]]:
    """Which of a kustomization's ``entries`` apply to any image reaching them (``references``,
    as written), and the references its images: leave. kustomize applies one transformer per
    entry in turn (api/filters/imagetag), so an entry renaming a name (``newName``) leaves a
    later entry of that name nothing to match, and one renaming to another entry's name chains
    into it."""
    # each image under the names an entry may match it by (its name, with its tag, whole): an
    # entry looks up its own, where scanning every image for each entry was a million matches
    # for a kustomization of 1,000 entries
    named: dict[str, set[str]] = {}
    for r in references:
        _index(named, r, add=True)
    live: list[bool] = []
    for e in entries:
        hit = {r for r in named.get(e.name, ()) if matches(r, e.name)}
        live.append(bool(hit))
        for r in hit:
            _index(named, r, add=False)
        for r in hit:
            _index(named, _transformed(r, e), add=True)
    return live, {r for rs in named.values() for r in rs}


def _index(named: dict[str, set[str]], reference: str, *, add: bool) -> None:
    ref = WrittenRef.split(reference)
    for key in {ref.name, f"{ref.name}:{ref.tag}" if ref.tag is not None else ref.name, reference}:
        if add:
            named.setdefault(key, set()).add(reference)
        else:
            named.get(key, set()).discard(reference)


def _transformed(reference: str, e: KustomizeImage) -> str:
    """``reference`` as the entry sets it: a tag or a digest set replaces both (imagetag's updater)."""
    ref = WrittenRef.split(reference)
    tag, digest = ref.tag, ref.digest
    if e.new_tag or e.digest:
        tag, digest = e.new_tag or None, e.digest or None
    return (e.new_name or ref.name) + (f":{tag}" if tag else "") + (f"@{digest}" if digest else "")


# -- editing ---------------------------------------------------------------------------


def entry_fields(current: dict[str, str | None], edit: ImageEdit) -> dict[str, str | None]:
    """The fields to write on an existing entry. An entry that pins by ``newTag: TAG@DIGEST``
    (no ``digest:``) keeps that form: the digest goes into ``newTag``."""
    fields = edit.fields()
    tag_now = current.get("newTag")
    if tag_now is None or "@" not in tag_now or current.get("digest") is not None:
        # removing what is absent or empty ("digest:") is no change: an empty key stays
        return {f: v for f, v in fields.items() if v is not None or current.get(f) is not None}
    ref = WrittenRef("", *_tag_digest(current))
    new = ref.updated(tag=edit.new_tag, digest=edit.digest, keep_digest=edit.keep_digest)
    out = {f: v for f, v in fields.items() if f not in ("newTag", "digest")}
    out["newTag"] = new.pinned_tag
    return out


# (the entry's index, None for a new entry; the image name; the fields to write), in edit order
Plan = list[tuple[int | None, str, dict[str, str | None]]]


def edit(
    text: str, edits: Sequence[ImageEdit], filename: str = "kustomization.yaml", *, append: bool = True
) -> EditResult:
    """``edits`` applied; only the characters of changed values differ. Images the file does
    not list get a new entry (unless not ``append``). A name listed twice has every entry
    edited: whichever of them kustomize lets win, the fields set are the ones asked for.
    Re-reads the result and fails (writing nothing) unless exactly the intended fields changed."""
    src = YamlText.of(text)
    t = Text(src)
    root = _root(text, filename)
    images = _images(root, filename)
    entries = _entries(images[1], filename) if images else []
    index: dict[str, list[tuple[int, Any]]] = {}
    for i, (name, entry) in enumerate(entries):
        index.setdefault(name, []).append((i, entry))
    ops: list[Op] = []
    plan: Plan = []
    changes: list[FieldChange] = []
    new: list[ImageEdit] = []
    for e in edits:
        if e.name in index:
            for i, entry in index[e.name]:
                current = entry_values(entry)
                fields = entry_fields(current, e)
                ops.extend(entry_ops(t, entry, fields, filename))
                line = entry.start_mark.line + 1
                changes += [
                    FieldChange(filename, e.name, f"images[{i}]", line, f, current.get(f), v)
                    for f, v in fields.items()
                    if current.get(f) != v
                ]
                plan.append((i, e.name, fields))
        elif append and e.name not in [n.name for n in new]:
            new.append(e)
            fields = {f: v for f, v in e.fields().items() if v is not None}
            changes += [FieldChange(filename, e.name, "new entry", 0, f, None, v) for f, v in fields.items()]
            plan.append((None, e.name, fields))
    before = {e.name: at for e in new if (at := _chain_position(entries, e)) is not None}
    if images is not None:
        ops += [insert_op(t, images[1], before[e.name], e, filename) for e in new if e.name in before]
    appended = [e for e in new if e.name not in before]
    if appended:
        ops.extend(append_ops(t, root, images, appended, filename))
    found = tuple(dict.fromkeys(n for _, n, _ in plan if n in index))
    if not ops:
        return EditResult(text, (), found)
    body = apply_ops(src.body, ops)
    verify(root, body, plan, filename, before)
    return EditResult(src.bom + body, tuple(changes), found)


def _chain_position(entries: Sequence[tuple[str, Any]], e: ImageEdit) -> int | None:
    """Where a new entry goes when appending it would render other than ``kustomize edit set
    image``: kustomize applies ``images:`` entries in turn, so an entry whose ``newName`` is the
    new entry's name (or named as the new entry's ``newName``) chains into it or from it, and
    ``kustomize edit set image`` writes the entries sorted by name. The new entry goes before the
    first such entry that sorts after it, which keeps their order kustomize's; None (appended,
    the byte-minimal place) when no entry after it in that order chains with it."""
    for i, (name, entry) in enumerate(entries):
        if name <= e.name:
            continue
        new_name = entry_values(entry).get("newName")
        if (new_name is not None and new_name == e.name) or (e.new_name is not None and e.new_name == name):
            return i
    return None


def set_images(text: str, edits: Sequence[ImageEdit], filename: str = "kustomization.yaml") -> str:
    """The text with ``edits`` applied (see :func:`edit`)."""
    return edit(text, edits, filename).text


_STR = "tag:yaml.org,2002:str"


def field_key(name: str) -> tuple[str, str]:
    return (_STR, name)


def expected_tree(root: Any, plan: Plan, before: Mapping[str, int] | None = None) -> Any:
    """The old document as comparable values, with the planned fields written; a new entry
    named in ``before`` stands before that old entry, the others are appended."""
    data = dict(nodes.plain(root) or {})
    images_key = field_key("images")
    old_images = data.get(images_key)
    images = [dict(e) for e in old_images] if isinstance(old_images, list) else []
    old_entries = list(images)
    for i, name, fields in plan:
        if i is None:
            entry = {field_key("name"): (_STR, name)}
            at = (before or {}).get(name)
            if at is None:
                images.append(entry)
            else:
                images.insert(next(k for k, x in enumerate(images) if x is old_entries[at]), entry)
        else:
            entry = old_entries[i]
        for field, value in fields.items():
            if value is None:
                entry.pop(field_key(field), None)
            else:
                entry[field_key(field)] = (_STR, value)
    data[images_key] = images
    return data


RULE = "only the set fields of matched images: entries change, each written in place"


def verify(root: Any, body: str, plan: Plan, filename: str, before: Mapping[str, int] | None = None) -> None:
    """The whole new document must equal the old one with exactly these fields written."""
    nodes.confirm(expected_tree(root, plan, before), body, filename, rule=RULE)


REVISION = "spec.source.targetRevision"


def replaced_revisions(kustomization: Mapping[str, Any], docs: Sequence[Any]) -> dict[str, str]:
    """Each Argo CD Application of ``docs`` (a kustomization's resources) -> the targetRevision its
    inline ``replacements`` copy over the written one (a source object among the resources, a
    target selecting Applications by kind and name): what Argo CD deploys of an app of apps it
    builds. A replacement kept in a file of its own (``- path:``) is not read here."""
    out: dict[str, str] = {}
    for rep in _items(kustomization.get("replacements")):
        src = rep.get("source")
        got = next((d for d in docs if isinstance(src, dict) and _selected(d, src)), None)
        value = _field(got, str(src.get("fieldPath") or "metadata.name")) if isinstance(src, dict) else None
        if value is None:
            continue
        for target in _items(rep.get("targets")):
            if REVISION not in (target.get("fieldPaths") or []):
                continue
            rejected = _items(target.get("reject"))
            for d in docs:
                api = str(d.get("apiVersion") or "") if isinstance(d, dict) else ""
                taken = api.startswith("argoproj.io/") and d.get("kind") == "Application"
                if (
                    taken
                    and _selected(d, _map(target.get("select")))
                    and not any(_selected(d, r) for r in rejected)
                ):
                    out[str(_map(d.get("metadata")).get("name") or "")] = str(value)
    return out


def _items(value: Any) -> list[dict[str, Any]]:
    return [i for i in value if isinstance(i, dict)] if isinstance(value, list) else []


def _map(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _selected(doc: Any, select: Mapping[str, Any]) -> bool:
    """Whether a replacement's selector (its kind and name, the others unread) takes ``doc``."""
    if not isinstance(doc, dict):
        return False
    name = _map(doc.get("metadata")).get("name")
    return all(
        want is None or got == want
        for got, want in ((doc.get("kind"), select.get("kind")), (name, select.get("name")))
    )


def _field(doc: Any, path: str) -> object:
    """The scalar at a dotted field path of ``doc`` (``data.targetRevision``), or None."""
    node: object = doc
    for part in path.split("."):
        node = node.get(part) if isinstance(node, dict) else None
    return node if isinstance(node, (str, int, float)) and not isinstance(node, bool) else None
