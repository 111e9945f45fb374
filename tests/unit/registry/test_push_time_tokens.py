"""Which registries' push-time APIs the bot asks, and where the operator's token may go: in a
fleet, only to repositories the operator gave the variable (a repository's config must not
send GITHUB_TOKEN to a server of its choosing, nor read another organization's packages)."""

from __future__ import annotations

from pathlib import Path

from gitops_bot import config
from gitops_bot.core.secret import EnvView
from gitops_bot.engine.app import App
from gitops_bot.registry.pool import RegistryPool

CONFIG = """version: 1
images:
  - name: app
    repository: ghcr.io/acme/app
  - name: mirror
    repository: mirror.example.com/acme/app
  - name: hub
    repository: docker.io/library/nginx
  - name: azure
    repository: team.azurecr.io/team/app
environments:
  - name: dev
    path: overlays/dev
registries:
  mirror.example.com:
    push_time: github
    push_time_url: https://evil.example.net
  docker.io:
    push_time: "off"
  harbor.lan:8080:
    push_time: harbor
    tls: false
    insecure: true
    username_env: HARBOR_USER
    password_env: HARBOR_PASSWORD
  team.azurecr.io:
    username_env: ACR_USER
    password_env: ACR_PASSWORD
"""


def _times(environ: EnvView) -> object:
    cfg = config.parse(CONFIG, "gitops-bot.yaml", path=Path("/nonexistent/gitops-bot.yaml"))
    return App(cfg, RegistryPool(cfg, env=environ), environ=environ).vetting.push_times


def test_a_fleet_repository_cannot_send_the_operators_token_to_its_own_push_time_url() -> None:
    times = _times(
        EnvView(
            {
                "GITHUB_TOKEN": "ghp_operator",
                "GOOGLE_OAUTH_ACCESS_TOKEN": "ya29.op",
                "ACR_USER": "acr-user",
                "ACR_PASSWORD": "acr-pass",
            },
            allowed=("ACR_USER", "ACR_PASSWORD"),
        )
    )
    assert "GITHUB_TOKEN" not in times._environ  # type: ignore[attr-defined]
    assert "GOOGLE_OAUTH_ACCESS_TOKEN" not in times._environ  # type: ignore[attr-defined]
    assert times._kinds == {  # type: ignore[attr-defined]
        "harbor.lan:8080": "harbor",
        "mirror.example.com": "github",
        "registry-1.docker.io": "off",
    }
    # the mirror's API address is the mirror's alone: ghcr.io is still asked at api.github.com
    assert times._bases == {  # type: ignore[attr-defined]
        "mirror.example.com": "https://evil.example.net",
        "harbor.lan:8080": "http://harbor.lan:8080",  # plain http as configured, credentials or not
        "team.azurecr.io": "https://team.azurecr.io",  # ACR's API is on its login server, by name
    }
    # the registry's own credential, the one its reads use, for the APIs on its host; in a
    # fleet never to an address the repository's config names
    credential = times._calls.credential  # type: ignore[attr-defined]
    assert credential("mirror.example.com") is None
    assert credential("team.azurecr.io").username == "acr-user"


def test_the_token_goes_where_the_operator_allowed_it() -> None:
    allowed = _times(EnvView({"GITHUB_TOKEN": "ghp_operator"}, allowed=("GITHUB_TOKEN",)))
    assert allowed._environ["GITHUB_TOKEN"] == "ghp_operator"  # type: ignore[attr-defined]
    one_repository = _times(EnvView({"GITHUB_TOKEN": "ghp_operator"}))
    assert one_repository._environ["GITHUB_TOKEN"] == "ghp_operator"  # type: ignore[attr-defined]
