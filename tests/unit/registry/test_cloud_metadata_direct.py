"""The cloud logins that ask the machine's metadata service through the one client (Azure's
managed identity, google-auth's metadata server) ask it directly with HTTP_PROXY / HTTPS_PROXY
set for the whole machine: they opt in (``metadata=True``), which no other request does. A
proxy cannot reach the machine's link-local service, or answers with its own machine's identity.

The metadata service is a stand-in on loopback that connections to its addresses land on
(testkit/metadata_service.py, reporting the metadata address as their peer, so the client's
refusal of that address for anyone but a login is in play); the stand-in proxy records what
reaches it, and is routed nowhere.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from gitops_bot.registry.cloud.azure import AzureLogin
from gitops_bot.registry.cloud.base import LoginFailed, call
from testkit.connect_proxy import ConnectProxy
from testkit.metadata_service import landing

TOKEN = "eyJ0eXAiOiJKV1QiLCJhbGciOiJSUzI1NiJ9.metadata-token.sig"


def _answer(path: str, host: str) -> Any:
    return {"access_token": TOKEN, "expires_in": 3599, "token_type": "Bearer", "asked": path}


@pytest.fixture
def asked(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[str]]:
    with landing(monkeypatch, _answer) as paths:
        yield paths


@pytest.fixture
def proxy() -> Iterator[ConnectProxy]:
    with ConnectProxy(
        {"169.254.169.254:80": "127.0.0.1:9", "metadata.google.internal:80": "127.0.0.1:9"}
    ) as found:
        yield found


def _proxied(proxy: ConnectProxy) -> dict[str, str]:
    return {"HTTP_PROXY": proxy.url, "HTTPS_PROXY": proxy.url, "ALL_PROXY": proxy.url}


def test_azure_managed_identity_asks_imds_directly_with_a_proxy_set(
    asked: list[str], proxy: ConnectProxy
) -> None:
    token, identity = AzureLogin()._managed(_proxied(proxy), "")
    assert proxy.seen == []
    assert token == TOKEN and identity == "managed identity"
    assert asked and asked[0].startswith("/metadata/identity/oauth2/token?")


def test_google_auths_metadata_server_calls_go_directly_with_a_proxy_set(
    asked: list[str], proxy: ConnectProxy
) -> None:
    pytest.importorskip("google.auth")
    from gitops_bot.registry.cloud.gcp import net_request

    url = "http://metadata.google.internal/computeMetadata/v1/instance/service-accounts/default/token"
    answer = net_request(_proxied(proxy))(url, headers={"Metadata-Flavor": "Google"})
    assert proxy.seen == []
    assert answer.status == 200 and asked == ["/computeMetadata/v1/instance/service-accounts/default/token"]


def test_a_logins_call_that_does_not_opt_in_never_reaches_the_metadata_service(
    asked: list[str], proxy: ConnectProxy
) -> None:
    """A registry's token exchange (its host is the configuration's) is not a metadata call:
    through the proxy it goes to the proxy; without one, a name resolving to the metadata
    address is refused."""
    with pytest.raises(LoginFailed):
        call("POST", "http://169.254.169.254/oauth2/exchange", "the token exchange", _proxied(proxy))
    assert proxy.seen and proxy.seen[0].startswith("POST http://169.254.169.254/oauth2/exchange")
    with pytest.raises(LoginFailed, match="this machine's cloud metadata service"):
        call("POST", "http://imds.evil.example/oauth2/exchange", "the token exchange", {})
    assert asked == []
