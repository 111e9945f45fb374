"""``newest``: the most recently built image among the admitted tags, by its created time
(the only scheme that needs the registry's image metadata)."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from gitops_bot.policy.schemes.base import Ordered, Ranked


class Newest(Ordered):
    needs_created_time = True

    def describe(self) -> str:
        return "the most recently built image"

    def timed(self, ranked: Ranked, created: Mapping[str, datetime] | None) -> Ranked:
        """A tag without a created time (absent or unreadable in its config blob) is not a candidate."""
        times = created or {}
        return [((times[t], t), t) for _, t in ranked if t in times]

    def current_key(self, current: str, created: Mapping[str, datetime] | None) -> Any:
        when = (created or {}).get(current)
        return (when, current) if when else None

    def tied(self, a: Any, b: Any) -> str | None:
        # two tags of one build second (a CI run tagging twice): the name alone orders them,
        # which is no reason to move a deployed one
        return "was built at the same time as" if a[0] == b[0] else None

    def chosen(self, count: str, what: str) -> str:
        return f"newest build of {count}"
