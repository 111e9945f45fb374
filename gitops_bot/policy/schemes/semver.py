"""``semver``: the highest Semantic Version the range admits, of the deployed tag's variant and
precision (``1.2-alpine`` moves to ``1.3-alpine``), prereleases only when asked for."""

from __future__ import annotations

import importlib
from collections.abc import Callable, Mapping
from datetime import datetime
from typing import TYPE_CHECKING, Any

from gitops_bot.policy.schemes.base import Ordered, compiled, extracted
from gitops_bot.policy.semver import TagVersion, parse_tag
from gitops_bot.policy.settings import RANGES, PolicyConfig

if TYPE_CHECKING:
    from gitops_bot.policy.ranges import Range


class SemVer(Ordered):
    def __init__(self, config: PolicyConfig) -> None:
        super().__init__(config)
        self._range: Range | None = (
            importlib.import_module(RANGES).parse_range(config.range) if config.range else None
        )
        # the part of each tag read as the version, where extract names one (Flux's semver over
        # filterTags.extract: '^v(?P<version>.*)-alpine$' with $version)
        self._pattern = compiled(config) if config.extract else None

    def _version(self, tag: str) -> TagVersion | None:
        if self._pattern is None:
            return parse_tag(tag)
        part = extracted(self._pattern, self.config.extract, tag)
        return parse_tag(part) if part else None

    def describe(self) -> str:
        return "the highest Semantic Version in the range, of the deployed tag's variant"

    def keyer(self, current: str | None) -> Callable[[str], Any]:
        """The semver sort key of a tag against the deployed ``current``, or None when the
        tag is not a candidate (another variant or precision, outside the range, a
        prerelease not asked for)."""
        cur = self._version(current) if current else None
        within = self._range
        prerelease = self.config.prerelease or bool(within and within.mentions_prerelease)

        def key(tag: str) -> Any:
            tv = self._version(tag)
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

    def key(self, tag: str, current: str | None) -> Any:
        return self.keyer(current)(tag)

    def current_key(self, current: str, created: Mapping[str, datetime] | None) -> Any:
        tv = self._version(current)
        return tv.rank if tv else None

    def no_match_note(self, current: str | None) -> str:
        if not current:
            return ""
        cur: TagVersion | None = self._version(current)
        if cur is None:
            return ""
        note = f" with {cur.parts} version part{'s' if cur.parts != 1 else ''}"
        return note + (f" and variant '-{cur.variant}'" if cur.variant else "")
