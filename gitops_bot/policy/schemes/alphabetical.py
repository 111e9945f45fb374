"""``alphabetical``: tags (or the part the pattern extracts) in text order, e.g. dated builds."""

from __future__ import annotations

from typing import Any

from gitops_bot.policy.schemes.base import Ordered, compiled, extracted
from gitops_bot.policy.settings import PolicyConfig


class Alphabetical(Ordered):
    def __init__(self, config: PolicyConfig) -> None:
        super().__init__(config)
        self._pattern = compiled(config)

    def describe(self) -> str:
        return "the last tag in text order"

    def key(self, tag: str, current: str | None) -> Any:
        return extracted(self._pattern, self.config.extract, tag)
