"""The ``charts:`` section: each Helm chart whose version the bot keeps current, with its
repository (a classic chart repository's URL or ``oci://host/path``) and the same version
policies as images (semver ranges, regex, numerical, alphabetical)."""

from __future__ import annotations

from gitops_bot.config.images import _POLICY_FIELDS, VERIFY, _policy
from gitops_bot.config.kinds import INT, STR, ListOf, Nested
from gitops_bot.config.settings import ChartConfig
from gitops_bot.config.spec import Field, Section, Values, between, matches
from gitops_bot.core.model import Strategy

# Chart versions are ordered, never followed by digest or build time: the policies that apply
CHART_POLICIES = (Strategy.SEMVER, Strategy.REGEX, Strategy.NUMERICAL, Strategy.ALPHABETICAL)
DEFAULT_INDEX_LIMIT_MB = 64


def _chart(v: Values) -> ChartConfig:
    name = v["name"]
    if any(c.name == name for c in v.siblings):
        raise v.error(v.line, f"chart {name!r} is listed twice")
    policy = _policy(v)
    if policy.strategy not in CHART_POLICIES:
        allowed = ", ".join(s.value for s in CHART_POLICIES)
        raise v.error(
            v.line_of("policy"), f"policy {policy.strategy.value} does not apply to {v.what}; use {allowed}"
        )
    if policy.min_age is not None:
        raise v.error(v.line_of("min_age"), f"'min_age' is not read for charts yet ({v.what}); remove it")
    if v["verify"] is not None and not v["repository"].startswith("oci://"):
        raise v.error(
            v.line_of("verify"),
            f"'verify' of {v.what} needs an oci:// repository (signatures are OCI artifacts); remove it",
        )
    return ChartConfig(
        name=name,
        repository=v["repository"].rstrip("/"),
        policy=policy,
        line=v.line,
        index_limit=v["index_limit_mb"] << 20,
        verify=v["verify"],
    )


CHART = Section(
    (
        Field(
            "name",
            STR,
            required=True,
            rules=(
                matches(
                    r"^[A-Za-z0-9][A-Za-z0-9_.-]*$", "chart name {value!r} of {what} is not a chart name"
                ),
            ),
            description="The chart's name, as Chart.yaml dependencies, Argo CD, Flux and kustomize write it.",
        ),
        Field(
            "repository",
            STR,
            required=True,
            rules=(
                matches(
                    r"^(https?|oci)://[^/\s]+(/\S*)?$",
                    "'repository' {value!r} of {what} must be a chart repository URL "
                    "(https://charts.example.com/stable) or oci://host/path",
                ),
            ),
            description="The chart repository as the files write it: https://... (its index.yaml "
            "is read) or oci://host/path (the chart's tags are read).",
        ),
        *_POLICY_FIELDS,
        Field(
            "index_limit_mb",
            INT,
            DEFAULT_INDEX_LIMIT_MB,
            (between(1, 1024, "'index_limit_mb' of {what} must be between 1 and 1024"),),
            description="The most index.yaml a classic repository may answer, in MiB.",
        ),
        Field("verify", Nested(VERIFY, "'verify' of {parent}")),
    ),
    _chart,
    name="chart",
    named="chart {name!r}",
    schema={
        "dependentRequired": {"extract": ["pattern"]},
        "if": {"properties": {"policy": {"const": "regex"}}, "required": ["policy"]},
        "then": {"required": ["pattern"]},
    },
)
CHARTS = ListOf(CHART, "charts[{index}]", "'charts' must be a list of charts")
