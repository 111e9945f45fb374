"""Source text split into lines with their endings, with a UTF-8 BOM held apart, so edits
can be made by offset and the file's bytes (CRLF, no final newline, BOM) kept."""

from __future__ import annotations

from dataclasses import dataclass

BOM = "\ufeff"


@dataclass(frozen=True)
class Source:
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
