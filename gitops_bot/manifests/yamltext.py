"""Source text split into lines with their endings, with a UTF-8 BOM held apart, so edits
can be made by offset and the file's bytes (CRLF, no final newline, BOM) kept; and the
primitives every format's editor shares: offsets of node marks, scalar rendering in the old
style, and applying replacement operations back to front."""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any

from gitops_bot.core.errors import ManifestError
from gitops_bot.core.record import record
from gitops_bot.manifests import nodes

BOM = "\ufeff"


@record
class YamlText:
    """A YAML file's lines as read, its byte-order mark aside."""

    bom: str
    lines: tuple[str, ...]

    @classmethod
    def of(cls, text: str) -> YamlText:
        bom = BOM if text.startswith(BOM) else ""
        return cls(bom, tuple(text[len(bom) :].splitlines(keepends=True)))

    @property
    def body(self) -> str:
        return "".join(self.lines)

    @property
    def newline(self) -> str:
        for line in self.lines:
            if line.endswith("\r\n"):
                return "\r\n"
            if line.endswith("\n"):
                return "\n"
        return "\n"


@record
class Op:
    """Replace ``body[start:end]`` with ``text`` (an insert when start == end)."""

    start: int
    end: int
    text: str


class Text:
    """Offsets of (line, column) marks in the BOM-less body."""

    def __init__(self, src: YamlText) -> None:
        self.src = src
        self.starts = [0]
        for line in src.lines:
            self.starts.append(self.starts[-1] + len(line))
        self.nl = src.newline

    def at(self, mark: Any) -> int:
        return int(self.starts[mark.line]) + int(mark.column)

    def line_end(self, line: int) -> int:
        """Offset just after line ``line``'s line break (or the end of the text)."""
        return self.starts[min(line + 1, len(self.src.lines))]

    def has_break(self, line: int) -> bool:
        return line < len(self.src.lines) and self.src.lines[line].endswith(("\n", "\r"))

    def line_text(self, line: int) -> str:
        return self.src.lines[line].rstrip("\r\n") if line < len(self.src.lines) else ""

    def after(self, node: Any) -> str:
        """The rest of the node's last line after it (where a trailing comment sits)."""
        return self.line_text(node.end_mark.line)[node.end_mark.column :]

    def replace(self, node: Any, value: str, *, flow: bool = False) -> Op:
        """Replace a scalar's characters with ``value`` in the scalar's own style."""
        return Op(self.at(node.start_mark), self.at(node.end_mark), render(value, node.style, flow=flow))

    def fill(self, node: Any, value: str, *, flow: bool = False) -> Op:
        """Replace a scalar, or fill an empty one (``tag:`` with nothing after the colon, which
        YAML reads as null and which has no characters to replace): a space then the value."""
        at = self.at(node.start_mark)
        if at != self.at(node.end_mark):
            return self.replace(node, value, flow=flow)
        body = self.src.lines[node.start_mark.line]
        gap = "" if node.start_mark.column and body[node.start_mark.column - 1] in " \t" else " "
        return Op(at, at, gap + render(value, None, flow=flow))


def render(value: str, style: str | None, *, flow: bool = False) -> str:
    """``value`` in the old scalar's style; plain stays plain unless it would not read back as
    this string (``1.10``, ``20231010``, ``3141e59``, ``true``, ``null``): then double quotes."""
    if style == "'":
        return "'" + value.replace("'", "''") + "'"
    if style == '"' or not nodes.reads_as_string(value, flow=flow):
        return json.dumps(value)
    return value


def check_scalar(t: Text, node: Any, filename: str) -> None:
    """Refuse values that cannot be replaced in place without changing other bytes' meaning."""
    if node.style in ("|", ">") or node.start_mark.line != node.end_mark.line:
        raise ManifestError(
            filename,
            node.start_mark.line + 1,
            "value spans lines, which gitops-bot does not edit",
            hint="write it on one line",
        )
    first = t.line_text(node.start_mark.line)[node.start_mark.column : node.start_mark.column + 1]
    if first in ("&", "*", "!"):
        raise ManifestError(
            filename,
            node.start_mark.line + 1,
            "value carries an anchor, alias or tag and is not edited in place",
            hint="write it as a plain value",
        )


def rewritten(
    src: YamlText, docs: list[Any], ops: Iterable[Op], subs: dict[int, str], filename: str, rule: str
) -> str:
    """``src``'s text with ``ops`` applied and its BOM kept, proven to re-read as ``docs`` with
    only the scalars of ``subs`` (``id(node)`` -> new value) changed; else the editor's ``rule``
    is named in the error. Every editor's last step."""
    body = apply_ops(src.body, ops)
    nodes.confirm([nodes.plain(d, subs) for d in docs], body, filename, rule=rule, documents=True)
    return src.bom + body


def apply_ops(body: str, ops: Iterable[Op]) -> str:
    """Apply back to front; of two inserts at one place the later one goes first, so it ends
    up after."""
    ordered = [op for _, op in sorted(enumerate(ops), key=lambda io: (io[1].start, io[1].end, io[0]))]
    # one pass, front to back, joining the pieces: linear in the text and the number of edits
    # (applying each edit to the whole text was quadratic: 8,000 chart sites took seconds)
    pieces, pos = [], 0
    for op in ordered:
        if op.start < pos:  # overlapping edits: the back-to-front meaning, edit by edit
            return _one_by_one(body, ordered)
        pieces += [body[pos : op.start], op.text]
        pos = op.end
    pieces.append(body[pos:])
    return "".join(pieces)


def _one_by_one(body: str, ordered: list[Op]) -> str:
    for op in reversed(ordered):
        body = body[: op.start] + op.text + body[op.end :]
    return body
