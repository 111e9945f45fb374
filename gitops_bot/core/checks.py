"""A commit's checks on the forge, in one vocabulary: the port the forges implement
(:class:`CommitChecks`) for the checks gate (:mod:`gitops_bot.gate.checks`), and the rule
every listing of them is read by (whole, within :data:`MAX_CHECKS`, or not at all).

Each adapter whose forge reports commit checks answers through its own published API
(GitHub's check runs and combined status, GitLab's commit statuses, Gitea's and Forgejo's
combined status, Azure DevOps' commit statuses, Bitbucket's build statuses), every check as
``success``, ``pending``, ``failure`` or ``skipped``."""

from __future__ import annotations

from collections.abc import Iterable
from enum import StrEnum
from typing import Protocol, runtime_checkable

from gitops_bot.core.errors import ForgeUnavailable
from gitops_bot.core.record import record

# Checks read on one commit at most, per listing. A listing is read to its end within this
# bound, or not at all: a longer one (or one that ends before the count the forge gave) is
# :func:`unread`, which the gate reads as unknown. A shortened list would be a pass on the
# checks that happened to be read, and a failing check past the bound would go unseen.
MAX_CHECKS = 1000

# a check's kind where a forge lists more than one (GitHub's check runs and statuses): the
# same name in two kinds is two checks, each required (as GitHub's branch protection has it)
RUN = "check run"
STATUS = "status"
# the forge's own summary of a listing, counted whatever ``require`` names: GitHub's combined
# ``state`` when it is worse than the statuses read say (a status the listing did not show)
SUMMARY = "summary"


class CheckState(StrEnum):
    SUCCESS = "success"
    PENDING = "pending"
    FAILURE = "failure"
    SKIPPED = "skipped"  # did not run (a path filter, a manual job): neither green nor red


@record
class Check:
    """One check as the forge reported it: its name (GitHub's check run name or status
    context, GitLab's job name, Azure DevOps' ``genre/name``, Bitbucket's key), its state in
    this module's words, and the forge's own word for it."""

    name: str
    state: CheckState
    said: str
    kind: str = ""  # RUN, STATUS, SUMMARY; "" where the forge lists one kind only


@runtime_checkable
class CommitChecks(Protocol):
    def commit_checks(self, sha: str) -> tuple[Check, ...]:
        """Every check reported on ``sha`` of the GitOps repository, the newest per name."""
        ...


def checks_of(forge: object) -> CommitChecks | None:
    return forge if isinstance(forge, CommitChecks) else None


def newest(checks: Iterable[Check]) -> tuple[Check, ...]:
    """One check per kind and name, the first listed (forges list the newest first)."""
    seen: dict[tuple[str, str], Check] = {}
    for c in checks:
        seen.setdefault((c.kind, c.name), c)
    return tuple(seen.values())


def unread(forge: str, what: str, read: int, said: int | None = None) -> ForgeUnavailable:
    """A checks listing not read to its end: more than :data:`MAX_CHECKS` entries, or fewer
    read than the forge's own count (``said``). A failure, so the gate reads unknown."""
    if said is None or said > MAX_CHECKS:
        return ForgeUnavailable(
            f"{forge} listed more than {MAX_CHECKS} {what} on the commit: not all read, so not green",
            hint=f"gitops-bot reads at most {MAX_CHECKS} {what} on one commit",
        )
    return ForgeUnavailable(
        f"{forge} said {said} {what} on the commit but listed {read}: not all read, so not green",
        hint="the checks changed while they were read; run again",
    )


def read_whole(forge: str, what: str, read: int, said: int | None = None) -> None:
    """Raise :func:`unread` unless ``read`` entries are the whole listing: within the bound
    and, where the forge gave its count (``said``), as many as it said."""
    if read > MAX_CHECKS or (said is not None and (said > MAX_CHECKS or read < said)):
        raise unread(forge, what, read, said)
