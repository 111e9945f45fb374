"""The sections few files write (``argocd:``, ``metrics:``, ``webhooks:``, ``render:``,
``dashboard:``): Config answers their defaults
when the file leaves them out, as when it writes them empty, and a file without them does not
load the packages declaring them (a plan reads neither)."""

from __future__ import annotations

import subprocess
import sys

import pytest

from gitops_bot import config
from gitops_bot.core.errors import ConfigError
from gitops_bot.events.settings import SourceSettings, WebhookSettings
from gitops_bot.forges.issues import DashboardSettings
from gitops_bot.gate.settings import Applications, ArgoCDConfig, MetricsConfig
from gitops_bot.render.settings import RenderSettings

BASE = """images: [{name: app, repository: ghcr.io/acme/app}]
environments: [{name: dev, path: overlays/dev}]
"""


@pytest.mark.parametrize(
    "written", ["", "argocd: {}\nmetrics: {}\nwebhooks: {}\nrender: {}\ndashboard: {}\n"]
)
def test_left_out_or_empty_is_the_defaults(written: str) -> None:
    cfg = config.parse(BASE + written, "gitops-bot.yaml")
    assert cfg.webhooks == WebhookSettings()
    assert cfg.argocd == ArgoCDConfig()
    assert cfg.metrics == MetricsConfig()
    assert cfg.render == RenderSettings()
    assert cfg.dashboard == DashboardSettings()
    assert cfg.webhooks is cfg.webhooks  # one default per configuration


def test_written_is_read() -> None:
    cfg = config.parse(
        BASE + "argocd: {server: 'https://argocd.example.com/'}\nmetrics: {url: 'https://prom.example.com'}\n"
        "webhooks: {sources: {ci: {type: generic, token_env: T}}}\nrender: {enabled: false}\n"
        "dashboard: {enabled: true}\n",
        "gitops-bot.yaml",
    )
    assert cfg.webhooks.sources == (SourceSettings("ci", "generic", token_env="T"),)
    assert cfg.argocd.server == "https://argocd.example.com"
    assert cfg.metrics.url == "https://prom.example.com"
    assert not cfg.render.enabled
    assert cfg.dashboard.enabled


def test_a_file_without_them_loads_neither_package() -> None:
    code = (
        "import sys\nfrom gitops_bot import config\n"
        f"config.parse({BASE!r}, 'gitops-bot.yaml')\n"
        "print(sorted(m for m in sys.modules if m.startswith(('gitops_bot.events', "
        "'gitops_bot.forges.issues', 'gitops_bot.render.settings', 'gitops_bot.gate.settings', "
        "'gitops_bot.config.argocd', 'gitops_bot.config.metrics', 'gitops_bot.config.events', "
        "'gitops_bot.config.render', 'gitops_bot.config.dashboard'))))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=60)
    assert out.stdout.strip() == "[]"


def test_an_environment_gated_by_argo_cd_names_its_applications() -> None:
    text = BASE.replace("path: overlays/dev}", "path: overlays/dev, argocd_application: web}")
    cfg = config.parse(text + "argocd: {server: 'https://argocd.example.com'}\n", "gitops-bot.yaml")
    assert cfg.environment("dev").applications == Applications(names=("web",))
    with pytest.raises(ConfigError) as info:  # as before: a gate needs the server
        config.parse(text, "gitops-bot.yaml")
    assert str(info.value).startswith("gitops-bot.yaml:2: environment 'dev' names an Argo CD application")
