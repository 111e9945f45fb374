"""A stand-in for what ``min_age``'s walk reads of each tag (:func:`gitops_bot.policy.age.old_enough`'s
``age_of``), recording which tags it asked, so a test can show how few ages a decision reads."""

from __future__ import annotations

from gitops_bot.core.model import ImageAge


class Asked:
    """An ``age_of`` that records which tags the decision read."""

    def __init__(self, known: dict[str, ImageAge]) -> None:
        self.known, self.asked = known, list[str]()

    def __call__(self, tag: str) -> ImageAge:
        self.asked.append(tag)
        return self.known[tag]
