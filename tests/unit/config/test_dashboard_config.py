"""``dashboard:`` in gitops-bot.yaml: off by default; on, with its defaults; refused with the
file's line where ``forge: type`` names a forge whose adapter keeps no issues."""

from __future__ import annotations

import pytest

from gitops_bot import config
from gitops_bot.core.errors import ConfigError
from gitops_bot.forges.issues import DashboardSettings

BASE = """images: [{name: app, repository: ghcr.io/acme/app}]
environments: [{name: dev, path: overlays/dev}]
"""


def test_off_unless_asked_and_defaults_when_on() -> None:
    assert config.parse(BASE, "gitops-bot.yaml").dashboard == DashboardSettings()
    on = config.parse(BASE + "dashboard: {enabled: true}\n", "gitops-bot.yaml").dashboard
    assert on == DashboardSettings(True, "gitops-bot dashboard", "gitops-bot-dashboard")


def test_a_forge_without_issues_is_a_config_error_on_the_dashboards_line() -> None:
    text = BASE + (
        "forge: {type: azure-devops, api_url: 'https://dev.azure.com', repository: acme/web/gitops}\n"
        "dashboard:\n  enabled: true\n"
    )
    with pytest.raises(ConfigError) as info:
        config.parse(text, "gitops-bot.yaml")
    assert str(info.value).startswith("gitops-bot.yaml:4: dashboard: forge type 'azure-devops'")


@pytest.mark.parametrize("bad", ["label: 'a,b'", "title: ''", "enabled: yes please"])
def test_a_bad_value_is_one_line_naming_it(bad: str) -> None:
    with pytest.raises(ConfigError) as info:
        config.parse(BASE + f"dashboard: {{{bad}}}\n", "gitops-bot.yaml")
    assert "dashboard" in str(info.value) and "\n" not in str(info.value)
