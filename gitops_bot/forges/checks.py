"""A commit's checks on the forge: the CI runs and statuses other systems reported on a commit
of the GitOps repository (a manifest validation, a smoke test, a policy check), for the gate
that requires them green before a promotion out of the environment that commit released.

An optional port, like :mod:`gitops_bot.forges.issues`: each adapter whose forge reports
commit checks implements :class:`CommitChecks` through its own published API (GitHub's check
runs and combined status, GitLab's commit statuses, Gitea's and Forgejo's combined status,
Azure DevOps' commit statuses, Bitbucket's build statuses), and answers in one vocabulary:
every check as ``success``, ``pending``, ``failure`` or ``skipped``. :func:`verdict` is the
whole rule over it.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Protocol, runtime_checkable

from gitops_bot.core.errors import ForgeUnavailable
from gitops_bot.core.settings import setting

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


class State(StrEnum):
    SUCCESS = "success"
    PENDING = "pending"
    FAILURE = "failure"
    SKIPPED = "skipped"  # did not run (a path filter, a manual job): neither green nor red


@dataclass(frozen=True, slots=True)
class Check:
    """One check as the forge reported it: its name (GitHub's check run name or status
    context, GitLab's job name, Azure DevOps' ``genre/name``, Bitbucket's key), its state in
    this module's words, and the forge's own word for it."""

    name: str
    state: State
    said: str
    kind: str = ""  # RUN, STATUS, SUMMARY; "" where the forge lists one kind only


@dataclass(frozen=True, slots=True)
class ChecksGate:
    """``gates: checks:`` of an environment: the forge's checks on the commit that released
    what it runs must be green before that is promoted further."""

    require: tuple[str, ...] | None = setting(
        None,
        "The checks that must be green, by name (a check run's or status's name, a job's name, "
        "Azure DevOps' genre/name, Bitbucket's key). Default: every check reported, at least one.",
    )


@runtime_checkable
class CommitChecks(Protocol):
    def commit_checks(self, sha: str) -> tuple[Check, ...]:
        """Every check reported on ``sha`` of the GitOps repository, the newest per name."""
        ...


def checks_of(forge: object) -> CommitChecks | None:
    return forge if isinstance(forge, CommitChecks) else None


MAX_DESCRIPTION = 140  # GitHub's limit on a status's description, the tightest of the forges


@runtime_checkable
class CommitStatuses(Protocol):
    """An optional port: a status the bot itself reports on a commit of the GitOps repository
    (``gitops-bot/min-age`` on a pull request's head), which branch protection can require."""

    def report_status(self, sha: str, context: str, state: State, description: str) -> None:
        """``state``: SUCCESS or PENDING; ``description`` one line of at most MAX_DESCRIPTION."""
        ...


def statuses_of(forge: object) -> CommitStatuses | None:
    return forge if isinstance(forge, CommitStatuses) else None


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


@dataclass(frozen=True, slots=True)
class Verdict:
    """Whether the required checks are green on the commit, and why not in one line."""

    green: bool
    reason: str
    pending: bool = False  # not red: something required has not finished (or not reported yet)


def verdict(checks: Sequence[Check], required: Sequence[str] | None) -> Verdict:
    """``required``: the names that must be ``success``; None: every check reported must be
    ``success`` or ``skipped``, and at least one must have reported (a commit no CI looked at
    is not green). A required name matches every check of that name: a status and a check
    run both called ``ci/build`` must both be green. A SUMMARY check is always wanted."""
    by_name: dict[str, list[Check]] = {}
    for c in checks:
        by_name.setdefault(c.name, []).append(c)
    # a name listed in two kinds is shown with its kind, so the reason says which one failed
    shared = {n for n, listed in by_name.items() if len({c.kind for c in listed}) > 1}
    summary = [c for c in checks if c.kind == SUMMARY]
    if required is None:
        wanted = [c for c in checks if c.state is not State.SKIPPED]
        if not wanted:
            return Verdict(False, "no check has reported on the commit yet", pending=True)
    else:
        missing = [n for n in required if n not in by_name]
        wanted = [c for n in required for c in by_name.get(n, []) if c.kind != SUMMARY] + summary
        failing = [c for c in wanted if c.state is State.FAILURE]
        if failing:
            return Verdict(False, _listed("failing", failing, shared))
        if missing:
            return Verdict(False, "not reported yet: " + ", ".join(missing), pending=True)
    failing = [c for c in wanted if c.state is State.FAILURE]
    if failing:
        return Verdict(False, _listed("failing", failing, shared))
    pending = [c for c in wanted if c.state is State.PENDING]
    if pending:
        return Verdict(False, _listed("not finished", pending, shared), pending=True)
    return Verdict(True, f"{len(wanted)} check{'s' if len(wanted) != 1 else ''} green")


def _listed(what: str, checks: Sequence[Check], shared: set[str]) -> str:
    shown = ", ".join(
        f"{c.name} ({c.kind}: {c.said})" if c.name in shared else f"{c.name} ({c.said})" for c in checks[:5]
    )
    more = f" and {len(checks) - 5} more" if len(checks) > 5 else ""
    return f"{what}: {shown}{more}"
