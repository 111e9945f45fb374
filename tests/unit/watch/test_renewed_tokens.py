"""A long ``watch`` through a GitHub App connects anew each cycle, and each connect is a new
installation token; a cloud login renews hourly. What each registers for redaction replaces
what the last one did: the list stays bounded over any number of cycles, while the token in
force and the one before it (an answer to a request sent with it may still echo it) are
still redacted."""

from __future__ import annotations

import base64
import html
import json
import secrets
from collections.abc import Mapping
from urllib.parse import quote, quote_plus

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from gitops_bot.core import log
from gitops_bot.forges.github.adapter import GitHub
from gitops_bot.registry.cloud.base import CloudCredential, Issued
from gitops_bot.registry.credentials import RegistryCredential, _remember
from gitops_bot.registry.pushtime import harbor
from gitops_bot.registry.pushtime.acr import AzureContainerRegistry
from gitops_bot.registry.pushtime.base import Calls, Question
from gitops_bot.registry.settings import RegistryConfig
from testkit.github_responses import CFG, REPO, Planned

BASE = REPO.removesuffix("/repos/acme/gitops")
CYCLES = 300
# each connect parses the App's key anew (~0.1 s): five hours of 5-minute cycles, twenty
# times the grace
APP_CYCLES = 60


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> list[float]:
    now = [0.0]
    monkeypatch.setattr(log, "_clock", lambda: now[0])
    return now


def _shown(token: str) -> bool:
    return token in log.redact(f"Authorization: token {token} was refused; echoed {token}")


def test_a_github_app_token_each_cycle_keeps_the_list_bounded(rsps: Planned, clock: list[float]) -> None:
    pem = (
        rsa.generate_private_key(public_exponent=65537, key_size=2048)
        .private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )
        .decode()
    )
    tokens = [f"ghs_installationTokenOfCycle{i:04d}xyzABC" for i in range(APP_CYCLES)]
    for token in tokens:
        rsps.get(f"{REPO}/installation", json={"id": 7, "app_id": 1, "app_slug": "acme-release"})
        rsps.post(
            f"{BASE}/app/installations/7/access_tokens",
            json={"token": token, "expires_at": "2099-01-01T00:00:00Z"},
        )
    before = log.registered()
    sizes = []
    for _ in tokens:
        forge = GitHub.connect(CFG, "acme/gitops", {CFG.app_id_env: "1", CFG.app_key_env: pem})
        assert forge.git_token is not None
        log.register_secret(forge.git_token)  # git's secret of it, as the forge registry makes one
        sizes.append(log.registered() - before)
        clock[0] += 300.0  # a 5-minute cycle
    # the grace's generations and no more: after 60 cycles about as many spellings as after
    # 10 (a JWT's and a token's runs differ in number), where each cycle added ten
    assert max(sizes[10:]) <= 1.5 * max(sizes[:10])
    assert not _shown(tokens[-1]) and not _shown(tokens[-2])
    assert _shown(tokens[0])


class HourlyLogin:
    """A cloud login whose token, session key and rotated token file change each time."""

    kind = "gcp"
    extra: str | None = None
    anonymous_ok = False

    def __init__(self) -> None:
        self.n = 0
        self.issued: list[str] = []

    def recognises(self, host: str) -> bool:
        return True

    def available(self) -> bool:
        return True

    def present(self, env: Mapping[str, str]) -> bool:
        return True

    def login(self, config: RegistryConfig, env: Mapping[str, str]) -> Issued:
        self.n += 1
        log.register_secret(f"projected-service-account-token-{self.n:05d}")  # the file, rotated
        log.register_secret(env["STATIC_KEY"])  # what the operator gave, sent each time
        self.issued.append(f"ya29.access-token-number-{self.n:05d}")
        return Issued(
            "the test identity", float("inf"), username="oauth2accesstoken", password=self.issued[-1]
        )


def test_a_cloud_login_renewed_hourly_keeps_the_list_bounded(clock: list[float]) -> None:
    login = HourlyLogin()
    static = "static-key-of-the-operator-0123"
    when = [0.0]
    cred = CloudCredential(
        login, RegistryConfig(host="gcr.io"), {"STATIC_KEY": static}, explicit=True, clock=lambda: when[0]
    )
    before = log.registered()
    sizes = []
    for _ in range(CYCLES):
        assert cred.password == login.issued[-1]
        sizes.append(log.registered() - before)
        when[0] += 3600.0 * 13  # past MAX_LIFE: the next read logs in again
        clock[0] += 3600.0 * 13
    assert login.n == CYCLES
    assert max(sizes[10:]) <= 1.5 * max(sizes[:10])
    assert not _shown(login.issued[-1]) and not _shown(login.issued[-2])
    assert not _shown(static)
    assert _shown(login.issued[0])


def _basic_shown(user: str, password: str) -> bool:
    """Whether ``password`` or the Basic header of ``user:password`` survives redaction in any
    spelling a registry's answer may echo it in (base64: its middle, the ends holding bits of
    the user or of what follows)."""
    header = base64.b64encode(f"{user}:{password}".encode()).decode()
    plain = [
        password,
        quote(password, safe=""),
        quote_plus(password),
        json.dumps(password)[1:-1],
        html.escape(password),
    ]
    encoded = [
        header,
        base64.urlsafe_b64encode(f"{user}:{password}".encode()).decode(),
        base64.b64encode(f'{{"password":"{password}"}}'.encode()).decode(),
    ]
    text = f"Authorization: Basic {header}\n" + "\n".join(f"echoed {s} here" for s in plain + encoded)
    redacted = log.redact(text)
    return any(s in redacted for s in plain) or any(s[8:-8] in redacted for s in encoded)


def test_a_helper_credential_renewed_through_the_push_time_readers_keeps_the_list_bounded(
    clock: list[float],
) -> None:
    """A credential helper's password (docker-credential-ecr-login's, a cloud login's) is
    renewed each time it is asked, and Harbor's and ACR's push-time readers send it as a
    Basic header: the header goes with the password's generation, where it stayed for the
    process's life, six spellings more each renewal. 1,000 renewals."""
    host = "acme.azurecr.io"
    passwords = [f"{secrets.token_urlsafe(18)}1A2b3C/+&<{i:04d}" for i in range(1000)]
    current: list[RegistryCredential] = []
    calls = Calls({}, transport=None, timeout=5.0, credentials=lambda _host: current[-1])
    question = Question(host, "web", "1.0", None, f"https://{host}")
    before = log.registered()
    sizes = []
    for password in passwords:
        current.append(
            _remember(
                RegistryCredential("docker config", "admin", password),
                renews=[f"registry credential for {host}"],
            )
        )
        assert harbor.basic(calls, host) == AzureContainerRegistry()._auth(calls, question)
        sizes.append(log.registered() - before)
        clock[0] += 60.0
    assert max(sizes[100:]) <= 1.2 * max(sizes[:100])
    assert not _basic_shown("admin", passwords[-1]) and not _basic_shown("admin", passwords[-2])
    assert _basic_shown("admin", passwords[0])  # replaced long ago: no longer looked for
