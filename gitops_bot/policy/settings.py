"""The policy package's settings: which strategy chooses an image's tag, and its options.

``config`` reads them from an image's ``policy:``; this package never imports ``config``.
"""

from __future__ import annotations

import importlib
from datetime import timedelta
from typing import assert_never

from gitops_bot.core.instants import reads_as_duration
from gitops_bot.core.model import Strategy, TagOrder
from gitops_bot.core.record import record
from gitops_bot.core.settings import COMPILES, WITHIN_DURATIONS, Rule, holds, one_of, setting

POLICIES = tuple(s.value for s in Strategy)
DURATION_PATTERN = r"^(0|(?=\d)(\d+d)?(\d+h)?(\d+m)?(\d+s)?)$"
RANGES = "gitops_bot.policy.ranges"  # imported by name where a range is read: a policy may have none


def _range_problem(value: str | int | float) -> str | None:
    try:
        importlib.import_module(RANGES).parse_range(str(value))
    except ValueError as exc:
        return str(exc)
    return None


def _duration_problem(value: object) -> str | None:
    if isinstance(value, bool) or not isinstance(value, str | int):
        return ""
    valid = value == 0 if isinstance(value, int) else reads_as_duration(value)
    return None if valid else ""


_NOT_FLOAT = holds(
    lambda v: "" if isinstance(v, float) else None,
    "'range' of {what} is the number {value} to YAML, which drops trailing zeros (1.10 reads as 1.1); "
    'write it quoted, e.g. range: "1.10"',
)
MIN_AGE_RULE = Rule(
    _duration_problem,
    "'min_age' of {what} must be a duration like 30m, 2h, 1d or 1h30m (or 0: off), not {value!r}",
)
MIN_AGE_SCHEMA = {"oneOf": [{"type": "string", "pattern": DURATION_PATTERN}, {"const": 0}]}


@record
class PolicyConfig:
    """An image's tag policy: how the next tag is chosen among the registry's."""

    # The keys of an image's tag policy (they sit beside 'name' in each image's mapping)
    strategy: Strategy = setting(
        Strategy.SEMVER,
        "How the tag is chosen: semver (the highest version in range), regex (pattern and "
        "extract, ordered by order), alphabetical, numerical, newest (the latest created image) "
        "or digest (follow tag: a new digest behind the same tag).",
        key="policy",
        rules=(one_of(POLICIES, "unknown policy {value!r} for {what}; {suggest}"),),
    )
    range: str | None = setting(  # read as a string or an integer
        None,
        "semver only: e.g. '>=1.2 <2', ~1.4, ^2; quote numbers like \"1.10\".",
        rules=(_NOT_FLOAT, holds(_range_problem, "invalid semver range {text!r} for {what}: {problem}")),
        schema={"type": ["string", "integer"]},
    )
    prerelease: bool = setting(
        False, "semver: consider prereleases such as 1.3.0-rc.1 (also when the range names one)."
    )
    pattern: str | None = setting(
        None,
        "The tags to consider (any policy that orders tags; regex orders by it). A pinned tag it "
        "does not match (a moving tag aside) is not replaced: that environment is skipped, said.",
        rules=(COMPILES,),
    )
    extract: str | None = setting(
        None,
        "The pattern's named group to order by, or a template as Flux's filterTags.extract "
        "($ts, ${ts}, $1, or groups with text around them), expanded as Go's Regexp.Expand does.",
    )
    order: TagOrder = setting(
        TagOrder.NUMERICAL,
        "regex: how the extracted values compare: as numbers, as text, or as versions (version: "
        "each number in the value compared as a number, left to right: 9.10.2 above 9.3.0).",
        rules=(
            one_of(
                (o.value for o in TagOrder), "'order' must be numerical, alphabetical or version ({what})"
            ),
        ),
    )
    tag: str | None = setting(None, "digest policy: the mutable tag to follow.")
    allow: tuple[str, ...] = setting(
        (),
        "Regexes a tag must match (any). A moving tag (latest, main, stable, ...) is never chosen "
        "by an ordering policy unless allow or pattern names it (digest follows one). A pinned tag "
        "none matches (a moving tag aside) is not replaced, as for pattern.",
        rules=(COMPILES,),
    )
    ignore: tuple[str, ...] = setting((), "Regexes that exclude a tag.", rules=(COMPILES,))
    allow_downgrade: bool = setting(
        False, "Let the policy choose a tag below what is deployed (default: never move an image back)."
    )
    # None: not set here (an environment's default applies); 0: off. Read as 30m, 2h, 1d or 0.
    min_age: timedelta | None = setting(
        None,
        "Release a tag only once its image is this old, counted from a time its publisher cannot "
        "set: the registry's push time, the transparency log's, else (by pull request) the bot's "
        "first sighting, which the pull request keeps: it opens at once and is not merged before; "
        "the image's own creation time only makes it younger (by commit, it is the age). "
        "A duration in whole units, largest first: 30m, 2h, 1d, 1h30m, 45s; 0 turns it off.",
        rules=(MIN_AGE_RULE, WITHIN_DURATIONS),
        schema=MIN_AGE_SCHEMA,
    )

    def describe(self) -> str:
        match self.strategy:
            case Strategy.SEMVER:
                return f"semver {self.range}" if self.range else "semver"
            case Strategy.REGEX:
                return f"regex {self.pattern} ({self.order})"
            case Strategy.DIGEST:
                return f"digest of {self.tag}" if self.tag else "digest"
            case Strategy.ALPHABETICAL | Strategy.NUMERICAL | Strategy.NEWEST:
                return str(self.strategy)
            case _ as unreachable:
                assert_never(unreachable)
