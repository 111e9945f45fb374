"""The ``auto_promote`` and ``auto_rollback`` keys of an environment: read into durations,
refused in one line naming the file and line when they cannot work (no promotion chain, no
Argo CD application to read), and the published schema agrees where it can say it."""

from __future__ import annotations

from datetime import timedelta

import pytest

from gitops_bot import config
from gitops_bot.core.errors import ConfigError
from testkit.config_schema import schema_problems

BASE = """version: 1
images:
  - name: app
    repository: 127.0.0.1:5000/team/app
environments:
  - name: staging
    path: overlays/staging
    argocd_application: app-staging
  - name: production
    path: overlays/production
    promote_from: staging
    argocd_application: app-production
{extra}argocd:
  server: https://argocd.example.com
"""


def text(extra: str) -> str:
    return BASE.format(extra=extra)


def test_auto_promote_and_auto_rollback_read_into_durations() -> None:
    cfg = config.parse(
        text("    auto_promote: {from: staging, after: 1h30m}\n    auto_rollback: {after: 10m}\n"),
        "gitops-bot.yaml",
    )
    env = cfg.environment("production")
    assert env.auto_promote is not None and env.auto_promote.source == "staging"
    assert env.auto_promote.after == timedelta(hours=1, minutes=30)
    assert env.auto_rollback is not None and env.auto_rollback.after == timedelta(minutes=10)
    assert cfg.environment("staging").auto_promote is None


def test_auto_promote_from_defaults_to_promote_from() -> None:
    cfg = config.parse(text("    auto_promote: {after: 1h}\n"), "gitops-bot.yaml")
    auto = cfg.environment("production").auto_promote
    assert auto is not None and auto.source is None


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        ("    auto_promote: {from: staging}\n", r"needs 'after'"),
        ("    auto_promote: {from: staging, after: soon}\n", r"'after' of .* must be a duration like 1h"),
        ("    auto_rollback: {after: '0'}\n", r"more than zero"),
        (
            "    auto_promote: {from: dev, after: 1h}\n",
            r"must come from its promote_from \(staging\), not 'dev'",
        ),
        ("    auto_rollback: {after: 10m, when: now}\n", r"when"),
    ],
)
def test_a_bad_automation_key_is_one_line_and_the_schema_refuses_it_too(extra: str, message: str) -> None:
    with pytest.raises(ConfigError, match=message) as info:
        config.parse(text(extra), "gitops-bot.yaml")
    assert "\n" not in str(info.value) and "gitops-bot.yaml:" in str(info.value)
    if "dev" not in extra:  # the schema cannot compare two keys
        assert schema_problems(text(extra)), extra


def test_automation_needs_an_argo_cd_application_to_read() -> None:
    no_source_gate = text("    auto_promote: {after: 1h}\n").replace(
        "    argocd_application: app-staging\n", ""
    )
    with pytest.raises(ConfigError, match=r"needs 'staging' to have an argocd_application"):
        config.parse(no_source_gate, "gitops-bot.yaml")
    no_gate = text("    auto_rollback: {after: 10m}\n").replace(
        "    argocd_application: app-production\n", ""
    )
    with pytest.raises(
        ConfigError, match=r"'auto_rollback' of environment 'production' needs its argocd_app"
    ):
        config.parse(no_gate, "gitops-bot.yaml")


def test_the_schema_accepts_good_automation_keys() -> None:
    good = text("    auto_promote: {from: staging, after: 1h}\n    auto_rollback: {after: 10m}\n")
    assert schema_problems(good) == []


def test_several_applications_or_a_selector_gate_an_environment_and_its_automatic_rules() -> None:
    many = text("    auto_rollback: {after: 10m}\n").replace(
        "argocd_application: app-production", "argocd_applications: [shop-eu, shop-us]"
    )
    cfg = config.parse(
        many.replace("argocd_application: app-staging", "argocd_selector: team=shop,env in (staging)"),
        "gitops-bot.yaml",
    )
    production, staging = cfg.environment("production"), cfg.environment("staging")
    assert production.applications is not None and production.applications.names == ("shop-eu", "shop-us")
    assert str(production.applications) == "shop-eu, shop-us"
    assert staging.applications is not None and staging.applications.selector == "team=shop,env in (staging)"
    assert cfg.environment("production").applications.single is None  # type: ignore[union-attr]
    assert (
        config.parse(text(""), "gitops-bot.yaml").environment("staging").applications.single == "app-staging"
    )  # type: ignore[union-attr]
    assert schema_problems(many) == []


@pytest.mark.parametrize(
    ("old", "new", "message"),
    [
        (
            "argocd_application: app-staging",
            "argocd_application: app-staging\n    argocd_selector: team=shop",
            r"gitops-bot.yaml:\d+: environment 'staging' sets both 'argocd_application' and 'argocd_selector'; keep one",
        ),
        (
            "argocd_application: app-staging",
            "argocd_selector: 'team=shop; rm -rf /'",
            r"'argocd_selector' 'team=shop; rm -rf /' is not a Kubernetes label selector",
        ),
    ],
)
def test_a_gate_named_twice_or_a_selector_that_is_not_one_is_refused(
    old: str, new: str, message: str
) -> None:
    with pytest.raises(ConfigError, match=message):
        config.parse(text("").replace(old, new), "gitops-bot.yaml")


@pytest.mark.parametrize("listed", ["[]", "['']", "[shop, shop]"])
def test_an_empty_or_repeating_list_of_applications_is_refused_not_an_open_gate(listed: str) -> None:
    text_ = text("").replace("argocd_application: app-staging", f"argocd_applications: {listed}")
    with pytest.raises(ConfigError, match=r"must name at least one Application, each once and none empty"):
        config.parse(text_, "gitops-bot.yaml")
