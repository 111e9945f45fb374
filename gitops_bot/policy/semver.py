"""SemVer tags and ranges, the way image tags use them.

Parsing and precedence come from python-semver (SemVer 2.0). What we add:

* tags as registries carry them: an optional ``v`` prefix, missing minor/patch (``1.2``);
* Docker-style *variants*: in ``1.2-alpine`` the ``-alpine`` is not a prerelease but a flavour,
  and ``1.2-alpine`` may only move to ``1.3-alpine`` (Renovate's docker versioning);
* ranges with Masterminds/npm semantics (what Flux uses): ``>=1.2 <2``, ``~1.4``, ``^2``,
  ``1.x``, ``1.2 - 1.4``, ``||``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from semver import Version

_TAG = re.compile(
    r"^(?P<prefix>[vV]?)(?P<major>\d+)(?:\.(?P<minor>\d+))?(?:\.(?P<patch>\d+))?"
    r"(?:-(?P<pre>[0-9A-Za-z][0-9A-Za-z.-]*))?(?:\+(?P<build>[0-9A-Za-z.-]+))?$"
)
# What reads as a prerelease rather than a variant: rc1, beta.2, alpha, 20231010, dev-3 ...
_PRERELEASE = re.compile(
    r"^(?:(?:alpha|beta|rc|pre|preview|dev|snapshot|canary|nightly|next|milestone|a|b|m)"
    r"(?:[.-]?\d+)*|\d+(?:\.\d+)*)$",
    re.IGNORECASE,
)


@dataclass(frozen=True, slots=True)
class TagVersion:
    """A tag read as a version: ``version`` for ordering, ``variant`` and ``parts`` for
    compatibility (``3.11-slim`` has parts=2, variant='slim')."""

    tag: str
    version: Version
    variant: str
    parts: int
    order: tuple[object, ...]  # SemVer precedence as a plain tuple: cheap to compare
    is_prerelease: bool = False
    # the order among tags: precedence; at equal versions the more precise tag, then no "v"
    rank: tuple[object, ...] = ()

    def compatible_with(self, other: TagVersion) -> bool:
        return self.variant == other.variant and self.parts == other.parts


@lru_cache(maxsize=1 << 16)
def parse_tag(tag: str) -> TagVersion | None:
    """Cached: a plan parses every tag of every repository, often against several
    environments' deployed tags."""
    m = _TAG.match(tag)
    if not m:
        return None
    pre: str | None = m.group("pre")
    variant = ""
    if pre is not None and not _PRERELEASE.match(pre):
        # "rc.1-alpine" keeps the prerelease and the variant apart; "alpine" is all variant.
        head, _, tail = pre.partition("-")
        if tail and _PRERELEASE.match(head):
            pre, variant = head, tail
        else:
            variant = pre
            pre = None
    parts = 1 + (m.group("minor") is not None) + (m.group("patch") is not None)
    version = Version(
        int(m.group("major")),
        int(m.group("minor") or 0),
        int(m.group("patch") or 0),
        prerelease=pre,
        build=m.group("build"),
    )
    order = _precedence(version)
    rank = (order, parts, not tag.startswith(("v", "V")))
    return TagVersion(tag, version, variant, parts, order, is_prerelease=pre is not None, rank=rank)


def _precedence(v: Version) -> tuple[object, ...]:
    """SemVer 2.0 precedence as a tuple: a release sorts after its prereleases; prerelease
    identifiers compare numerically when numeric, and numeric ones sort before alphanumeric."""
    if v.prerelease is None:
        return (v.major, v.minor, v.patch, 1, ())
    ids = tuple((0, int(p), "") if p.isdigit() else (1, 0, p) for p in v.prerelease.split("."))
    return (v.major, v.minor, v.patch, 0, ids)


@dataclass(frozen=True, slots=True)
class Comparator:
    op: str  # one of == != > >= < <=
    version: Version

    def __call__(self, v: Version) -> bool:
        c = v.compare(self.version)
        return {
            "==": c == 0,
            "!=": c != 0,
            ">": c > 0,
            ">=": c >= 0,
            "<": c < 0,
            "<=": c <= 0,
        }[self.op]


@dataclass(frozen=True, slots=True)
class Range:
    """OR of AND-groups of comparators."""

    groups: tuple[tuple[Comparator, ...], ...]
    text: str
    mentions_prerelease: bool

    def __contains__(self, v: Version) -> bool:
        return any(all(c(v) for c in group) for group in self.groups)


# A range's grammar, compiled (and cached by re) when a range is first read: a policy without
# one never compiles it
_PARTIAL = (
    r"^[vV]?(?P<major>\d+|[xX*])(?:\.(?P<minor>\d+|[xX*]))?(?:\.(?P<patch>\d+|[xX*]))?"
    r"(?:-(?P<pre>[0-9A-Za-z.-]+))?(?:\+[0-9A-Za-z.-]+)?$"
)
_COMPARATOR = r"^(?P<op>~>|>=|<=|!=|==|[=<>~^])?\s*(?P<ver>.+)$"


def _floor(pre: str | None = None, *nums: int) -> Version:
    major, minor, patch = ([*list(nums), 0, 0, 0])[:3]
    return Version(major, minor, patch, prerelease=pre)


def _ceiling(*nums: int) -> Version:
    """The smallest version above a bound, before its prereleases (npm's ``<X.Y.Z-0``)."""
    major, minor, patch = ([*list(nums), 0, 0, 0])[:3]
    return Version(major, minor, patch, prerelease="0")


def _comparators(op: str, text: str) -> list[Comparator]:
    m = re.match(_PARTIAL, text)
    if not m:
        raise ValueError(f"{text!r} is not a version")
    raw = [m.group("major"), m.group("minor"), m.group("patch")]
    nums: list[int] = []
    for part in raw:
        if part is None or part in "xX*":
            break
        nums.append(int(part))
    pre = m.group("pre") if len(nums) == 3 else None
    n = len(nums)
    if n == 0:
        if op in ("", "=", "==", ">=", "<=", "~", "~>", "^"):
            return []
        raise ValueError(f"'{op}{text}' matches nothing")
    low = _floor(pre, *nums)

    def bump(i: int) -> Version:
        head = [*nums[:i], nums[i] + 1] if i < n else nums
        return _ceiling(*head)

    if op in ("", "=", "=="):
        if n == 3:
            return [Comparator("==", low)]
        return [Comparator(">=", low), Comparator("<", bump(n - 1))]
    if op == "!=":
        if n == 3:
            return [Comparator("!=", low)]
        raise ValueError(f"'!={text}' needs a full version")
    if op == ">=":
        return [Comparator(">=", low)]
    if op == ">":
        return [Comparator(">", low)] if n == 3 else [Comparator(">=", bump(n - 1))]
    if op == "<":
        return [Comparator("<", low if pre else _ceiling(*nums))]
    if op == "<=":
        return [Comparator("<=", low)] if n == 3 else [Comparator("<", bump(n - 1))]
    if op in ("~", "~>"):
        return [Comparator(">=", low), Comparator("<", bump(1 if n >= 2 else 0))]
    if op == "^":
        # the left-most non-zero part may not change
        first = next((i for i, x in enumerate(nums) if x != 0), n - 1)
        return [Comparator(">=", low), Comparator("<", bump(min(first, n - 1)))]
    raise ValueError(f"unknown operator {op!r}")


def parse_range(text: str) -> Range:
    groups: list[tuple[Comparator, ...]] = []
    mentions_pre = False
    if not text.strip():
        raise ValueError("empty range")
    for alternative in text.split("||"):
        alternative = alternative.strip()
        if not alternative:
            raise ValueError("empty alternative around '||'")
        comps: list[Comparator] = []
        hyphen = re.match(r"^(\S+)\s+-\s+(\S+)$", alternative)
        if hyphen:
            comps += _comparators(">=", hyphen.group(1))
            comps += _comparators("<=", hyphen.group(2))
        else:
            # "> = 1.2" is not allowed, but ">= 1.2" and ">=1.2,<2" are
            tokens = re.findall(r"(?:~>|>=|<=|!=|==|[=<>~^])?\s*[^\s,]+", alternative.replace(",", " "))
            if not tokens:
                raise ValueError(f"cannot read {alternative!r}")
            for token in tokens:
                m = re.match(_COMPARATOR, token.strip())
                if not m:
                    raise ValueError(f"cannot read {token!r}")
                comps += _comparators(m.group("op") or "", m.group("ver").strip())
        mentions_pre = mentions_pre or any(c.version.prerelease not in (None, "0") for c in comps)
        groups.append(tuple(comps))
    return Range(groups=tuple(groups), text=text, mentions_prerelease=mentions_pre)


def is_range(text: str) -> bool:
    """Whether ``text`` reads as a range (``>5.0.0``, ``^1.2``, ``1.x``): what a tool resolves
    itself, where a word like ``placeholder`` is no version at all."""
    try:
        parse_range(text)
    except ValueError:
        return False
    return True
