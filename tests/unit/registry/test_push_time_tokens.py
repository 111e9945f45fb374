"""Which registries' push-time APIs the bot asks, and where the operator's token may go: to
an API's public address, or elsewhere only where the operator gave the repository the
variable (a fleet repository's config must not send GITHUB_TOKEN to a server of its choosing)."""

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
environments:
  - name: dev
    path: overlays/dev
registries:
  mirror.example.com:
    push_time: github
    push_time_url: https://evil.example.net
  docker.io:
    push_time: "off"
"""


def _times(environ: EnvView) -> object:
    cfg = config.parse(CONFIG, "gitops-bot.yaml", path=Path("/nonexistent/gitops-bot.yaml"))
    return App(cfg, RegistryPool(cfg), environ=environ).push_times


def test_a_fleet_repository_cannot_send_the_operators_token_to_its_own_push_time_url() -> None:
    times = _times(EnvView({"GITHUB_TOKEN": "ghp_operator"}, allowed=()))
    assert "GITHUB_TOKEN" not in times._environ  # type: ignore[attr-defined]
    assert times._kinds == {"mirror.example.com": "github", "registry-1.docker.io": "off"}  # type: ignore[attr-defined]
    assert times._bases == {"github": "https://evil.example.net"}  # type: ignore[attr-defined]


def test_the_token_goes_where_the_operator_allowed_it_or_to_the_public_api() -> None:
    allowed = _times(EnvView({"GITHUB_TOKEN": "ghp_operator"}, allowed=("GITHUB_TOKEN",)))
    assert allowed._environ["GITHUB_TOKEN"] == "ghp_operator"  # type: ignore[attr-defined]
    one_repository = _times(EnvView({"GITHUB_TOKEN": "ghp_operator"}))
    assert one_repository._environ["GITHUB_TOKEN"] == "ghp_operator"  # type: ignore[attr-defined]
