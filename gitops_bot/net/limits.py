"""Bounds on what an answer may cost: bytes read, JSON nesting.

:func:`read_capped` streams a response and stops as soon as it passes the cap (a 300 MB answer
costs at most the cap plus one chunk, never 300 MB first). :func:`loads` decodes JSON with a
nesting bound: deeper input is a :class:`JSONTooDeep` (a ``ValueError``) for that one answer,
never a ``RecursionError`` that ends the whole run; ``NaN`` and ``Infinity``, which Python's
``json`` reads and JSON does not have, are a :class:`NotJSON` (a ``ValueError``).
"""

from __future__ import annotations

import functools
import json
import re
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import httpx

MAX_DEPTH = 64  # deeper than any registry, forge or Sigstore document nests


# compiled at its first use, not at import: a plan's start-up does not use it
@functools.cache
def _string() -> re.Pattern[bytes]:
    return re.compile(rb'"(?:[^"\\]|\\.)*"')


class TooLarge(Exception):
    """The answer passed its byte cap; what was read is dropped."""

    def __init__(self, limit: int) -> None:
        super().__init__(f"over {limit} bytes")
        self.limit = limit


class JSONTooDeep(ValueError):
    """JSON nested deeper than the bound."""


class NotJSON(ValueError):
    """Text Python's ``json`` would read but JSON does not allow: ``NaN``, ``Infinity`` and
    ``-Infinity`` (RFC 8259 has no such literals; a number is not allowed to be them)."""


def _constant(name: str) -> Any:
    raise NotJSON(f"{name}, which JSON does not have")


def read_capped(response: httpx.Response, limit: int, *, raw: bool = False) -> bytes:
    """The body of a streamed ``response``, at most ``limit`` bytes (:class:`TooLarge` past
    it). ``raw``: the bytes as sent (a ``Content-Encoding`` is not undone); otherwise decoded,
    and the cap counts decoded bytes (a small gzip bomb cannot grow past it either)."""
    length = response.headers.get("Content-Length", "")
    if length.isdecimal() and int(length) > limit and raw:
        raise TooLarge(limit)
    chunks: list[bytes] = []
    size = 0
    # raw: the transport's stream itself (a mock's already-read stream iterates again)
    import httpx  # loaded by whoever made the response

    stream = response.stream if raw and isinstance(response.stream, httpx.SyncByteStream) else None
    for chunk in stream if stream is not None else response.iter_bytes():
        size += len(chunk)
        if size > limit:
            raise TooLarge(limit)
        chunks.append(chunk)
    return b"".join(chunks)


def depth(data: bytes | str) -> int:
    """How deep JSON text nests (strings skipped), found without parsing it."""
    raw = data.encode("utf-8", "surrogatepass") if isinstance(data, str) else data
    deepest = level = 0
    for c in _string().sub(b"", raw).translate(None, b" \t\r\n,:0123456789.-+eEtruefalsn"):
        if c in b"[{":
            level += 1
            deepest = max(deepest, level)
        elif c in b"]}":
            level -= 1
    return deepest


def loads(data: bytes | str, max_depth: int = MAX_DEPTH) -> Any:
    """``json.loads`` with a nesting bound (checked only when the text has that many brackets
    at all, so ordinary answers pay one ``count``), refusing ``NaN`` and ``Infinity``
    (:class:`NotJSON`): a gate must not pass on ``-Infinity``."""
    raw = data.encode("utf-8", "surrogatepass") if isinstance(data, str) else data
    if raw.count(b"[") + raw.count(b"{") > max_depth and depth(raw) > max_depth:
        raise JSONTooDeep(f"JSON nested deeper than {max_depth} levels")
    try:
        return json.loads(data, parse_constant=_constant)
    except RecursionError:  # pragma: no cover - the bound above is far below the interpreter's
        raise JSONTooDeep("JSON nested too deeply") from None
