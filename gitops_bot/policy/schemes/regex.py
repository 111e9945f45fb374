"""``regex``: the part of a tag the pattern extracts, ordered as text, as a number, or as a
version: each number in it compared as a number, left to right (``order``)."""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation
from typing import Any

from gitops_bot.core.model import TagOrder
from gitops_bot.policy.schemes.base import Ordered, compiled, extracted
from gitops_bot.policy.settings import PolicyConfig


class Regex(Ordered):
    def __init__(self, config: PolicyConfig) -> None:
        super().__init__(config)
        self._pattern = compiled(config)
        self._order = config.order

    def describe(self) -> str:
        return "the highest value the pattern extracts, as text, as a number or as a version"

    def key(self, tag: str, current: str | None) -> Any:
        value = extracted(self._pattern, self.config.extract, tag)
        if value is None or self._order is TagOrder.ALPHABETICAL:
            return value
        return numbers(value) if self._order is TagOrder.VERSION else number(value)


def number(value: str) -> Decimal | None:
    """A tag part as a decimal number (None: it is not one)."""
    try:
        return Decimal(value)
    except InvalidOperation:
        return None


_DIGITS = re.compile(r"\d+")


def numbers(value: str) -> tuple[int, ...] | None:
    """A tag part as its numbers, left to right (``9.10.2`` -> (9, 10, 2), above ``9.3.0``;
    ``6.4.1.10545``): a version of any length, each group compared as a number, which neither
    text order (9.3 above 9.10) nor one decimal (9.10 read as 9.1) gets right. None: no number."""
    found = tuple(int(d) for d in _DIGITS.findall(value))
    return found or None
