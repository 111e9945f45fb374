"""Where the characters of a Kustomize ``images:`` edit go: an entry's fields replaced, filled,
inserted in kustomize's order or removed; new entries appended in the file's own list style
(block or flow, its dash indent), an ``images:`` key added when there is none. Ops on the text,
applied by :func:`gitops_bot.manifests.kustomize.edit`.
"""

from __future__ import annotations

from typing import Any

from gitops_bot.core.errors import ManifestError
from gitops_bot.core.model import set_parts
from gitops_bot.core.record import record
from gitops_bot.manifests import nodes
from gitops_bot.manifests.yamltext import Op, Text, check_scalar, render

FIELDS = ("name", "newName", "newTag", "digest")  # an entry's fields, in kustomize's order
_FIELD_OF_PART = {"name": "newName", "tag": "newTag", "digest": "digest"}  # of an image reference


@record
class ImageEdit:
    """What to set on the entry named ``name``; ``None`` leaves a field as it is.
    ``keep_digest`` (``@*`` in set-image syntax) keeps a pinned digest when only the tag is set."""

    name: str
    new_name: str | None = None
    new_tag: str | None = None
    digest: str | None = None
    keep_digest: bool = False

    def fields(self) -> dict[str, str | None]:
        """Field -> new value, ``None`` meaning remove (:func:`model.set_parts`' rules). Fields
        not listed are left alone."""
        parts = set_parts(self.new_name, self.new_tag, self.digest, keep_digest=self.keep_digest)
        return {_FIELD_OF_PART[part]: value for part, value in parts.items()}


def entry_ops(t: Text, entry: Any, fields: dict[str, str | None], filename: str) -> list[Op]:
    ops: list[Op] = []
    flow = bool(entry.flow_style)
    key_col = entry.value[0][0].start_mark.column
    for field, value in fields.items():
        found = nodes.get(entry, field)
        if found is not None and not nodes.is_null(found[1]):
            key, node = found
            check_scalar(t, node, filename)
            if value is None:
                ops.append(_remove(t, entry, key, node))
            elif node.value != value:
                ops.append(t.replace(node, value, flow=flow))
        elif value is not None and found is not None:  # "digest:" or "digest: ~" (null): fill it
            ops.append(t.fill(found[1], value, flow=flow))
        elif value is not None:
            ops.append(_insert_field(t, entry, field, value, key_col, flow))
    return ops


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


def _remove(t: Text, entry: Any, key: Any, node: Any) -> Op:
    pairs = entry.value
    index = next(i for i, (k, _) in enumerate(pairs) if k is key)
    if entry.flow_style:
        if index > 0:
            return Op(t.at(pairs[index - 1][1].end_mark), t.at(node.end_mark), "")
        return Op(t.at(key.start_mark), t.at(pairs[1][0].start_mark), "")
    line = key.start_mark.line
    if index == 0:  # the entry's first key (kustomize sorts digest first): the next key takes "- "
        return _remove_first(t, key, node, pairs[1][0])
    start, end = t.starts[line], t.line_end(node.end_mark.line)
    if not t.has_break(node.end_mark.line):  # last line, no final newline: take the break before it
        start -= len(t.nl) if t.src.lines[line - 1].endswith(t.nl) else 1
    return Op(start, end, "")


def _remove_first(t: Text, key: Any, node: Any, next_key: Any) -> Op:
    """``- digest: x`` / ``  name: app`` -> ``- name: app``: the first key's text up to the next
    key goes, so the next key moves up behind the dash at its own column. Comment lines in
    between would move onto the dash line, so the dash then ends its line instead."""
    start = t.at(key.start_mark)
    if next_key.start_mark.line == node.end_mark.line + 1:
        return Op(start, t.at(next_key.start_mark), "")
    line = t.src.lines[key.start_mark.line]
    dash_end = len(line[: key.start_mark.column].rstrip(" "))
    return Op(t.starts[key.start_mark.line] + dash_end, t.line_end(node.end_mark.line) - len(t.nl), "")


def _blocks(new: list[ImageEdit], dash: str, key_indent: str, nl: str) -> str:
    """New block entries, ``name`` first then the fields in kustomize's order."""
    lines = []
    for e in new:
        fields = e.fields()
        lines.append(f"{dash}name: {render(e.name, None)}")
        lines += [f"{key_indent}{f}: {render(v, None)}" for f in FIELDS[1:] if (v := fields.get(f))]
    return "".join(ln + nl for ln in lines)


def _list_indent(root: Any, t: Text) -> int:
    """How far the file's block lists indent their dashes past their key (``resources:`` /
    ``  - a.yaml`` is 2; kustomize's own output is 0); a new ``images:`` list follows it."""
    for key, value in root.value if root is not None else ():
        if nodes.is_seq(value) and not value.flow_style and value.value:
            item = value.value[0]
            dash = t.line_text(item.start_mark.line).rfind("-", 0, item.start_mark.column + 1)
            if dash >= 0 and item.start_mark.line > key.start_mark.line:
                return max(dash - int(key.start_mark.column), 0)
    return 0


def insert_op(t: Text, seq: Any, index: int, new: ImageEdit, filename: str) -> Op:
    """``new`` as an entry of its own just before entry ``index`` of a non-empty ``images:``
    list, in the list's style (block entries at the dash's line, flow ones before the item)."""
    entry = seq.value[index]
    if seq.flow_style:
        fields = [("name", new.name), *new.fields().items()]
        item = "{" + ", ".join(f"{f}: {render(v, None, flow=True)}" for f, v in fields if v is not None) + "}"
        at = t.at(entry.start_mark)
        return Op(at, at, item + ", ")
    first = seq.value[0]
    item_line, item_col = first.start_mark.line, first.start_mark.column
    dash_col = t.line_text(item_line).rfind("-", 0, item_col)
    line = entry.start_mark.line
    if t.line_text(line).rfind("-", 0, entry.start_mark.column + 1) < 0:
        line -= 1  # the dash on a line of its own
    if dash_col < 0 or line < 0:
        raise ManifestError(filename, item_line + 1, "cannot find the list's dash")
    key_col = item_col if not getattr(first, "flow_style", False) else dash_col + 2
    dash = " " * dash_col + "-" + " " * (key_col - dash_col - 1)
    at = t.starts[line]
    return Op(at, at, _blocks([new], dash, " " * key_col, t.nl))


def append_ops(
    t: Text, root: Any, images: tuple[Any, Any] | None, new: list[ImageEdit], filename: str
) -> list[Op]:
    nl = t.nl
    ops: list[Op] = []
    listed = images is not None and nodes.is_seq(images[1]) and bool(images[1].value)
    if getattr(root, "flow_style", False) and not (listed and images is not None and images[1].flow_style):
        # a block list cannot go inside a flow mapping (a JSON kustomization): no byte-exact place
        raise ManifestError(
            filename,
            int(root.start_mark.line) + 1,
            "cannot add an images: entry: the kustomization is one flow mapping (JSON) with no "
            "images: entry to add after",
            hint=f'add an "images": [{{"name": "{new[0].name}", "newTag": "..."}}] entry to {filename} '
            "by hand once, or write it as block YAML; releases then edit it there",
        )
    pad = _list_indent(root, t)
    if images is None:
        dash, indent = " " * pad + "- ", " " * (pad + 2)
        block = "images:" + nl + _blocks(new, dash, indent, nl)
        end = len(t.src.body)
        if end and not t.src.body.endswith(("\n", "\r")):
            first = root.value[0][0] if nodes.is_map(root) and root.value else None
            if _ends_in_block_scalar(root, t.src.body) and first is not None and first.start_mark.column == 0:
                # a line after a block scalar with no final line break would give its value one:
                # the entry goes before the first key instead, where it changes no other value
                at = t.at(first.start_mark)
                return [Op(at, at, block)]
            block = nl + block.removesuffix(nl)
        return [Op(end, end, block)]
    key, seq = images
    if nodes.is_null(seq) or (nodes.is_seq(seq) and not seq.value):
        col = key.start_mark.column + pad
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
    block = _blocks(new, dash, indent, nl)
    if not t.has_break(line):
        block = nl + block.removesuffix(nl)
    ops.append(Op(at, at, block))
    return ops


def _ends_in_block_scalar(node: Any, body: str) -> bool:
    """Whether the last value written in ``node`` is a literal or folded block scalar whose
    final line break is part of its value (clip or keep chomping; ``|-`` strips it anyway)."""
    while nodes.is_map(node) or nodes.is_seq(node):
        if not node.value:
            return False
        node = node.value[-1][1] if nodes.is_map(node) else node.value[-1]
    if not nodes.is_scalar(node) or node.style not in ("|", ">"):
        return False
    header = body[node.start_mark.index :].split("\n", 1)[0].split("#", 1)[0]
    return "-" not in header
