"""SemVer ranges with Masterminds/npm semantics (what Flux and Helm use): ``>=1.2 <2``,
``~1.4``, ``^2``, ``1.x``, ``1.2 - 1.4``, ``||``. Apart from :mod:`.semver` (tags as
versions, which every semver policy reads): the policy, its scheme and its configuration rule
import this module by name when a range is written, so a policy without one loads none of it.
"""

from __future__ import annotations

import re

from semver import Version

from gitops_bot.core.record import record


@record
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


@record
class Range:
    """OR of AND-groups of comparators."""

    groups: tuple[tuple[Comparator, ...], ...]
    text: str
    mentions_prerelease: bool

    def __contains__(self, v: Version) -> bool:
        return any(all(c(v) for c in group) for group in self.groups)


_PARTIAL = re.compile(
    r"^[vV]?(?P<major>\d+|[xX*])(?:\.(?P<minor>\d+|[xX*]))?(?:\.(?P<patch>\d+|[xX*]))?"
    r"(?:-(?P<pre>[0-9A-Za-z.-]+))?(?:\+[0-9A-Za-z.-]+)?$"
)
_COMPARATOR = re.compile(r"^(?P<op>~>|>=|<=|!=|==|[=<>~^])?\s*(?P<ver>.+)$")


def _floor(pre: str | None = None, *nums: int) -> Version:
    major, minor, patch = ([*list(nums), 0, 0, 0])[:3]
    return Version(major, minor, patch, prerelease=pre)


def _ceiling(*nums: int) -> Version:
    """The smallest version above a bound, before its prereleases (npm's ``<X.Y.Z-0``)."""
    major, minor, patch = ([*list(nums), 0, 0, 0])[:3]
    return Version(major, minor, patch, prerelease="0")


def _comparators(op: str, text: str) -> list[Comparator]:
    m = _PARTIAL.match(text)
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
                m = _COMPARATOR.match(token.strip())
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
