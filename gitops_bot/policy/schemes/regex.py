"""``regex``: the part of a tag the pattern extracts, ordered as text or as a number (``order``)."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Any

from gitops_bot.core.model import TagOrder
from gitops_bot.policy.schemes.base import Ordered, compiled, extracted
from gitops_bot.policy.settings import PolicyConfig


class Regex(Ordered):
    def __init__(self, config: PolicyConfig) -> None:
        super().__init__(config)
        self._pattern = compiled(config)
        self._numerical = config.order is TagOrder.NUMERICAL

    def describe(self) -> str:
        return "the highest value the pattern extracts, as text or as a number"

    def key(self, tag: str, current: str | None) -> Any:
        value = extracted(self._pattern, self.config.extract, tag)
        return value if value is None or not self._numerical else number(value)


def number(value: str) -> Decimal | None:
    """A tag part as a decimal number (None: it is not one)."""
    try:
        return Decimal(value)
    except InvalidOperation:
        return None
