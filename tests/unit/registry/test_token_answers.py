"""Each shape a token service's answer may take, and what the client makes of it: a token, or
one :class:`~gitops_bot.core.errors.TokenServiceError` naming the token service and its
``fault``; the token service's body is never read as the registry's answer (a tag list, a
manifest to pin), and a digest is pinned only from manifest bytes the registry served.

The registry here challenges every request without a token it issued with the spec's Bearer
challenge; the token service at ``auth.example`` answers as each test scripts."""

from __future__ import annotations

import base64
import hashlib
import json
import time
from collections.abc import Callable
from dataclasses import dataclass, field

import httpx
import pytest

from gitops_bot.core.errors import (
    RegistryAccessError,
    RegistryProtocolError,
    RegistryUnavailable,
    TokenServiceError,
)
from gitops_bot.registry import auth
from gitops_bot.registry.answers import TOKEN_DEFAULT_LIFE, TOKEN_KEPT, TOKEN_LIMIT
from gitops_bot.registry.client import RegistryClient, RetryPolicy
from gitops_bot.registry.credentials import RegistryCredential
from gitops_bot.registry.settings import RegistryConfig
from testkit.clock import later

REALM = "https://auth.example/token"
MANIFEST_TYPE = "application/vnd.oci.image.manifest.v1+json"
MANIFEST = json.dumps(
    {
        "schemaVersion": 2,
        "mediaType": MANIFEST_TYPE,
        "config": {"mediaType": "application/vnd.oci.image.config.v1+json", "digest": "sha256:" + "c" * 64},
        "layers": [],
    }
).encode()
REAL_DIGEST = "sha256:" + hashlib.sha256(MANIFEST).hexdigest()
TAG_LIST = json.dumps({"name": "app", "tags": ["1.0.0", "1.9.0"]}).encode()
MANIFEST_AND_TAGS = json.dumps({**json.loads(MANIFEST), "name": "app", "tags": ["1.0.0", "1.9.0"]}).encode()
FAST = RetryPolicy(attempts=2, initial_wait=0.0, max_wait=0.0)
Answer = Callable[[httpx.Request], httpx.Response]


def jwt(access: object) -> str:
    """An unsigned JWT-shaped token carrying ``access`` (the client reads, never verifies, it)."""

    def part(doc: object) -> str:
        return base64.urlsafe_b64encode(json.dumps(doc).encode()).decode().rstrip("=")

    return f"{part({'alg': 'RS256', 'typ': 'JWT'})}.{part({'access': access})}.c2ln"


@dataclass
class World:
    """``token``: the token service's answer. ``refuse``: the registry answers 401 with this
    ``error`` to a token it issued (``None``: it accepts them)."""

    token: Answer
    refuse: str | None = None
    tokens: int = 0
    seen: list[tuple[str, str, str]] = field(default_factory=list)  # (host, method, Authorization)

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.seen.append((request.url.host, request.method, request.headers.get("authorization", "")))
        if request.url.host == "auth.example":
            self.tokens += 1
            return self.token(request)
        auth = request.headers.get("authorization", "")
        challenge = f'Bearer realm="{REALM}",service="reg",scope="repository:app:pull"'
        if not auth.startswith("Bearer "):
            return httpx.Response(401, headers={"WWW-Authenticate": challenge})
        if self.refuse is not None:
            return httpx.Response(401, headers={"WWW-Authenticate": f'{challenge},error="{self.refuse}"'})
        if request.url.path.endswith("/tags/list"):
            return httpx.Response(200, json={"name": "app", "tags": ["1.0.0"]})
        headers = {"Content-Type": MANIFEST_TYPE, "Docker-Content-Digest": REAL_DIGEST}
        return httpx.Response(200, headers=headers, content=MANIFEST if request.method == "GET" else b"")


def ok(body: object, status: int = 200, **headers: str) -> Answer:
    content = body if isinstance(body, bytes) else json.dumps(body).encode()
    return lambda _: httpx.Response(status, content=content, headers=headers)


def client(world: World) -> RegistryClient:
    return RegistryClient(
        RegistryConfig(host="registry.example"),
        RegistryCredential("test", "bob", "builder-7"),
        transport=httpx.MockTransport(world),
        retry=FAST,
        sleep=lambda _: None,
    )


def fault(world: World, call: Callable[[RegistryClient], object]) -> TokenServiceError:
    with client(world) as c, pytest.raises(TokenServiceError) as caught:
        call(c)
    error = caught.value
    assert "\n" not in str(error)
    return error


def tags(c: RegistryClient) -> object:
    return c.list_tags("app")


def digest(c: RegistryClient) -> object:
    return c.resolve_digest("app", "1.9.0")


CALLS = pytest.mark.parametrize("call", [tags, digest], ids=["tags", "digest"])


@CALLS
@pytest.mark.parametrize(
    "body",
    [
        TAG_LIST,
        MANIFEST_AND_TAGS,
        b"{}",
        b"[]",
        b'"a-token"',
        b"null",
        json.dumps({"token": ""}).encode(),
        json.dumps({"token": None, "access_token": ""}).encode(),
        json.dumps({"token": 5}).encode(),
        json.dumps({"token": ["a"]}).encode(),
        json.dumps({"token": "two\r\nX-Injected: 1"}).encode(),
        json.dumps({"token": "caf\u00e9"}).encode(),
        json.dumps({"token": "a b"}).encode(),
    ],
    ids=[
        "tag-list",
        "manifest",
        "empty-object",
        "array",
        "string",
        "null",
        "empty-token",
        "null-and-empty",
        "number",
        "list",
        "crlf",
        "non-ascii",
        "space",
    ],
)
def test_a_200_without_a_usable_token_is_the_token_services_failure(
    call: Callable[[RegistryClient], object], body: bytes
) -> None:
    content_type = MANIFEST_TYPE if body is MANIFEST_AND_TAGS else "application/json"
    world = World(ok(body, **{"Content-Type": content_type, "Docker-Content-Digest": REAL_DIGEST}))
    error = fault(world, call)
    assert error.fault == "no-token"
    assert str(error).startswith(
        "registry.example/app: token service at auth.example answered 200 without a token"
    )
    assert error.status is None  # never the registry's own 401/403/404 (a 404 reads as "absent")


@CALLS
@pytest.mark.parametrize("body", [b"<html>login</html>", b"", b"{", b'{"token": NaN}'], ids=str)
def test_a_200_that_is_not_json_is_the_token_services_failure(
    call: Callable[[RegistryClient], object], body: bytes
) -> None:
    error = fault(World(ok(body)), call)
    assert error.fault == "no-token"
    assert "token service at auth.example answered 200 without a token" in str(error)
    assert "not valid JSON" not in str(error)


def test_an_oversized_token_answer_is_refused_at_its_own_bound() -> None:
    body = json.dumps({"token": "t", "padding": "x" * TOKEN_LIMIT}).encode()
    error = fault(World(ok(body)), tags)
    assert error.fault == "too-large"
    assert "token service at auth.example" in str(error) and str(TOKEN_LIMIT) in str(error)


@CALLS
@pytest.mark.parametrize(
    "expires_in",
    ["soon", 10**400, 1e308 * 10, True, [], {"s": 1}],
    ids=["words", "400-digits", "infinite", "bool", "list", "object"],
)
def test_an_unreadable_lifetime_is_the_token_services_failure(
    call: Callable[[RegistryClient], object], expires_in: object
) -> None:
    text = json.dumps({"token": "tok", "expires_in": "@@"}).replace('"@@"', json.dumps(expires_in))
    if expires_in == 1e308 * 10:
        text = text.replace("Infinity", "1e400")
    error = fault(World(ok(text.encode())), call)
    assert error.fault == "expired"
    assert "token service at auth.example" in str(error) and "expires_in" in str(error)


@pytest.mark.parametrize("expires_in", [0, -5, -0.5], ids=["zero", "negative", "negative-fraction"])
def test_a_lifetime_of_zero_or_less_is_the_specs_60_seconds_as_dockers_client_reads_it(
    monkeypatch: pytest.MonkeyPatch, expires_in: float
) -> None:
    """docker's client raises a token's lifetime under 60 s to the spec's 60: the token is used,
    kept for that long, and asked again once it is past, where every image was skipped."""
    clock = later(monkeypatch, auth)
    world = World(ok({"token": "tok", "expires_in": expires_in}))
    with client(world) as c:
        assert c.list_tags("app") == ["1.0.0"]
        assert c.resolve_digest("app", "1.0.0") == REAL_DIGEST
        assert world.tokens == 1  # one token for both, as the cache keeps it
        clock.advance(TOKEN_DEFAULT_LIFE - 11)
        c.list_tags("app")
        assert world.tokens == 1
        clock.advance(2)  # past 60 s less the cache's ten: asked again
        c.list_tags("app")
        assert world.tokens == 2
    assert all(h == "Bearer tok" for host, _, h in world.seen if host == "registry.example" and h)


def test_an_absurdly_long_lifetime_is_bounded_as_ours_are() -> None:
    world = World(ok({"token": "tok", "expires_in": 10**9}))
    with client(world) as c:
        c.list_tags("app")
        assert c._channel.auth.cache._tokens[("registry.example", "repository:app:pull")][1] <= (
            time.monotonic() + TOKEN_KEPT
        )


@CALLS
@pytest.mark.parametrize("status", [400, 401, 403, 404, 418])
def test_a_refusal_names_the_token_service_and_is_never_the_registrys_status(
    call: Callable[[RegistryClient], object], status: int
) -> None:
    error = fault(World(ok({"details": "no"}, status)), call)
    assert error.fault == "refused"
    assert f"token service at auth.example refused the token request (HTTP {status})" in str(error)
    assert error.status is None


def test_a_token_service_that_stays_unavailable_is_unavailable_naming_it() -> None:
    with (
        client(World(ok(b"", 503))) as c,
        pytest.raises(RegistryUnavailable, match=r"token service at auth\.example"),
    ):
        c.list_tags("app")


@CALLS
@pytest.mark.parametrize("error", ["insufficient_scope", "invalid_token", ""])
def test_a_fresh_token_the_registry_refuses_is_one_reason(
    call: Callable[[RegistryClient], object], error: str
) -> None:
    world = World(ok({"token": "tok", "expires_in": 300}), refuse=error)
    found = fault(world, call)
    assert found.fault == ("insufficient-scope" if error == "insufficient_scope" else "rejected")
    assert "token service at auth.example" in str(found) and found.status == 401


@CALLS
@pytest.mark.parametrize(
    "access",
    [
        [],
        [{"type": "repository", "name": "other", "actions": ["pull"]}],
        [{"type": "repository", "name": "app", "actions": ["push"]}],
    ],
    ids=["nothing", "another-repository", "push-only"],
)
def test_a_token_that_says_it_grants_less_than_asked_is_not_used(
    call: Callable[[RegistryClient], object], access: object
) -> None:
    world = World(ok({"token": jwt(access), "expires_in": 300}))
    found = fault(world, call)
    assert found.fault == "insufficient-scope"
    assert "token service at auth.example granted a token without repository:app:pull" in str(found)
    assert [s for s in world.seen if s[0] == "registry.example" and s[2]] == []  # never sent


@pytest.mark.parametrize(
    "access",
    [
        [{"type": "repository", "name": "app", "actions": ["pull"]}],
        [{"type": "repository", "name": "app", "actions": ["*"]}],
        "not-a-list",
    ],
    ids=["pull", "star", "unreadable-claim"],
)
def test_a_token_that_grants_the_scope_or_says_nothing_readable_is_used(access: object) -> None:
    with client(World(ok({"token": jwt(access)}))) as c:
        assert c.list_tags("app") == ["1.0.0"]
        assert c.resolve_digest("app", "1.0.0") == REAL_DIGEST


def test_the_access_token_field_alone_is_a_token() -> None:
    with client(World(ok({"access_token": "tok", "expires_in": 300}))) as c:
        assert c.list_tags("app") == ["1.0.0"]


def test_a_digest_is_pinned_only_from_manifest_bytes_the_registry_served() -> None:
    """A HEAD's ``Docker-Content-Digest`` alone is never pinned: the digest is the hash of the
    bytes a GET of the registry served."""
    world = World(ok({"token": "tok", "expires_in": 300}))
    with client(world) as c:
        assert c.resolve_digest("app", "1.0.0") == REAL_DIGEST
    assert ("registry.example", "GET") in [(h, m) for h, m, _ in world.seen]
    assert "HEAD" not in [m for _, m, _ in world.seen]


def test_a_head_digest_without_the_bytes_behind_it_is_not_pinned() -> None:
    lying = "sha256:" + "d" * 64

    def registry(request: httpx.Request) -> httpx.Response:
        headers = {"Content-Type": MANIFEST_TYPE, "Docker-Content-Digest": lying}
        return httpx.Response(200, headers=headers, content=b"" if request.method == "HEAD" else MANIFEST)

    c = RegistryClient(
        RegistryConfig(host="registry.example"), transport=httpx.MockTransport(registry), retry=FAST
    )
    with c, pytest.raises(RegistryProtocolError, match="does not match its body"):
        c.resolve_digest("app", "1.0.0")


def test_the_errors_are_access_errors_an_image_is_skipped_with() -> None:
    assert issubclass(TokenServiceError, RegistryAccessError)


def test_a_tags_manifest_served_by_another_origin_after_a_redirect_is_not_pinned() -> None:
    """The registry redirected the manifest of a tag elsewhere: those bytes are not the
    registry's, so their hash is not pinned (a digest reference's bytes are checked against
    it wherever they come from)."""
    headers = {"Content-Type": MANIFEST_TYPE}

    def answer(request: httpx.Request) -> httpx.Response:
        if request.url.host == "cdn.example":
            return httpx.Response(200, headers=headers, content=MANIFEST)
        return httpx.Response(307, headers={"Location": f"https://cdn.example{request.url.path}"})

    c = RegistryClient(
        RegistryConfig(host="registry.example"), transport=httpx.MockTransport(answer), retry=FAST
    )
    with c, pytest.raises(RegistryProtocolError, match=r"served by https://cdn\.example"):
        c.resolve_digest("app", "1.0.0")
    with c:
        assert c.manifest("app", REAL_DIGEST) == (MANIFEST_TYPE, MANIFEST, REAL_DIGEST)


INDEX_TYPE = "application/vnd.oci.image.index.v1+json"


def _indexed(child_served: bool, annotated: bool) -> tuple[RegistryClient, list[str]]:
    """A registry whose tag 1.0.0 is an index naming a linux/arm64 child (MANIFEST), served by
    digest or not."""
    index: dict[str, object] = {
        "schemaVersion": 2,
        "mediaType": INDEX_TYPE,
        "manifests": [
            {
                "mediaType": MANIFEST_TYPE,
                "digest": REAL_DIGEST,
                "platform": {"os": "linux", "architecture": "arm64"},
            }
        ],
    }
    if annotated:
        index["annotations"] = {"org.opencontainers.image.created": "2026-01-01T00:00:00Z"}
    body = json.dumps(index).encode()
    asked: list[str] = []

    def answer(request: httpx.Request) -> httpx.Response:
        asked.append(f"{request.method} {request.url.path}")
        if request.url.path.endswith("/1.0.0"):
            return httpx.Response(200, headers={"Content-Type": INDEX_TYPE}, content=body)
        if request.url.path.endswith(REAL_DIGEST) and child_served:
            return httpx.Response(200, headers={"Content-Type": MANIFEST_TYPE}, content=MANIFEST)
        return httpx.Response(404, json={"errors": [{"code": "MANIFEST_UNKNOWN"}]})

    config = RegistryConfig(host="registry.example")
    return RegistryClient(config, transport=httpx.MockTransport(answer), retry=FAST), asked


def test_a_platforms_digest_is_pinned_only_once_the_registry_served_its_manifest() -> None:
    """An index names its children; the child's digest is pinned once a GET of it returned
    bytes hashing to it, not on the index's word alone."""
    c, asked = _indexed(child_served=True, annotated=False)
    with c:
        assert c.resolve_digest("app", "1.0.0", "linux/arm64") == REAL_DIGEST
    assert asked == ["GET /v2/app/manifests/1.0.0", f"GET /v2/app/manifests/{REAL_DIGEST}"]
    c, _ = _indexed(child_served=False, annotated=False)
    with c, pytest.raises(RegistryAccessError, match="404"):
        c.resolve_digest("app", "1.0.0", "linux/arm64")


def test_an_age_read_from_the_index_annotation_still_pins_only_a_served_child() -> None:
    c, _ = _indexed(child_served=True, annotated=True)
    with c:
        assert c.get_age("app", "1.0.0", "linux/arm64").digest == REAL_DIGEST
    c, _ = _indexed(child_served=False, annotated=True)
    with c, pytest.raises(RegistryAccessError, match="404"):
        c.get_age("app", "1.0.0", "linux/arm64")


def test_an_access_claim_not_in_the_specs_shape_is_not_judged() -> None:
    odd = [{"type": "repository", "name": "app", "actions": "pull"}]
    with client(World(ok({"token": jwt(odd)}))) as c:
        assert c.list_tags("app") == ["1.0.0"]


def test_a_batch_token_is_kept_only_for_the_scopes_its_claim_grants() -> None:
    """A token asked for several scopes whose claim grants only the first: the others are
    each asked for alone, and no request reaches the registry with a token not granting it."""
    names = ["app", "b", "c"]
    asked: list[list[str]] = []
    refused: list[str] = []

    def answer(request: httpx.Request) -> httpx.Response:
        if request.url.host == "auth.example":
            scopes = request.url.params.get_list("scope")
            asked.append(scopes)
            name = scopes[0].split(":")[1]
            return httpx.Response(
                200, json={"token": jwt([{"type": "repository", "name": name, "actions": ["pull"]}])}
            )
        name = request.url.path.split("/")[2]
        challenge = f'Bearer realm="{REALM}",service="reg",scope="repository:{name}:pull"'
        auth = request.headers.get("authorization", "")
        if not auth.startswith("Bearer "):
            return httpx.Response(401, headers={"WWW-Authenticate": challenge})
        claims = json.loads(base64.urlsafe_b64decode(auth.split(".")[1] + "=="))
        if claims["access"][0]["name"] != name:
            refused.append(name)
            return httpx.Response(
                401, headers={"WWW-Authenticate": challenge + ',error="insufficient_scope"'}
            )
        return httpx.Response(200, json={"name": name, "tags": ["1.0.0"]})

    c = RegistryClient(
        RegistryConfig(host="registry.example"),
        RegistryCredential("test", "bob", "builder-7"),
        transport=httpx.MockTransport(answer),
        retry=FAST,
    )
    with c:
        c.expect(names)
        assert [c.list_tags(n) for n in names] == [["1.0.0"]] * 3
    assert refused == []
    assert sorted(s[0] for s in asked if len(s) == 1) == ["repository:b:pull", "repository:c:pull"]


def test_a_tag_read_again_is_asked_by_head_and_pinned_only_to_bytes_served_before() -> None:
    """``watch`` asks the same tags every cycle: after the first GET, a HEAD whose digest is
    one the registry served the bytes of before answers (a digest's bytes never change; a
    HEAD is no pull on Docker Hub's rate limit). A HEAD naming anything else is read by GET."""
    other = json.dumps({**json.loads(MANIFEST), "annotations": {"v": "2"}}).encode()
    other_digest = "sha256:" + hashlib.sha256(other).hexdigest()
    current = {"body": MANIFEST, "head": REAL_DIGEST}
    asked: list[str] = []

    def answer(request: httpx.Request) -> httpx.Response:
        asked.append(request.method)
        body = current["body"]
        headers = {"Content-Type": MANIFEST_TYPE, "Docker-Content-Digest": current["head"]}
        return httpx.Response(200, headers=headers, content=b"" if request.method == "HEAD" else body)

    from gitops_bot.registry.memo import MemoClient

    c = MemoClient(RegistryConfig(host="registry.example"), transport=httpx.MockTransport(answer), retry=FAST)
    with c:
        assert c.resolve_digest("app", "1.0.0") == REAL_DIGEST
        assert asked == ["GET"]
        c.forget()  # a new watch cycle
        assert c.resolve_digest("app", "1.0.0") == REAL_DIGEST
        assert asked == ["GET", "HEAD"]
        c.forget()
        current.update(body=other, head=other_digest)  # the tag moved
        assert c.resolve_digest("app", "1.0.0") == other_digest
        assert asked == ["GET", "HEAD", "HEAD", "GET"]
        c.forget()
        current.update(head="sha256:" + "e" * 64)  # a HEAD naming bytes never served
        with pytest.raises(RegistryProtocolError, match="does not match its body"):
            c.resolve_digest("app", "1.0.0")


def test_a_digest_exists_only_when_the_registry_serves_bytes_hashing_to_it() -> None:
    """A promotion pins a digest into another environment once the registry holds it: a
    HEAD's 200 is a claim; the bytes a GET by digest returns are checked against it."""
    lying = "sha256:" + "f" * 64

    def answer(request: httpx.Request) -> httpx.Response:
        if request.url.path.endswith("sha256:" + "0" * 64):
            return httpx.Response(404, json={"errors": [{"code": "MANIFEST_UNKNOWN"}]})
        headers = {"Content-Type": MANIFEST_TYPE}
        return httpx.Response(200, headers=headers, content=b"" if request.method == "HEAD" else MANIFEST)

    c = RegistryClient(
        RegistryConfig(host="registry.example"), transport=httpx.MockTransport(answer), retry=FAST
    )
    with c:
        assert c.exists("app", REAL_DIGEST)
        assert not c.exists("app", "sha256:" + "0" * 64)
        with pytest.raises(RegistryProtocolError, match="does not match its body"):
            c.exists("app", lying)


def test_a_token_is_kept_for_its_lifetime_less_ten_seconds_once() -> None:
    with client(World(ok({"token": "tok", "expires_in": 60}))) as c:
        c.list_tags("app")
        until = c._channel.auth.cache._tokens[("registry.example", "repository:app:pull")][1]
    assert 49 <= until - time.monotonic() <= 50
