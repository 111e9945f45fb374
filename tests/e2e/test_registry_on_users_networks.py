"""The registry client on users' networks: through a proxy named in the environment, with a
private CA trusted the way every other program trusts it, with several auth challenges at once,
and with hostile answers (malformed indexes, deeply nested JSON) costing only that image."""

from __future__ import annotations

import hashlib
import json
import ssl
from pathlib import Path

import httpx
import pytest

from gitops_bot.core.errors import GitError, RegistryAccessError, RegistryProtocolError, RegistryUnavailable
from gitops_bot.registry.client import INDEX_TYPES, RegistryClient, RetryPolicy
from gitops_bot.registry.credentials import Credential
from gitops_bot.registry.settings import RegistryConfig
from gitops_bot.scm import gitcli
from testkit.connect_proxy import ConnectProxy
from testkit.oci import Pusher
from testkit.registry_process import RegistryProcess

FAST = RetryPolicy(attempts=2, initial_wait=0.01, max_wait=0.05)


def test_a_registry_reachable_only_through_the_https_proxy_is_used_through_it(
    tls_registry: RegistryProcess, tls_material: dict[str, Path]
) -> None:
    """``localhost:1`` is closed here; only the proxy knows where that registry really is."""
    p = Pusher.to(tls_registry.url, verify=ssl.create_default_context(cafile=str(tls_material["ca"])))
    pushed = p.image("proxied/app", "1.0.0")
    p.close()
    with ConnectProxy({"localhost:1": tls_registry.host}) as proxy:
        config = RegistryConfig(host="localhost:1", ca_file=str(tls_material["ca"]))
        with RegistryClient(config, retry=FAST, env={"HTTPS_PROXY": proxy.url}) as c:
            assert c.list_tags("proxied/app") == ["1.0.0"]
            assert c.resolve_digest("proxied/app", "1.0.0") == pushed.digest
        assert proxy.seen and all(line == "CONNECT localhost:1 HTTP/1.1" for line in proxy.seen)
        # without the proxy (or with the host in NO_PROXY) it is not reachable at all
        for env in ({}, {"HTTPS_PROXY": proxy.url, "NO_PROXY": "localhost"}):
            with (
                RegistryClient(config, retry=FAST, env=env) as c,
                pytest.raises(RegistryUnavailable, match="cannot connect"),
            ):
                c.list_tags("proxied/app")


def test_a_plain_http_registry_goes_through_http_proxy(registry: RegistryProcess, pusher: Pusher) -> None:
    pusher.image("proxied/plain", "2.0.0")
    with ConnectProxy({"registry.internal.test:5000": registry.host}) as proxy:
        config = RegistryConfig(host="registry.internal.test:5000", insecure=True)
        with RegistryClient(config, retry=FAST, env={"http_proxy": proxy.url}) as c:
            assert c.list_tags("proxied/plain") == ["2.0.0"]
        assert proxy.seen == [
            "GET http://registry.internal.test:5000/v2/proxied/plain/tags/list?n=1000 HTTP/1.1"
        ]


def test_a_private_ca_in_ssl_cert_file_is_trusted_without_ca_file(
    tls_registry: RegistryProcess, tls_material: dict[str, Path]
) -> None:
    p = Pusher.to(tls_registry.url, verify=ssl.create_default_context(cafile=str(tls_material["ca"])))
    pushed = p.image("trusted/app", "1.0.0")
    p.close()
    config = RegistryConfig(host=tls_registry.host, tls=True)
    with RegistryClient(config, retry=FAST, env={"SSL_CERT_FILE": str(tls_material["ca"])}) as c:
        assert c.resolve_digest("trusted/app", "1.0.0") == pushed.digest
    with (
        RegistryClient(config, retry=FAST, env={}) as c,
        pytest.raises(RegistryUnavailable, match="TLS certificate not trusted"),
    ):
        c.resolve_digest("trusted/app", "1.0.0")


@pytest.mark.parametrize(
    "challenges",
    [
        [
            'Bearer realm="https://auth.example/token",service="reg",scope="repository:acme/app:pull", Basic realm="b"'
        ],
        ['Bearer realm="https://auth.example/token",service="reg"', 'Basic realm="b"'],
        ['Basic realm="b", Bearer realm="https://auth.example/token",service="reg"'],
    ],
    ids=["one-header", "two-headers", "basic-first"],
)
def test_several_challenges_are_kept_apart_and_bearer_is_answered(challenges: list[str]) -> None:
    """A ``Basic realm`` beside a ``Bearer realm`` must not overwrite the Bearer's realm."""
    seen: list[httpx.Request] = []

    def registry(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        if request.url.host == "auth.example":
            return httpx.Response(200, json={"token": "tok-1"})
        if request.headers.get("authorization") == "Bearer tok-1":
            return httpx.Response(200, json={"tags": ["1.0.0"]})
        return httpx.Response(401, headers=[("WWW-Authenticate", c) for c in challenges])

    c = RegistryClient(
        RegistryConfig(host="ghcr.io"),
        Credential("test", "alice", "pw"),
        transport=httpx.MockTransport(registry),
        retry=FAST,
    )
    with c:
        assert c.list_tags("acme/app") == ["1.0.0"]
    token = seen[1]
    assert (token.url.host, token.url.params["service"]) == ("auth.example", "reg")
    assert token.url.params["scope"] == "repository:acme/app:pull"


def _index(body: object) -> httpx.MockTransport:
    data = json.dumps(body).encode()
    digest = "sha256:" + hashlib.sha256(data).hexdigest()
    headers = {"Content-Type": INDEX_TYPES[0], "Docker-Content-Digest": digest}
    return httpx.MockTransport(lambda _r: httpx.Response(200, content=data, headers=headers))


@pytest.mark.parametrize(
    ("index", "error"),
    [
        ({"schemaVersion": 2, "manifests": {"a": 1}}, "no 'manifests' list"),
        ({"schemaVersion": 2, "manifests": "x"}, "no 'manifests' list"),
        ({"schemaVersion": 2}, "no 'manifests' list"),
        ({"schemaVersion": 2, "manifests": [1, 2]}, "not an object"),
        ({"schemaVersion": 2, "manifests": [{"digest": "sha256:" + "a" * 64}]}, "has no linux/amd64 image"),
        ({"schemaVersion": 2, "manifests": [{"platform": "linux/amd64"}]}, "has no linux/amd64 image"),
        ({"schemaVersion": 2, "manifests": [{"platform": {"os": ["linux"]}}]}, "has no linux/amd64 image"),
    ],
    ids=["dict", "string", "missing", "not-objects", "no-platform", "platform-string", "os-list"],
)
def test_a_malformed_platform_index_is_that_images_clean_error(index: object, error: str) -> None:
    with RegistryClient(RegistryConfig(host="ghcr.io"), transport=_index(index), retry=FAST) as c:
        with pytest.raises((RegistryProtocolError, RegistryAccessError), match=error):
            c.resolve_digest("acme/app", "1.0.0", "linux/amd64")
        with pytest.raises((RegistryProtocolError, RegistryAccessError), match=error):
            c.get_metadata("acme/app", "1.0.0", "linux/amd64")


def test_deeply_nested_json_is_that_images_protocol_error_not_a_recursion_error() -> None:
    deep = b'{"tags": ' + b"[" * 50_000 + b"]" * 50_000 + b"}"
    mock = httpx.MockTransport(
        lambda _r: httpx.Response(200, content=deep, headers={"Content-Type": INDEX_TYPES[0]})
    )
    with RegistryClient(RegistryConfig(host="ghcr.io"), transport=mock, retry=FAST) as c:
        with pytest.raises(RegistryProtocolError, match="nested deeper"):
            c.list_tags("acme/app")
        with pytest.raises(RegistryProtocolError, match="nested deeper"):
            c.referrers("acme/app", "sha256:" + "a" * 64)


@pytest.mark.parametrize("scheme", ["http", "https"])
def test_git_fetch_goes_through_the_proxy_in_the_environment(
    scheme: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """git reads the same variables itself: the bot's git runner passes them on, so a
    repository behind the corporate proxy is fetched through it."""
    with ConnectProxy() as proxy:
        monkeypatch.setenv(f"{scheme}_proxy", proxy.url)
        monkeypatch.delenv("NO_PROXY", raising=False)
        monkeypatch.delenv("no_proxy", raising=False)
        gitcli.run(tmp_path, "init", "-q", what="init")
        with pytest.raises(GitError):  # the proxy cannot reach that host: the fetch fails...
            gitcli.run(tmp_path, "fetch", f"{scheme}://git.internal.test:8443/team/gitops.git", what="fetch")
    # ...but it was asked, which is all a proxy-only network needs
    wanted = (
        "CONNECT git.internal.test:8443 HTTP/1.1"
        if scheme == "https"
        else "GET http://git.internal.test:8443/team/gitops.git/info/refs?service=git-upload-pack HTTP/1.1"
    )
    assert wanted in proxy.seen
