"""A hostile chart repository against :class:`ChartIndexes`: what it can make the bot fetch
and believe. The repository is https, which the loopback test server cannot be, so its answers
come from an ``httpx.MockTransport``; every request the bot makes is recorded."""

from __future__ import annotations

import gzip

import httpx
import pytest

from gitops_bot.core.errors import RegistryAccessError, RegistryProtocolError, UsageError
from gitops_bot.net.retry import RetryPolicy
from gitops_bot.registry.chart_source import ChartSource
from gitops_bot.registry.charts import ChartIndexes
from gitops_bot.registry.pool import RegistryPool
from gitops_bot.registry.settings import RegistryConfig
from testkit.chart_repo import ChartRepo
from testkit.paths import TEST_DATA

PODINFO = (TEST_DATA / "charts" / "indexes" / "podinfo.yaml").read_bytes()
FORGED = b"entries:\n  podinfo:\n  - name: podinfo\n    version: 99.0.0\n"


def _indexes(handler: httpx.MockTransport) -> ChartIndexes:
    return ChartIndexes(transport=handler, retry=RetryPolicy(attempts=1), sleep=lambda s: None)


def test_an_https_index_redirecting_to_plain_http_is_refused() -> None:
    """A redirect may not downgrade an https index to plain http (where anyone on the path can
    forge the version list), as the configured URL itself may not be plain http."""
    seen: list[str] = []

    def answer(request: httpx.Request) -> httpx.Response:
        seen.append(str(request.url))
        if request.url.scheme == "https":
            return httpx.Response(302, headers={"Location": "http://charts.example.com/index.yaml"})
        return httpx.Response(200, content=FORGED)

    with pytest.raises(RegistryProtocolError, match="plain http"):
        _indexes(httpx.MockTransport(answer)).versions("https://charts.example.com", "podinfo")
    assert seen == ["https://charts.example.com/index.yaml"]


def test_a_gzip_bomb_stops_at_the_cap_of_decoded_bytes() -> None:
    bomb = gzip.compress(b"entries:\n" + b"#" * (8 << 20))

    def answer(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, content=bomb, headers={"Content-Encoding": "gzip"})

    with pytest.raises(RegistryProtocolError, match="over 1000000 bytes"):
        _indexes(httpx.MockTransport(answer)).versions(
            "https://charts.example.com", "podinfo", limit=1_000_000
        )


def test_an_index_on_https_is_read() -> None:
    """The control: the same transport answering the index directly is believed."""

    def answer(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, content=PODINFO)

    indexes = _indexes(httpx.MockTransport(answer))
    assert indexes.versions("https://charts.example.com", "podinfo")[0] == "1.2.1"


def test_a_redirect_from_an_insecure_host_to_plain_http_is_followed() -> None:
    """A host the operator marked insecure may serve plain http, redirected or not."""

    def answer(request: httpx.Request) -> httpx.Response:
        if request.url.path == "/index.yaml":
            return httpx.Response(302, headers={"Location": "http://charts.example.com/v2/index.yaml"})
        return httpx.Response(200, content=PODINFO)

    indexes = ChartIndexes(
        lambda host: RegistryConfig(host=host, insecure=True),
        transport=httpx.MockTransport(answer),
        retry=RetryPolicy(attempts=1),
    )
    assert indexes.versions("http://charts.example.com", "podinfo")[0] == "1.2.1"


class _Settings:
    """A repository's registry settings: credentials for every host, from its own environment."""

    root = TEST_DATA

    def registry(self, host: str) -> RegistryConfig:
        return RegistryConfig(host=host, username_env="CHART_USER", password_env="CHART_PASS")


class _NoCredentials:
    """Another repository's settings: nothing for the chart repository's host."""

    root = TEST_DATA

    def registry(self, host: str) -> RegistryConfig:
        return RegistryConfig(host=host)


def test_a_private_index_one_repository_read_is_not_answered_to_another_without_its_secrets() -> None:
    """``fleet`` shares one pool: a repository whose environment lacks the chart repository's
    credentials must be refused as the repository refuses it, not answered from what another
    repository read with its own credentials in the same cycle or the next one."""
    with ChartRepo(index=PODINFO) as repo, RegistryPool() as pool:
        repo.user, repo.password = "fleet-reader", "fleet-pass"
        trusted = pool.bind(_Settings(), env={"CHART_USER": "fleet-reader", "CHART_PASS": "fleet-pass"})
        other = pool.bind(_NoCredentials(), env={})
        assert ChartSource(trusted).versions(repo.url, "podinfo")[0] == "1.2.1"
        with pytest.raises(RegistryAccessError, match="access denied"):
            ChartSource(other).versions(repo.url, "podinfo")
        assert "authorization" not in repo.seen[-1].headers
        pool.forget()  # the next cycle: no validators of the other's read go without its secrets
        with pytest.raises(RegistryAccessError, match="access denied"):
            ChartSource(other).versions(repo.url, "podinfo")
        assert "if-none-match" not in repo.seen[-1].headers
        assert ChartSource(trusted).versions(repo.url, "podinfo")[0] == "1.2.1"
        # one whose config names the variables but whose environment hides them: told so
        with pytest.raises(UsageError, match="CHART_USER is not set"):
            ChartSource(pool.bind(_Settings(), env={})).versions(repo.url, "podinfo")
