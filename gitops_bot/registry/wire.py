"""HTTP/1.1 on the wire for registry traffic: a request out, a whole reply in, nothing more.

Registry answers are small (a tag list, a manifest HEAD, a config blob) and many; per request
the bot should spend a fraction of the CPU the registry does. ``http.client`` plus httpx's
request and response models cost about 0.9 ms of CPU a request here (the registry spends about
1.2 ms serving one); writing the request line and reading the status line, headers and body
straight from a buffered socket costs about a tenth of that. What this module does not do,
on purpose: proxies, compression (no ``Accept-Encoding`` is sent, so bodies come as is),
HTTP/2, trailers (read and dropped), ``Expect: 100-continue``.

A reply is read whole within a byte limit; a status line, header line or chunk-size line that
does not fit its bound, a malformed length or a body cut short is a :class:`Broken` reply.
"""

from __future__ import annotations

import io
import re
import time
from dataclasses import dataclass, field

MAX_LINE = 64 << 10  # a status or header line
MAX_HEADERS = 100
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
    while True:
        status, reason, version, headers = _parse_head(_head(rfile))
        if not 100 <= status < 200:
            break
    fields = joined(headers)
    connection = fields.get("connection", "").lower()
    will_close = "close" in connection or (version == "HTTP/1.0" and "keep-alive" not in connection)
    if method == "HEAD" or status in (204, 304):
        body = b""
    elif "chunked" in fields.get("transfer-encoding", "").lower():
        body = _chunked(rfile, limit, deadline)
    elif "content-length" in fields:
        declared = fields["content-length"].strip()
        if not declared.isdigit():
            raise Broken(f"bad Content-Length {declared[:40]!r}")
        if int(declared) > limit:
            raise TooLarge(f"body of {declared} bytes is over the limit of {limit}")
        body = _exactly(rfile, int(declared), deadline)
    else:
        body, will_close = _until_close(rfile, limit, deadline), True
    return Reply(status, headers, body, url, reason, will_close, fields=fields)


def _head(rfile: io.BufferedReader) -> list[str]:
    """The status line and header lines of one reply, line ends dropped. When the whole head
    is already buffered (a small reply, the usual case) it is taken with one read."""
    buffered = rfile.peek(1)
    end = buffered.find(b"\r\n\r\n")
    if end >= 0:
        text = rfile.read(end + 4)[:end].decode("latin-1")
        lines = text.split("\r\n")
        if (
            len(lines) > MAX_HEADERS + 1
            or text.count("\n") != len(lines) - 1
            or "\r" in text.replace("\r\n", "")
        ):
            raise Broken("stray line break or too many headers")
        return lines
    lines = []
    while True:  # a head arriving in pieces: line by line
        line = rfile.readline(MAX_LINE + 1)
        if not line:
            if lines:
                raise Broken("connection closed inside the headers")
            raise Stale("server closed the connection without answering")
        if len(line) > MAX_LINE or len(lines) > MAX_HEADERS:
            raise Broken(f"header line too long or more than {MAX_HEADERS} headers")
        if line in (b"\r\n", b"\n") and lines:
            return lines
        lines.append(line.decode("latin-1").rstrip("\r\n"))


def _parse_head(lines: list[str]) -> tuple[int, str, str, list[tuple[str, str]]]:
    parts = lines[0].split(" ", 2)
    version = parts[0]
    if len(parts) < 2 or not version.startswith("HTTP/1.") or len(parts[1]) != 3 or not parts[1].isdigit():
        raise Broken(f"bad status line {lines[0][:60]!r}")
    headers: list[tuple[str, str]] = []
    for text in lines[1:]:
        if text[:1] in (" ", "\t") and headers:  # obsolete line folding
            k, v = headers[-1]
            headers[-1] = (k, f"{v} {text.strip()}")
            continue
        name, colon, value = text.partition(":")
        if not colon or not name or name != name.strip():
            raise Broken(f"bad header line {text[:60]!r}")
        headers.append((name, value.strip()))
    return int(parts[1]), parts[2] if len(parts) > 2 else "", version, headers


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
    parts: list[bytes] = []
    size = 0
    while True:
        _left(deadline)
        chunk = rfile.read1(_CHUNK)
        if not chunk:
            _left(deadline)
            return b"".join(parts)
        size += len(chunk)
        if size > limit:
            raise TooLarge(f"body is over the limit of {limit} bytes")
        parts.append(chunk)


def _chunked(rfile: io.BufferedReader, limit: int, deadline: float | None) -> bytes:
    parts: list[bytes] = []
    size = 0
    while True:
        _left(deadline)
        line = rfile.readline(1024)
        if not line.endswith(b"\n"):
            _left(deadline)
            raise Broken("chunk size line cut or too long")
        hexsize = line.split(b";", 1)[0].strip()
        if not hexsize or hexsize.strip(b"0123456789abcdefABCDEF"):
            raise Broken(f"bad chunk size {hexsize[:20]!r}")
        n = int(hexsize, 16)
        if n == 0:
            _trailers(rfile)
            return b"".join(parts)
        size += n
        if size > limit:
            raise TooLarge(f"body is over the limit of {limit} bytes")
        parts.append(_exactly(rfile, n, deadline))
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
