"""The change requests of a branch that were closed without being merged: an optional port
(like :mod:`gitops_bot.forges.statuses`), which the onboarding pull request reads so that one
a person closed is not opened again."""

from __future__ import annotations

from typing import Protocol, runtime_checkable

from gitops_bot.forges.forge import ChangeRequest


@runtime_checkable
class ClosedPulls(Protocol):
    def closed_unmerged(self, branch: str) -> list[ChangeRequest]:
        """This repository's change requests from ``branch`` closed without merging (all pages)."""
        ...


def closed_of(forge: object) -> ClosedPulls | None:
    return forge if isinstance(forge, ClosedPulls) else None
