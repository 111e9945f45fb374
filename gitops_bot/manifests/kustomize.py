"""Kustomize ``images:`` entries: read them, and set them by replacing only the characters of
the values that change (text in, text out; no I/O).

kustomize matches an entry by ``name`` exactly; ``newName`` never matches. Field rules follow
``kustomize edit set image``: a tag set without a digest drops a stale digest (it would keep
pinning the old image); a digest set alone keeps ``newTag`` (the ``tag@digest`` pin); a
``newName`` set alone touches nothing else.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from gitops_bot.errors import ManifestError, UsageError
from gitops_bot.manifests import nodes
from gitops_bot.manifests.yamltext import Op, Source, Text, apply_ops, check_scalar, render

KUSTOMIZATION_NAMES = ("kustomization.yaml", "kustomization.yml", "Kustomization")
FIELDS = ("name", "newName", "newTag", "digest")


@dataclass(frozen=True)
class KustomizeImage:
    name: str
    new_name: str | None
    new_tag: str | None
    digest: str | None
    line: int  # 1-based, of the entry


@dataclass(frozen=True)
class ImageEdit:
    """What to set on the entry named ``name``; ``None`` leaves a field as it is.
    ``keep_digest`` (``@*`` in set-image syntax) keeps a pinned digest when only the tag is set."""

    name: str
    new_name: str | None = None
    new_tag: str | None = None
    digest: str | None = None
    keep_digest: bool = False

    def fields(self) -> dict[str, str | None]:
        """Field -> new value, ``None`` meaning remove. Fields not listed are left alone."""
        out: dict[str, str | None] = {}
        if self.new_name is not None:
            out["newName"] = self.new_name
        if self.new_tag is not None:
            out["newTag"] = self.new_tag
        if self.digest is not None:
            out["digest"] = self.digest
        elif self.new_tag is not None and not self.keep_digest:
            out["digest"] = None
        return out


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
    root = nodes.compose(Source.of(text).body, filename)
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
    out: list[tuple[str, Any]] = []
    if not nodes.is_seq(images):
        return out
    seen: set[str] = set()
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
        if name[1].value in seen:
            raise ManifestError(
                filename,
                line,
                f"image {name[1].value!r} appears twice in 'images'",
                hint="kustomize applies only one; remove the other",
            )
        seen.add(name[1].value)
        out.append((name[1].value, entry))
    return out


def _value(entry: Any, key: str) -> str | None:
    found = nodes.get(entry, key)
    if found is None or nodes.is_null(found[1]):
        return None
    return str(found[1].value)  # the characters as written: newTag: 1.10 is "1.10"


def extract_images(text: str, filename: str = "kustomization.yaml") -> list[KustomizeImage]:
    root = _root(text, filename)
    images = _images(root, filename)
    if images is None:
        return []
    return [
        KustomizeImage(
            name, _value(e, "newName"), _value(e, "newTag"), _value(e, "digest"), e.start_mark.line + 1
        )
        for name, e in _entries(images[1], filename)
    ]


# -- editing ---------------------------------------------------------------------------


def _entry_ops(t: Text, entry: Any, fields: dict[str, str | None], filename: str) -> list[Op]:
    ops: list[Op] = []
    flow = bool(entry.flow_style)
    first_key = entry.value[0][0]
    key_col = first_key.start_mark.column
    for field, value in fields.items():
        found = nodes.get(entry, field)
        if found is not None and not nodes.is_null(found[1]):
            key, node = found
            check_scalar(t, node, filename)
            if value is None:
                ops.append(_remove(t, entry, key, node, filename))
            elif node.value != value:
                ops.append(
                    Op(t.at(node.start_mark), t.at(node.end_mark), render(value, node.style, flow=flow))
                )
            continue
        if value is None:
            continue
        if found is not None:  # "digest:" or "digest: ~" (null): fill in the value
            ops.append(_fill_null(t, found[0], found[1], value, flow))
            continue
        ops.append(_insert_field(t, entry, field, value, key_col, flow))
    return ops


def _fill_null(t: Text, key: Any, node: Any, value: str, flow: bool) -> Op:
    start = t.at(key.end_mark)
    written = node.end_mark.line == key.end_mark.line and t.at(node.end_mark) > t.at(node.start_mark)
    if written:  # "~" or "null" stands there: replace it
        return Op(t.at(node.start_mark), t.at(node.end_mark), render(value, None, flow=flow))
    colon = t.line_text(key.end_mark.line).find(":", key.end_mark.column)
    return Op(start, t.starts[key.end_mark.line] + colon + 1, ": " + render(value, None, flow=flow))


def _insert_field(t: Text, entry: Any, field: str, value: str, key_col: int, flow: bool) -> Op:
    order = FIELDS.index(field)
    anchor = None
    for earlier in reversed(FIELDS[:order]):
        found = nodes.get(entry, earlier)
        if found is not None:
            anchor = found
            break
    if anchor is None:  # a field that sorts first but is missing: after the entry's first key
        anchor = entry.value[0]
    _, anchor_value = anchor
    text = f"{field}: {render(value, None, flow=flow)}"
    if flow:
        at = t.at(anchor_value.end_mark)
        return Op(at, at, f", {text}")
    line = anchor_value.end_mark.line
    at = t.line_end(line)
    if t.has_break(line):
        return Op(at, at, " " * key_col + text + t.nl)
    return Op(at, at, t.nl + " " * key_col + text)


def _remove(t: Text, entry: Any, key: Any, node: Any, filename: str) -> Op:
    if entry.flow_style:
        pairs = entry.value
        index = next(i for i, (k, _) in enumerate(pairs) if k is key)
        if index > 0:
            return Op(t.at(pairs[index - 1][1].end_mark), t.at(node.end_mark), "")
        if len(pairs) > 1:
            return Op(t.at(key.start_mark), t.at(pairs[1][0].start_mark), "")
        raise ManifestError(filename, key.start_mark.line + 1, "cannot remove the only field of an entry")
    line = key.start_mark.line
    if key is entry.value[0][0]:
        raise ManifestError(
            filename,
            line + 1,
            f"'{key.value}' is the entry's first field, which gitops-bot does not remove",
            hint="put 'name' first in the entry",
        )
    start, end = t.starts[line], t.line_end(node.end_mark.line)
    if not t.has_break(node.end_mark.line):  # last line, no final newline: take the break before it
        start -= len(t.nl) if t.src.lines[line - 1].endswith(t.nl) else 1
    return Op(start, end, "")


def _entry_block(
    edit: ImageEdit, fields: dict[str, str | None], dash: str, key_indent: str, nl: str
) -> list[str]:
    lines = [f"{dash}name: {render(edit.name, None)}"]
    for field in FIELDS[1:]:
        value = fields.get(field)
        if value is not None:
            lines.append(f"{key_indent}{field}: {render(value, None)}")
    return [ln + nl for ln in lines]


def _append_ops(
    t: Text, root: Any, images: tuple[Any, Any] | None, new: list[ImageEdit], filename: str
) -> list[Op]:
    nl = t.nl
    ops: list[Op] = []
    if images is None:
        block = "images:" + nl + "".join("".join(_entry_block(e, e.fields(), "- ", "  ", nl)) for e in new)
        end = len(t.src.body)
        if end and not t.src.body.endswith(("\n", "\r")):
            block = nl + block.removesuffix(nl)
        return [Op(end, end, block)]
    key, seq = images
    if nodes.is_null(seq) or (nodes.is_seq(seq) and not seq.value):
        col = key.start_mark.column
        dash, indent = " " * col + "- ", " " * (col + 2)
        if nodes.is_seq(seq):  # images: []  ->  images:
            ops.append(Op(t.at(key.end_mark), t.at(seq.end_mark), ":"))
            line = seq.end_mark.line
        else:
            line = key.end_mark.line
    elif seq.flow_style:
        at = t.at(seq.end_mark) - 1  # before the closing bracket
        items = ", ".join(
            "{"
            + ", ".join(
                f"{f}: {render(v, None, flow=True)}"
                for f, v in [("name", e.name), *e.fields().items()]
                if v is not None
            )
            + "}"
            for e in new
        )
        return [Op(at, at, ", " + items)]
    else:
        first = seq.value[0]
        item_line, item_col = first.start_mark.line, first.start_mark.column
        dash_col = t.line_text(item_line).rfind("-", 0, item_col)
        if dash_col < 0:
            raise ManifestError(filename, item_line + 1, "cannot find the list's dash")
        key_col = item_col if not getattr(first, "flow_style", False) else dash_col + 2
        dash = " " * dash_col + "-" + " " * (key_col - dash_col - 1)
        indent = " " * key_col
        last = seq.value[-1]
        line = max(
            [last.end_mark.line if last.flow_style else 0]
            + [n.end_mark.line for pair in last.value for n in pair]
        )
    at = t.line_end(line)
    block = "".join("".join(_entry_block(e, e.fields(), dash, indent, nl)) for e in new)
    if not t.has_break(line):
        block = nl + block.removesuffix(nl)
    ops.append(Op(at, at, block))
    return ops


def set_images(text: str, edits: Sequence[ImageEdit], filename: str = "kustomization.yaml") -> str:
    """The text with ``edits`` applied; only the characters of changed values differ.
    Re-reads the result and fails (writing nothing) unless exactly the intended fields changed."""
    src = Source.of(text)
    t = Text(src)
    root = _root(text, filename)
    images = _images(root, filename)
    entries = dict(_entries(images[1], filename)) if images else {}
    ops: list[Op] = []
    new: list[ImageEdit] = []
    for edit in edits:
        entry = entries.get(edit.name)
        if entry is None:
            if edit.name not in [e.name for e in new]:
                new.append(edit)
            continue
        ops.extend(_entry_ops(t, entry, edit.fields(), filename))
    if new:
        ops.extend(_append_ops(t, root, images, new, filename))
    if not ops:
        return text
    body = apply_ops(src.body, ops)
    verify(root, body, edits, filename)
    return src.bom + body


_STR = "tag:yaml.org,2002:str"


def _key(name: str) -> tuple[str, str]:
    return (_STR, name)


def expected_tree(root: Any, edits: Sequence[ImageEdit]) -> Any:
    """The old document as comparable values, with ``edits`` applied the way kustomize would."""
    data = dict(nodes.plain(root) or {})
    images_key = _key("images")
    old_images = data.get(images_key)
    images = [dict(e) for e in old_images] if isinstance(old_images, list) else []
    for edit in edits:
        entry = next((e for e in images if e.get(_key("name"), (None, None))[1] == edit.name), None)
        if entry is None:
            entry = {_key("name"): (_STR, edit.name)}
            images.append(entry)
        for field, value in edit.fields().items():
            if value is None:
                entry.pop(_key(field), None)
            else:
                entry[_key(field)] = (_STR, value)
    data[images_key] = images
    return data


def verify(root: Any, body: str, edits: Sequence[ImageEdit], filename: str) -> None:
    """The whole new document must equal the old one with exactly these edits applied."""
    nodes.confirm(expected_tree(root, edits), body, filename)
