"""The ``charts:`` section: each Helm chart whose version the bot keeps current, with its
repository (a classic chart repository's URL or ``oci://host/path``) and the same version
policies as images (semver ranges, regex, numerical, alphabetical)."""

from __future__ import annotations

import re

from gitops_bot.config.images import _POLICY_FIELDS, _policy, verify_section
from gitops_bot.config.kinds import Nested, derive_fields
from gitops_bot.config.settings import ChartConfig
from gitops_bot.config.spec import Section, Values
from gitops_bot.core.model import Strategy

# Chart versions are ordered, never followed by digest or build time: the policies that apply
CHART_POLICIES = (Strategy.SEMVER, Strategy.REGEX, Strategy.NUMERICAL, Strategy.ALPHABETICAL)


def _chart(v: Values) -> ChartConfig:
    name = v["name"]
    # Argo CD (2.8+) writes a Helm OCI repository without a scheme: the same repository
    repository = v["repository"] if "://" in v["repository"] else f"oci://{v['repository']}"
    if name in v.taken:
        raise v.error(v.line, f"chart {name!r} is listed twice")
    _no_image_named_alike(v, name)
    policy = _policy(v)
    if policy.strategy not in CHART_POLICIES:
        allowed = ", ".join(s.value for s in CHART_POLICIES)
        raise v.error(
            v.line_of("policy"), f"policy {policy.strategy.value} does not apply to {v.what}; use {allowed}"
        )
    if policy.min_age is not None:
        raise v.error(v.line_of("min_age"), f"'min_age' is not read for charts yet ({v.what}); remove it")
    if v["verify"] is not None and not repository.startswith("oci://"):
        raise v.error(
            v.line_of("verify"),
            f"'verify' of {v.what} needs an oci:// repository (signatures are OCI artifacts); remove it",
        )
    return ChartConfig(
        name=name,
        repository=repository.rstrip("/"),
        policy=policy,
        line=v.line,
        index_limit_mb=v["index_limit_mb"],
        verify=v["verify"],
    )


def _branch_part(name: str) -> str:
    # as release.proposal.slug names a "group: image" branch (config sits below release; a
    # test holds the two together)
    return re.sub(r"[^A-Za-z0-9._-]+", "-", name).strip("-").lower() or "image"


def _no_image_named_alike(v: Values, name: str) -> None:
    """Charts and images share one namespace (holds, status, --image, the edited files and a
    "group: image" pull request's branch): a chart named like an image is refused, else a hold
    of one would hold the other and their branches would be one."""
    for img in v.file["images"] or ():
        if img.name == name or _branch_part(img.name) == _branch_part(name):
            alike = "the name" if img.name == name else "the branch name"
            raise v.error(
                v.line,
                f"chart {name!r} has {alike} of image {img.name!r}, and holds, status and pull "
                "request branches would take one for the other; give the image another name",
            )


# A chart's keys are its own (declared on ChartConfig) and its policy's (on PolicyConfig),
# side by side, as an image's are: the section is put together from both declarations.
_OWN = derive_fields(ChartConfig, {"verify": Nested(verify_section, "'verify' of {parent}")}, {})
CHART = Section(
    (*_OWN[:2], *_POLICY_FIELDS, *_OWN[2:]),
    _chart,
    name="chart",
    named="chart {name!r}",
    schema={
        "dependentRequired": {"extract": ["pattern"]},
        "if": {"properties": {"policy": {"const": "regex"}}, "required": ["policy"]},
        "then": {"required": ["pattern"]},
    },
)
