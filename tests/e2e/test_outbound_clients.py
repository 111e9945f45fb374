"""Every non-registry outbound client (notifications, Argo CD, GitHub, Gitea, GitLab) reaches the network
the way users' networks need it and within bounds: through the proxy named in HTTPS_PROXY
(NO_PROXY bypasses it), trusting a private CA given in SSL_CERT_FILE, ending at its total
deadline against a server that drips bytes, and stopping at its byte cap against an answer of
300 MB (asserted on the bytes the server got to send, not on time or memory)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from gitops_bot.core.errors import GitOpsBotError
from gitops_bot.forges import kit as forge
from gitops_bot.forges.gitea.adapter import Gitea
from gitops_bot.forges.github.adapter import GitHub
from gitops_bot.forges.gitlab.adapter import GitLab
from gitops_bot.forges.settings import ForgeConfig, GitHubConfig
from gitops_bot.gate import argocd
from gitops_bot.gate.argocd import ArgoCD
from gitops_bot.gate.settings import ArgoCDConfig
from gitops_bot.notify.message import Notice
from gitops_bot.notify.send import Notifier
from gitops_bot.notify.settings import NotifierSettings
from testkit.connect_proxy import ConnectProxy
from testkit.misbehaving_http import MisbehavingServer

DEADLINE = 0.5  # seconds per exchange in these tests (the products' own are 5-30 s)
CAP = 8 << 20

Call = Callable[[str], str]  # base URL -> "ok" or the one-line failure


def _notify(url: str) -> str:
    s = NotifierSettings("hook", "webhook", url=url + "/hook", timeout=DEADLINE, attempts=2)
    with Notifier([s], {}, backoff=0.0) as n:
        warnings = n.send(Notice("proposed", "staging"))
    return warnings[0] if warnings else "ok"


def _argocd(url: str) -> str:
    gate = ArgoCD(ArgoCDConfig(server=url), {"ARGOCD_AUTH_TOKEN": "argocd-token"})
    try:
        gate.application("app")
    except GitOpsBotError as exc:
        return str(exc)
    finally:
        gate.close()
    return "ok"


def _gitea(url: str) -> str:
    cfg = ForgeConfig(type="gitea", api_url=url + "/api/v1", repository="acme/gitops")
    try:
        Gitea.connect(cfg, "file:///x", {"GITEA_TOKEN": "gitea-token"}).open_pulls("gitops-bot")
    except GitOpsBotError as exc:
        return str(exc)
    return "ok"


def _gitlab(url: str) -> str:
    cfg = ForgeConfig(type="gitlab", api_url=url + "/api/v4", repository="acme/gitops")
    try:
        GitLab.connect(cfg, "file:///x", {"GITLAB_TOKEN": "gitlab-token"}).open_pulls("gitops-bot")
    except GitOpsBotError as exc:
        return str(exc)
    return "ok"


def _github(url: str) -> str:
    cfg = GitHubConfig(repository="acme/gitops", api_url=url + "/api/v3", write_interval=0)
    try:
        GitHub.connect(cfg, "acme/gitops", {"GITHUB_TOKEN": "github-token"}).open_pulls("gitops-bot")
    except GitOpsBotError as exc:
        return str(exc)
    return "ok"


CLIENTS: dict[str, tuple[Call, bytes]] = {
    "notification": (_notify, b'{"ok": true}'),
    "argocd": (
        _argocd,
        b'{"status": {"sync": {"status": "Synced"}, "health": {"status": "Healthy"}}}',
    ),
    "gitea": (_gitea, b"[]"),
    "github": (_github, b"[]"),
    "gitlab": (_gitlab, b"[]"),
}


@pytest.fixture(autouse=True)
def _quick(monkeypatch: pytest.MonkeyPatch) -> None:
    """Short deadlines and no back-off sleeps: the bounds are what is tested, not their size."""
    monkeypatch.setattr(argocd, "ATTEMPT", DEADLINE)
    monkeypatch.setattr(forge, "DEADLINE", DEADLINE)  # every forge's, in the kit
    monkeypatch.setattr(forge, "_sleep", lambda s: None)
    for name in ("HTTPS_PROXY", "https_proxy", "HTTP_PROXY", "http_proxy", "ALL_PROXY", "all_proxy"):
        monkeypatch.delenv(name, raising=False)
    for name in ("NO_PROXY", "no_proxy", "SSL_CERT_FILE", "SSL_CERT_DIR"):
        monkeypatch.delenv(name, raising=False)


@pytest.fixture
def server(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[MisbehavingServer]:
    with MisbehavingServer(tmp_path) as s:
        assert s.ca_file is not None
        monkeypatch.setenv("SSL_CERT_FILE", str(s.ca_file))
        yield s


@pytest.mark.parametrize("client", sorted(CLIENTS))
def test_the_client_trusts_a_private_ca_from_ssl_cert_file_and_only_then(
    client: str, server: MisbehavingServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    call, body = CLIENTS[client]
    server.body = body
    assert call(server.url) == "ok"
    assert server.requests
    monkeypatch.delenv("SSL_CERT_FILE")  # the same server, its CA no longer trusted
    assert call(server.url) != "ok"


@pytest.mark.parametrize("client", sorted(CLIENTS))
def test_the_client_goes_through_the_proxy_in_https_proxy_unless_no_proxy_names_the_host(
    client: str, server: MisbehavingServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    call, body = CLIENTS[client]
    server.body = body
    with ConnectProxy() as proxy:
        monkeypatch.setenv("HTTPS_PROXY", proxy.url)
        assert call(server.url) == "ok"
        assert f"CONNECT 127.0.0.1:{server.port} HTTP/1.1" in proxy.seen
        before = len(proxy.seen)
        monkeypatch.setenv("NO_PROXY", "localhost,127.0.0.1")
        assert call(server.url) == "ok"
        assert len(proxy.seen) == before


@pytest.mark.parametrize("client", sorted(CLIENTS))
def test_a_server_dripping_bytes_ends_the_call_at_its_deadline_with_one_line(
    client: str, server: MisbehavingServer
) -> None:
    call, _ = CLIENTS[client]
    server.mode = "drip"
    message = call(server.url)
    assert message != "ok" and "\n" not in message
    # the call reached the server and was answered (a client that never connects proves nothing)
    assert server.requests and server.sent > 0
    # each attempt stopped at its deadline: a few header bytes per attempt, not a stream of them
    per_attempt = DEADLINE / 0.05 + 2
    assert server.sent <= per_attempt * len(server.requests), (server.sent, server.requests)


@pytest.mark.parametrize("client", sorted(CLIENTS))
def test_an_answer_over_the_cap_is_stopped_at_the_cap(client: str, server: MisbehavingServer) -> None:
    call, _ = CLIENTS[client]
    server.mode = "huge"
    message = call(server.url)
    assert message != "ok" and "\n" not in message
    assert server.requests and server.sent > 0  # it was answered (a refused connection proves nothing)
    # the server could send only what the client read before stopping (the cap, socket buffers)
    attempts = max(len(server.requests), 1)
    assert server.sent < attempts * (CAP + (8 << 20)), (server.sent, attempts)
    assert server.sent < server.huge
