"""The shared outbound layer (gitops_bot.net) against the real registry process: reached through
an HTTPS proxy (NO_PROXY bypasses it) and plain HTTP in absolute form through HTTP_PROXY, a
private CA trusted from SSL_CERT_FILE and refused when unknown, and clients made by the layer
taking their proxies from the layer, not from httpx."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest

from gitops_bot.net import tls
from gitops_bot.net.transport import Transport, client, fetch, send
from testkit.connect_proxy import ConnectProxy
from testkit.registry_process import RegistryProcess


def test_a_registry_behind_an_https_proxy_is_reached_through_it_and_no_proxy_bypasses_it(
    tls_registry: RegistryProcess, tls_material: dict[str, Path]
) -> None:
    ctx = tls.ssl_context(str(tls_material["ca"]), env={})
    with ConnectProxy() as proxy:
        t = Transport(ssl_context=ctx, env={"HTTPS_PROXY": proxy.url})
        reply = send(t, httpx.Request("GET", tls_registry.url + "/v2/"), timeout=10)
        assert reply.status == 200
        assert proxy.seen == [f"CONNECT {tls_registry.host} HTTP/1.1"]
        t.close()
        t = Transport(ssl_context=ctx, env={"HTTPS_PROXY": proxy.url, "NO_PROXY": "127.0.0.1"})
        assert send(t, httpx.Request("GET", tls_registry.url + "/v2/"), timeout=10).status == 200
        assert len(proxy.seen) == 1  # went direct
        t.close()


def test_plain_http_goes_through_http_proxy_in_absolute_form(registry: RegistryProcess) -> None:
    with ConnectProxy() as proxy:
        t = Transport(env={"http_proxy": proxy.url})
        assert send(t, httpx.Request("GET", registry.url + "/v2/"), timeout=10).status == 200
        assert send(t, httpx.Request("GET", registry.url + "/v2/"), timeout=10).status == 200
        assert proxy.seen == [f"GET {registry.url}/v2/ HTTP/1.1"] * 2
        t.close()


def test_private_ca_in_ssl_cert_file_is_trusted_without_ca_file(
    tls_registry: RegistryProcess, tls_material: dict[str, Path]
) -> None:
    t = Transport(ssl_context=tls.ssl_context(None, env={"SSL_CERT_FILE": str(tls_material["ca"])}), env={})
    assert send(t, httpx.Request("GET", tls_registry.url + "/v2/"), timeout=10).status == 200
    t.close()


def test_private_ca_unknown_to_the_trust_store_is_refused(tls_registry: RegistryProcess) -> None:
    t = Transport(ssl_context=tls.ssl_context(None, env={}), env={})
    with pytest.raises(httpx.ConnectError, match="CERTIFICATE_VERIFY_FAILED"):
        send(t, httpx.Request("GET", tls_registry.url + "/v2/"), timeout=10)
    t.close()


def test_a_client_made_by_the_layer_takes_proxies_from_the_layer_not_from_httpx(
    registry: RegistryProcess,
) -> None:
    """httpx's own trust_env would mount its proxy transports in front of ours (with httpx's
    NO_PROXY reading and its trust store); the layer's client leaves that off."""
    with ConnectProxy() as proxy:
        env = {"HTTP_PROXY": proxy.url, "NO_PROXY": "127.0.0.0/8"}
        with client(env=env) as c:
            assert fetch(c, "GET", registry.url + "/v2/", timeout=5).status == 200
        assert proxy.seen == []  # the CIDR entry, which httpx alone would not read
        with client(env={"HTTP_PROXY": proxy.url}) as c:
            assert fetch(c, "GET", registry.url + "/v2/", timeout=5).status == 200
        assert proxy.seen == [f"GET {registry.url}/v2/ HTTP/1.1"]
