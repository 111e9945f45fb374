"""How versions compare. Pure code: tags in, a choice and its reason out; no I/O.

A :class:`Policy` states what it needs (``needs_created_time``, ``needs_digest``) so the app
asks the registry only for that (argocd-image-updater's ``NeedsMetadata`` idea).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from datetime import datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from gitops_bot.core.model import Choice, Strategy, TagOrder
from gitops_bot.policy.semver import Range, TagVersion, parse_range, parse_tag
from gitops_bot.policy.settings import PolicyConfig


class Policy:
    def __init__(self, config: PolicyConfig) -> None:
        self.config = config
        self.strategy = config.strategy
        self._allow = [re.compile(p) for p in config.allow]
        self._ignore = [re.compile(p) for p in config.ignore]
        self._pattern = re.compile(config.pattern) if config.pattern else None
        self._range: Range | None = parse_range(config.range) if config.range else None

    @property
    def needs_created_time(self) -> bool:
        return self.strategy is Strategy.NEWEST

    @property
    def needs_tags(self) -> bool:
        return self.strategy is not Strategy.DIGEST

    @property
    def needs_digest(self) -> bool:
        """Whether the choice itself depends on the digest (tracking a mutable tag)."""
        return self.strategy is Strategy.DIGEST

    def describe(self) -> str:
        return self.config.describe()

    # -- filtering -------------------------------------------------------------------

    def admits(self, tag: str) -> bool:
        """allow/ignore lists and the pattern, which every strategy applies first."""
        if self._allow and not any(p.search(tag) for p in self._allow):
            return False
        if any(p.search(tag) for p in self._ignore):
            return False
        return not (self._pattern and not self._pattern.search(tag))

    def candidates(self, tags: Sequence[str], current: str | None) -> list[str]:
        """Tags the strategy could choose from, before ordering."""
        return [t for _, t in self._ranked(tags, current)]

    def _ranked(self, tags: Sequence[str], current: str | None) -> list[tuple[Any, str]]:
        """(sort key, tag) for every acceptable tag; each key computed once. A plan ranks every
        tag of every image (20,000 at 1,000 images): what does not depend on the tag (the
        deployed tag's version, the filters' presence) is settled once per call."""
        admits = self.admits if (self._allow or self._ignore or self._pattern) else None
        if self.strategy is Strategy.SEMVER:
            key = self._semver_keyer(current)
        else:

            def key(tag: str) -> Any:
                return self._key(tag, current)

        out = []
        for t in tags:
            if admits is None or admits(t):
                k = key(t)
                if k is not None:
                    out.append((k, t))
        return out

    # -- ordering --------------------------------------------------------------------

    def _key(self, tag: str, current: str | None) -> Any:
        """Sort key of an acceptable tag, or None when the strategy rejects it."""
        if self.strategy is Strategy.SEMVER:
            return self._semver_key(tag, current)
        if self.strategy in (Strategy.REGEX, Strategy.ALPHABETICAL, Strategy.NUMERICAL):
            value = tag
            if self._pattern is not None:
                m = self._pattern.search(tag)
                if m is None:
                    return None
                if self.config.extract:
                    value = m.group(self.config.extract)
                    if value is None:
                        return None
            numerical = (
                self.config.order is TagOrder.NUMERICAL
                if self.strategy is Strategy.REGEX
                else self.strategy is Strategy.NUMERICAL
            )
            if numerical:
                try:
                    return Decimal(value)
                except InvalidOperation:
                    return None
            return value
        return tag  # newest/digest: any admitted tag

    def _semver_key(self, tag: str, current: str | None) -> Any:
        return self._semver_keyer(current)(tag)

    def _semver_keyer(self, current: str | None) -> Callable[[str], Any]:
        """The semver sort key of a tag against the deployed ``current``, or None when the
        tag is not a candidate (another variant or precision, outside the range, a
        prerelease not asked for)."""
        cur = parse_tag(current) if current else None
        within = self._range
        prerelease = self.config.prerelease or bool(within and within.mentions_prerelease)

        def key(tag: str) -> Any:
            tv = parse_tag(tag)
            if tv is None:
                return None
            if cur is not None:
                if not tv.compatible_with(cur):
                    return None
            elif tv.variant:
                return None  # a new image starts on the plain flavour
            if within is not None and tv.version.replace(build=None) not in within:
                return None
            if not prerelease and tv.is_prerelease:
                return None
            return tv.rank

        return key

    # -- choosing --------------------------------------------------------------------

    def choose(
        self,
        tags: Sequence[str],
        current: str | None,
        created: Mapping[str, datetime] | None = None,
    ) -> Choice:
        """Pick the tag to deploy. ``created`` maps tag -> created time (aware) for ``newest``;
        a tag without one (absent or unreadable in its config blob) is not a candidate."""
        if self.strategy is Strategy.DIGEST:
            tag = self.config.tag or current
            if not tag:
                return Choice(None, "policy digest needs 'tag' (the mutable tag to follow)")
            return Choice(tag, f"follows the digest of mutable tag {tag!r}")

        ranked = self._ranked(tags, current)
        what = self.describe()
        if not ranked:
            return Choice(None, f"no tag among {len(tags)} matches {what}{self._variant_note(current)}")

        if self.strategy is Strategy.NEWEST:
            times = created or {}
            ranked = [((times[t], t), t) for _, t in ranked if t in times]
            if not ranked:
                return Choice(None, "no candidate tag has a created time")

        best_key, best = max(ranked, key=lambda kt: kt[0])
        count = f"{len(ranked)} tag{'s' if len(ranked) != 1 else ''}"
        if current is not None and current != best and not self.config.allow_downgrade:
            current_key = self._current_key(current, created)
            if current_key is not None and current_key > best_key:
                return Choice(
                    current,
                    f"deployed {current} is newer than the best of {count} matching {what}; "
                    "set allow_downgrade to go back",
                )
        return Choice(
            best,
            f"highest of {count} matching {what}"
            if self.strategy is not Strategy.NEWEST
            else f"newest build of {count}",
        )

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
        if self.strategy is Strategy.DIGEST:
            return [chosen]
        ranked = self._ranked(tags, current)
        if self.strategy is Strategy.NEWEST:
            times = created or {}
            ranked = [((times[t], t), t) for _, t in ranked if t in times]
        ranked.sort(key=lambda kt: kt[0], reverse=True)
        names = [t for _, t in ranked]
        if chosen not in names:
            return [chosen]
        floor = self._current_key(current, created) if current else None
        out = []
        for key, tag in ranked[names.index(chosen) :]:
            if floor is not None and key < floor:
                break
            out.append(tag)
            if tag == current:
                break
        return out

    def _current_key(self, current: str, created: Mapping[str, datetime] | None) -> Any:
        """The deployed tag's place in the order, ignoring filters: a deployed 2.3.0 outside
        ``range: <2`` still outranks 1.5.0."""
        if self.strategy is Strategy.NEWEST:
            when = (created or {}).get(current)
            return (when, current) if when else None
        if self.strategy is Strategy.SEMVER:
            tv = parse_tag(current)
            return tv.rank if tv else None
        return self._key(current, current)

    def _variant_note(self, current: str | None) -> str:
        if self.strategy is not Strategy.SEMVER or not current:
            return ""
        cur: TagVersion | None = parse_tag(current)
        if cur is None:
            return ""
        note = f" with {cur.parts} version part{'s' if cur.parts != 1 else ''}"
        return note + (f" and variant '-{cur.variant}'" if cur.variant else "")
