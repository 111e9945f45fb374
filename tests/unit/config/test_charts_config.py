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


def test_a_config_of_charts_alone_needs_no_images_section() -> None:
    """A repository whose releases are chart versions only is configured with ``charts:`` and
    no ``images:``; a file naming neither still says what is missing."""
    cfg = parse(
        BASE.format(chart="", env="    charts: [podinfo]").replace("images: []\n", ""), "gitops-bot.yaml"
    )
    assert cfg.images == () and cfg.charts[0].name == "podinfo"
    for text in ("environments: []\n", "charts: []\nenvironments: []\n"):
        with pytest.raises(ConfigError) as err:
            parse(text, "gitops-bot.yaml")
        assert "no 'images' section" in str(err.value) and "'charts'" in str(err.value)


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


@pytest.mark.parametrize(
    ("image", "alike"),
    [("podinfo", "the name"), ("PodInfo", "the branch name"), ("podinfo/", "the branch name")],
)
def test_a_chart_named_like_an_image_is_refused_in_one_line(image: str, alike: str) -> None:
    """Holds, status rows, --image and a "group: image" branch name an image and a chart alike:
    a config giving both one name (or one branch name) is refused before anything runs."""
    text = BASE.format(chart="", env="").replace(
        "images: []\n", f"images:\n  - name: {image}\n    repository: ghcr.io/acme/app\n"
    )
    with pytest.raises(ConfigError) as err:
        parse(text, "gitops-bot.yaml")
    message = str(err.value)
    assert f"chart 'podinfo' has {alike} of image {image!r}" in message
    assert "gitops-bot.yaml:6" in message and "\n" not in message.strip()


def test_the_branch_name_a_chart_is_checked_by_is_the_one_a_release_gets() -> None:
    """The config check and the release's branch agree on when two names are one branch."""
    from gitops_bot.config.charts import _branch_part
    from gitops_bot.release.proposal import slug

    for name in ("podinfo", "acme/App", "a//b", "x.y_z-1", "///", "ingress-nginx"):
        assert _branch_part(name) == slug(name)


def test_a_chart_and_an_image_with_distinct_names_are_both_read() -> None:
    text = BASE.format(chart="", env="").replace(
        "images: []\n",
        "images:\n  - name: stefanprodan/podinfo\n    repository: ghcr.io/stefanprodan/podinfo\n",
    )
    cfg = parse(text, "gitops-bot.yaml")
    assert [i.name for i in cfg.images] == ["stefanprodan/podinfo"]
    assert [c.name for c in cfg.charts] == ["podinfo"]


@pytest.mark.parametrize(
    "written", ["public.ecr.aws/aws-containers", "ghcr.io/org/charts/", "registry:5000/charts"]
)
def test_argo_cds_oci_repository_without_a_scheme_is_read_as_oci(written: str) -> None:
    """Argo CD 2.8+ writes a Helm OCI repository without a scheme: as the files write it, it is
    the oci:// repository the chart readers compare it as."""
    cfg = parse(
        BASE.replace("https://stefanprodan.github.io/podinfo/", written).format(chart="", env=""), "g.yaml"
    )
    chart = cfg.chart("podinfo")
    assert chart is not None and chart.repository == "oci://" + written.rstrip("/")


@pytest.mark.parametrize("written", ["podinfo", "charts/podinfo", "git@github.com:x/y", "alias:stable"])
def test_a_repository_that_is_no_host_and_path_is_still_refused(written: str) -> None:
    with pytest.raises(ConfigError, match="must be a chart repository URL"):
        parse(
            BASE.replace("https://stefanprodan.github.io/podinfo/", written).format(chart="", env=""),
            "g.yaml",
        )
