"""HTTP/1.1 on the wire for registry traffic: a request out, a whole reply in, nothing more.

Registry answers are small (a tag list, a manifest HEAD, a config blob) and many; per request
the bot should spend a fraction of the CPU the registry does. ``http.client`` plus httpx's
request and response models cost about 0.9 ms of CPU a request here (the registry spends about
1.2 ms serving one); writing the request line and reading the status line, headers and body
straight from a buffered socket costs about a tenth of that. What this module does not do,
on purpose: proxies, compression (no ``Accept-Encoding`` is sent, so bodies come as is),
HTTP/2, trailers (read and dropped), ``Expect: 100-continue``.

A reply is read whole within a byte limit; a status line, header line or chunk-size line that
does not fit its bound, a malformed length or a body cut short is a :class:`Broken` reply. So is
anything a request smuggler or response splitter would use: both ``Content-Length`` and
``Transfer-Encoding``, two different lengths, a transfer coding other than ``chunked``, a
CR or NUL inside a header, a head mixing CRLF and bare LF line ends, a header name that is not a
token. A 204 or 304 that announces a body is read as none and its connection not kept.
"""

from __future__ import annotations

import io
import re
import time
from dataclasses import dataclass, field

MAX_LINE = 64 << 10  # a status or header line
MAX_HEAD = 256 << 10  # a reply's status line and headers together
MAX_HEADERS = 100
MAX_INTERIM = 8  # 1xx answers before the reply
_DIGITS = re.compile(r"[0-9]+")  # ASCII digits (str.isdigit takes "²" too)
_STATUS = re.compile(r"HTTP/1\.[01] [1-9][0-9][0-9]")
_TOKEN = re.compile(r"[!#$%&'*+\-.^_`|~0-9A-Za-z]+")  # a header name (RFC 9110 token)
_CHUNK = 64 << 10


class Broken(Exception):
    """The server broke HTTP/1.1 (a garbled status line, a bad length, a cut body)."""


class Stale(Broken):
    """Nothing came back on a kept-alive connection: the server had closed it meanwhile."""


class TooLarge(Exception):
    """The body passed the request's limit; what was read is dropped."""


@dataclass
class Request:
    """What the registry client sends: headers as given (one value a name), body whole."""

    method: str
    url: str  # absolute
    headers: dict[str, str] = field(default_factory=dict)
    body: bytes = b""


@dataclass
class Reply:
    status: int
    headers: list[tuple[str, str]]
    body: bytes
    url: str  # where it came from (after redirects)
    reason: str = ""
    will_close: bool = False
    history: list[Reply] = field(default_factory=list)  # replies before this one (auth, redirects)
    fields: dict[str, str] | None = field(default=None, repr=False)  # by lower-case name, once

    def header(self, name: str) -> str:
        """A header's value ("" when absent); repeated headers joined with ", " as httpx does."""
        if self.fields is None:
            self.fields = joined(self.headers)
        return self.fields.get(name.lower(), "")


def joined(headers: list[tuple[str, str]]) -> dict[str, str]:
    """Headers by lower-case name, a repeated one's values joined with ", "."""
    fields: dict[str, str] = {}
    for k, v in headers:
        k = k.lower()
        fields[k] = f"{fields[k]}, {v}" if k in fields else v
    return fields


def encode_request(method: str, target: str, headers: list[tuple[str, str]], body: bytes) -> bytes:
    """The request's bytes. Names that are not tokens and values holding a line break (which
    would split a header in two) are refused."""
    lines = [f"{method} {target} HTTP/1.1", *(f"{k}: {v}" for k, v in headers)]
    head = "\r\n".join(lines)
    breaks = len(lines) - 1
    if (
        head.count("\n") != breaks
        or head.count("\r") != breaks
        or not all(_TOKEN.fullmatch(k) for k, _ in headers)
    ):
        raise ValueError(f"invalid header in {[k for k, _ in headers]}")
    return (head + "\r\n\r\n").encode("latin-1") + body


def read_reply(rfile: io.BufferedReader, method: str, limit: int, deadline: float | None, url: str) -> Reply:
    """One reply from ``rfile``: 1xx interim answers skipped, the body read within ``limit``
    bytes and, between reads, ``deadline`` (monotonic)."""
    for _ in range(MAX_INTERIM + 1):
        _left(deadline)
        status, reason, version, headers = _parse_head(_head(rfile))
        if status == 101:
            raise Broken("101 Switching Protocols, which was not asked for")
        if not 100 <= status < 200:
            break
    else:
        raise Broken(f"more than {MAX_INTERIM} interim (1xx) answers")
    fields = joined(headers)
    connection = fields.get("connection", "").lower()
    will_close = "close" in connection or (version == "HTTP/1.0" and "keep-alive" not in connection)
    coding = fields.get("transfer-encoding")
    length = fields.get("content-length")
    if method == "HEAD" or status in (204, 304):
        # a 204/304 announcing a body may be followed by one: the connection is not reused
        body, will_close = b"", will_close or (method != "HEAD" and (coding or length or "0").strip() != "0")
    elif coding is not None and length is not None:  # one of them is lying: a smuggling attempt
        raise Broken("both Transfer-Encoding and Content-Length")
    elif coding is not None:
        if coding.strip().lower() != "chunked":
            raise Broken(f"unsupported Transfer-Encoding {coding[:40]!r}")
        body = _chunked(rfile, limit, deadline)
    elif length is not None:
        n = _content_length(length)
        if n > limit:
            raise TooLarge(f"body of {n} bytes is over the limit of {limit}")
        body = _exactly(rfile, n, deadline)
    else:
        body, will_close = _until_close(rfile, limit, deadline), True
    return Reply(status, headers, body, url, reason, will_close, fields=fields)


def _content_length(value: str) -> int:
    """The length a ``Content-Length`` declares; repeated, all its values must agree."""
    values = {v.strip() for v in value.split(",")}
    if len(values) != 1 or not _DIGITS.fullmatch(declared := values.pop()):
        raise Broken(f"bad Content-Length {value[:40]!r}")
    return int(declared) if len(declared) <= 18 else 1 << 62


def _head(rfile: io.BufferedReader) -> list[str]:
    """The status line and header lines of one reply, line ends dropped. When the whole head
    is already buffered (a small reply, the usual case) it is taken with one read."""
    buffered = rfile.peek(1)
    end = buffered.find(b"\r\n\r\n")
    if end >= 0 and buffered.find(b"\n\n", 0, end) < 0:  # not the body's CRLFs after a LF head
        return _checked(rfile.read(end + 4)[:end].decode("latin-1").split("\r\n"), "\r\n")
    lines: list[str] = []
    ending = b""
    size = 0
    while True:  # a head arriving in pieces: line by line
        line = rfile.readline(MAX_LINE + 1)
        if not line:
            if lines:
                raise Broken("connection closed inside the headers")
            raise Stale("server closed the connection without answering")
        size += len(line)
        if len(line) > MAX_LINE or len(lines) > MAX_HEADERS or size > MAX_HEAD:
            raise Broken(f"header line too long, or head over {MAX_HEAD} bytes or {MAX_HEADERS} headers")
        ending = ending or (b"\r\n" if line.endswith(b"\r\n") else b"\n")
        if not line.endswith(ending) or (ending == b"\n" and line.endswith(b"\r\n")):
            raise Broken("head mixes CRLF and bare LF line ends")
        if len(line) == len(ending) and lines:
            return _checked(lines, ending.decode())
        lines.append(line[: -len(ending)].decode("latin-1"))


def _checked(lines: list[str], ending: str) -> list[str]:
    """``lines`` unless one holds a stray CR, LF or NUL, or there are too many."""
    text = ending.join(lines)
    if len(lines) > MAX_HEADERS + 1 or text.count("\n") != len(lines) - 1:
        raise Broken("stray line break or too many headers")
    if text.count("\r") != (len(lines) - 1) * (ending == "\r\n") or "\0" in text:
        raise Broken("stray CR or NUL in the head")
    return lines


def _parse_head(lines: list[str]) -> tuple[int, str, str, list[tuple[str, str]]]:
    status = lines[0]
    if not _STATUS.match(status) or status[12:13] not in ("", " "):
        raise Broken(f"bad status line {status[:60]!r}")
    headers: list[tuple[str, str]] = []
    for text in lines[1:]:
        if text[:1] in (" ", "\t") and headers:  # obsolete line folding
            k, v = headers[-1]
            headers[-1] = (k, f"{v} {text.strip()}")
            continue
        name, colon, value = text.partition(":")
        if not colon or not _TOKEN.fullmatch(name):
            raise Broken(f"bad header line {text[:60]!r}")
        headers.append((name, value.strip(" \t")))
    return int(status[9:12]), status[13:], status[:8], headers


def _left(deadline: float | None) -> None:
    if deadline is not None and time.monotonic() >= deadline:
        raise TimeoutError("response not complete within the deadline")


def _exactly(rfile: io.BufferedReader, n: int, deadline: float | None) -> bytes:
    parts: list[bytes] = []
    while n > 0:
        _left(deadline)
        chunk = rfile.read1(min(n, _CHUNK))
        if not chunk:
            _left(deadline)  # the deadline watchdog cut it
            raise Broken(f"body cut short ({n} bytes missing)")
        parts.append(chunk)
        n -= len(chunk)
    return b"".join(parts)


def _until_close(rfile: io.BufferedReader, limit: int, deadline: float | None) -> bytes:
    parts = bytearray()
    while True:
        _left(deadline)
        chunk = rfile.read1(_CHUNK)
        if not chunk:
            _left(deadline)
            return bytes(parts)
        parts += chunk
        if len(parts) > limit:
            raise TooLarge(f"body is over the limit of {limit} bytes")


def _chunked(rfile: io.BufferedReader, limit: int, deadline: float | None) -> bytes:
    """A chunked body, grown in one buffer: one-byte chunks cost no more memory than one."""
    body = bytearray()
    while True:
        _left(deadline)
        line = rfile.readline(1024)
        if not line.endswith(b"\n"):
            _left(deadline)
            raise Broken("chunk size line cut or too long")
        hexsize = line.split(b";", 1)[0].strip(b" \t\r\n")
        if not hexsize or hexsize.strip(b"0123456789abcdefABCDEF"):
            raise Broken(f"bad chunk size {hexsize[:20]!r}")
        n = int(hexsize, 16)
        if n == 0:
            _trailers(rfile)
            return bytes(body)
        if len(body) + n > limit:
            raise TooLarge(f"body is over the limit of {limit} bytes")
        body += _exactly(rfile, n, deadline)
        if _exactly(rfile, 2, deadline) != b"\r\n":
            raise Broken("chunk not followed by CRLF")


def _trailers(rfile: io.BufferedReader) -> None:
    """Read past a chunked body's trailer fields (dropped) to its blank line."""
    for _ in range(MAX_HEADERS + 1):
        line = rfile.readline(MAX_LINE + 1)
        if line in (b"\r\n", b"\n"):
            return
        if not line or len(line) > MAX_LINE:
            raise Broken("chunked body's trailer cut or too long")
    raise Broken(f"more than {MAX_HEADERS} trailer fields")
