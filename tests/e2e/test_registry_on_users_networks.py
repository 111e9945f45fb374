"""The registry client on users' networks, against the real registry process: through a proxy
named in the environment (HTTPS and plain HTTP), with a private CA trusted the way every other
program trusts it; and git fetch through the same proxy."""

from __future__ import annotations

import ssl
from pathlib import Path

import pytest

from gitops_bot.core.errors import GitError, RegistryUnavailable
from gitops_bot.git import gitcli
from gitops_bot.registry.client import RegistryClient, RetryPolicy
from gitops_bot.registry.settings import RegistryConfig
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
                pytest.raises(RegistryUnavailable, match="unreachable: connection refused"),
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
