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
