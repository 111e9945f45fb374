"""The ``charts:`` section (each chart's repository and version policy) and environments'
``charts:`` lists are read into settings; a bad entry is one line with its line number."""

from __future__ import annotations

import pytest

from gitops_bot.config import parse
from gitops_bot.core.errors import ConfigError
from gitops_bot.core.model import Strategy

BASE = """version: 1
images: []
charts:
  - name: podinfo
    repository: https://stefanprodan.github.io/podinfo/
{chart}
environments:
  - name: dev
    path: overlays/dev
{env}
"""


def test_charts_are_read_with_their_policies_and_environments_list_them() -> None:
    cfg = parse(
        BASE.format(chart='    range: ">=6 <7"\n    index_limit_mb: 8', env="    charts: [podinfo]"),
        "gitops-bot.yaml",
    )
    chart = cfg.chart("podinfo")
    assert chart is not None and chart.repository == "https://stefanprodan.github.io/podinfo"
    assert chart.policy.strategy is Strategy.SEMVER and chart.policy.range == ">=6 <7"
    assert chart.index_limit == 8 << 20 and chart.line == 4
    assert cfg.environments[0].charts == ("podinfo",)


def test_a_config_without_charts_has_none() -> None:
    cfg = parse("images: []\nenvironments:\n  - name: dev\n    path: overlays/dev\n", "gitops-bot.yaml")
    assert cfg.charts == () and cfg.environments[0].charts == ()


@pytest.mark.parametrize(
    ("chart", "env", "message", "line"),
    [
        ("    policy: digest\n    tag: latest", "", "policy digest does not apply to chart 'podinfo'", 6),
        ("    policy: newest", "", "policy newest does not apply", 6),
        ("    min_age: 1d", "", "'min_age' is not read for charts yet", 6),
        ("    index_limit_mb: 0", "", "'index_limit_mb' of chart 'podinfo' must be between 1 and 1024", 6),
        ('    range: "^bad"', "", "invalid semver range", 6),
        ("  - name: podinfo\n    repository: oci://ghcr.io/x", "", "chart 'podinfo' is listed twice", 6),
        ("  - name: other\n    repository: git@github.com:x/y", "", "must be a chart repository URL", 7),
        ("", "    charts: [nginx]", "lists chart 'nginx', which is not under 'charts'", 10),
        (
            "    verify:\n      keys: [{file: cosign.pub}]",
            "",
            "'verify' of chart 'podinfo' needs an oci:// repository",
            6,
        ),
    ],
)
def test_bad_chart_settings_are_one_line_with_the_line_number(
    chart: str, env: str, message: str, line: int
) -> None:
    with pytest.raises(ConfigError) as err:
        parse(BASE.format(chart=chart, env=env), "gitops-bot.yaml")
    assert message in str(err.value)
    assert f"gitops-bot.yaml:{line}" in str(err.value)
