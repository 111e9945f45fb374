"""Tokens asked for as the distribution token spec allows: several ``scope`` parameters in one
request for the repositories a run will read, a token reused until it expires, no 401 once
the realm is known, and a fall-back per registry to one scope a request where the token
service refuses several or grants fewer than it was asked for.

The registry here is the spec's token flow in memory: a request without a token covering its
repository's pull scope gets a 401 with a Bearer challenge (``error="insufficient_scope"``
when a token came); the token service grants the scopes asked for, as configured."""

from __future__ import annotations

import hashlib
import json
import threading
import time
from collections import Counter
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from urllib.parse import parse_qs

import httpx
import pytest

from gitops_bot.core.errors import RegistryAccessError
from gitops_bot.registry import auth
from gitops_bot.registry.auth import BATCH, PROBE_WAIT
from gitops_bot.registry.channel import Channel
from gitops_bot.registry.client import RegistryClient, RetryPolicy
from gitops_bot.registry.credentials import RegistryCredential
from gitops_bot.registry.settings import RegistryConfig
from testkit.clock import later

REALM = "https://auth.example/token"
MANIFEST = "application/vnd.oci.image.manifest.v1+json"
FAST = RetryPolicy(attempts=3, initial_wait=0.01, max_wait=0.05)


def _manifest(repository: str) -> bytes:
    return json.dumps({"schemaVersion": 2, "mediaType": MANIFEST, "name": repository}).encode()


def _digest(repository: str) -> str:
    return "sha256:" + hashlib.sha256(_manifest(repository)).hexdigest()


@dataclass
class TokenRegistry:
    """``grants``: how the token service answers several scopes: "all" (the spec), "first"
    (only the first scope, silently), "refuse" (400 to more than one). ``denied``: scopes
    never granted. ``issued_ago``: what ``issued_at`` says, seconds before now."""

    grants: str = "all"
    denied: frozenset[str] = frozenset()
    expires_in: int = 300
    issued_ago: float | None = None
    fail_first_token: bool = False
    tokens: dict[str, frozenset[str]] = field(default_factory=dict)
    token_requests: list[list[str]] = field(default_factory=list)
    registry: Counter[str] = field(default_factory=Counter)  # by status
    authorizations: list[tuple[str, str]] = field(default_factory=list)  # (host, Authorization)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def __call__(self, request: httpx.Request) -> httpx.Response:
        with self.lock:
            self.authorizations.append((request.url.host, request.headers.get("authorization", "")))
        if request.url.host == "auth.example":
            return self._token(request)
        path = request.url.path
        repository = (
            path.removeprefix("/v2/").rpartition("/tags/")[0]
            or path.removeprefix("/v2/").rpartition("/manifests/")[0]
        )
        scope = f"repository:{repository}:pull"
        header = request.headers.get("authorization", "")
        granted = self.tokens.get(header.removeprefix("Bearer "), frozenset())
        if scope not in granted:
            error = ',error="insufficient_scope"' if header else ""
            challenge = f'Bearer realm="{REALM}",service="reg",scope="{scope}"{error}'
            return self._count(httpx.Response(401, headers={"WWW-Authenticate": challenge}))
        if "/tags/" in path:
            return self._count(httpx.Response(200, json={"name": repository, "tags": ["1.0.0", "1.1.0"]}))
        headers = {"Docker-Content-Digest": _digest(repository), "Content-Type": MANIFEST}
        return self._count(httpx.Response(200, headers=headers, content=_manifest(repository)))

    def _count(self, response: httpx.Response) -> httpx.Response:
        with self.lock:
            self.registry[str(response.status_code)] += 1
        return response

    def _token(self, request: httpx.Request) -> httpx.Response:
        if request.method == "POST":
            scopes = parse_qs(request.content.decode()).get("scope", [""])[0].split()
        else:
            scopes = request.url.params.get_list("scope")
        with self.lock:
            self.token_requests.append(scopes)
            first = len(self.token_requests) == 1
        if first and self.fail_first_token:
            return httpx.Response(503)
        if self.grants == "refuse" and len(scopes) > 1:
            return httpx.Response(400, json={"errors": [{"code": "UNSUPPORTED"}]})
        granted = scopes[:1] if self.grants == "first" else scopes
        token = f"tok-{len(self.tokens)}-{threading.get_ident()}-{time.monotonic_ns()}"
        with self.lock:
            self.tokens[token] = frozenset(granted) - self.denied
        body: dict[str, object] = {"token": token, "expires_in": self.expires_in}
        if self.issued_ago is not None:
            issued = datetime.now(UTC) - timedelta(seconds=self.issued_ago)
            body["issued_at"] = issued.isoformat().replace("+00:00", "Z")
        return httpx.Response(200, json=body)

    @property
    def registry_requests(self) -> int:
        return sum(self.registry.values())


def client(reg: TokenRegistry, credential: RegistryCredential | None = None) -> RegistryClient:
    return RegistryClient(
        RegistryConfig(host="registry.example", max_concurrency=32),
        credential or RegistryCredential("test", "bob", "builder-7"),
        transport=httpx.MockTransport(reg),
        retry=FAST,
        sleep=lambda _: None,
    )


def plan_like(c: RegistryClient, repositories: list[str], *, expect: bool = True) -> dict[str, str]:
    """What a plan asks of one registry: each repository's tags, then its newest tag's digest,
    32 at a time."""
    if expect:
        c.expect(repositories)

    def one(repository: str) -> tuple[str, str]:
        newest = sorted(c.list_tags(repository))[-1]
        return repository, c.resolve_digest(repository, newest)

    with ThreadPoolExecutor(32) as pool:
        return dict(pool.map(one, repositories))


@pytest.mark.parametrize("images", [200, 1000])
def test_a_run_reading_many_repositories_costs_about_two_requests_an_image(images: int) -> None:
    """A tag list and a digest an image; the tokens for them come a batch a request, and only
    the first request of the run meets a 401."""
    reg = TokenRegistry()
    repositories = [f"bench/app{i:04d}" for i in range(images)]
    with client(reg) as c:
        found = plan_like(c, repositories)
    assert found == {r: _digest(r) for r in repositories}
    assert reg.registry == {"401": 1, "200": 2 * images}
    assert len(reg.token_requests) <= -(-images // BATCH) + 1
    assert all(len(scopes) <= BATCH for scopes in reg.token_requests)
    assert sorted(s for scopes in reg.token_requests for s in scopes) == sorted(
        f"repository:{r}:pull" for r in repositories
    )  # each scope asked for once
    assert (reg.registry_requests + len(reg.token_requests)) / images <= 2.1


def test_one_token_request_carries_several_scope_parameters() -> None:
    reg = TokenRegistry()
    with client(reg) as c:
        c.expect(["acme/a", "acme/b", "acme/c"])
        assert c.list_tags("acme/a") == ["1.0.0", "1.1.0"]
        assert c.list_tags("acme/c") == ["1.0.0", "1.1.0"]
        assert c.list_tags("acme/b") == ["1.0.0", "1.1.0"]
    assert reg.token_requests == [
        ["repository:acme/a:pull", "repository:acme/b:pull", "repository:acme/c:pull"]
    ]
    assert reg.registry == {"401": 1, "200": 3}


def test_an_identity_token_asks_for_several_scopes_space_delimited() -> None:
    """OAuth2's refresh-token grant (docker's ``identitytoken``) carries one ``scope`` field of
    space-delimited scopes, as docker's client sends it."""
    reg = TokenRegistry()
    with client(reg, RegistryCredential("test", identity_token="refresh-abc")) as c:
        c.expect(["acme/a", "acme/b"])
        assert c.list_tags("acme/a") and c.list_tags("acme/b")
    assert reg.token_requests == [["repository:acme/a:pull", "repository:acme/b:pull"]]


def test_once_the_realm_is_known_a_new_repository_gets_its_token_before_its_request() -> None:
    """Nothing announced: the first repository meets the 401 that names the realm; the next
    goes out after its token, never refused first."""
    reg = TokenRegistry()
    with client(reg) as c:
        assert c.list_tags("acme/a") and c.list_tags("acme/b")
        assert c.resolve_digest("acme/b", "1.1.0") == _digest("acme/b")
    assert reg.registry == {"401": 1, "200": 3}
    assert reg.token_requests == [["repository:acme/a:pull"], ["repository:acme/b:pull"]]


def test_a_token_is_reused_until_it_expires_counted_from_issued_at(monkeypatch: pytest.MonkeyPatch) -> None:
    """A token issued 295 s ago for 300 s has 5 s left, less the client's 10 s margin: it is
    used at most a second (the least a token is kept); one issued now is reused."""
    clock = later(monkeypatch, auth)  # the token cache's clock, 1.1 s on without the wait
    fresh = TokenRegistry()
    with client(fresh) as c:
        c.list_tags("acme/a")
        c.resolve_digest("acme/a", "1.1.0")
        clock.advance(1.1)
        c.list_tags("acme/a")
    assert fresh.token_requests == [["repository:acme/a:pull"]]
    stale = TokenRegistry(issued_ago=295)
    with client(stale) as c:
        c.list_tags("acme/a")
        clock.advance(1.1)
        c.list_tags("acme/a")
    assert stale.token_requests == [["repository:acme/a:pull"]] * 2
    assert stale.registry == {"401": 1, "200": 2}  # the second token asked before the request


def test_a_token_service_granting_only_the_first_scope_is_asked_one_scope_a_request() -> None:
    """A token that does not cover a scope it was asked for: the request meets
    ``insufficient_scope``, its scope is asked for alone, and the registry's later tokens are
    one scope a request (no second refusal)."""
    reg = TokenRegistry(grants="first")
    repositories = [f"acme/app{i}" for i in range(40)]
    with client(reg) as c:
        found = plan_like(c, repositories)
    assert found == {r: _digest(r) for r in repositories}
    refused = reg.registry["401"] - 1  # less the first request's
    shared = [scopes for scopes in reg.token_requests if len(scopes) > 1]
    # only a request sent with a token asked for several scopes meets a refusal, once: the
    # tokens asked for several are forgotten when the first refusal is understood
    assert 1 <= refused <= sum(len(scopes) - 1 for scopes in shared)
    assert len(shared) <= 2  # the first batch and the one asked ahead of it, at most
    assert all(len(scopes) == 1 for scopes in reg.token_requests[-5:])


def test_a_token_service_refusing_several_scopes_is_asked_one_scope_a_request() -> None:
    reg = TokenRegistry(grants="refuse")
    repositories = [f"acme/app{i}" for i in range(10)]
    with client(reg) as c:
        found = plan_like(c, repositories)
    assert found == {r: _digest(r) for r in repositories}
    assert len(reg.token_requests[0]) == 10
    assert [len(s) for s in reg.token_requests[1:]] == [1] * 10
    assert reg.registry == {"401": 1, "200": 20}


def test_a_denied_repository_is_that_image_s_error_and_keeps_shared_tokens() -> None:
    """A token service grants what the user may read of the scopes asked: the denied
    repository is refused alone (asked once more by itself), the others keep sharing tokens."""
    reg = TokenRegistry(denied=frozenset({"repository:acme/secret:pull"}))
    with client(reg) as c:
        c.expect(["acme/a", "acme/secret", "acme/b", "acme/c"])
        assert c.list_tags("acme/a")
        with pytest.raises(RegistryAccessError, match="HTTP 401"):
            c.list_tags("acme/secret")
        assert c.list_tags("acme/b")
        c.expect(["acme/d", "acme/e"])
        assert c.list_tags("acme/d") and c.list_tags("acme/e")
    assert reg.token_requests[0] == [f"repository:acme/{r}:pull" for r in ("a", "secret", "b", "c")]
    assert reg.token_requests[1] == ["repository:acme/secret:pull"]
    assert reg.token_requests[2] == ["repository:acme/d:pull", "repository:acme/e:pull"]


def test_a_failed_token_request_leaves_no_one_waiting_for_it() -> None:
    """The first batch's token request answered 503: its waiters ask again, and the run ends
    with every image read."""
    reg = TokenRegistry(fail_first_token=True)
    repositories = [f"acme/app{i}" for i in range(50)]
    with client(reg) as c:
        started = time.monotonic()
        found = plan_like(c, repositories)
    assert found == {r: _digest(r) for r in repositories}
    assert time.monotonic() - started < 10


def open_answer(request: httpx.Request) -> httpx.Response:
    """A registry without auth: every repository has the tag 1.0.0, its digest its name's."""
    repository = request.url.path.removeprefix("/v2/").split("/tags/")[0].split("/manifests/")[0]
    if "/tags/" in request.url.path:
        return httpx.Response(200, json={"name": repository, "tags": ["1.0.0"]})
    return httpx.Response(
        200,
        headers={"Docker-Content-Digest": _digest(repository), "Content-Type": MANIFEST},
        content=_manifest(repository),
    )


def open_client(answer: Callable[[httpx.Request], httpx.Response]) -> RegistryClient:
    return RegistryClient(
        RegistryConfig(host="registry.example"), transport=httpx.MockTransport(answer), retry=FAST
    )


def test_a_registry_without_auth_is_read_at_two_requests_an_image_and_no_token() -> None:
    seen: list[str] = []

    def open_registry(request: httpx.Request) -> httpx.Response:
        seen.append(request.url.path)
        return open_answer(request)

    repositories = [f"acme/app{i}" for i in range(64)]
    with open_client(open_registry) as c:
        assert plan_like(c, repositories) == {r: _digest(r) for r in repositories}
    assert len(seen) == 128


def test_a_slow_first_answer_holds_the_other_repositories_only_briefly(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The first request goes alone so that a challenging registry is not sent a window of
    401s; but a first answer that is slow (a registry at work, not one challenging) lets the
    others go after PROBE_WAIT: one slow repository holds no one for its whole time."""
    # the others' wait, a fifth of its second: what is meant is that it ends, not how long it is
    monkeypatch.setattr(auth, "PROBE_WAIT", PROBE_WAIT / 5)
    released = threading.Event()
    first_path: list[str] = []
    lock = threading.Lock()

    def slow_first(request: httpx.Request) -> httpx.Response:
        with lock:
            first = not first_path
            if first:
                first_path.append(request.url.path)
        if first:
            # answered only once another repository was asked (or the test gives up)
            assert released.wait(auth.PROBE_WAIT + 5), "the others waited for the slow first answer"
        else:
            released.set()
        return open_answer(request)

    repositories = [f"acme/app{i}" for i in range(8)]
    with open_client(slow_first) as c:
        started = time.monotonic()
        assert plan_like(c, repositories) == {r: _digest(r) for r in repositories}
    assert released.is_set() and time.monotonic() - started < auth.PROBE_WAIT + 2


def test_the_credential_goes_to_the_realm_and_the_token_to_the_registry_only() -> None:
    reg = TokenRegistry()
    with client(reg) as c:
        plan_like(c, [f"acme/app{i}" for i in range(40)])
    by_host: dict[str, set[str]] = {}
    for host, header in reg.authorizations:
        by_host.setdefault(host, set()).add(header.split(" ")[0])
    assert by_host == {"auth.example": {"Basic"}, "registry.example": {"", "Bearer"}}
    assert sum(1 for host, h in reg.authorizations if host == "registry.example" and not h) == 1


def test_a_later_run_on_the_same_client_asks_batches_again_once_its_tokens_expired(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """``watch``'s next cycle: the realm is known (no 401), and the expired tokens are asked
    for a batch of scopes a request again, not one a repository."""
    clock = later(monkeypatch, auth)
    reg = TokenRegistry(expires_in=1)
    repositories = [f"acme/app{i}" for i in range(40)]
    with client(reg) as c:
        plan_like(c, repositories)
        first = len(reg.token_requests)
        clock.advance(1.1)
        assert plan_like(c, repositories) == {r: _digest(r) for r in repositories}
    assert reg.registry == {"401": 1, "200": 160}
    assert len(reg.token_requests) - first <= 2


def test_token_requests_keep_off_the_registry_s_connections() -> None:
    """The token service is asked on connections of its own: on the registry's pools a token
    request took a registry connection, and the registry's next request connected anew."""
    reg = TokenRegistry()
    hosts: dict[str, set[str]] = {"registry": set(), "elsewhere": set()}

    def recorded(name: str) -> httpx.MockTransport:
        def handle(request: httpx.Request) -> httpx.Response:
            hosts[name].add(request.url.host)
            return reg(request)

        return httpx.MockTransport(handle)

    c = client(reg)
    c._channel = Channel(c.base_url, recorded("registry"), c._channel.auth, recorded("elsewhere"))
    with c:
        plan_like(c, [f"acme/app{i}" for i in range(40)])
    assert hosts == {"registry": {"registry.example"}, "elsewhere": {"auth.example"}}
    with RegistryClient(RegistryConfig(host="registry.example")) as made:
        assert made._channel.elsewhere is not made._channel.transport
