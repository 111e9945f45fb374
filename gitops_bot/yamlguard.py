"""One check every YAML text passes before the bot parses it: overlays, manifests, config, holds.

A single pass over libyaml's event stream (iterative, so 20,000-deep nesting cannot overflow
a stack) refuses, with the file and line:
- nesting deeper than :data:`MAX_DEPTH`;
- aliases whose expansion would exceed :data:`MAX_NODES` nodes ("billion laughs": nine levels of
  ten aliases each is a billion nodes; the count is per anchor, so it costs nothing to compute);
- a duplicate key in a mapping (kustomize rejects those too; which one wins is reader-specific).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import yaml

from gitops_bot.errors import FileError, UsageError

MAX_DEPTH = 100
MAX_NODES = 100_000
_Parser = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


@dataclass
class _Frame:
    mapping: bool
    anchor: str | None
    nodes: int = 1
    items: int = 0
    keys: set[str] = field(default_factory=set)


def check(text: str, filename: str, error: type[FileError]) -> None:
    """Raise ``error(filename, line, ...)`` when ``text`` is a YAML bomb or has duplicate keys.
    Syntax errors are left to the real parser, which reports them better."""
    sizes: dict[str, int] = {}
    stack: list[_Frame] = [_Frame(False, None)]
    try:
        for event in yaml.parse(text, Loader=_Parser):
            _step(event, stack, sizes, filename, error)
    except yaml.YAMLError:
        return


def _step(
    event: yaml.Event, stack: list[_Frame], sizes: dict[str, int], filename: str, error: type[FileError]
) -> None:
    line = event.start_mark.line + 1 if event.start_mark else None
    if isinstance(event, yaml.CollectionStartEvent):
        if len(stack) > MAX_DEPTH:
            raise error(filename, line, f"nested deeper than {MAX_DEPTH} levels", hint="flatten the file")
        _key(stack[-1], None, filename, line, error)
        stack.append(_Frame(isinstance(event, yaml.MappingStartEvent), event.anchor))
    elif isinstance(event, yaml.CollectionEndEvent):
        done = stack.pop()
        if done.anchor:
            sizes[done.anchor] = done.nodes
        _grow(stack[-1], done.nodes, filename, line, error)
    elif isinstance(event, yaml.ScalarEvent):
        _key(stack[-1], event.value, filename, line, error)
        if event.anchor:
            sizes[event.anchor] = 1
        _grow(stack[-1], 1, filename, line, error)
    elif isinstance(event, yaml.AliasEvent):
        _key(stack[-1], None, filename, line, error)
        _grow(stack[-1], sizes.get(event.anchor or "", 1), filename, line, error)
    elif isinstance(event, yaml.DocumentStartEvent):
        stack[:] = [_Frame(False, None)]


def _key(frame: _Frame, value: str | None, filename: str, line: int | None, error: type[FileError]) -> None:
    """Count the item; for a mapping key that is a scalar, refuse a repeat."""
    is_key = frame.mapping and frame.items % 2 == 0
    frame.items += 1
    if not is_key or value is None:
        return
    if value in frame.keys:
        raise error(filename, line, f"duplicate key {value!r}", hint="keep one of them")
    frame.keys.add(value)


def _grow(frame: _Frame, nodes: int, filename: str, line: int | None, error: type[FileError]) -> None:
    frame.nodes += nodes
    if frame.nodes > MAX_NODES:
        raise error(
            filename,
            line,
            f"aliases expand to more than {MAX_NODES} nodes",
            hint="write the values out instead of nesting aliases",
        )


def read(path: Path, error: type[FileError]) -> str:
    """A YAML file's text (UTF-8, a BOM dropped), or one line saying why it cannot be read.
    ``FileNotFoundError`` passes through for callers to whom a missing file means empty."""
    try:
        text = path.read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        raise
    except OSError as exc:
        raise UsageError(f"cannot read {path}: {exc.strerror}") from None
    except UnicodeDecodeError as exc:
        raise error(str(path), None, f"not UTF-8 text (byte {exc.start})", hint="save it as UTF-8") from None
    bad = next((c for c in text if c in _CONTROL), None)
    if bad is not None:
        line = text.count("\n", 0, text.index(bad)) + 1
        raise error(str(path), line, f"control character {bad!r} in the file", hint="remove it")
    return text


_CONTROL = frozenset(chr(c) for c in (*range(0x00, 0x09), 0x0B, 0x0C, *range(0x0E, 0x20), 0x7F))
