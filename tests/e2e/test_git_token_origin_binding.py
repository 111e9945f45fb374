"""A forge token goes to git only for the origin the operator configured it for: never after a
redirect to another origin, never to a host the bot would have to guess, and it still works on
the right host. Judged against real git talking TLS smart HTTP to ``git http-backend``."""

from __future__ import annotations

import base64
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from gitops_bot.core.errors import GitError
from gitops_bot.core.secret import Origin, Secret
from gitops_bot.engine.session import fetch_credentials
from gitops_bot.forges import registry as forges
from gitops_bot.git.git import GitWorkspace
from gitops_bot.git.gitcli import auth_env
from testkit.git_http import CA, GitHTTPServer, bare_repository

TOKEN = "ghp_bound_token_0123456789abcdef"


@pytest.fixture
def ca(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> CA:
    made = CA(tmp_path / "ca")
    monkeypatch.setenv("GIT_SSL_CAINFO", str(made.cert_file))
    return made


@pytest.fixture
def repos(tmp_path: Path) -> Path:
    root = tmp_path / "srv"
    root.mkdir()
    bare_repository(root, "gitops", {"gitops-bot.yaml": "version: 1\n"})
    return root


@pytest.fixture
def other(ca: CA, repos: Path) -> Iterator[GitHTTPServer]:
    """A second origin that serves the same repository and records what it is sent."""
    with GitHTTPServer(repos, ca) as srv:
        yield srv


def _fetch(url: str, token: Secret | None, cache: Path, user: str = "x-access-token") -> None:
    with GitWorkspace.open(url, cache_dir=cache, token=token, user=user) as ws:
        ws.fetch("main", "gitops-bot")


def _basic(header: str) -> str:
    return base64.b64decode(header.removeprefix("Basic ")).decode()


def test_the_bound_host_gets_the_token_and_the_fetch_works(ca: CA, repos: Path, tmp_path: Path) -> None:
    with GitHTTPServer(repos, ca, token=TOKEN) as srv:
        _fetch(f"{srv.url}/gitops.git", Secret.for_urls(TOKEN, [srv.url]), tmp_path / "cache")
    assert srv.authorizations and all(_basic(a) == f"x-access-token:{TOKEN}" for a in srv.authorizations)


@pytest.mark.parametrize("status", [301, 302, 307, 308])
def test_a_redirect_to_another_origin_never_carries_the_token(
    ca: CA, repos: Path, other: GitHTTPServer, tmp_path: Path, status: int
) -> None:
    with (
        GitHTTPServer(repos, ca, redirect=other.url, status=status) as srv,
        pytest.raises(GitError) as failed,
    ):
        _fetch(f"{srv.url}/gitops.git", Secret.for_urls(TOKEN, [srv.url]), tmp_path / "cache")
    assert srv.authorizations  # the bound origin was sent the token...
    assert other.seen == []  # ...and git never went on to the other origin
    assert TOKEN not in str(failed.value) and TOKEN not in failed.value.detail
    assert f"returned error: {status}" in str(failed.value) and "final URL" in (failed.value.hint or "")


def test_without_the_origin_binding_git_carries_the_header_across_the_redirect(
    ca: CA, repos: Path, other: GitHTTPServer, tmp_path: Path
) -> None:
    """The hazard the binding exists for, shown with git itself: a plain ``http.extraHeader``
    reaches whatever origin the first answer redirects to."""
    header = "Authorization: Basic " + base64.b64encode(f"x:{TOKEN}".encode()).decode()
    with GitHTTPServer(repos, ca, redirect=other.url) as srv:
        subprocess.run(
            ["git", "-c", f"http.extraHeader={header}", "ls-remote", f"{srv.url}/gitops.git"],
            capture_output=True,
            check=False,
            timeout=60,
        )
    assert any(_basic(a) == f"x:{TOKEN}" for a in other.authorizations)


def test_a_token_bound_elsewhere_is_withheld_from_the_remote(
    ca: CA, repos: Path, other: GitHTTPServer, tmp_path: Path
) -> None:
    _fetch(f"{other.url}/gitops.git", Secret.for_urls(TOKEN, ["https://github.com"]), tmp_path / "cache")
    assert other.seen and other.authorizations == []


def test_a_github_token_is_not_sent_to_a_host_nobody_named(other: GitHTTPServer, tmp_path: Path) -> None:
    """The first fetch of a repository on an unrecognised (self-hosted) host: the GitHub, GitLab
    and Gitea tokens in the environment all stay home."""
    url = f"{other.url}/gitops.git"
    environ = {
        "GITHUB_TOKEN": TOKEN,
        "GITLAB_TOKEN": "glpat-other-token-123",
        "GITEA_TOKEN": "gitea-tok-1234",
    }
    token, _user = fetch_credentials(url, None, environ)
    assert token is None
    _fetch(url, token, tmp_path / "cache")
    assert other.seen and other.authorizations == []


def test_the_ci_platforms_server_binds_its_token_to_that_host(ca: CA, repos: Path, tmp_path: Path) -> None:
    with GitHTTPServer(repos, ca, token="glpat-0123456789abcdef") as srv:
        environ = {"GITHUB_TOKEN": TOKEN, "GITLAB_TOKEN": "glpat-0123456789abcdef", "CI_SERVER_URL": srv.url}
        token, user = fetch_credentials(f"{srv.url}/gitops.git", None, environ)
        assert token is not None and user == "oauth2"
        _fetch(f"{srv.url}/gitops.git", token, tmp_path / "cache", user)
    assert [_basic(a) for a in srv.authorizations][-1] == "oauth2:glpat-0123456789abcdef"
    assert not any(TOKEN in _basic(a) for a in srv.authorizations)


def test_the_token_never_lands_in_the_clone_on_disk(ca: CA, repos: Path, tmp_path: Path) -> None:
    with GitHTTPServer(repos, ca, token=TOKEN) as srv:
        _fetch(f"{srv.url}/gitops.git", Secret.for_urls(TOKEN, [srv.url]), tmp_path / "cache")
    encoded = base64.b64encode(f"x-access-token:{TOKEN}".encode())
    for path in (tmp_path / "cache").rglob("*"):
        if path.is_file():
            data = path.read_bytes()
            assert TOKEN.encode() not in data and encoded not in data, path


@pytest.mark.parametrize(
    ("url", "allowed"),
    [
        ("https://github.com/acme/gitops.git", True),
        ("https://GitHub.com:443/acme/gitops", True),
        ("https://github.com./acme/gitops", True),
        ("http://github.com/acme/gitops.git", False),  # another scheme is another origin
        ("https://github.com:8443/acme/gitops.git", False),  # another port too
        ("https://github.com@evil.example/acme/gitops.git", False),  # userinfo is not the host
        ("https://evil.example/github.com/acme", False),
        ("https://github.com.evil.example/acme", False),
        ("ssh://git@github.com/acme/gitops.git", False),
        ("git@github.com:acme/gitops.git", False),
        ("https://[::1/", False),
        ("", False),
    ],
)
def test_a_secret_is_allowed_only_on_its_origin(url: str, allowed: bool) -> None:
    assert Secret.for_urls(TOKEN, ["https://github.com"]).allows(url) is allowed


def test_the_header_is_configured_for_the_origin_only_and_redirects_are_off() -> None:
    env = auth_env(
        "https://git.example.com:8443/a/b.git", Secret.for_urls(TOKEN, ["https://git.example.com:8443"])
    )
    assert env["GIT_CONFIG_KEY_0"] == "http.https://git.example.com:8443/.extraHeader"
    assert (env["GIT_CONFIG_KEY_1"], env["GIT_CONFIG_VALUE_1"]) == ("http.followRedirects", "false")
    assert "GIT_CONFIG_COUNT" not in auth_env(
        "http://git.example.com:8443/a/b.git", Secret.for_urls(TOKEN, [])
    )


def test_a_secrets_repr_names_its_origin_never_its_value() -> None:
    secret = Secret.for_urls(TOKEN, ["https://github.com", "https://ghe.example:8443/api/v3"])
    assert TOKEN not in repr(secret) and TOKEN not in str(secret)
    assert "https://ghe.example:8443" in repr(secret)
    assert Origin.of("https://ghe.example:8443/api/v3") == Origin("https", "ghe.example", 8443)


def test_git_gets_the_forge_token_only_for_the_forges_own_host() -> None:
    from gitops_bot.config import parse

    class _Forge:
        git_token = TOKEN

    base = "version: 1\nimages: []\nenvironments: []\n"
    ghe = parse(base + "github:\n  api_url: https://ghe.example/api/v3\n", "c.yaml")
    secret = forges.git_secret(ghe, "https://ghe.example/acme/gitops.git", _Forge())  # type: ignore[arg-type]
    assert secret is not None and secret.allows("https://ghe.example/acme/gitops.git")
    assert not secret.allows("https://github.com/acme/gitops.git")
    dotcom = parse(base, "c.yaml")
    secret = forges.git_secret(dotcom, "https://git.example.com/acme/gitops.git", _Forge())  # type: ignore[arg-type]
    assert secret is not None and not secret.allows("https://git.example.com/acme/gitops.git")
    lab = parse(base + "forge:\n  type: gitlab\n  api_url: https://lab.example/api/v4\n", "c.yaml")
    secret = forges.git_secret(lab, "https://lab.example/g/p.git", _Forge())  # type: ignore[arg-type]
    assert secret is not None and secret.allows("https://lab.example/g/p.git")
