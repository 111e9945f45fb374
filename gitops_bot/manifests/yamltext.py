"""Locate YAML scalars in source text so an edit can replace exactly their characters.

ruamel.yaml's round-trip loader finds *where* a value is (line, column); this module finds
where it *ends* and what style it has, on the original text, so nothing else is re-serialised.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from ruamel.yaml import YAML
from ruamel.yaml.error import MarkedYAMLError, YAMLError

from gitops_bot.errors import ManifestError

BOM = "\ufeff"


@dataclass(frozen=True)
class Source:
    """Text split into lines with their endings, BOM held apart."""

    bom: str
    lines: tuple[str, ...]

    @classmethod
    def of(cls, text: str) -> Source:
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


@dataclass(frozen=True)
class Span:
    """Characters ``[start, end)`` of line ``line`` (0-based) hold a scalar of ``style``."""

    line: int
    start: int
    end: int
    style: str  # "plain" | "'" | '"'
    text: str  # the characters as written, quotes included

    @property
    def value(self) -> str:
        if self.style == "'":
            return self.text[1:-1].replace("''", "'")
        if self.style == '"':
            import json

            try:
                return str(json.loads(self.text))
            except ValueError:
                return self.text[1:-1]
        return self.text


def load(text: str, filename: str) -> Any:
    try:
        return YAML(typ="rt").load(text)
    except MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark else None
        raise ManifestError(
            filename,
            line,
            f"not valid YAML: {exc.problem or exc.context}",
            hint="fix the file by hand; nothing was changed",
        ) from None
    except YAMLError as exc:
        raise ManifestError(
            filename, None, f"not valid YAML: {exc}", hint="fix the file by hand; nothing was changed"
        ) from None


def load_all(text: str, filename: str) -> list[Any]:
    try:
        return list(YAML(typ="rt").load_all(text))
    except MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark else None
        raise ManifestError(
            filename,
            line,
            f"not valid YAML: {exc.problem or exc.context}",
            hint="fix the file by hand; nothing was changed",
        ) from None
    except YAMLError as exc:
        raise ManifestError(filename, None, f"not valid YAML: {exc}") from None


_PLAIN_END_BLOCK = re.compile(r"\s+#|\s*$")
_PLAIN_END_FLOW = re.compile(r"\s*(?:[,\]}]|\s#|$)")


def scalar_span(src: Source, line: int, col: int, *, flow: bool, filename: str = "") -> Span:
    text = src.lines[line].rstrip("\r\n")
    if col >= len(text):
        raise ManifestError(
            filename,
            line + 1,
            "value spans lines, which gitops-bot does not edit",
            hint="write it on one line",
        )
    first = text[col]
    if first == "'":
        i = col + 1
        while True:
            j = text.find("'", i)
            if j < 0:
                raise ManifestError(
                    filename, line + 1, "quoted value spans lines, which gitops-bot does not edit"
                )
            if j + 1 < len(text) and text[j + 1] == "'":
                i = j + 2
                continue
            return Span(line, col, j + 1, "'", text[col : j + 1])
    if first == '"':
        i = col + 1
        while i < len(text):
            if text[i] == "\\":
                i += 2
                continue
            if text[i] == '"':
                return Span(line, col, i + 1, '"', text[col : i + 1])
            i += 1
        raise ManifestError(filename, line + 1, "quoted value spans lines, which gitops-bot does not edit")
    if first in "|>&*!":
        raise ManifestError(
            filename,
            line + 1,
            f"value written with {first!r} (block scalar, anchor, alias or tag) cannot be edited in place",
            hint="write it as a plain or quoted scalar",
        )
    pattern = _PLAIN_END_FLOW if flow else _PLAIN_END_BLOCK
    m = pattern.search(text, col + 1) if len(text) > col + 1 else None
    end = m.start() if m else len(text)
    return Span(line, col, end, "plain", text[col:end])


def value_span(src: Source, node: Any, key: str, filename: str = "") -> Span:
    """The span of ``node[key]``'s value in ``src``."""
    line, col = node.lc.value(key)
    flow = bool(node.fa.flow_style())
    return scalar_span(src, line, col, flow=flow, filename=filename)
