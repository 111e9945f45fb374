"""HTTP/2 is the ``http2`` extra (h2): a registry whose config sets ``http2: true`` where h2 is
not installed is refused before any connection, one usage error (exit 2) naming the line that
installs it, instead of httpx's ImportError at the first request. Without ``http2: true`` the
client is made as before, h2 or not."""

from __future__ import annotations

import sys

import pytest

from gitops_bot.core.errors import UsageError
from gitops_bot.core.extras import install_hint
from gitops_bot.registry.client import RegistryClient
from gitops_bot.registry.settings import RegistryConfig


@pytest.fixture
def no_h2(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "h2", None)  # as installed without the extra: not importable


@pytest.mark.usefixtures("no_h2")
def test_http2_without_h2_is_a_usage_error_naming_the_extra() -> None:
    with pytest.raises(UsageError) as refused:
        RegistryClient(RegistryConfig(host="registry.example", http2=True), env={})
    assert refused.value.exit_code == 2
    assert "registry.example" in str(refused.value) and "http2" in str(refused.value)
    assert refused.value.hint == install_hint("http2")


@pytest.mark.usefixtures("no_h2")
def test_without_http2_the_client_needs_no_h2() -> None:
    RegistryClient(RegistryConfig(host="registry.example"), env={}).close()
