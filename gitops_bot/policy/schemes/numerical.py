"""``numerical``: tags (or the part the pattern extracts) as decimal numbers: build numbers,
calendar versions written as one number."""

from __future__ import annotations

from typing import Any

from gitops_bot.policy.schemes.base import Ordered, compiled, extracted
from gitops_bot.policy.schemes.regex import number
from gitops_bot.policy.settings import PolicyConfig


class Numerical(Ordered):
    def __init__(self, config: PolicyConfig) -> None:
        super().__init__(config)
        self._pattern = compiled(config)

    def describe(self) -> str:
        return "the highest tag read as a decimal number"

    def key(self, tag: str, current: str | None) -> Any:
        value = extracted(self._pattern, self.config.extract, tag)
        return None if value is None else number(value)
