"""The client against a real distribution registry on loopback, in each auth mode."""

from __future__ import annotations

import ssl
from pathlib import Path

import httpx
import pytest

from gitops_bot.config import RegistryConfig
from gitops_bot.core.errors import RegistryAccessError, RegistryUnavailable
from gitops_bot.core.instants import format_instant
from gitops_bot.registry.client import RegistryClient, RetryPolicy
from gitops_bot.registry.credentials import RegistryCredential
from testkit.oci import Pusher
from testkit.registry_process import RegistryProcess
from testkit.token_issuer import TokenIssuer

FAST = RetryPolicy(attempts=2, initial_wait=0.01, max_wait=0.05)


def client_for(
    reg: RegistryProcess, credential: RegistryCredential | None = None, **kw: object
) -> RegistryClient:
    return RegistryClient(RegistryConfig(host=reg.host, **kw), credential, retry=FAST)  # type: ignore[arg-type]


def test_lists_tags_and_resolves_digest_matching_docker_content_digest(
    registry: RegistryProcess, pusher: Pusher
) -> None:
    pushed = pusher.image("real/plain", ["1.0.0", "1.1.0"], salt="p1")
    other = pusher.image("real/plain", "2.0.0", salt="p2")
    with client_for(registry) as c:
        assert sorted(c.list_tags("real/plain")) == ["1.0.0", "1.1.0", "2.0.0"]
        assert c.resolve_digest("real/plain", "1.1.0") == pushed.digest
        assert c.resolve_digest("real/plain", "2.0.0") == other.digest
        assert c.stats.by_status == {"200": 3}  # one GET, two HEADs


def test_multi_arch_index_resolves_to_index_or_platform_child(
    registry: RegistryProcess, pusher: Pusher
) -> None:
    pushed = pusher.image("real/multi", "3.0.0", platforms=["linux/amd64", "linux/arm64"])
    with client_for(registry) as c:
        # without the index media types in Accept the registry would 404 this tag
        assert c.resolve_digest("real/multi", "3.0.0") == pushed.digest
        assert c.resolve_digest("real/multi", "3.0.0", "linux/arm64") == pushed.platforms["linux/arm64"]
        assert c.resolve_digest("real/multi", "3.0.0", "linux/amd64") == pushed.platforms["linux/amd64"]
        with pytest.raises(RegistryAccessError, match="no linux/s390x image"):
            c.resolve_digest("real/multi", "3.0.0", "linux/s390x")


def test_index_without_accept_header_is_404_on_the_real_registry(
    registry: RegistryProcess, pusher: Pusher
) -> None:
    """Why ACCEPT lists index types: the registry refuses to serve an index otherwise."""
    pusher.image("real/accept", "1.0.0", platforms=["linux/amd64", "linux/arm64"])
    r = httpx.head(f"{registry.url}/v2/real/accept/manifests/1.0.0")
    assert r.status_code == 404


def test_metadata_reads_created_and_labels_from_config_blob(
    registry: RegistryProcess, pusher: Pusher
) -> None:
    labels = {
        "org.opencontainers.image.revision": "3141e59",
        "org.opencontainers.image.source": "https://github.com/acme/app",
    }
    pusher.image(
        "real/meta",
        "1.0.0",
        created="2026-05-01T12:00:00Z",
        labels=labels,
        platforms=["linux/amd64", "linux/arm64"],
    )
    with client_for(registry) as c:
        meta = c.get_metadata("real/meta", "1.0.0")
    assert meta.created and format_instant(meta.created) == "2026-05-01T12:00:00Z"
    assert meta.revision == "3141e59" and meta.source == "https://github.com/acme/app"


def test_a_created_time_in_nanoseconds_prints_as_the_registry_wrote_it(
    registry: RegistryProcess, pusher: Pusher
) -> None:
    """Go tools (buildkit, ko) write RFC3339Nano; a datetime holds microseconds."""
    pusher.image("real/nanos", "1.0.0", created="2024-01-02T03:04:05.123456789Z")
    with client_for(registry) as c:
        meta = c.get_metadata("real/nanos", "1.0.0")
    assert meta.created and format_instant(meta.created) == "2024-01-02T03:04:05.123456789Z"


def test_exists_by_digest(registry: RegistryProcess, pusher: Pusher) -> None:
    pushed = pusher.image("real/exists", "1.0.0")
    with client_for(registry) as c:
        assert c.exists("real/exists", pushed.digest)
        assert not c.exists("real/exists", "sha256:" + "0" * 64)


def test_unknown_repository_is_an_access_error_not_a_crash(registry: RegistryProcess) -> None:
    with client_for(registry) as c, pytest.raises(RegistryAccessError, match="not found"):
        c.list_tags("real/never-pushed")


def test_empty_repository_lists_no_tags(registry: RegistryProcess, pusher: Pusher) -> None:
    pushed = pusher.image("real/emptied", "gone")
    r = httpx.delete(f"{registry.url}/v2/real/emptied/manifests/{pushed.digest}")
    assert r.status_code == 202
    with client_for(registry) as c:
        assert c.list_tags("real/emptied") == []


def test_htpasswd_basic_auth(basic_registry: RegistryProcess) -> None:
    p = Pusher.to(basic_registry.url, auth=("alice", "wonderland-42"))
    pushed = p.image("auth/basic", "1.0.0")
    p.close()
    with client_for(basic_registry, RegistryCredential("test", "alice", "wonderland-42")) as c:
        assert c.list_tags("auth/basic") == ["1.0.0"]
        assert c.resolve_digest("auth/basic", "1.0.0") == pushed.digest
        # the first request learnt the scheme; the second went out with credentials at once
        assert c.stats.by_status == {"401": 1, "200": 2}


def test_basic_auth_wrong_password_is_access_denied(basic_registry: RegistryProcess) -> None:
    with (
        client_for(basic_registry, RegistryCredential("test", "alice", "nope")) as c,
        pytest.raises(
            RegistryAccessError, match=r"access denied \(HTTP 401\); check the registry credentials"
        ),
    ):
        c.list_tags("auth/basic")


def test_anonymous_against_basic_registry_is_access_denied(basic_registry: RegistryProcess) -> None:
    with client_for(basic_registry) as c, pytest.raises(RegistryAccessError, match="401"):
        c.list_tags("auth/basic")


def test_tls_with_private_ca(tls_registry: RegistryProcess, tls_material: dict[str, Path]) -> None:
    p = Pusher.to(tls_registry.url, verify=ssl.create_default_context(cafile=str(tls_material["ca"])))
    pushed = p.image("tls/app", "1.0.0")
    p.close()
    with client_for(tls_registry, ca_file=str(tls_material["ca"])) as c:
        assert c.base_url.startswith("https://")
        assert c.resolve_digest("tls/app", "1.0.0") == pushed.digest


def test_tls_connections_are_reused_across_the_idle_check(
    tls_registry: RegistryProcess, tls_material: dict[str, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    """A pooled TLS connection is reused: a steady run does not pay a handshake a request."""
    from gitops_bot.net import deadline

    p = Pusher.to(tls_registry.url, verify=ssl.create_default_context(cafile=str(tls_material["ca"])))
    pushed = p.image("tls/reuse", "1.0.0")
    p.close()
    connects: list[object] = []
    real_connect = deadline.Backend.connect_tcp

    def connect(*a: object, **kw: object) -> object:
        connects.append(a)
        return real_connect(*a, **kw)  # type: ignore[arg-type]

    monkeypatch.setattr(deadline.Backend, "connect_tcp", connect)
    with client_for(tls_registry, ca_file=str(tls_material["ca"]), max_concurrency=1) as c:
        for _ in range(5):
            assert c.resolve_digest("tls/reuse", "1.0.0") == pushed.digest
            assert c.list_tags("tls/reuse") == ["1.0.0"]
    assert len(connects) == 1


def test_tls_untrusted_ca_fails_with_a_hint_not_a_retry_loop(tls_registry: RegistryProcess) -> None:
    with (
        client_for(tls_registry, tls=True) as c,
        pytest.raises(RegistryUnavailable, match="TLS certificate not trusted; set ca_file"),
    ):
        c.list_tags("tls/app")


def test_bearer_token_flow_caches_token_per_scope(
    token_registry: RegistryProcess, token_issuer: TokenIssuer
) -> None:
    token = token_issuer.mint("bob", ["repository:tok/app:pull,push", "repository:tok/other:pull,push"])
    p = Pusher.to(token_registry.url, headers={"Authorization": f"Bearer {token}"})
    pushed = p.image("tok/app", ["1.0.0", "1.1.0"])
    p.image("tok/other", "9.9.9")
    p.close()
    before = len(token_issuer.requests)
    with client_for(token_registry, RegistryCredential("test", "bob", "builder-7")) as c:
        assert sorted(c.list_tags("tok/app")) == ["1.0.0", "1.1.0"]
        assert c.resolve_digest("tok/app", "1.1.0") == pushed.digest
        assert c.list_tags("tok/other") == ["9.9.9"]
        fetched = token_issuer.requests[before:]
        assert [r["scope"] for r in fetched] == [["repository:tok/app:pull"], ["repository:tok/other:pull"]]
        assert all(r["user"] == "bob" for r in fetched)
        # 401 + token + 200 for the first scope; the HEAD reused the cached token; the realm
        # known, the next scope's token is asked before its request: token + 200
        assert c.stats.by_status == {"401": 1, "200": 5}


def test_identity_token_uses_oauth2_refresh_grant(
    token_registry: RegistryProcess, token_issuer: TokenIssuer
) -> None:
    token = token_issuer.mint("bob", ["repository:tok/idt:pull,push"])
    p = Pusher.to(token_registry.url, headers={"Authorization": f"Bearer {token}"})
    p.image("tok/idt", "1.0.0")
    p.close()
    before = len(token_issuer.requests)
    with client_for(token_registry, RegistryCredential("test", identity_token="refresh-abc-123")) as c:
        assert c.list_tags("tok/idt") == ["1.0.0"]
    assert token_issuer.requests[before:] == [
        {"method": "POST", "grant_type": ["refresh_token"], "scope": ["repository:tok/idt:pull"]}
    ]


def test_bad_token_credentials_are_access_denied(token_registry: RegistryProcess) -> None:
    with (
        client_for(token_registry, RegistryCredential("test", "bob", "wrong")) as c,
        pytest.raises(RegistryAccessError, match="401"),
    ):
        c.list_tags("tok/app")


def test_registry_down_is_unavailable_after_retries(tmp_path: Path) -> None:
    reg = RegistryProcess(tmp_path)  # never started: nothing listens on the port
    with (
        client_for(reg) as c,
        pytest.raises(RegistryUnavailable, match=r"unreachable: connection refused \(after 2 attempts\)"),
    ):
        c.list_tags("x/y")
