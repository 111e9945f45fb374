"""Attacks on the registry client's HTTP (httpx under gitops_bot.net), each against a loopback
server answering scripted bytes (testkit.raw_registry): replies beyond the reply, bytes on an
idle connection, redirects that stretch the deadline or lead credentials away, encodings never
asked for, sockets left open by failures, a SIGTERM while a lock is held."""

from __future__ import annotations

import contextlib
import gzip
import json
import os
import socket
import threading
import time

import httpx
import pytest

from gitops_bot.core.errors import RegistryAccessError, RegistryProtocolError
from gitops_bot.net.limits import TooLarge
from gitops_bot.net.transport import Reply, Transport, send
from gitops_bot.registry.auth import RegistryAuth
from gitops_bot.registry.channel import Channel
from gitops_bot.registry.client import RegistryClient, RetryPolicy
from gitops_bot.registry.credentials import RegistryCredential
from gitops_bot.registry.pool import RegistryPool
from gitops_bot.registry.settings import RegistryConfig
from testkit.raw_registry import RawRegistry, Script, reply

SECRET = "s3cret-pass-9"
FORGED = reply("200 OK", b"forged")
REAL = Script(reply("200 OK", b"real"))


def client_for(srv: RawRegistry, timeout: float = 0.5) -> RegistryClient:
    return RegistryClient(
        RegistryConfig(host=srv.host, timeout=timeout),
        RegistryCredential("test", "alice", SECRET),
        retry=RetryPolicy(attempts=2, initial_wait=0.01, max_wait=0.05),
    )


def get(t: Transport, url: str, method: str = "GET", limit: int = 1 << 20, timeout: float = 2.0) -> Reply:
    return send(t, httpx.Request(method, url), timeout=timeout, limit=limit)


def plain() -> Transport:
    """The registry client's transport, with no proxy from the environment."""
    return Transport(env={})


BEYOND = {
    "204-with-a-body": Script(
        b"HTTP/1.1 204 No Content\r\nContent-Length: %d\r\n\r\n" % len(FORGED) + FORGED
    ),
    "second-reply-in-the-same-write": Script(reply("200 OK", b"first") + FORGED),
    "reply-before-the-next-request": Script(reply("200 OK", b"first"), later=FORGED),
    "head-answered-with-a-body": Script(reply("200 OK", b"x" * len(FORGED))[: -len(FORGED)] + FORGED),
}


@pytest.mark.parametrize("first", BEYOND.values(), ids=BEYOND.keys())
def test_bytes_beyond_a_reply_never_answer_another_origin_s_request(first: Script) -> None:
    """Bytes a server sends beyond its reply can at most be read as its own answer to the next
    request on that connection, which that server could give anyway: a connection carries one
    origin's requests only, so they never answer another registry's request."""
    method = "HEAD" if first is BEYOND["head-answered-with-a-body"] else "GET"
    with (
        RawRegistry(lambda n, _: first if n == 0 else REAL) as srv,
        RawRegistry(lambda n, _: REAL) as other,
        plain() as t,
    ):
        get(t, f"{srv.url}/v2/a", method)
        srv.wait_sent(1)  # the unasked bytes are on the pooled connection
        assert get(t, f"{other.url}/v2/b").body == b"real"


def test_bytes_arriving_on_an_idle_connection_close_it() -> None:
    """A reply's worth of bytes sent after the reply was read, while the connection is idle,
    is not read as the next answer: the connection is closed and another one asks."""
    with (
        RawRegistry(lambda n, _: BEYOND["reply-before-the-next-request"] if n == 0 else REAL) as srv,
        plain() as t,
    ):
        get(t, f"{srv.url}/v2/a")
        srv.wait_sent(1)  # the unasked bytes are on the idle pooled connection
        assert get(t, f"{srv.url}/v2/b").body == b"real"
        assert srv.connections == 2


@pytest.mark.parametrize(
    "first",
    [
        Script(reply("200 OK", b"x" * 50)),
        Script(
            b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n8\r\n12345678\r\n8\r\n12345678\r\n0\r\n\r\n"
        ),
    ],
    ids=["length", "chunked"],
)
def test_a_body_over_the_cap_drops_its_connection(first: Script) -> None:
    with RawRegistry(lambda n, _: first if n == 0 else REAL) as srv, plain() as t:
        with pytest.raises(TooLarge):
            get(t, f"{srv.url}/v2/a", limit=10)
        assert get(t, f"{srv.url}/v2/b").body == b"real" and srv.connections == 2


@pytest.mark.parametrize(
    "first",
    [reply("200 OK", b"one", "Connection: close"), b"HTTP/1.0 200 OK\r\nContent-Length: 3\r\n\r\none"],
    ids=["connection-close", "http-1.0"],
)
def test_a_reply_that_closes_is_not_reused_even_if_the_server_keeps_the_socket(first: bytes) -> None:
    with RawRegistry(lambda n, _: Script(first) if n == 0 else REAL) as srv, plain() as t:
        assert get(t, f"{srv.url}/v2/a").body == b"one"
        assert get(t, f"{srv.url}/v2/b").body == b"real" and srv.connections == 2


def test_interim_answers_are_skipped_but_not_forever() -> None:
    """Interim (1xx) answers before the reply are skipped; a stream of them that never ends is
    cut by the call's deadline."""
    cont = b"HTTP/1.1 100 Continue\r\n\r\n"
    answers = [Script(cont + cont + reply("200 OK", b"real")), Script(cont * 400, drip=0.001)]
    with RawRegistry(lambda n, _: answers[min(n, 1)]) as srv, plain() as t:
        assert get(t, f"{srv.url}/v2/a").body == b"real"
        started = time.monotonic()
        with pytest.raises(httpx.TimeoutException):
            get(t, f"{srv.url}/v2/b", timeout=0.5)
        assert time.monotonic() - started < 3


def test_redirect_hops_share_one_deadline() -> None:
    """Five hops of 0.3 s each: every hop is within the 0.5 s timeout, the request is not."""
    hop = Script(reply("302 Found", b"", "Location: /v2/next"), hang=0.3)
    with RawRegistry(lambda n, _: hop if n < 5 else REAL) as srv:
        session = Channel(srv.url, plain(), RegistryAuth(srv.host, None))
        with pytest.raises(httpx.TimeoutException):
            session.send("GET", "/v2/", timeout=0.5)
        session.close()


def test_redirects_relative_and_refused() -> None:
    answers = {
        b"/v2/acme/app/x ": Script(reply("301 Moved", b"", "Location: tags/list?n=1")),
        b"/v2/acme/app/tags/list?n=1 ": REAL,
        b"/v2/ftp ": Script(reply("302 Found", b"", "Location: ftp://127.0.0.1/x")),
        b"/v2/cr ": Script(reply("302 Found", b"", "Location: /v2/a\rSet-Cookie: x=1")),
        b"/v2/loop ": Script(reply("302 Found", b"", "Location: /v2/loop")),
    }
    with RawRegistry(lambda _, req: next(a for k, a in answers.items() if k in req)) as srv:
        session = Channel(srv.url, plain(), RegistryAuth(srv.host, None))
        assert session.send("GET", "/v2/acme/app/x", timeout=2).body == b"real"
        with pytest.raises(httpx.UnsupportedProtocol):
            session.send("GET", "/v2/ftp", timeout=2)
        with pytest.raises(httpx.RemoteProtocolError):
            session.send("GET", "/v2/cr", timeout=2)
        with pytest.raises(httpx.TooManyRedirects):
            session.send("GET", "/v2/loop", timeout=2)
        session.close()


def test_a_challenge_from_where_a_redirect_led_gets_no_credential() -> None:
    """The registry redirects to another host, which answers 401 naming a token realm: the
    registry's credential must not go to that realm (nor anywhere but the registry)."""
    token = Script(reply("200 OK", json.dumps({"token": "t"}).encode()))
    with RawRegistry(lambda n, _: token) as realm:
        bearer = f'WWW-Authenticate: Bearer realm="{realm.url}/token",service=x'
        with RawRegistry(lambda n, _: Script(reply("401 Unauthorized", b"{}", bearer))) as other:
            moved = Script(reply("307 Moved", b"", f"Location: {other.url}/v2/acme/app/tags/list"))
            with (
                RawRegistry(lambda n, _: moved) as registry,
                client_for(registry) as c,
                pytest.raises(RegistryAccessError, match="401"),
            ):
                c.list_tags("acme/app")
    assert realm.requests == []
    assert not any(b"authorization" in r.lower() for r in other.requests)


def test_an_encoding_never_asked_for_is_refused_by_name() -> None:
    body = gzip.compress(b'{"tags": ["1.0.0"]}')
    headers = ("Content-Type: application/json", "Content-Encoding: gzip")
    with RawRegistry(lambda n, _: Script(reply("200 OK", body, *headers))) as srv:
        with client_for(srv) as c, pytest.raises(RegistryProtocolError, match="'gzip'-encoded"):
            c.list_tags("acme/app")
        assert all(b"accept-encoding" not in r.lower() for r in srv.requests)
    # the same refusal through an httpx transport (which would have decoded it)
    mock = httpx.MockTransport(
        lambda _: httpx.Response(200, content=body, headers=dict(h.split(": ") for h in headers))
    )
    with (
        RegistryClient(RegistryConfig(host="ghcr.io"), transport=mock) as c,
        pytest.raises(RegistryProtocolError, match="'gzip'-encoded"),
    ):
        c.list_tags("acme/app")


def test_ipv6_literal_and_non_default_port_in_the_host_header() -> None:
    try:
        srv = RawRegistry(lambda n, _: REAL, socket.AF_INET6)
    except OSError:
        pytest.skip("no IPv6 loopback here")
    with srv, plain() as t:
        assert get(t, f"http://[::1]:{srv.port}/v2/?n=1#frag").body == b"real"
        with client_for(srv) as c:
            c._channel.send("GET", "/v2/", timeout=2)
    assert srv.requests[0].startswith(b"GET /v2/?n=1 HTTP/1.1\r\nHost: [::1]:%d\r\n" % srv.port)
    assert b"\r\nHost: [::1]:%d\r\n" % srv.port in srv.requests[1]


def test_concurrent_requests_never_get_each_others_answers() -> None:
    def echo(_: int, req: bytes) -> Script:
        return Script(reply("200 OK", req.split(b" ")[1]))

    errors: list[str] = []
    with RawRegistry(echo) as srv, plain() as t:

        def worker(w: int) -> None:
            for i in range(40):
                path = f"/v2/{w}/{i}"
                if get(t, srv.url + path).body != path.encode():
                    errors.append(path)

        threads = [threading.Thread(target=worker, args=(w,)) for w in range(6)]
        for th in threads:
            th.start()
        for th in threads:
            th.join()
    assert errors == []


def _fds() -> int:
    return len(os.listdir("/proc/self/fd"))


@pytest.mark.skipif(not os.path.isdir("/proc/self/fd"), reason="needs /proc")
def test_failing_requests_leave_no_socket_open() -> None:
    failures = [
        Script(b"HTTP/1.1 2000 OK\r\n\r\n"),
        Script(reply("200 OK", b"x" * 50)),  # over the limit
        Script(b"HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nabc", close=True),
        Script(b"HTTP/1.1 200 OK\r\nContent-Length: 1\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n"),
        Script(reply("200 OK", b"ok") + FORGED),  # dirty
        Script(b"", close=True),
        Script(reply(), hang=0.3),  # past the deadline
        Script(reply("200 OK", b"ok")),
    ]
    with RawRegistry(lambda n, _: failures[n % len(failures)]) as srv:
        before = _fds()
        t = plain()
        # each failure 4 times: one socket a request left open by any of them is 4 over
        # `before`, past the 2 the check allows (12 rounds slept 12 deadlines of the hang)
        for n in range(len(failures) * 4):
            with contextlib.suppress(httpx.TransportError, TooLarge):
                get(t, f"{srv.url}/v2/{n % len(failures)}", timeout=0.2, limit=10)
        t.close()
        assert not t.backend._live
        for _ in range(50):  # the server's side of each connection closes in its own thread
            if _fds() <= before + 2:
                break
            time.sleep(0.1)
        assert _fds() <= before + 2


def test_abort_needs_no_lock_a_signal_handler_may_interrupt() -> None:
    """SIGTERM's handler runs in the main thread, maybe while that thread holds a lock abort
    would take: a plain Lock there deadlocks the exit."""
    t = plain()
    pool = RegistryPool()
    pool.client("ghcr.io")

    def handler_while_held() -> None:
        with t._lock, t.backend._lock:
            t.abort()
        with pool._lock:
            pool.abort()

    th = threading.Thread(target=handler_while_held, daemon=True)
    th.start()
    th.join(5)
    assert not th.is_alive(), "abort() deadlocked on a lock its own thread held"
    pool.close()


def test_the_deadline_holds_after_the_transport_was_closed_once() -> None:
    slow = Script(b"HTTP/1.1 200 OK\r\nContent-Length: 0\r\nX-Slow: " + b"x" * 400 + b"\r\n\r\n", drip=0.02)
    with RawRegistry(lambda n, _: slow) as srv:
        t = plain()
        t.close()
        with pytest.raises(httpx.ReadTimeout):
            get(t, f"{srv.url}/v2/", timeout=0.5)


def test_a_token_request_body_never_follows_a_redirect_to_another_origin() -> None:
    """An identity token goes in the body of a POST to the token realm; a 307 from the realm to
    another host would resend that body there."""
    with RawRegistry(lambda n, _: REAL) as other:
        to_other = Script(reply("307 Moved", b"", f"Location: {other.url}/token"))
        with RawRegistry(lambda n, _: to_other) as realm:
            bearer = f'WWW-Authenticate: Bearer realm="{realm.url}/token",service=x'
            challenge = Script(reply("401 Unauthorized", b"{}", bearer))
            with RawRegistry(lambda n, _: challenge) as registry:
                c = RegistryClient(
                    RegistryConfig(host=registry.host, timeout=0.5),
                    RegistryCredential("test", identity_token=SECRET),
                    retry=RetryPolicy(attempts=2, initial_wait=0.01, max_wait=0.05),
                )
                with c, pytest.raises(RegistryProtocolError, match="with a body to another origin"):
                    c.list_tags("acme/app")
    assert realm.requests and realm.requests[0].startswith(b"POST /token ")
    assert other.requests == []


def test_a_redirect_to_another_scheme_is_a_protocol_error_not_retried() -> None:
    """(httpx.UnsupportedProtocol is a TransportError: it was taken for a connection failure.)"""
    ftp = Script(reply("302 Found", b"", "Location: ftp://127.0.0.1/v2/x"))
    with RawRegistry(lambda n, _: ftp) as srv:
        with client_for(srv) as c, pytest.raises(RegistryProtocolError, match="unsupported URL scheme"):
            c.list_tags("acme/app")
        assert len(srv.requests) == 1


def test_a_challenge_after_a_downgrade_to_plain_http_gets_no_credential() -> None:
    """Same host, but http: whoever is on the path could have written that challenge. (Through
    an httpx MockTransport: the same session and auth code as over the wire.)"""
    seen: list[httpx.Request] = []

    def registry(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        if request.url.scheme == "https" and request.url.host == "ghcr.io":
            return httpx.Response(302, headers={"Location": str(request.url.copy_with(scheme="http"))})
        if request.url.host == "ghcr.io":
            return httpx.Response(401, headers={"WWW-Authenticate": 'Bearer realm="https://evil.example/t"'})
        return httpx.Response(200, json={"token": "t"})

    c = RegistryClient(
        RegistryConfig(host="ghcr.io"),
        RegistryCredential("test", "alice", SECRET),
        transport=httpx.MockTransport(registry),
        retry=RetryPolicy(attempts=1),
    )
    with c, pytest.raises(RegistryAccessError, match="401"):
        c.list_tags("acme/app")
    assert [r.url.host for r in seen] == ["ghcr.io", "ghcr.io"]
    assert all("authorization" not in r.headers for r in seen)
