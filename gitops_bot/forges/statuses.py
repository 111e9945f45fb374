"""A status the bot itself reports on a commit of the GitOps repository (``gitops-bot/min-age``
on a pull request's head), which branch protection can require: an optional port, like
:mod:`gitops_bot.forges.issues`, in the checks' vocabulary (:mod:`gitops_bot.core.checks`)."""

from __future__ import annotations

from typing import Protocol, runtime_checkable

from gitops_bot.core.checks import CheckState

MAX_DESCRIPTION = 140  # GitHub's limit on a status's description, the tightest of the forges


@runtime_checkable
class CommitStatuses(Protocol):
    def report_status(self, sha: str, context: str, state: CheckState, description: str) -> None:
        """``state``: SUCCESS or PENDING; ``description`` one line of at most MAX_DESCRIPTION."""
        ...


def statuses_of(forge: object) -> CommitStatuses | None:
    return forge if isinstance(forge, CommitStatuses) else None
