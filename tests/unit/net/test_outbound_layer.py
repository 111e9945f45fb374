"""The shared outbound layer (gitops_bot.net): proxies as curl reads them, trust stores, total
deadlines, capped bodies, bounded JSON, origin-bound credentials, the one retry policy."""

from __future__ import annotations

import socket
import ssl
import sys
import threading
import time
from pathlib import Path
from typing import Any

import httpx
import pytest

from gitops_bot.core.errors import UsageError
from gitops_bot.net import auth, limits, origins, retry, tls
from gitops_bot.net.proxy import proxy_for
from gitops_bot.net.transport import Transport, exchange, fetch, send
from testkit.hostile_registry import Answer, HostileRegistry


@pytest.mark.parametrize(
    ("url", "env", "expected"),
    [
        ("https://r.example/v2/", {"HTTPS_PROXY": "http://p:3128"}, "http://p:3128"),
        ("https://r.example/v2/", {"https_proxy": "p:3128"}, "http://p:3128"),
        (
            "https://r.example/v2/",
            {"https_proxy": "http://low:1", "HTTPS_PROXY": "http://up:1"},
            "http://low:1",
        ),
        ("http://r.example/v2/", {"HTTPS_PROXY": "http://p:3128"}, None),
        ("http://r.example/v2/", {"HTTP_PROXY": "http://p:3128"}, "http://p:3128"),
        ("https://r.example/v2/", {"ALL_PROXY": "http://all:1"}, "http://all:1"),
        ("https://r.example/", {"HTTPS_PROXY": "http://p:1", "NO_PROXY": "*"}, None),
        ("https://r.example/", {"HTTPS_PROXY": "http://p:1", "no_proxy": "r.example"}, None),
        ("https://a.r.example/", {"HTTPS_PROXY": "http://p:1", "NO_PROXY": "r.example"}, None),
        ("https://a.r.example/", {"HTTPS_PROXY": "http://p:1", "NO_PROXY": ".r.example"}, None),
        ("https://r.example/", {"HTTPS_PROXY": "http://p:1", "NO_PROXY": ".r.example"}, None),
        ("https://badr.example/", {"HTTPS_PROXY": "http://p:1", "NO_PROXY": "r.example"}, "http://p:1"),
        ("https://10.1.2.3/", {"HTTPS_PROXY": "http://p:1", "NO_PROXY": "10.0.0.0/8"}, None),
        ("https://11.1.2.3/", {"HTTPS_PROXY": "http://p:1", "NO_PROXY": "10.0.0.0/8"}, "http://p:1"),
        ("https://[::1]:5000/", {"HTTPS_PROXY": "http://p:1", "NO_PROXY": "::1"}, None),
        ("https://r.example:5000/", {"HTTPS_PROXY": "http://p:1", "NO_PROXY": "r.example:443"}, "http://p:1"),
        ("https://r.example/", {"HTTPS_PROXY": "http://p:1", "NO_PROXY": "r.example:443"}, None),
        ("https://r.example/", {"HTTPS_PROXY": "http://p:1", "NO_PROXY": "x.example, r.example"}, None),
    ],
)
def test_proxy_choice_follows_curl_and_requests_rules(
    url: str, env: dict[str, str], expected: str | None
) -> None:
    assert proxy_for(url, env) == expected


def test_unreadable_ca_file_is_a_usage_error(tmp_path: Path) -> None:
    bad = tmp_path / "ca.pem"
    bad.write_text("not a certificate")
    with pytest.raises(UsageError, match="cannot load ca_file"):
        tls.ssl_context(str(bad), env={})
    with pytest.raises(UsageError, match="cannot load SSL_CERT_FILE"):
        tls.ssl_context(None, env={"SSL_CERT_FILE": str(tmp_path / "missing.pem")})


def test_an_endless_answer_is_stopped_at_its_cap() -> None:
    with HostileRegistry({"/": Answer(endless=True)}) as server:
        t = Transport(env={})
        with pytest.raises(limits.TooLarge):
            send(t, httpx.Request("GET", server.url + "/x"), timeout=10, limit=1 << 20)
        with httpx.Client(transport=t) as client, pytest.raises(limits.TooLarge):
            fetch(client, "GET", server.url + "/x", timeout=10, limit=1 << 20)


def test_abort_ends_a_call_in_flight_and_refuses_new_ones() -> None:
    with HostileRegistry({"/": Answer(hang=30)}) as server:
        t = Transport(env={})
        errors: list[BaseException] = []

        def call() -> None:
            try:
                send(t, httpx.Request("GET", server.url + "/x"), timeout=60)
            except BaseException as exc:
                errors.append(exc)

        worker = threading.Thread(target=call)
        worker.start()
        time.sleep(0.3)
        t.abort()
        worker.join(10)
        assert not worker.is_alive()
        assert errors and isinstance(errors[0], httpx.TransportError)
        with pytest.raises(httpx.TransportError):
            send(t, httpx.Request("GET", server.url + "/x"), timeout=60)


# -- the registry's direct path (exchange on httpcore, without httpx's request/response) ------


@pytest.mark.parametrize(
    ("method", "path", "body"),
    [
        ("GET", "/v2/acme/app/tags/list?n=1000", b""),
        ("HEAD", "/v2/acme/app/manifests/sha256:abc", b""),
        ("POST", "/token?service=reg", b"grant_type=refresh_token"),
        ("POST", "/token", b""),
        ("GET", "/v2/acme/app/tags/list#fragment", b""),  # not plain: goes through httpx's parser
        ("GET", "/v2/a%20b/tags/list?n=1&last=x%2Fy", b""),
    ],
)
def test_the_direct_path_sends_the_request_head_httpx_would(method: str, path: str, body: bytes) -> None:
    """What reaches the server is the same whether a registry request goes straight on
    httpcore or through an ``httpx.Request``: method, target, Host, Content-Length, headers."""
    heads = []
    with HostileRegistry({"/": Answer(body=b"{}")}) as server:
        url = server.url + path
        headers = {"User-Agent": "gitops-bot", "Accept": "*/*"}
        for direct in (True, False):
            t = Transport(env={})
            if direct:
                reply = exchange(t, method, url, headers, body, timeout=10)
            else:
                reply = send(t, httpx.Request(method, url, headers=headers, content=body or None), timeout=10)
            t.close()
            assert reply.status == 200 and reply.body == (b"" if method == "HEAD" else b"{}")
            seen = server.seen[-1]
            heads.append((seen.method, seen.path, seen.headers))
    assert heads[0] == heads[1]


@pytest.mark.parametrize(
    "answer",
    [Answer(endless=True), Answer(body=b"x" * 100, headers={"Content-Length": str(2 << 20)})],
    ids=["endless", "announced-too-large"],
)
def test_the_direct_path_stops_an_answer_at_its_cap(answer: Answer) -> None:
    with HostileRegistry({"/": answer}) as server:
        t = Transport(env={})
        with pytest.raises(limits.TooLarge):
            exchange(t, "GET", server.url + "/x", {}, timeout=10, limit=1 << 20)
        t.close()


def test_abort_ends_a_direct_call_in_flight_and_refuses_new_ones() -> None:
    with HostileRegistry({"/": Answer(hang=30)}) as server:
        t = Transport(env={})
        errors: list[BaseException] = []

        def call() -> None:
            try:
                exchange(t, "GET", server.url + "/x", {}, timeout=60)
            except BaseException as exc:
                errors.append(exc)

        worker = threading.Thread(target=call)
        worker.start()
        time.sleep(0.3)
        t.abort()
        worker.join(10)
        assert not worker.is_alive()
        assert errors and isinstance(errors[0], httpx.TransportError)
        with pytest.raises(httpx.TransportError):
            exchange(t, "GET", server.url + "/x", {}, timeout=60)


def test_the_direct_path_reuses_one_connection_for_requests_one_after_another() -> None:
    with HostileRegistry({"/": Answer(body=b"{}")}) as server:
        t = Transport(env={})
        for path in ("/a", "/b", "/c"):
            assert exchange(t, "GET", server.url + path, {}, timeout=10).body == b"{}"
        exchange(t, "HEAD", server.url + "/d", {}, timeout=10)
        t.close()
    assert len({s.peer for s in server.seen}) == 1


def test_the_direct_path_never_sends_on_a_connection_the_server_said_it_closes() -> None:
    with HostileRegistry({"/bye": Answer(body=b"1", headers={"Connection": "close"}, close=True)}) as server:
        server.routes["/ok"] = Answer(body=b"2")
        t = Transport(env={})
        assert exchange(t, "GET", server.url + "/bye", {}, timeout=10).body == b"1"
        assert exchange(t, "GET", server.url + "/ok", {}, timeout=10).body == b"2"
        t.close()
    assert server.seen[0].peer != server.seen[1].peer


def test_the_direct_path_drops_a_connection_whose_answer_was_cut_at_its_cap() -> None:
    """A body left half-read cannot be the next request's answer: its connection is closed."""
    with HostileRegistry({"/big": Answer(body=b"x" * 5000), "/ok": Answer(body=b"{}")}) as server:
        t = Transport(env={})
        with pytest.raises(limits.TooLarge):
            exchange(t, "GET", server.url + "/big", {}, timeout=10, limit=100)
        assert exchange(t, "GET", server.url + "/ok", {}, timeout=10).body == b"{}"
        t.close()
    assert server.seen[0].peer != server.seen[1].peer


def test_the_direct_path_opens_no_more_connections_than_its_limit() -> None:
    """Six threads at once through a transport of two connections: requests wait for a free
    connection rather than opening more."""
    with HostileRegistry({"/": Answer(body=b"{}", hang=0.05)}) as server:
        t = Transport(env={}, max_connections=2)
        threads = [
            threading.Thread(
                target=exchange, args=(t, "GET", server.url + f"/{i}", {}), kwargs={"timeout": 10}
            )
            for i in range(6)
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(10)
        t.close()
    assert len(server.seen) == 6
    assert len({s.peer for s in server.seen}) <= 2


def test_a_closed_transport_closes_its_idle_connections_and_still_answers() -> None:
    with HostileRegistry({"/": Answer(body=b"{}")}) as server:
        t = Transport(env={})
        exchange(t, "GET", server.url + "/a", {}, timeout=10)
        (connection,) = [c for shards in t._routes.values() for s in shards for c in s.connections]
        t.close()
        assert connection.is_closed() and not t._routes
        assert exchange(t, "GET", server.url + "/b", {}, timeout=10).body == b"{}"
        t.close()


def test_a_body_the_server_never_reads_ends_at_the_deadline() -> None:
    """Writes are bounded too: a server that accepts and never reads fills the send buffers,
    and the request ends as a timeout at its deadline instead of waiting forever."""
    with socket.create_server(("127.0.0.1", 0)) as listener:
        host, port = listener.getsockname()[:2]
        t = Transport(env={})
        with pytest.raises(httpx.TimeoutException):
            exchange(t, "POST", f"http://{host}:{port}/token", {}, b"x" * (64 << 20), timeout=0.3)
        t.close()


def test_deeply_nested_json_is_a_value_error_not_a_recursion_error() -> None:
    deep = b"[" * 100_000 + b"]" * 100_000
    with pytest.raises(limits.JSONTooDeep):
        limits.loads(deep)
    with pytest.raises(ValueError):
        limits.loads(b'{"a":' * 70 + b"1" + b"}" * 70)
    assert limits.loads(b'{"a": "' + b"[" * 68 + b'"}') == {"a": "[" * 68}  # brackets in strings do not nest
    assert limits.loads('{"a": [1, {"b": [2]}]}') == {"a": [1, {"b": [2]}]}


def test_origin_auth_attaches_only_to_its_origin_and_not_after_a_redirect_elsewhere() -> None:
    with HostileRegistry() as other:
        other.routes["/"] = Answer(200, b"ok")
        with HostileRegistry() as home:
            home.routes["/away"] = Answer(302, headers={"Location": other.url + "/landed"})
            home.routes["/here"] = Answer(200, b"ok")
            a = auth.OriginAuth(home.url, "Bearer s3cret")
            assert "s3cret" not in repr(a)
            with httpx.Client(transport=Transport(env={}), auth=a, follow_redirects=True) as client:
                fetch(client, "GET", home.url + "/here", timeout=5)
                fetch(client, "GET", home.url + "/away", timeout=5)
                fetch(client, "GET", other.url + "/direct", timeout=5)
            assert home.seen[0].headers.get("Authorization") == "Bearer s3cret"
            assert all("Authorization" not in s.headers for s in other.seen)
            assert [s.path for s in other.seen] == ["/landed", "/direct"]


def test_same_origin_compares_scheme_host_and_port() -> None:
    assert origins.same_origin("https://R.example/a", "https://r.example:443/b")
    assert not origins.same_origin("https://r.example/", "http://r.example/")
    assert not origins.same_origin("https://r.example/", "https://r.example:8443/")


@pytest.mark.parametrize(
    "url",
    [
        "https://user:pw@Host.Example:444/p?q#f",
        "https://[::1]:8080/x",
        "https://h?x=//y/",
        "https://h#frag/x",
        "HTTPS://H.example/x",
        "http://h.example",
        "https://bücher.example/a",
        "https://h.example:0/",
        "https://h.example\\@evil.example/",
        # the plain spellings, read without httpx
        "http://127.0.0.1:5000/v2/x",
        "http://Registry.Example:05000/x",
        "https://h.example./x",
        "http://1.2.3/x",
        "http://a..b/",
        "http://h.example:80/",
        "https://h.example:65536/",
        "http://-a.example/",
        "http://h_x.example/",
    ],
)
def test_an_origin_is_httpx_s_reading_of_the_whole_url(url: str) -> None:
    whole = httpx.URL(url)
    port = whole.port or (443 if whole.scheme == "https" else 80)
    assert origins.origin(url) == origins.origin(whole) == (whole.scheme, whole.host.lower(), port)


def test_an_origin_is_parsed_once_a_scheme_and_authority(monkeypatch: pytest.MonkeyPatch) -> None:
    """A plain one (a host name or an IPv4 address, a port) without httpx; any other by httpx,
    once."""
    parsed: list[str] = []
    real = httpx.URL
    monkeypatch.setattr(httpx, "URL", lambda u: parsed.append(u) or real(u))
    origins._origin.cache_clear()
    for path in ("a/manifests/1.0", "b/manifests/2.0", "c/tags/list?n=5"):
        assert origins.same_origin(f"http://127.0.0.1:5000/v2/{path}", "http://127.0.0.1:5000")
        assert origins.same_origin(f"http://u@[::1]:5000/v2/{path}", "http://[::1]:5000")
    assert parsed == ["http://u@[::1]:5000", "http://[::1]:5000"]
    with pytest.raises(httpx.InvalidURL, match="non-printable"):  # what httpx refuses, refused
        origins.origin("http://127.0.0.1:5000/v2/a\x01b")
    with pytest.raises(httpx.InvalidURL, match="Invalid IPv4 address"):
        origins.origin("http://999.1.1.1/v2/")


def test_retry_policy_retries_then_gives_up_with_the_last_reason_and_bounds_retry_after() -> None:
    waits: list[float] = []
    calls = iter(["HTTP 503", "HTTP 429", "HTTP 500", "HTTP 502"])

    def attempt() -> str:
        raise retry.Retryable(next(calls), retry_after=3600 if len(waits) == 1 else None)

    policy = retry.RetryPolicy(attempts=4, initial_wait=0.5, max_wait=10)
    with pytest.raises(retry.GaveUp, match=r"HTTP 502 \(after 4 attempts\)"):
        retry.call(attempt, policy, sleep=waits.append)
    assert waits == [0.5, 10, 2.0]
    assert retry.call(lambda: "fine", policy) == "fine"


def test_retry_stops_at_the_deadline_and_when_stopped() -> None:
    waits: list[float] = []

    def attempt() -> None:
        raise retry.Retryable("HTTP 503", retry_after=20)

    with pytest.raises(retry.GaveUp, match="after 1 attempts"):
        retry.call(attempt, retry.RetryPolicy(), time.monotonic() + 0.1, sleep=waits.append)
    with pytest.raises(retry.GaveUp, match="after 1 attempts"):
        retry.call(attempt, retry.RetryPolicy(), sleep=waits.append, stopped=lambda: True)
    assert waits == []
    assert retry.retryable_status(429) and retry.retryable_status(503) and not retry.retryable_status(404)


def test_a_transport_decides_each_origin_s_proxy_on_its_own() -> None:
    """The proxy decision is remembered per origin (scheme, host and port), never per scheme
    or per host alone: NO_PROXY exempting one host or one port leaves the others proxied."""
    t = Transport(env={"HTTP_PROXY": "http://p:3128", "NO_PROXY": "direct.example,r.example:5000"})
    asked = [
        "http://r.example/v2/a/tags/list",
        "http://direct.example/v2/",
        "http://r.example:5000/v2/",
        "https://r.example/v2/",
        "http://r.example/v2/b/tags/list",
    ]
    assert [t._proxy(u) for u in asked] == ["http://p:3128", None, None, None, "http://p:3128"]


@pytest.mark.skipif(sys.platform in ("darwin", "win32"), reason="the platform verifier applies there")
def test_the_os_store_is_loaded_once_into_the_context_not_again_for_every_connection() -> None:
    # truststore's Linux context loads OpenSSL's default paths again on every wrap (~27 ms a
    # connection); the plain context holds them from the start and wraps without reloading
    ctx = tls._os_context()
    assert type(ctx).wrap_socket is ssl.SSLContext.wrap_socket
    assert ctx.verify_mode is ssl.CERT_REQUIRED and ctx.check_hostname
    paths = ssl.get_default_verify_paths()
    if paths.cafile:
        assert ctx.cert_store_stats()["x509_ca"] > 0


def test_without_openssls_default_paths_the_distributions_bundle_then_certifis_is_trusted(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import certifi

    monkeypatch.setattr(sys, "platform", "linux")
    nowhere = ssl.DefaultVerifyPaths(None, None, "", "", "", "")  # type: ignore[arg-type]
    monkeypatch.setattr(ssl, "get_default_verify_paths", lambda: nowhere)
    loaded: list[str] = []

    class Recording(ssl.SSLContext):
        def load_default_certs(self, purpose: ssl.Purpose = ssl.Purpose.SERVER_AUTH) -> None:
            pass  # the test's OpenSSL paths are "nowhere"

        def load_verify_locations(self, cafile: Any = None, capath: Any = None, cadata: Any = None) -> None:
            loaded.append(cafile)

    monkeypatch.setattr(ssl, "SSLContext", Recording)
    bundle = tmp_path / "ca-certificates.crt"
    bundle.write_text("")
    monkeypatch.setattr(tls, "CA_FILE_CANDIDATES", (str(tmp_path / "missing.pem"), str(bundle)))
    tls._os_context()
    monkeypatch.setattr(tls, "CA_FILE_CANDIDATES", (str(tmp_path / "missing.pem"),))
    tls._os_context()
    assert loaded == [str(bundle), certifi.where()]
