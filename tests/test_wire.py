"""The HTTP/1.1 reader under the registry transport, on byte strings: the shapes a registry (or
something pretending to be one) answers with. Socket-level cases are in test_transport and the
hostile-registry suite."""

from __future__ import annotations

import io

import pytest

from gitops_bot.registry import wire


def reply(data: bytes, method: str = "GET", limit: int = 1 << 20) -> wire.Reply:
    return wire.read_reply(io.BufferedReader(io.BytesIO(data)), method, limit, None, "http://r/v2/")


def test_content_length_body_and_headers_as_sent() -> None:
    r = reply(
        b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 2\r\nLink: <a>\r\n\r\n{}"
    )
    assert (r.status, r.reason, r.body, r.will_close) == (200, "OK", b"{}", False)
    assert r.header("content-type") == "application/json" and r.header("LINK") == "<a>"
    assert r.header("absent") == ""


def test_chunked_body_with_extensions_and_trailers() -> None:
    r = reply(
        b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3;x=y\r\nabc\r\n2\r\nde\r\n0\r\nT: 1\r\n\r\n"
    )
    assert r.body == b"abcde"


def test_head_has_no_body_whatever_its_length() -> None:
    r = reply(b"HTTP/1.1 200 OK\r\nContent-Length: 500\r\nDocker-Content-Digest: sha256:x\r\n\r\n", "HEAD")
    assert r.body == b"" and r.header("Docker-Content-Digest") == "sha256:x"


def test_no_length_reads_to_close_and_http10_closes() -> None:
    r = reply(b"HTTP/1.0 200 OK\r\n\r\nall of it")
    assert r.body == b"all of it" and r.will_close
    assert reply(b"HTTP/1.1 204 No Content\r\nConnection: close\r\n\r\n").will_close


def test_interim_answers_are_skipped_and_lf_only_heads_read() -> None:
    r = reply(b"HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 201 Created\nContent-Length: 0\nX: a\n  b\n\n")
    assert r.status == 201 and r.header("X") == "a b"


def test_repeated_headers_are_joined() -> None:
    r = reply(
        b"HTTP/1.1 401 U\r\nWWW-Authenticate: Basic\r\nWWW-Authenticate: Bearer\r\nContent-Length: 0\r\n\r\n"
    )
    assert r.header("www-authenticate") == "Basic, Bearer"


@pytest.mark.parametrize(
    "data",
    [
        b"HTTP/1.1 2000 OK\r\n\r\n",
        b"SPDY/3 200 OK\r\n\r\n",
        b"HTTP/1.1 200 OK\r\nContent-Length: 1x\r\n\r\n",
        b"HTTP/1.1 200 OK\r\nno colon here\r\n\r\n",
        b"HTTP/1.1 200 OK\r\nX: a\nSmuggled: b\r\n\r\n",  # a bare LF inside a CRLF head
        b"HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nshort",
        b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n-5\r\nabc\r\n0\r\n\r\n",
        b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabcXX0\r\n\r\n",
        b"HTTP/1.1 200 OK\r\nContent-Len",
    ],
)
def test_broken_replies(data: bytes) -> None:
    with pytest.raises(wire.Broken):
        reply(data)


def test_nothing_at_all_is_a_stale_connection() -> None:
    with pytest.raises(wire.Stale):
        reply(b"")


@pytest.mark.parametrize(
    "data",
    [
        b"HTTP/1.1 200 OK\r\nContent-Length: 11\r\n\r\n0123456789a",
        b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n6\r\n012345\r\n6\r\n012345\r\n0\r\n\r\n",
        b"HTTP/1.1 200 OK\r\n\r\n" + b"x" * 11,
    ],
)
def test_bodies_over_the_limit(data: bytes) -> None:
    with pytest.raises(wire.TooLarge):
        reply(data, limit=10)


def test_header_values_that_would_split_a_request_are_refused() -> None:
    assert wire.encode_request("GET", "/v2/", [("Host", "r")], b"") == b"GET /v2/ HTTP/1.1\r\nHost: r\r\n\r\n"
    for header in [("X", "a\r\nEvil: 1"), ("Bad Name", "v"), ("X:", "v")]:
        with pytest.raises(ValueError):
            wire.encode_request("GET", "/", [header], b"")


# -- hostile framing (issue 17 review): each case through the one-read head and the
#    line-by-line head (a reply arriving a byte at a time), which must agree


class _OneByte(io.RawIOBase):
    def __init__(self, data: bytes) -> None:
        self.data, self.pos = data, 0

    def readable(self) -> bool:
        return True

    def readinto(self, b: bytearray) -> int:  # type: ignore[override]
        if self.pos >= len(self.data):
            return 0
        b[0] = self.data[self.pos]
        self.pos += 1
        return 1


def both(data: bytes, method: str = "GET", limit: int = 1 << 20) -> list[wire.Reply | Exception]:
    """The reply (or the exception) read whole from a buffer and read a byte at a time."""
    found: list[wire.Reply | Exception] = []
    raws: list[io.RawIOBase] = [io.BytesIO(data), _OneByte(data)]  # type: ignore[list-item]
    for raw in raws:
        try:
            found.append(wire.read_reply(io.BufferedReader(raw), method, limit, None, "http://r/v2/"))
        except (wire.Broken, wire.TooLarge) as exc:
            found.append(exc)
    return found


OK = b"HTTP/1.1 200 OK\r\n"
SMUGGLING = {
    "te-and-cl": OK + b"Transfer-Encoding: chunked\r\nContent-Length: 3\r\n\r\n0\r\n\r\n",
    "two-lengths": OK + b"Content-Length: 2\r\nContent-Length: 3\r\n\r\nabc",
    "negative-length": OK + b"Content-Length: -1\r\n\r\n",
    "unicode-digit-length": OK + "Content-Length: \u00b2\r\n\r\nab".encode("latin-1"),
    "hex-length": OK + b"Content-Length: 0x2\r\n\r\nab",
    "plus-length": OK + b"Content-Length: +2\r\n\r\nab",
    "gzip-chunked": OK + b"Transfer-Encoding: gzip, chunked\r\n\r\n0\r\n\r\n",
    "chunked-lookalike": OK + b"Transfer-Encoding: xchunked\r\n\r\n0\r\n\r\n",
    "chunk-0x": OK + b"Transfer-Encoding: chunked\r\n\r\n0x3\r\nabc\r\n0\r\n\r\n",
    "no-last-crlf": OK + b"Transfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\n",
    "endless-trailers": OK + b"Transfer-Encoding: chunked\r\n\r\n0\r\n" + b"T: x\r\n" * 200 + b"\r\n",
    "space-before-colon": OK + b"Content-Length : 0\r\n\r\n",
    "name-not-a-token": OK + b"X(y): 1\r\nContent-Length: 0\r\n\r\n",
    "fold-first": OK + b" X: 1\r\nContent-Length: 0\r\n\r\n",
    "nul-in-value": OK + b"Location: /a\x00b\r\nContent-Length: 0\r\n\r\n",
    "cr-in-value": OK + b"Location: /a\rSet: b\r\nContent-Length: 0\r\n\r\n",
    "cr-cr-lf": OK + b"Location: /a\r\r\nContent-Length: 0\r\n\r\n",
    "lf-inside-crlf-head": OK + b"X: a\nContent-Length: 5\r\n\r\n",
    "unicode-digit-status": "HTTP/1.1 \u00b200 OK\r\n\r\n".encode("latin-1"),
    "status-under-100": b"HTTP/1.1 099 Odd\r\nContent-Length: 0\r\n\r\n",
    "http2-status": b"HTTP/2 200 OK\r\nContent-Length: 0\r\n\r\n",
    "http1.9-status": b"HTTP/1.9 200 OK\r\nContent-Length: 0\r\n\r\n",
    "status-glued": b"HTTP/1.1 200OK\r\nContent-Length: 0\r\n\r\n",
    "switching-protocols": b"HTTP/1.1 101 Switching Protocols\r\nUpgrade: h2c\r\n\r\n",
    "endless-continue": b"HTTP/1.1 100 Continue\r\n\r\n" * 50,
    "line-over-bound": OK + b"X: " + b"x" * wire.MAX_LINE + b"\r\n\r\n",
    "head-over-bound": OK + b"".join(b"X%d: %s\r\n" % (i, b"x" * 4000) for i in range(70)) + b"\r\n",
    "too-many-headers": OK + b"X: 1\r\n" * (wire.MAX_HEADERS + 1) + b"\r\n",
}


@pytest.mark.parametrize("data", SMUGGLING.values(), ids=SMUGGLING.keys())
def test_smuggling_shaped_replies_are_broken_either_way(data: bytes) -> None:
    fast, slow = both(data)
    assert isinstance(fast, wire.Broken) and isinstance(slow, wire.Broken), (fast, slow)


@pytest.mark.parametrize(
    "length",
    ["9" * 5000, "99999999999999999999999", str(1 << 40)],
)
def test_huge_lengths_are_too_large_not_a_crash(length: str) -> None:
    data = OK + f"Content-Length: {length}\r\n\r\n".encode()
    assert all(isinstance(r, wire.TooLarge) for r in both(data, limit=1000))
    huge_chunk = OK + b"Transfer-Encoding: chunked\r\n\r\n" + b"f" * 200 + b"\r\nabc\r\n0\r\n\r\n"
    assert all(isinstance(r, wire.TooLarge) for r in both(huge_chunk, limit=1000))


def test_lenient_but_unambiguous_shapes_read_the_same_either_way() -> None:
    cases = {
        OK + b"Content-Length: 3\r\nContent-Length: 3\r\n\r\nabc": b"abc",  # repeated, equal
        OK + b"Transfer-Encoding: Chunked\r\n\r\n3 ; a=b\r\nabc\r\n0\r\nT: 1\r\n\r\n": b"abc",
        b"HTTP/1.1 200\r\nContent-Length: 3\r\n\r\nabc": b"abc",  # no reason phrase
        b"HTTP/1.1 200 OK\nContent-Length: 3\n\nabc\r\n\r\n": b"abc",  # LF head, CRLFs after it
        OK + b"X: a\r\n\tb\r\nContent-Length: 1\r\n\r\nz": b"z",  # obs-fold
    }
    for data, body in cases.items():
        for r in both(data):
            assert isinstance(r, wire.Reply) and r.body == body, (data, r)


def test_no_body_replies_that_announce_one_do_not_keep_the_connection() -> None:
    for data in (
        b"HTTP/1.1 204 No Content\r\nContent-Length: 5\r\n\r\nxxxxx",
        b"HTTP/1.1 304 Not Modified\r\nTransfer-Encoding: chunked\r\n\r\n",
    ):
        assert all(isinstance(r, wire.Reply) and r.body == b"" and r.will_close for r in both(data))
    for data, method in [
        (b"HTTP/1.1 204 No Content\r\nContent-Length: 0\r\n\r\n", "GET"),
        (OK + b"Content-Length: 99\r\n\r\n", "HEAD"),  # a HEAD's length is the GET's: keep
    ]:
        assert all(isinstance(r, wire.Reply) and not r.will_close for r in both(data, method))


def test_a_body_cut_short_is_never_complete() -> None:
    for data in (
        OK + b"Content-Length: 10\r\n\r\nabc",
        OK + b"Transfer-Encoding: chunked\r\n\r\n5\r\nab",
        OK + b"Transfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n",
    ):
        assert all(isinstance(r, wire.Broken) for r in both(data))
