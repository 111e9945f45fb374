"""The one client of every JSON/HTTP service (gitops_bot.net.service) against a loopback server
scripted to misbehave as real ones do: redirect loops, a body labelled gzip that is not, JSON
with NaN or nested without end, statuses to retry or to take at their word, links to other
origins. Every fault is an outcome with one line, never an exception."""

from __future__ import annotations

import gzip
import json
import socket

import httpx
import pytest

from gitops_bot.core.log import redact
from gitops_bot.net import reach
from gitops_bot.net.retry import RetryPolicy
from gitops_bot.net.service import (
    ANYWHERE,
    Answer,
    Credential,
    Refused,
    Service,
    Unavailable,
    said,
)
from testkit.hostile_registry import Answer as Scripted
from testkit.hostile_registry import HostileRegistry, Seen

SECRET = "svc-secret-0b7e41"
FAST = RetryPolicy(attempts=3, initial_wait=0.01, max_wait=0.05)


def service(server: HostileRegistry, **kw: object) -> Service:
    return Service("the test service", server.url, policy=FAST, total=5.0, timeout=2.0, **kw)  # type: ignore[arg-type]


def ok(payload: object, **headers: str) -> Scripted:
    return Scripted(200, json.dumps(payload).encode(), {"Content-Type": "application/json", **headers})


def test_an_answer_is_parsed_and_the_credential_goes_with_it() -> None:
    with HostileRegistry({"/api": ok({"a": 1})}) as s:
        out = service(s, credential=Credential.bearer(SECRET)).get("/api", params={"q": "x y"})
        assert out == Answer(200, {"a": 1}, b'{"a": 1}', out.reply)  # type: ignore[union-attr]
        assert s.seen[0].path == "/api?q=x+y"
        assert s.seen[0].headers["Authorization"] == f"Bearer {SECRET}"
        assert "Bearer" not in repr(Credential.bearer(SECRET)) and SECRET not in redact(SECRET)


def test_a_redirect_loop_is_unavailable_not_a_traceback() -> None:
    with HostileRegistry() as s:
        s.routes["/a"] = Scripted(302, b"", {"Location": "/b"})
        s.routes["/b"] = Scripted(302, b"", {"Location": "/a"})
        out = service(s).get("/a")
        assert isinstance(out, Unavailable) and "redirected more than 5 times" in out.why
        assert len(s.seen) == 6  # the first request and five redirects, not asked again


def test_a_body_labelled_gzip_that_is_not_gzip_is_unavailable() -> None:
    with HostileRegistry({"/": Scripted(200, b'{"a": 1}', {"Content-Encoding": "gzip"})}) as s:
        out = service(s).get("/")
        assert isinstance(out, Unavailable)
        assert out.why == "answered a body its Content-Encoding (gzip) does not decode"


def test_a_real_gzip_body_is_read_and_its_cap_counts_decoded_bytes() -> None:
    body = gzip.compress(json.dumps({"pad": "x" * 100_000}).encode())
    with HostileRegistry({"/": Scripted(200, body, {"Content-Encoding": "gzip"})}) as s:
        assert isinstance(service(s).get("/"), Answer)
        out = service(s, limit=50_000).get("/")
        assert isinstance(out, Unavailable) and "more than 50000 bytes" in out.why


@pytest.mark.parametrize(
    ("body", "why"),
    [
        (b'{"value": NaN}', "NaN, which JSON does not have"),
        (b'{"value": -Infinity}', "-Infinity, which JSON does not have"),
        (b"[" * 100 + b"]" * 100, "nested deeper than 64 levels"),
        (b"<html>sign in</html>", "something that is not JSON"),
    ],
)
def test_an_answer_that_is_not_json_is_unavailable(body: bytes, why: str) -> None:
    with HostileRegistry({"/": Scripted(200, body)}) as s:
        out = service(s).get("/")
        assert isinstance(out, Unavailable) and why in out.why


def test_a_redirect_off_the_origin_is_not_followed_and_nothing_reaches_the_other_host() -> None:
    with HostileRegistry({"/": ok({"a": 1})}) as elsewhere, HostileRegistry() as s:
        s.routes["/api"] = Scripted(302, b"", {"Location": f"{elsewhere.url}/"})
        out = service(s, credential=Credential.bearer(SECRET)).get("/api")
        assert isinstance(out, Unavailable) and "redirected to another origin" in out.why
        assert elsewhere.seen == []


def test_a_service_reading_from_anywhere_follows_without_its_credential() -> None:
    with HostileRegistry({"/": ok({"a": 1})}) as elsewhere, HostileRegistry() as s:
        s.routes["/api"] = Scripted(302, b"", {"Location": f"{elsewhere.url}/"})
        out = service(s, credential=Credential.bearer(SECRET), redirects=ANYWHERE).get("/api")
        assert isinstance(out, Answer) and out.json == {"a": 1}
        assert s.seen[0].headers["Authorization"] == f"Bearer {SECRET}"
        assert "Authorization" not in elsewhere.seen[0].headers


def test_a_url_on_another_origin_is_refused_before_it_is_asked() -> None:
    with HostileRegistry({"/": ok({})}) as elsewhere, HostileRegistry() as s:
        out = service(s, credential=Credential.bearer(SECRET)).get(f"{elsewhere.url}/steal")
        assert isinstance(out, Unavailable) and "another origin" in out.why
        assert elsewhere.seen == []


def test_a_retryable_status_is_asked_again_then_unavailable_with_the_servers_words() -> None:
    with HostileRegistry({"/": Scripted(503, b'{"message": "down for maintenance"}')}) as s:
        out = service(s).get("/")
        assert out == Unavailable("HTTP 503 (after 3 attempts)", 503, "down for maintenance")
        assert len(s.seen) == 3


def test_a_retry_after_beyond_the_questions_time_ends_it_at_once() -> None:
    with HostileRegistry({"/": Scripted(429, b"", {"Retry-After": "3600"})}) as s:
        out = service(s).get("/")
        assert isinstance(out, Unavailable) and "asked to wait 3600s" in out.why
        assert len(s.seen) == 1


def test_a_refusal_carries_its_status_and_a_short_safe_line() -> None:
    body = json.dumps({"message": f"Bad\ncredentials {SECRET}\x1b[31m" + "x" * 500}).encode()
    with HostileRegistry({"/": Scripted(401, body)}) as s:
        Credential.bearer(SECRET)  # registered for redaction
        out = service(s).get("/")
        assert isinstance(out, Refused) and out.status == 401
        assert out.said.startswith("Bad credentials ***")
        assert "\n" not in out.said and "\x1b" not in out.said and len(out.said) <= 200


def test_said_reads_each_forges_error_shape() -> None:
    assert said(b'{"error": {"message": "no such repo", "detail": "x"}}') == "no such repo x"
    assert said(b'{"errors": [{"message": "a"}, {"message": "b"}]}') == "a b"
    assert said(b'{"status": "error", "errorType": "bad_data", "error": "parse error"}') == "parse error"
    assert said(b"Not Found\nmore") == "Not Found"
    assert said(b"<html><body>502</body></html>") == ""


def test_a_proxy_refusing_the_connection_is_said_of_the_proxy_not_the_host() -> None:
    """HTTPS_PROXY pointing at a closed port: the host was never asked, so the line names the
    proxy and the variable, where it said the host refused (newcomer: bitnami-labs.github.io)."""
    env = {"HTTPS_PROXY": "http://user:pw@127.0.0.1:9", "NO_PROXY": "localhost"}
    out = Service("chart repository", "https://charts.example.com", env=env, policy=FAST, total=3.0).get("/")
    assert isinstance(out, Unavailable), out
    assert out.why.startswith(
        "cannot connect to charts.example.com: the proxy 127.0.0.1:9 (HTTPS_PROXY) did not take the "
        "connection: connection refused"
    ), out.why
    assert "add charts.example.com to NO_PROXY" in (out.unreached or "") and "pw" not in repr(out)


def test_an_unreachable_service_is_unavailable_after_the_retries() -> None:
    out = Service("nobody", "http://127.0.0.1:9", policy=FAST, total=3.0).get("/")
    assert isinstance(out, Unavailable) and "3 attempts" in out.why
    # what the operating system said, with the host, not the exception's class name
    assert out.why.startswith("cannot connect to 127.0.0.1:9: connection refused")


def test_https_to_a_plain_http_server_is_said_at_once_with_the_fix() -> None:
    """A TLS handshake the server's protocol breaks fails the same way every time: one attempt."""
    with HostileRegistry({"/": Scripted(200, b"{}")}) as server:
        host = server.host
        out = Service("Argo CD", f"https://{host}", policy=FAST, total=3.0).get("/")
    assert isinstance(out, Unavailable) and not out.transient
    assert out.why.startswith(f"cannot connect to {host}: TLS handshake failed")
    assert "if Argo CD serves plain http, give its address as http://" in out.why


def test_only_get_follows_a_redirect() -> None:
    def moved(seen: Seen) -> Scripted:
        return Scripted(307, b"", {"Location": "/b"})

    with HostileRegistry({"/a": moved, "/b": ok({})}) as s:
        out = service(s).request("POST", "/a", json_body={"x": 1})
        assert isinstance(out, Refused) and out.status == 307
        assert [x.path for x in s.seen] == ["/a"]


@pytest.mark.parametrize("before", [150, 170, 190, 390])
def test_said_redacts_a_secret_before_it_cuts_the_words(before: int) -> None:
    """A secret straddling the cut was cut first: its first characters, no longer the whole
    secret redaction finds, were shown (``ghp_ZZZZZ`` of a 40-character token)."""
    from gitops_bot.core import log

    token = "ghp_" + "Q7" * 18
    log.register_secret(token)
    for body in (
        json.dumps({"message": "y" * before + " " + token + " rest"}).encode(),
        ("y" * before + " " + token + " rest").encode(),
    ):
        assert token[:8] not in said(body), said(body)


def test_said_redacts_a_secret_holding_a_line_break_as_it_was_echoed() -> None:
    from gitops_bot.core import log

    secret = "line-one\nline-two-of-a-pem-like-secret"
    log.register_secret(secret)
    shown = said(json.dumps({"message": f"refused: {secret}"}).encode())
    assert "line-two" not in shown and "line-one" not in shown, shown


def _chained(cause: OSError) -> httpx.ConnectError:
    try:
        try:
            raise cause
        except OSError as e:
            raise httpx.ConnectError(str(e)) from e
    except httpx.ConnectError as wrapped:
        return wrapped


def test_a_proxy_whose_name_has_no_address_is_said_of_the_proxy_and_its_password_never() -> None:
    proxy = ("http://user:s3cr/et@proxy.corp:3128", "HTTPS_PROXY")
    nameless = socket.gaierror(socket.EAI_NONAME, "Name or service not known")
    got = reach.not_reached(_chained(nameless), "charts.example.com", "chart repository", proxy=proxy)
    assert got is not None
    assert got.what == (
        "the proxy proxy.corp:3128 (HTTPS_PROXY) did not take the connection: its host name has no "
        "address (Name or service not known)"
    ), got.what
    assert "s3cr" not in repr(got) and "et@" not in repr(got)
