"""The forge port: where change requests go (GitHub pull requests, GitLab merge requests,
Gitea/Forgejo, Azure DevOps and Bitbucket pull requests).

Delivery (:mod:`gitops_bot.engine.delivery`) speaks only :class:`Forge`; each forge is an
adapter in its own package (argocd-image-updater's ``pr_github.go``/``mr_gitlab.go``/
``pr_gitea.go`` shape) over the forge kit (:mod:`gitops_bot.forges.kit`: the one client, the
wait rule, paging and refusals). Branches are pushed and deleted by git (leased pushes work
the same on every forge); the forge supplies the credentials git uses for that.

Also here, what every adapter does with a change request: its fields checked, created or
adopted when another run opened it a moment ago, decorated step by step (each failure a
warning), and the draft-title convention GitLab and Gitea use. What a forge declares to the
rest of the bot is in :mod:`gitops_bot.forges.entries`; reading remote URLs in
:mod:`gitops_bot.forges.remotes`.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import field
from datetime import datetime
from typing import Any, Protocol

from gitops_bot.core.errors import ForgeError, ForgeUnavailable, GitOpsBotError
from gitops_bot.core.instants import epoch_instant, outside_instant
from gitops_bot.core.log import get_logger
from gitops_bot.core.record import record
from gitops_bot.forges.kit import unexpected
from gitops_bot.git.git import GitWorkspace

log = get_logger(__name__)


@record
class ChangeRequest:
    """A pull or merge request, as the orchestration sees it."""

    number: int
    url: str
    head: str
    title: str
    body: str
    raw: Any = None  # the adapter's own object, for follow-up calls
    # when the forge says it was opened (None: it does not say): a clock the forge keeps, not
    # the bot, so a restarted bot reads the same instant
    opened: datetime | None = field(default=None, compare=False)
    # the branch it merges into, as the forge's listing says (None: it does not say): an open
    # request on the bot's branch into another target is not the one a release proposes
    base: str | None = field(default=None, compare=False)


class Forge(Protocol):
    """One forge's change-request API, as the orchestration uses it."""

    name: str  # "GitHub", "GitLab", "Gitea": for messages
    noun: str  # "pull request" or "merge request"
    git_user: str  # the user name git sends with ``git_token`` (HTTP basic auth)
    git_token: str | None  # what git authenticates with; None: leave git's credentials alone

    def open_pulls(self, prefix: str) -> dict[str, ChangeRequest]:
        """Open change requests whose source branch is ``prefix/...`` in this repository."""
        ...

    def create(self, branch: str, base: str, title: str, body: str, *, draft: bool) -> ChangeRequest:
        """Open one; when another run opened it a moment ago, update that one instead."""
        ...

    def update(self, pr: ChangeRequest, title: str, body: str) -> ChangeRequest:
        """Title and body in place; no request when they are already so."""
        ...

    def decorate(
        self,
        pr: ChangeRequest,
        *,
        labels: Sequence[str],
        reviewers: Sequence[str],
        assignees: Sequence[str],
        auto_merge: str | None,
    ) -> list[str]:
        """Labels, reviewers, assignees (user names), auto-merge; each failure is a warning."""
        ...

    def close(self, pr: ChangeRequest, comment: str) -> None:
        """Comment, then close."""
        ...

    def withdraw_auto_merge(self, pr: ChangeRequest) -> list[str]:
        """Auto-merge no longer requested on ``pr``, which stays open; a failure (or a forge
        whose API for it is not wired) is a warning, returned."""
        ...

    def commit_pusher(self) -> CommitPusher | None:
        """The forge's own way of creating commits (it signs them with its key), or None."""
        ...


class CommitPusher(Protocol):
    """Recreates a worktree's HEAD commit on the forge and moves a branch to it."""

    def push(self, ws: GitWorkspace, branch: str, lease: tuple[str, str | None] | None) -> str:
        """Returns the commit the branch now holds (the forge's, not the worktree's)."""
        ...


Steps = list[tuple[str, Callable[[], object]]]
"""Decorations steps: (what, the call that sets it), each failure a warning."""


@record
class Decorations:
    """What a change request is decorated with, as :meth:`Forge.decorate` is asked."""

    labels: Sequence[str]
    reviewers: Sequence[str]
    assignees: Sequence[str]
    auto_merge: str | None


class Adapter:
    """What every forge adapter answers alike: decorating runs the adapter's own steps
    (:meth:`steps`), each failure a warning; the open change requests of a prefix are the
    adapter's ``_open`` of them; no API-created commits; auto-merge not withdrawn by a forge
    whose API for it is not wired. An adapter overrides what its forge does otherwise."""

    name: str
    ref = "PR #"  # how the run's words name a change request: "PR #12", "MR !12"

    def _open(self, wanted: Callable[[str], bool]) -> dict[str, ChangeRequest]:
        raise NotImplementedError

    def open_pulls(self, prefix: str) -> dict[str, ChangeRequest]:
        """Open change requests whose branch is ``prefix/...`` (one listing, all its pages)."""
        return self._open(lambda head: head.startswith(prefix + "/"))

    def steps(self, pr: ChangeRequest, want: Decorations) -> Steps:
        raise NotImplementedError

    def decorate(
        self,
        pr: ChangeRequest,
        *,
        labels: Sequence[str],
        reviewers: Sequence[str],
        assignees: Sequence[str],
        auto_merge: str | None,
    ) -> list[str]:
        """Labels, reviewers, assignees, auto-merge: each failure is a warning, returned."""
        want = Decorations(labels, reviewers, assignees, auto_merge)
        return decorate_steps(f"{self.ref}{pr.number}", self.steps(pr, want), (ForgeError,))

    def commit_pusher(self) -> CommitPusher | None:
        """No API-created commits: commits are pushed with git and signed by the bot."""
        return None

    def withdraw_auto_merge(self, pr: ChangeRequest) -> list[str]:
        return not_withdrawn(self.name, f"{self.ref}{pr.number}")


def change_request(
    name: str,
    number: Any,
    url: Any,
    head: Any,
    title: Any,
    body: Any,
    raw: Any,
    opened: Any = None,
    base: Any = None,
) -> ChangeRequest:
    """A forge's answer as a :class:`ChangeRequest`, once its fields have the right types
    (forge answers are input like any other); the title without its draft marker."""
    title, body = title or "", body or ""
    kinds = {
        "number": (number, int),
        "url": (url, str),
        "head": (head, str),
        "title": (title, str),
        "body": (body, str),
    }
    wrong = [f"{k} is {type(v).__name__}" for k, (v, t) in kinds.items() if not isinstance(v, t)]
    if wrong:
        raise unexpected(name, wrong)
    target = base if isinstance(base, str) and base else None
    return ChangeRequest(number, url, head, plain_title(title), body, raw, _opened(name, opened), target)


def _opened(name: str, value: Any) -> datetime | None:
    """A forge's creation time: RFC 3339 text, or (Bitbucket Data Center) milliseconds since
    the epoch; None when absent or unreadable (never a crash: the field is informational)."""
    if isinstance(value, int) and not isinstance(value, bool):
        return epoch_instant(str(value // 1000)) if value >= 0 else None
    return outside_instant(value, name)


def no_identity(name: str) -> ForgeUnavailable:
    """``GET /user`` answered without the login the dashboard issue is told apart by."""
    return ForgeUnavailable(f"{name} answered GET /user without a login", hint="check forge.api_url")


def lacks(platform: str, what: str, hint: str) -> Callable[[], None]:
    """A ``decorate`` step for what a platform's pull requests do not have (labels, assignees):
    it fails with the one line to fix, and ``decorate`` makes that the run's warning."""

    def step() -> None:
        raise ForgeError(f"{platform} pull requests have no {what}", status=None, hint=hint)

    return step


def create_or_adopt(
    create: Callable[[], ChangeRequest],
    find: Callable[[], ChangeRequest | None],
    adopt: Callable[[ChangeRequest], ChangeRequest],
) -> ChangeRequest:
    """Create; when the forge's refusal is the race of another run that opened the request a
    moment ago (``ForgeError.race``, as :attr:`~gitops_bot.forges.kit.Words.race` reads it), find that
    request and ``adopt`` it (update it) instead."""
    try:
        return create()
    except ForgeError as exc:
        found = find() if exc.race else None
        if found is None:
            raise
        return adopt(found)


def decorate_steps(
    where: str, steps: Sequence[tuple[str, Callable[[], object]]], errors: tuple[type[Exception], ...]
) -> list[str]:
    """Run each decoration step; a refusal or an outage (the PR exists already) is a warning,
    returned and logged, never a failure: a rerun must not open the PR again."""
    warnings = []
    caught: tuple[type[Exception], ...] = (GitOpsBotError, *errors)
    for what, step in steps:
        try:
            step()
        except caught as exc:
            warnings.append(f"{where}: could not set {what}: {exc}")
            log.warning("pull_request_decoration_failed", request=where, what=what, reason=str(exc))
    return warnings


# -- drafts ----------------------------------------------------------------------------

DRAFT = re.compile(r"^(?:\[WIP\]\s*|WIP:\s*|Draft:\s*|\[Draft\]\s*|\(Draft\)\s*)", re.IGNORECASE)


def not_withdrawn(name: str, what: str) -> list[str]:
    """The warning of a forge whose API for withdrawing auto-merge the bot does not call yet:
    the run says so, so a person withdraws it by hand."""
    return [f"auto-merge not withdrawn on {what}: not wired for {name} yet; withdraw it by hand"]


def draft_title(title: str, draft: bool, prefix: str) -> str:
    return f"{prefix}{title}" if draft else title


def plain_title(title: str) -> str:
    """The title without a draft marker: what the bot compares against its own title."""
    return DRAFT.sub("", title, count=1)


def keep_draft(current: str, title: str, prefix: str) -> str:
    """The new title, keeping the draft marker when the request still carries one."""
    return draft_title(title, DRAFT.match(current) is not None, prefix)
