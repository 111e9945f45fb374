"""SemVer tags and ranges, the way image tags use them.

Parsing and precedence come from python-semver (SemVer 2.0). What we add:

* tags as registries carry them: an optional ``v`` prefix, missing minor/patch (``1.2``);
* Docker-style *variants*: in ``1.2-alpine`` the ``-alpine`` is not a prerelease but a flavour,
  and ``1.2-alpine`` may only move to ``1.3-alpine`` (Renovate's docker versioning);
* ranges with Masterminds/npm semantics (what Flux uses): ``>=1.2 <2``, ``~1.4``, ``^2``,
  ``1.x``, ``1.2 - 1.4``, ``||``: read by :mod:`.ranges`, which a policy without a range
  never imports.
"""

from __future__ import annotations

import functools
import re
from functools import lru_cache

from semver import Version

from gitops_bot.core.record import record

_TAG = re.compile(
    r"^(?P<prefix>[vV]?)(?P<major>\d+)(?:\.(?P<minor>\d+))?(?:\.(?P<patch>\d+))?"
    r"(?:-(?P<pre>[0-9A-Za-z][0-9A-Za-z.-]*))?(?:\+(?P<build>[0-9A-Za-z.-]+))?$"
)


# compiled at its first use, not at import: a plan's start-up does not use it
# What reads as a prerelease rather than a variant: rc1, beta.2, alpha, 20231010, dev-3 ...
@functools.cache
def _prerelease() -> re.Pattern[str]:
    return re.compile(
        r"^(?:(?:alpha|beta|rc|pre|preview|dev|snapshot|canary|nightly|next|milestone|a|b|m)"
        r"(?:[.-]?\d+)*|\d+(?:\.\d+)*)$",
        re.IGNORECASE,
    )


_DESCRIBED = re.compile(r"^(?:\d+-)?g[0-9a-f]{7,40}$")


@record
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
    variant, described = "", None
    if pre is not None and _DESCRIBED.match(pre):
        # git describe's -g<hash> (or -<n>-g<hash>) names the commit a version was built from:
        # a build of that version, never a flavour of its own (each build's hash would be one)
        described, pre = pre, None
    if pre is not None and not _prerelease().match(pre):
        # "rc.1-alpine" keeps the prerelease and the variant apart; "alpine" is all variant.
        head, _, tail = pre.partition("-")
        if tail and _prerelease().match(head):
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
        build=m.group("build") or described,
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
