"""A certificate not trusted at Google's or Microsoft Entra's token endpoint (a TLS-inspecting
proxy's, a private CA) is one line naming what makes it trusted here: ``SSL_CERT_FILE``. Neither
login has a ``ca_file`` setting (a registry's ``ca_file`` is the registry's trust, not its
cloud's), so a line saying to set one sends the reader nowhere.

The stand-in (testkit/cloud_fakes.py, Google's STS and Entra's token endpoint) serves TLS with a
private CA no other trust holds: ``SSL_CERT_FILE``/``SSL_CERT_DIR`` unset, the login fails with
that line; given ``SSL_CERT_FILE`` as the line says, the same login succeeds.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from gitops_bot.registry.cloud.base import LoginFailed
from gitops_bot.registry.settings import RegistryConfig
from testkit.cloud_fakes import CloudFake
from testkit.cloud_world import identity_env

_TRUST = ("SSL_CERT_FILE", "SSL_CERT_DIR", "REQUESTS_CA_BUNDLE", "CURL_CA_BUNDLE")


@pytest.fixture(params=["gcp", "azure"])
def fake(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[CloudFake]:
    if request.param == "gcp":
        pytest.importorskip("google.auth")
    with CloudFake(request.param, "http://127.0.0.1:9", tmp_path) as found:  # no registry read here
        yield found


def _identity(fake: CloudFake, tmp: Path, monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    """A workload's federated identity pointed at the stand-in (as GitHub's OIDC or a GKE/AKS
    webhook gives it), and no trust of this machine's beyond the OS store: the stand-in's CA,
    which the identity's variables name, is left to each test to give."""
    for name in [n for n in os.environ if n in _TRUST or n.startswith(("GOOGLE_", "AZURE_", "GCE_"))]:
        monkeypatch.delenv(name)
    env = identity_env(fake.cloud, fake, tmp)
    del env["SSL_CERT_FILE"]
    for name, value in env.items():
        monkeypatch.setenv(name, value)  # google-auth's chain reads the process environment
    return env


def _login(fake: CloudFake, env: dict[str, str]) -> object:
    from gitops_bot.registry.cloud.azure import AzureLogin
    from gitops_bot.registry.cloud.gcp import GcpLogin

    login = GcpLogin() if fake.cloud == "gcp" else AzureLogin()
    config = RegistryConfig(host=fake.host, auth=fake.cloud, tls=True)
    return login.login(config, {**os.environ, **env})


def test_an_untrusted_token_endpoint_names_ssl_cert_file_and_no_ca_file(
    fake: CloudFake, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    env = _identity(fake, tmp_path, monkeypatch)
    with pytest.raises(LoginFailed) as caught:
        _login(fake, env)
    line = str(caught.value)
    assert "\n" not in line and "Traceback" not in line
    assert f"the TLS certificate of {fake.url} is not trusted (set SSL_CERT_FILE to its CA)" in line, line
    assert "ca_file" not in line
    assert fake.seen == []  # nothing got past the handshake


def test_the_setting_the_line_names_makes_the_endpoint_trusted(
    fake: CloudFake, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    env = _identity(fake, tmp_path, monkeypatch) | {"SSL_CERT_FILE": str(fake.ca)}
    monkeypatch.setenv("SSL_CERT_FILE", str(fake.ca))
    issued = _login(fake, env)
    assert getattr(issued, "username", None) in ("oauth2accesstoken", "00000000-0000-0000-0000-000000000000")
    assert fake.problems == []
