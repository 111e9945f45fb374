"""Which version wins? Pure code: tags in, a choice and its reason out; no I/O.

A :class:`Policy` is the tag filters (``allow``, ``ignore``, ``pattern``) composed with one
version scheme (:mod:`.schemes`, chosen by ``strategy``). It states what it needs
(``needs_created_time``, ``needs_digest``) so the app asks the registry only for that
(argocd-image-updater's ``NeedsMetadata`` idea).
"""

from __future__ import annotations

import importlib
import re
from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import TYPE_CHECKING, Any

from gitops_bot.core.model import Choice, Strategy
from gitops_bot.core.settings import GOREGEXP
from gitops_bot.policy.schemes import Scheme, scheme_for
from gitops_bot.policy.semver import parse_tag
from gitops_bot.policy.settings import RANGES, PolicyConfig

if TYPE_CHECKING:
    from gitops_bot.core.goregexp import Filters, Regexp

# tags people use as moving pointers: a new digest behind the same name is the release
MUTABLE = frozenset(
    {"latest", "main", "master", "stable", "edge", "nightly", "dev", "develop", "head", "trunk", "release"}
)
_WORDS = "|".join(sorted(MUTABLE))
_MOVING = re.compile(r"(?i)^(?P<word>" + _WORDS + r")(?:[-_.](?P<variant>.+))?$")
_MOVING_AFTER = re.compile(r"(?i)^(?P<variant>.+?)[-_.](?P<word>" + _WORDS + r")$")
_HASH = re.compile(r"[0-9a-fA-F]{7,40}")


def moving_word(tag: str) -> str | None:
    """The moving word ``tag`` is, or starts or ends with beside a variant (``latest``,
    ``latest-pg17``, ``stable-alpine``, ``dind-rootless-latest``); None when it names a
    release. A variant names another line of images that moves on its own (``latest-pg18`` is
    PostgreSQL 18's, not the release after ``latest-pg17``; ``basic-latest`` is not the build
    after ``dind-rootless-latest``), so such a tag is moving too. What CI writes beside a branch
    name is a build, not a variant: a number, a commit hash or a version (``main-57-3f2a9c1``,
    ``main-3f2a9c1``, ``release-v1.2.3``, ``dev-build-412``); and a version before the word is
    a prerelease semver orders (``1.2.3-dev``)."""
    found = _MOVING.match(tag) or _MOVING_AFTER.match(tag)
    if found is None:
        return None
    word, variant = found.group("word").lower(), found.group("variant")
    if variant is None:
        return word
    parts = re.split(r"[-_]", variant)
    if (
        not variant[0].isalpha()
        or re.match(r"[vV]\d", variant)
        or any(_HASH.fullmatch(p) for p in parts)
        or any(p.isdigit() for p in parts)
    ):
        return None
    return word


def line_of(tag: str) -> str | None:
    """The line of images ``tag`` is of: its variant (``16-alpine`` and ``latest-alpine`` are
    alpine's, ``2.24.0-pg16`` and ``latest-pg16`` pg16's, ``16`` and ``latest`` the plain
    line's ""); None where the tag names no line the bot reads (a commit, a build)."""
    if (version := parse_tag(tag)) is not None:
        return version.variant
    if moving_word(tag) is None:
        return None
    found = _MOVING.match(tag) or _MOVING_AFTER.match(tag)
    return (found.group("variant") or "").lower() if found else None


def deciding_tag(tags: Sequence[str]) -> str | None:
    """Of the tags one image is pinned at in one environment (its workloads' places, in the
    order the tool applies them), the one a policy chooses against: the last, unless that is a
    moving tag and another names a release of the same line (``latest-pg16`` beside
    ``2.24.0-pg16``: the release's line is chosen in, never the moving tag's empty version,
    which would admit a tag of no variant). None where they are of different lines, or two
    channels named by words: one tag written into each place would move one workload onto
    another's line."""
    lines = {line for t in tags if (line := line_of(t)) is not None}
    # two tags that name no version (latest and beta) are two channels of the image, not a line
    if len(lines) > 1 or len({t for t in tags if not any(c.isdigit() for c in t)}) > 1:
        return None
    releases = [t for t in tags if moving_word(t) is None]
    return releases[-1] if releases and moving_word(tags[-1]) is not None else (tags[-1] if tags else None)


def behind_version(versions: Sequence[str]) -> str | None:
    """Of the exact versions one chart is pinned at in one environment's places, the lowest,
    where they differ: the release is chosen against it and written into every place, so no
    place runs behind while the plan says up to date. None where they agree or one is no
    version the bot orders."""
    distinct = list(dict.fromkeys(versions))
    parsed = [parse_tag(v) for v in distinct]
    if len(distinct) < 2 or any(v is None for v in parsed):
        return None
    return min((v for v in parsed if v is not None), key=lambda v: v.rank).tag


class Policy:
    def __init__(self, config: PolicyConfig) -> None:
        self.config = config
        self.strategy = config.strategy
        self.scheme: Scheme = scheme_for(config)
        # the user's patterns, by the engine every outside pattern is read with (RE2: linear in
        # the tag, and Go's syntax, as the deploy tools read them)
        naming = (*config.allow, *filter(None, [config.pattern]))
        rx = importlib.import_module(GOREGEXP) if naming or config.ignore else None
        filters = rx.Filters(config.allow, config.ignore, config.pattern) if rx else None
        self._filters: Filters | None = filters
        self._naming: tuple[Regexp, ...] = tuple(rx.compiled(p) for p in naming) if rx else ()

    def _left_by(self, tag: str) -> str:
        """The ``pattern`` or ``allow`` list leaving the pinned ``tag`` out, as written; "" where
        none does, or where ``tag`` is a moving tag (a policy over versions may take over from
        ``latest``: the versions are the line it names)."""
        if not self._naming or not self.scheme.needs_tags or moving_word(tag) is not None:
            return ""
        allow = self._naming[: len(self.config.allow)]
        pattern = self._naming[len(self.config.allow) :]
        if pattern and not pattern[0].found(tag):
            return f"pattern {self.config.pattern}"
        if allow and not any(p.found(tag) for p in allow):
            return f"allow {list(self.config.allow)}"
        return ""

    def _moving(self, tag: str) -> bool:
        """A moving tag names no release of its own (the next push moves it): a policy ordering
        tags never proposes one, unless its pattern or an allow entry names its word and
        matches it; following a moving tag's digest is the digest policy."""
        word = moving_word(tag)
        return word is not None and not any(word in p.pattern.lower() and p.found(tag) for p in self._naming)

    @property
    def needs_created_time(self) -> bool:
        return self.scheme.needs_created_time

    @property
    def needs_tags(self) -> bool:
        return self.scheme.needs_tags

    @property
    def needs_digest(self) -> bool:
        """Whether the choice itself depends on the digest (tracking a mutable tag)."""
        return self.scheme.needs_digest

    def describe(self) -> str:
        return self.config.describe()

    def outside(self, tag: str) -> str:
        """Why ``tag``, pinned today, is not one this policy would choose, said for a person
        with what to change; "" when it is one (or the policy follows one tag)."""
        if not self.scheme.needs_tags or self._ranked([tag], tag):
            return ""
        if self._moving(tag):
            return (
                f"pinned {tag} is a moving tag, which {self.describe()} never chooses, so a release "
                f"replaces it with the version chosen; to keep following it: policy: digest and tag: {tag}, "
                "or name it in allow"
            )
        semver = self.config.strategy is Strategy.SEMVER
        version = parse_tag(tag) if semver else None
        if semver and version is None:
            return f"pinned {tag} is no version semver reads: choose another policy for it"
        if version is not None and self.admits(tag):
            bare = version.version.replace(build=None)
            ranges = importlib.import_module(RANGES) if self.config.range else None
            if ranges and bare not in ranges.parse_range(self.config.range):
                return f"pinned {tag} is outside range {self.config.range}: widen the range"
            if version.is_prerelease:
                return f"pinned {tag} is a prerelease, which the policy leaves out: set prerelease: true"
        return f"pinned {tag} is not among the tags {self.describe()} chooses from: widen the policy"

    def older(self, new: str, old: str) -> bool | None:
        """Whether the policy's order puts ``new`` below ``old``, its filters aside (a range, a
        pattern's or allow's bounds): what ranks a person's change, since a pin outside the
        range is still older or newer than another. None where the order does not say: the
        same tag, a tag it cannot place, a policy following one tag or ordering by created
        time."""
        if new == old or not self.scheme.needs_tags:
            return None
        a, b = self.scheme.current_key(new, None), self.scheme.current_key(old, None)
        if a is None or b is None:
            return None
        return bool(a < b)

    # -- filtering -------------------------------------------------------------------

    def admits(self, tag: str) -> bool:
        """allow/ignore lists and the pattern, which every strategy applies first."""
        return self._filters is None or self._filters.admits(tag)

    def candidates(self, tags: Sequence[str], current: str | None) -> list[str]:
        """Tags the strategy could choose from, before ordering."""
        return [t for _, t in self._ranked(tags, current)]

    def _ranked(self, tags: Sequence[str], current: str | None) -> list[tuple[Any, str]]:
        """(sort key, tag) for every acceptable tag; each key computed once. A plan ranks every
        tag of every image (20,000 at 1,000 images): what does not depend on the tag (the
        deployed tag's version, the filters' presence) is settled once per call."""
        admits = self._filters.admits if self._filters else None
        key = self.scheme.keyer(current)
        moving = self._moving
        out = []
        for t in tags:
            if moving(t):
                continue
            if admits is None or admits(t):
                k = key(t)
                if k is not None:
                    out.append((k, t))
        return out

    # -- choosing --------------------------------------------------------------------

    def choose(
        self,
        tags: Sequence[str],
        current: str | None,
        created: Mapping[str, datetime] | None = None,
    ) -> Choice:
        """Pick the tag to deploy. ``created`` maps tag -> created time (aware) for ``newest``;
        a tag without one (absent or unreadable in its config blob) is not a candidate. A
        deployed tag outside the policy is said beside the choice, whatever it is."""
        followed = self.scheme.follow(current)
        if followed is not None:
            return followed
        if current and (left_by := self._left_by(current)):
            # a pattern or allow list naming one line of builds (^dev-) over a pin of another
            # (prod-104ecd8) would replace that environment's build with the named line's
            return Choice(
                None,
                f"pinned {current} does not match {left_by}, so this entry does not release it: a "
                "release would replace it with a tag of another line; give this environment an "
                "entry of its own (images: in environments:) or a pattern its tags match",
            )
        choice = self._choose(tags, current, created)
        said = self.outside(current) if current else ""
        return Choice(choice.tag, f"{choice.reason}; {said}") if said else choice

    def _choose(
        self, tags: Sequence[str], current: str | None, created: Mapping[str, datetime] | None
    ) -> Choice:

        ranked = self._ranked(tags, current)
        what = self.describe()
        if not ranked:
            return Choice(
                None, f"no tag among {len(tags)} matches {what}{self.scheme.no_match_note(current)}"
            )
        ranked = self.scheme.timed(ranked, created)
        if not ranked:
            return Choice(None, "no candidate tag has a created time")

        best_key, best = max(ranked, key=lambda kt: kt[0])
        count = f"{len(ranked)} tag{'s' if len(ranked) != 1 else ''}"
        deployed = next((k for k, t in ranked if t == current), None) if current != best else None
        if deployed is not None and (tie := self.scheme.tied(deployed, best_key)):
            said = self.scheme.chosen(count, what)
            return Choice(current, f"deployed {current} {tie} {best}, the {said}: kept")
        if current is not None and current != best and not self.config.allow_downgrade:
            current_key = self.scheme.current_key(current, created)
            if current_key is not None and current_key > best_key:
                return Choice(
                    current,
                    f"deployed {current} is newer than the best of {count} matching {what}; "
                    "set allow_downgrade to go back",
                )
        return Choice(best, self.scheme.chosen(count, what))

    def newer_first(
        self,
        tags: Sequence[str],
        current: str | None,
        chosen: str,
        created: Mapping[str, datetime] | None = None,
    ) -> list[str]:
        """The tags a rule that holds candidates back may fall back to, best first: from
        ``chosen`` down to the deployed tag (included, its image may have been pushed again),
        never below it. Just ``[chosen]`` when the strategy follows one tag."""
        if not self.scheme.needs_tags:
            return [chosen]
        ranked = self.scheme.timed(self._ranked(tags, current), created)
        ranked.sort(key=lambda kt: kt[0], reverse=True)
        names = [t for _, t in ranked]
        if chosen not in names:
            return [chosen]
        floor = self.scheme.current_key(current, created) if current else None
        out = []
        for key, tag in ranked[names.index(chosen) :]:
            if floor is not None and key < floor:
                break
            out.append(tag)
            if tag == current:
                break
        return out
