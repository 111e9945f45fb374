"""Fault suite, registry side: a hostile HTTP registry (testkit.hostile_registry) answers what
each case crafts, through the real transport. Each row: the routes, the operation, and the
error (class and message) the image must be skipped or the run ended with; no case may hang
past its bound or send a credential anywhere but its registry."""

from __future__ import annotations

import hashlib
import json
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass

import httpx
import pytest

from gitops_bot.config import RegistryConfig
from gitops_bot.core.errors import (
    GitOpsBotError,
    RegistryAccessError,
    RegistryProtocolError,
    RegistryUnavailable,
    TokenServiceError,
)
from gitops_bot.registry.client import MANIFEST_TYPES, RegistryClient, RetryPolicy
from gitops_bot.registry.credentials import RegistryCredential
from testkit.hostile_registry import Answer, HostileRegistry, Route, Seen

MANIFEST = json.dumps({"schemaVersion": 2, "mediaType": MANIFEST_TYPES[0], "layers": []}).encode()
DIGEST = "sha256:" + hashlib.sha256(MANIFEST).hexdigest()
OTHER = "sha256:" + "1" * 64
SECRET = "s3cret-pass-9"
TAGS = "/v2/acme/app/tags/list"
MANIFESTS = "/v2/acme/app/manifests/"


def tags(*names: str, link: str | None = None) -> Answer:
    headers = {"Content-Type": "application/json"} | ({"Link": f'<{link}>; rel="next"'} if link else {})
    return Answer(200, json.dumps({"name": "acme/app", "tags": list(names)}).encode(), headers)


def manifest(body: bytes = MANIFEST, media: str = MANIFEST_TYPES[0], digest: str | None = DIGEST) -> Answer:
    headers = {"Content-Type": media} | ({"Docker-Content-Digest": digest} if digest else {})
    return Answer(200, body, headers)


def challenge(realm: str) -> Route:
    def answer(seen: Seen) -> Answer:
        if "Authorization" in seen.headers:
            return tags("1.0.0")
        return Answer(401, b"{}", {"WWW-Authenticate": realm})

    return answer


@dataclass(frozen=True)
class Case:
    id: str
    routes: dict[str, Route]
    op: Callable[[RegistryClient], object]
    error: type[GitOpsBotError]
    match: str


def list_tags(c: RegistryClient) -> object:
    return c.list_tags("acme/app")


def digest_of(ref: str) -> Callable[[RegistryClient], object]:
    return lambda c: c.resolve_digest("acme/app", ref)


HTML = b"<html>error: token service says hello</html>"
CASES = [
    Case(
        "error-page-is-not-a-manifest",
        {MANIFESTS: Answer(200, HTML, {"Content-Type": "text/html"})},
        digest_of("1.0.0"),
        RegistryProtocolError,
        "not a manifest",
    ),
    Case(
        "token-body-as-manifest-json",
        {MANIFESTS: Answer(200, b'{"errors":"no token"}', {"Content-Type": "application/json"})},
        digest_of("1.0.0"),
        RegistryProtocolError,
        "not a manifest",
    ),
    Case(
        "head-digest-without-manifest-type-then-bad-get",
        {MANIFESTS: Answer(200, HTML, {"Docker-Content-Digest": OTHER, "Content-Type": "text/plain"})},
        digest_of("1.0.0"),
        RegistryProtocolError,
        "does not match",
    ),
    Case(
        "digest-header-disagrees-with-body",
        {MANIFESTS: manifest(digest=OTHER)},
        lambda c: c.get_metadata("acme/app", "1.0.0"),
        RegistryProtocolError,
        "does not match",
    ),
    Case(
        "tag-with-dot-dot",
        {MANIFESTS: manifest()},
        digest_of("x/../../other/manifests/1.0"),
        RegistryProtocolError,
        "neither a valid tag",
    ),
    Case("tag-with-query", {MANIFESTS: manifest()}, digest_of("1.0?x=1"), RegistryProtocolError, "valid tag"),
    Case("tag-with-newline", {MANIFESTS: manifest()}, digest_of("1.0\n"), RegistryProtocolError, "valid tag"),
    Case(
        "pagination-to-another-origin",
        {TAGS: tags("1.0.0", link="http://127.0.0.2:9/v2/acme/app/tags/list?last=1")},
        list_tags,
        RegistryProtocolError,
        "another origin",
    ),
    Case(
        "pagination-to-another-scheme",
        {TAGS: tags("1.0.0", link="https://127.0.0.1:9/v2/acme/app/tags/list?last=1")},
        list_tags,
        RegistryProtocolError,
        "another origin",
    ),
    Case(
        "pagination-to-another-repository",
        {TAGS: tags("1.0.0", link="/v2/evil/other/tags/list?n=1000")},
        list_tags,
        RegistryProtocolError,
        "another repository",
    ),
    Case(
        "pagination-loop",
        {TAGS: tags("1.0.0", link="/v2/acme/app/tags/list?n=1000")},
        list_tags,
        RegistryProtocolError,
        "loops",
    ),
    Case(
        "drip-fed-tag-list",
        {TAGS: Answer(200, b" " * 100 + b'{"tags":[]}', {"Content-Type": "application/json"}, drip=0.05)},
        list_tags,
        RegistryUnavailable,
        "timed out",
    ),
    Case("drip-fed-headers", {TAGS: Answer(drip_head=0.05)}, list_tags, RegistryUnavailable, "timed out"),
    Case(
        "body-cut-short",
        {TAGS: Answer(200, b'{"tags": ["1.0.0"', {"Content-Length": "100"}, close=True)},
        list_tags,
        RegistryUnavailable,
        "unavailable: connection lost",  # reached: not "cannot connect"
    ),
    Case("hanging-registry", {TAGS: Answer(hang=5)}, list_tags, RegistryUnavailable, "timed out"),
    Case("endless-tag-list", {TAGS: Answer(endless=True)}, list_tags, RegistryProtocolError, "too large"),
    Case(
        "declared-huge-manifest",
        {MANIFESTS: Answer(200, b"", {"Content-Length": str(600 << 20)})},
        digest_of("1.0.0"),
        RegistryProtocolError,
        "too large",
    ),
    Case(
        "unparseable-realm",
        {TAGS: challenge('Bearer realm="::not a url",service="x"')},
        list_tags,
        RegistryAccessError,
        "unusable token realm",
    ),
    Case(
        "realm-without-scheme",
        {TAGS: challenge('Bearer realm="token.example/x"')},
        list_tags,
        RegistryAccessError,
        "unusable token realm",
    ),
    Case(
        "bearer-without-realm", {TAGS: challenge("Bearer service=x")}, list_tags, RegistryAccessError, "401"
    ),
    Case("garbage-challenge", {TAGS: challenge('"""')}, list_tags, RegistryAccessError, "401"),
    Case(
        "redirect-loop",
        {TAGS: Answer(302, b"", {"Location": "/v2/acme/app/tags/list?n=1000"})},
        list_tags,
        RegistryProtocolError,
        "redirect",
    ),
    Case(
        "tag-list-labelled-gzip-that-is-not",
        {
            TAGS: Answer(
                200, b'{"tags": []}', {"Content-Type": "application/json", "Content-Encoding": "gzip"}
            )
        },
        list_tags,
        RegistryProtocolError,
        "encoded",
    ),
    Case(
        "tag-list-not-json",
        {TAGS: Answer(200, b"\xff\xfe", {"Content-Type": "application/json"})},
        list_tags,
        RegistryProtocolError,
        "not valid JSON",
    ),
]


@pytest.fixture
def hostile() -> Iterator[HostileRegistry]:
    with HostileRegistry() as srv:
        yield srv


def client_for(srv: HostileRegistry, timeout: float = 0.5) -> RegistryClient:
    return RegistryClient(
        RegistryConfig(host=srv.host, timeout=timeout),
        RegistryCredential("test", "alice", SECRET),
        retry=RetryPolicy(attempts=2, initial_wait=0.01, max_wait=0.05),
    )


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_hostile_answer_is_one_clean_error(case: Case, hostile: HostileRegistry) -> None:
    hostile.routes.update(case.routes)
    started = time.monotonic()
    with client_for(hostile) as c, pytest.raises(case.error, match=case.match) as info:
        case.op(c)
    assert time.monotonic() - started < 2.5, "an operation must end within its deadline"
    assert "\n" not in str(info.value) and SECRET not in str(info.value)
    assert all(s.path.startswith("/v2/acme/app/") or s.path == "/v2/" for s in hostile.seen)


def test_hostile_tag_names_are_dropped_where_they_enter(hostile: HostileRegistry) -> None:
    bad = ["../../other", "a?b", "a#b", "a\nb", "ünï", "-lead", ".lead", "x" * 129, "", "a/b", "a b"]
    hostile.routes[TAGS] = tags("1.0.0", *bad, "1.1.0", "v2_rc.1-x")
    with client_for(hostile) as c:
        assert c.list_tags("acme/app") == ["1.0.0", "1.1.0", "v2_rc.1-x"]


def test_url_segments_are_quoted() -> None:
    c = RegistryClient(RegistryConfig(host="ghcr.io"))
    assert c.url("acme/app", "manifests", "sha256:" + "a" * 64).endswith("/manifests/sha256:" + "a" * 64)
    assert c.url("ac?me/a#p", "tags", "list") == "/v2/ac%3Fme/a%23p/tags/list"
    assert c.url("acme/app", "manifests", "../x") == "/v2/acme/app/manifests/..%2Fx"


def test_credentials_and_tokens_never_leave_their_host(hostile: HostileRegistry) -> None:
    """The other origin is a live server: had the bot followed the link, it would have seen
    the Authorization header."""
    with HostileRegistry() as other:
        other.routes[TAGS] = tags("9.9.9")
        hostile.routes[TAGS] = challenge("Basic realm=x")
        c = client_for(hostile)
        assert c.list_tags("acme/app") == ["1.0.0"]
        c._channel.send("GET", f"{other.url}{TAGS}")  # a request to another host through the same client
        c.close()
        assert other.seen and all("Authorization" not in s.headers for s in other.seen)


def test_a_token_whose_lifetime_no_number_holds_is_the_token_services_failure(
    hostile: HostileRegistry,
) -> None:
    """A token endpoint answering ``expires_in`` of 400 digits: one line naming the token
    service (its token's lifetime is unreadable), never an OverflowError, never the body read
    as the registry's answer."""
    token = "tok-400-digits"
    hostile.routes["/token"] = Answer(
        200, b'{"token": "%s", "expires_in": 1%s}' % (token.encode(), b"0" * 400), {}
    )

    def guarded(seen: Seen) -> Answer:
        if seen.headers.get("Authorization") == f"Bearer {token}":
            return tags("1.0.0")
        return Answer(401, b"{}", {"WWW-Authenticate": f'Bearer realm="{hostile.url}/token",service="x"'})

    hostile.routes[TAGS] = guarded
    with client_for(hostile) as c, pytest.raises(TokenServiceError) as caught:
        c.list_tags("acme/app")
    assert caught.value.fault == "expired"
    assert f"token service at {hostile.host} answered a token that has an unreadable lifetime" in str(
        caught.value
    )


def test_all_pages_together_are_capped(monkeypatch: pytest.MonkeyPatch) -> None:
    from gitops_bot.registry import client as client_mod

    monkeypatch.setattr(client_mod, "TAGS_TOTAL_LIMIT", 50_000)

    def pages(request: httpx.Request) -> httpx.Response:
        n = int(request.url.params.get("last", "0")) + 1
        body = {"tags": [f"{n}.{i}.0" for i in range(1000)]}  # ~8 kB a page
        return httpx.Response(200, json=body, headers={"Link": f'<{TAGS}?last={n}>; rel="next"'})

    c = RegistryClient(RegistryConfig(host="ghcr.io"), transport=httpx.MockTransport(pages))
    with pytest.raises(RegistryProtocolError, match="too large"):
        c.list_tags("acme/app")


def test_1001st_page_is_a_real_limit_with_its_number() -> None:
    def pages(request: httpx.Request) -> httpx.Response:
        n = int(request.url.params.get("last", "0")) + 1
        return httpx.Response(200, json={"tags": []}, headers={"Link": f'<{TAGS}?last={n}>; rel="next"'})

    c = RegistryClient(RegistryConfig(host="ghcr.io"), transport=httpx.MockTransport(pages))
    with pytest.raises(RegistryProtocolError, match="more than 1000 pages"):
        c.list_tags("acme/app")


def test_abort_ends_a_hanging_request_at_once(hostile: HostileRegistry) -> None:
    import threading

    hostile.routes[TAGS] = Answer(hang=10)
    c = client_for(hostile, timeout=20)
    threading.Timer(0.3, c.abort).start()
    started = time.monotonic()
    with pytest.raises(RegistryUnavailable, match="stopping"):
        c.list_tags("acme/app")
    assert time.monotonic() - started < 2


def test_a_plain_http_realm_is_loopback_only_by_address_not_by_a_name_that_looks_like_one() -> None:
    """Credentials go to the realm: ``http://127.0.0.1.evil.example`` is not loopback."""
    from gitops_bot.registry.auth import _realm

    assert _realm("ghcr.io", "http://127.0.0.1:5000/token", "https").url == "http://127.0.0.1:5000/token"
    for realm in ("http://127.0.0.1.evil.example/token", "http://127.evil.example/token"):
        with pytest.raises(RegistryAccessError, match="plain http"):
            _realm("ghcr.io", realm, "https")


def test_a_mirrors_refusal_names_the_path_it_was_asked() -> None:
    # mirror: 127.0.0.1:5066/hub reads acme/app at hub/acme/app: the line says where it looked,
    # so the user checks the mirror's hub/ copy, not a repository it was never asked for
    def answer(request: httpx.Request) -> httpx.Response:
        assert request.url.path.startswith("/v2/hub/acme/app/"), request.url.path
        return httpx.Response(404, json={"errors": [{"code": "NAME_UNKNOWN"}]})

    c = RegistryClient(
        RegistryConfig(host="127.0.0.1:5066", path="hub"), transport=httpx.MockTransport(answer)
    )
    with pytest.raises(RegistryAccessError, match=r"^127\.0\.0\.1:5066/hub/acme/app: not found \(HTTP 404\)"):
        c.list_tags("acme/app")
