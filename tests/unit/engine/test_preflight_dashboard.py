"""A dashboard the forge cannot keep stops a run before anything is delivered: the forge told by
the remote's URL (no ``forge: type``) is checked where the run's other preflight checks are, so
``update`` no longer delivers its releases and then exits 2; named by ``forge: type``, it is
already a configuration error on the dashboard's line. A dry run keeps no dashboard, so it is
not refused."""

from __future__ import annotations

import pytest

from gitops_bot import config
from gitops_bot.core.errors import ConfigError, UsageError
from gitops_bot.core.log import redact
from gitops_bot.engine import preflight

BASE = """images: [{name: app, repository: ghcr.io/acme/app}]
environments: [{name: dev, path: overlays/dev}]
"""
ON = BASE + "dashboard: {enabled: true}\n"


@pytest.mark.parametrize(
    ("url", "kind"),
    [
        ("https://dev.azure.com/acme/web/_git/gitops", "azure-devops"),
        ("https://x-token-auth:s3cret@bitbucket.org/acme/gitops.git", "bitbucket-cloud"),
    ],
)
def test_a_detected_forge_without_issues_stops_the_run_in_one_line(url: str, kind: str) -> None:
    cfg = config.parse(ON, "gitops-bot.yaml")
    with pytest.raises(UsageError) as info:
        preflight.check(cfg, {}, dry_run=False, url=url)
    message = str(info.value)
    assert f"the remote's forge, {kind}, has no issue board" in message and "\n" not in message
    assert "s3cret" not in message and "enabled: false" in (info.value.hint or "")


@pytest.mark.parametrize(
    "url", ["https://github.com/acme/gitops.git", "https://codeberg.org/acme/gitops.git", "/srv/gitops", ""]
)
def test_a_forge_with_issues_or_an_undetected_one_passes(url: str) -> None:
    """A local path or a host not known is GitHub unless ``forge: type`` says otherwise."""
    preflight.check(config.parse(ON, "gitops-bot.yaml"), {}, dry_run=False, url=url)


def test_a_dry_run_is_refused_as_the_real_run_and_a_dashboard_off_is_not() -> None:
    """A dry run finds the configuration errors the real run would, before it would push."""
    azure = "https://dev.azure.com/acme/web/_git/gitops"
    with pytest.raises(UsageError) as info:
        preflight.check(config.parse(ON, "gitops-bot.yaml"), {}, dry_run=True, url=azure)
    assert "no issue board" in str(info.value)
    preflight.check(config.parse(BASE, "gitops-bot.yaml"), {}, dry_run=False, url=azure)


def test_a_forge_type_without_issues_is_refused_when_the_config_is_read() -> None:
    """Named in the config: refused before any run starts, on the dashboard's line."""
    named = BASE + ("forge: {type: bitbucket-cloud, repository: acme/gitops}\ndashboard:\n  enabled: true\n")
    with pytest.raises(ConfigError) as info:
        config.parse(named, "gitops-bot.yaml")
    assert str(info.value).startswith("gitops-bot.yaml:4: dashboard: forge type 'bitbucket-cloud'")


def test_a_notification_url_read_at_the_start_is_a_secret_in_every_part_from_then_on() -> None:
    """The run's first read of a notification's URL registers it, so a piece of it echoed by
    anything later in the run (a proxy's error page, a library's warning) is redacted, even
    before a notification is sent."""
    cfg = config.parse(BASE + "notifications: [{type: slack, url_env: PRE_SLACK_URL}]\n", "gitops-bot.yaml")
    key = "preflightKey0123456789ab"
    url = f"https://hooks.example.org/services/T0PRE12345/B0PRE67890/{key}"
    preflight.check(cfg, {"PRE_SLACK_URL": url}, dry_run=False)
    out = redact(f"502 from proxy for services/T0PRE12345/B0PRE67890/{key} and %2F{key}")
    assert key not in out and "T0PRE12345" not in out and out.startswith("502 from proxy for ")
