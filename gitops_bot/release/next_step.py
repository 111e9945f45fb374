"""A change request's next step, decided once: what delivery does with a release, given the
open pull request on its branch (if any), the instant and the environment's settings. PURE:
no forge, no git, no clock of its own.

Delivery executes the step (the push, the forge's calls) and the dry run prints it, so what a
dry run says is what the run does: the same branch, title, body bytes, commit message, action
and what it would close. A dry run reads what the run reads (the forge's open pull requests)
and differs only by not writing. ``docs/concepts/decisions.md`` has the table of next steps
per kind and state; a test holds it to :func:`decide`.

The published texts are redacted here (the log's redaction of the secrets the run knows), so
the bytes a dry run prints are the bytes the forge gets.
"""

from __future__ import annotations

from dataclasses import field, replace
from datetime import datetime
from enum import StrEnum
from typing import TYPE_CHECKING, Any

from gitops_bot.config import Config, EnvironmentConfig
from gitops_bot.config.settings import GitConfig, PullRequestConfig
from gitops_bot.core.instants import format_instant
from gitops_bot.core.log import redact
from gitops_bot.core.model import ReleaseKind, WriteMode
from gitops_bot.core.outside import Outside, Part, Parts
from gitops_bot.core.record import record
from gitops_bot.release import windows
from gitops_bot.release.proposal import (
    WAITS_MARKER,
    Release,
    closing_comment,
    marked_line,
    message_with_note,
    own_lines,
    release_line,
    says,
    with_note,
)
from gitops_bot.release.windows import Deferral, Freeze

if TYPE_CHECKING:
    from gitops_bot.forges.forge import ChangeRequest


class RequestStep(StrEnum):
    """What happens to a release's change request (or, with ``write: commit``, its commit)."""

    CREATE = "create"  # open a pull request
    UPDATE = "update"  # the open one's title or body changes
    SUPERSEDE = "supersede"  # the open one is closed and a new one opened in its place
    CLOSE = "close"  # the open one proposes nothing now: closed, its branch deleted
    LEAVE = "leave"  # nothing to write: the open one says it already, or nothing changes
    COMMIT = "commit"  # pushed straight to the base
    DEFER = "defer"  # a commit a closed window keeps off the base until it opens


# what a window holds back: releasing (an update, a promotion, by hand or automatic). The
# other kinds are safety actions (a hold or unhold, a freeze or its lifting, a rollback by hand
# or automatic): deferred to the next window, they would let that window's releases through
# before them, so they land at once whatever the window says
WAITS_FOR_WINDOWS = (ReleaseKind.UPDATE, ReleaseKind.PROMOTION)
_BOT_FILES_ONLY = (ReleaseKind.HOLD, ReleaseKind.FREEZE)  # releases that edit only the bot's own files
# in a pull request's body: its environment is frozen, and nothing of the bot's merges it (its
# auto-merge withdrawn); the first run after the freeze requests auto-merge again
FROZEN_MARK = "Not merged by gitops-bot until the freeze ends:"
# in the body of a person's pull request, or of an automatic rollback a freeze holds back: what
# the decision asks of it (its source green, no hold, no freeze it did not override) no longer
# holds; its auto-merge is withdrawn, and it stays open
STALE_MARK = "gitops-bot no longer stands behind this:"


@record
class Settings:
    """What a step depends on of the configuration: the environment, git's and the pull
    requests' settings, the base branch and the forge's word for a change request."""

    environment: EnvironmentConfig
    git: GitConfig = field(default_factory=GitConfig)
    pull_request: PullRequestConfig = field(default_factory=PullRequestConfig)
    base: str = "main"
    noun: str = "pull request"

    @classmethod
    def of(cls, cfg: Config, environment: str, *, base: str, noun: str = "pull request") -> Settings:
        return cls(cfg.environment(environment), cfg.git, cfg.pull_request, base, noun)


@record
class Closing:
    """A change request the step closes, with the comment it gets; ``deletes_branch``: a
    superseded one's branch carries its successor, so it stays."""

    branch: str
    number: int
    url: str
    comment: str
    deletes_branch: bool = True

    def to_json(self) -> dict[str, Any]:
        return {"branch": self.branch, "number": self.number, "url": self.url, "comment": self.comment}


@record
class Decoration:
    """What the step asks of the forge besides the text: labels, reviewers, assignees and
    auto-merge (None: not requested)."""

    labels: tuple[str, ...] = ()
    reviewers: tuple[str, ...] = ()
    assignees: tuple[str, ...] = ()
    auto_merge: str | None = None


@record
class NextStep:
    """One release's next step. ``auto_merge``: the method the decision allows the change
    request now (None: not requested); ``withheld``: why it is not, where it would be (a
    closed window, or an image waiting for ``min_age``); ``decoration``: what this step asks
    of the forge (None: nothing); ``notes``: the run's warnings about it."""

    action: RequestStep
    branch: str
    title: str
    body: str
    commit_message: str
    auto_merge: str | None = None
    withheld: str | None = None
    decoration: Decoration | None = None
    notes: tuple[str, ...] = ()
    closes: tuple[Closing, ...] = ()
    draft: bool = False
    merge_waits: datetime | None = None
    # the min-age commit status changes with this step (a new change request, or the wait
    # beginning or ending): delivery reports it then, and only then
    status_due: bool = False
    # auto-merge, requested on the open change request, is withdrawn from it in place (a
    # person's, which the bot marks and leaves open rather than superseding it)
    withdraws: bool = False
    # the branch a change request merges into (an environment's own, or the base); None for a
    # commit, which lands on ``branch`` itself
    base: str | None = None

    @property
    def subject(self) -> str:
        return self.commit_message.partition("\n")[0]

    def to_json(self) -> dict[str, Any]:
        return {
            "action": self.action,
            "branch": self.branch,
            **({"base": self.base} if self.base is not None else {}),
            "title": self.title,
            "body": self.body,
            "commit_message": self.commit_message,
            "auto_merge": self.auto_merge,
            "auto_merge_withheld": self.withheld,
            **({"auto_merge_withdrawn": True} if self.withdraws else {}),
            "labels": list(self.decoration.labels) if self.decoration else [],
            "closes": [c.to_json() for c in self.closes],
        }


def message(git: GitConfig, rel: Release, note: Parts = ()) -> str:
    """The commit message of ``rel``: the configured template, the note's paragraph after the
    subject (before git's trailers, which end it), the sign-off when asked."""
    signoff = git.author if git.signoff else None
    return redact(message_with_note(rel.commit_message(git.message, signoff=signoff), note))


def deferral(env: EnvironmentConfig, rel: Release, now: datetime) -> Deferral | None:
    """The window that keeps ``rel`` off the base (or its auto-merge unrequested) now; None for
    a safety action, which never waits."""
    if rel.kind not in WAITS_FOR_WINDOWS:
        return None
    return windows.deferral(env.windows, now)


def decide(
    rel: Release,
    pr: ChangeRequest | None,
    now: datetime,
    settings: Settings,
    note: Parts = (),
    *,
    changed: bool = True,
    freeze: Freeze | None = None,
) -> NextStep:
    """The next step of ``rel`` (its edits made: ``changed`` says whether they change the
    base) with ``pr`` the open change request on its branch. ``note``: a paragraph of the
    run's own for the body and the commit message (a freeze or a gate overridden, and why; an
    automatic release's line). ``freeze``: the one in force on the environment, which keeps
    an update out (a promotion or rollback got past it by ``--force --reason`` already)."""
    env, prc = settings.environment, settings.pull_request
    by_pr = env.write is WriteMode.PULL_REQUEST
    branch = rel.branch(settings.git.branch_prefix) if by_pr else settings.base
    title, body = redact(rel.title()), redact(with_note(rel.body(), note))
    # a pull request's branch carries the bare release; the note is the pull request's
    commit_message = message(settings.git, rel, () if by_pr else note)
    step = NextStep(
        RequestStep.LEAVE,
        branch,
        title,
        body,
        commit_message,
        draft=by_pr and prc.draft,
        base=settings.base if by_pr else None,
    )
    if freeze is not None and rel.kind is ReleaseKind.UPDATE:
        return _frozen(step, pr if by_pr else None, settings, freeze)
    if not by_pr:
        deferred = deferral(env, rel, now)
        if deferred is not None:  # nothing reaches the base outside the window; the next run lands it
            text = f"deferred by window until {deferred.until_text()} ({deferred.rule})"
            return replace(step, action=RequestStep.DEFER, notes=(text,))
        return replace(step, action=RequestStep.COMMIT if changed else RequestStep.LEAVE)
    elsewhere = pr is not None and pr.base is not None and pr.base != settings.base
    if pr is not None and elsewhere:
        # the bot's branch is named for the environment whatever its target: one opened into
        # another branch (before branch: was set, or changed) proposes this release where it
        # does not land; updated in place, merging it would bring the target's history there
        why = (
            f"merges into {pr.base}, but {env.name} now releases into {settings.base}; "
            f"a new {settings.noun} into {settings.base} follows"
        )
        if not changed:
            return closing(env.name, branch, pr, why)
        gone = _closing(env.name, branch, pr, (why,), deletes_branch=False)
        return _superseding(decide(rel, None, now, settings, note, changed=changed), gone, settings, pr)
    if not changed:
        if rel.kind in _BOT_FILES_ONLY and pr is not None:  # the open one proposes nothing now
            what = "holds" if rel.kind is ReleaseKind.HOLD else "freeze"
            why = f"already has the {what} this {settings.noun} proposed"
            return closing(env.name, branch, pr, why)
        return step
    deferred = deferral(env, rel, now) if prc.auto_merge else None
    notes: list[str] = []
    if deferred is not None:
        body += "\n\n" + windows.deferral_note(deferred)
        notes.append(windows.deferral_note(deferred))
    # min_age by the forge's clock: the pull request is open (its creation is the clock) and
    # nothing merges it by itself before then
    waits = rel.merge_waits if rel.merge_waits is not None and rel.merge_waits > now else None
    was_waiting = pr is not None and WAITS_MARKER in own_lines(pr.body)
    was_deferred = pr is not None and not _auto_merge_requested(pr)
    closes: tuple[Closing, ...] = ()
    if pr is not None and waits is not None and prc.auto_merge and not was_deferred:
        # auto-merge was requested on it (its body never said to wait, or no longer does), and a
        # forge keeps that through new commits: it would merge an image that must still wait.
        # A new pull request starts without it, and its creation is the image's clock
        why = (
            f"now proposes an image that must not be merged before {format_instant(waits)} (min_age), "
            f"and auto-merge was requested on this {settings.noun}; a new one follows"
        )
        closes = (_closing(env.name, branch, pr, (why,), deletes_branch=False),)
        notes.append(
            f"supersedes {settings.noun} #{pr.number}: auto-merge was on there, and the image now waits"
        )
        pr = None
    elif pr is not None and deferred is not None and not was_deferred:
        # the window closed after auto-merge was requested on it: the forge would merge it
        # outside the window, and no forge withdraws auto-merge by the call that asks for it.
        # As under a freeze, a new one follows without it, its body saying it is deferred; the
        # first run in the window requests it again (``was_deferred`` below)
        why = (
            f"is outside its deployment window ({deferred.text()}), and auto-merge was requested on "
            f"this {settings.noun}: a new one without it follows, auto-merge requested again when "
            "the window opens"
        )
        closes = (_closing(env.name, branch, pr, (why,), deletes_branch=False),)
        notes.append(
            f"supersedes {settings.noun} #{pr.number}: auto-merge was on there, and the window is closed"
        )
        pr = None
    if waits is not None:
        notes.append(f"merge waits until {format_instant(waits)} (min_age, from the bot's first sighting)")
    withheld = None if not prc.auto_merge else "window" if deferred else "min_age" if waits else None
    auto_merge = None if withheld else prc.auto_merge
    decoration = None
    if pr is None:
        action = RequestStep.SUPERSEDE if closes else RequestStep.CREATE
        decoration = Decoration(prc.labels, prc.reviewers, prc.assignees, auto_merge)
    else:
        action = RequestStep.UPDATE if (pr.title, pr.body) != (title, body) else RequestStep.LEAVE
        if was_deferred and auto_merge:  # the window opened, the wait ended: asked now
            decoration = Decoration(auto_merge=auto_merge)
    return replace(
        step,
        action=action,
        body=body,
        auto_merge=auto_merge,
        withheld=withheld,
        decoration=decoration,
        notes=tuple(notes),
        closes=closes,
        merge_waits=waits,
        status_due=pr is None or was_waiting != (waits is not None),
    )


def _superseding(step: NextStep, gone: Closing, settings: Settings, pr: ChangeRequest) -> NextStep:
    """``step`` (a new change request) taking the place of ``pr``, closed by ``gone``."""
    said = f"supersedes {settings.noun} #{pr.number} into {pr.base}"
    action = RequestStep.SUPERSEDE if step.action is RequestStep.CREATE else step.action
    return replace(step, action=action, closes=(gone, *step.closes), notes=(*step.notes, said))


def _auto_merge_requested(pr: ChangeRequest) -> bool:
    """Whether the bot asked the forge to merge ``pr`` by itself (with ``pull_request.auto_merge``
    set), as its own record says: a body that says it waits (a window, ``min_age``, a freeze)
    is one on which it was not asked, or was withdrawn by superseding it. Read in the bot's own
    lines only (:func:`~gitops_bot.release.proposal.own_lines`): the body quotes outside text,
    and words there ("Do not merge before QA signs off") must not hide that auto-merge is on,
    or no freeze, window or wait would withdraw it."""
    own = own_lines(pr.body)
    marks = (windows.DEFERRED_MARK, FROZEN_MARK, STALE_MARK)
    return WAITS_MARKER not in own and not any(line.startswith(marks) for line in own)


def _frozen(step: NextStep, pr: ChangeRequest | None, settings: Settings, freeze: Freeze) -> NextStep:
    """An update into a frozen environment: nothing of the release is written. Its open pull
    request is marked, once, so a reader sees why it waits; when auto-merge was requested on
    it, the forge would merge it inside the freeze and no forge withdraws that by the same
    call, so it is closed with why and opened again, marked, without auto-merge."""
    said = f"not updated: {freeze.text()}"
    if pr is None:
        return replace(step, notes=(said,))
    prc, noun = settings.pull_request, settings.noun
    kept = replace(
        step, title=pr.title, body=pr.body, withheld="freeze" if prc.auto_merge else None, notes=(said,)
    )
    if says(pr.body, FROZEN_MARK):  # marked by an earlier run, nothing merges it: it says so already
        return kept
    body = redact(f"{pr.body.rstrip()}\n\n{marked_line(FROZEN_MARK, Outside(freeze.text()))}")
    if not (prc.auto_merge and _auto_merge_requested(pr)):
        return replace(kept, action=RequestStep.UPDATE, body=body)
    why = (
        "is frozen (",
        Outside(freeze.text()),
        f"), and auto-merge was requested on this {noun}: a new one without it follows, "
        "not merged by gitops-bot until the freeze ends",
    )
    return replace(
        kept,
        action=RequestStep.SUPERSEDE,
        body=body,
        decoration=Decoration(prc.labels, prc.reviewers, prc.assignees, None),
        closes=(_closing(settings.environment.name, step.branch, pr, why, deletes_branch=False),),
        notes=(
            said,
            f"supersedes {noun} #{pr.number}: auto-merge was on there, and the environment is frozen",
        ),
    )


def closing(environment: str, branch: str, pr: ChangeRequest, *why: Part) -> NextStep:
    """The step closing ``pr`` (on ``branch``) with a comment saying ``why`` (the bot's own
    words, and any outside text as :class:`~gitops_bot.core.outside.Outside`), its branch
    deleted: a change request the run no longer produces, or one whose premise is gone."""
    done = _closing(environment, branch, pr, why)
    return NextStep(RequestStep.CLOSE, branch, pr.title, pr.body, "", closes=(done,))


def marking(branch: str, pr: ChangeRequest, why: Outside, settings: Settings) -> NextStep:
    """The step for a person's open change request ``pr`` whose premise no longer holds
    (``why``: a freeze it did not override, its source's gate, a hold), or an automatic
    rollback a freeze holds back: marked in its body, once, and left open (the bot never closes
    a person's decision, nor an emergency's fix a person may still merge); auto-merge, when the
    bot requested it there, is withdrawn in place, so the forge does not merge what the
    decision no longer allows. Marked already for this reason, it says so and nothing more is
    asked; marked for another, the mark says this one alone (the reason it said before no
    longer holds)."""
    line = redact(marked_line(STALE_MARK, why))
    withheld = "marked" if settings.pull_request.auto_merge else None
    kept = NextStep(RequestStep.LEAVE, branch, pr.title, pr.body, "", withheld=withheld)
    rest, marks = _marks(pr.body)
    if marks == [line]:
        return kept
    withdraws = bool(settings.pull_request.auto_merge) and _auto_merge_requested(pr)
    body = redact(f"{rest}\n\n{line}")
    notes = (f"auto-merge withdrawn from {settings.noun} #{pr.number}",) if withdraws else ()
    return replace(kept, action=RequestStep.UPDATE, body=body, withdraws=withdraws, notes=notes)


def unmarking(
    branch: str, pr: ChangeRequest, settings: Settings, now: datetime, *, kind: ReleaseKind
) -> NextStep:
    """The step for an open change request ``pr`` of ``kind`` the bot marked (:func:`marking`)
    whose reason has gone (a promotion's decision is "promote" again, a rollback's freeze is
    over): the mark leaves its body (a reviewer must not read a
    reason that no longer holds) and auto-merge, withdrawn with the mark, is requested again,
    unless a window holds it back now (a rollback, a safety action, waits for none).
    Unmarked, nothing is asked."""
    kept = NextStep(RequestStep.LEAVE, branch, pr.title, pr.body, "")
    rest, marks = _marks(pr.body)
    if not marks:
        return kept
    body = redact(rest)
    prc, env = settings.pull_request, settings.environment
    deferred = windows.deferral(env.windows, now) if prc.auto_merge and kind in WAITS_FOR_WINDOWS else None
    auto_merge = prc.auto_merge if deferred is None else None
    notes = [f"mark lifted from {settings.noun} #{pr.number}: its reason no longer holds"]
    if deferred is not None:
        notes.append(f"auto-merge requested again once the window opens: {deferred.text()}")
    return replace(
        kept,
        action=RequestStep.UPDATE,
        body=body,
        auto_merge=auto_merge,
        withheld="window" if deferred is not None else None,
        decoration=Decoration(auto_merge=auto_merge) if auto_merge else None,
        notes=tuple(notes),
    )


def _marks(body: str) -> tuple[str, list[str]]:
    """``body`` without the lines marking it (:func:`marking`), and those lines: the bot's own,
    after its release line (a line of quoted text ahead of it is no mark, and stays)."""
    rest: list[str] = []
    marks: list[str] = []
    lines = body.rstrip().split("\n")
    after = release_line(lines)
    for i, line in enumerate(lines):
        if line.startswith(STALE_MARK) and (after is None or i > after):
            while rest and not rest[-1].strip():  # the blank line that set the mark apart
                rest.pop()
            marks.append(line)
            continue
        rest.append(line)
    return "\n".join(rest).rstrip(), marks


def unproduced(environment: str, branch: str, pr: ChangeRequest, why: str, unknown: str | None) -> NextStep:
    """The step for the bot's open change request ``pr`` that the run no longer produces:
    closed with ``why``, unless what it proposes could not be decided (``unknown``: an image
    whose age could not be read): then it is left as it is, and the run says why."""
    if unknown is None:
        return closing(environment, branch, pr, why)
    return NextStep(RequestStep.LEAVE, branch, pr.title, pr.body, "", notes=(f"left open: {unknown}",))


def _closing(
    environment: str, branch: str, pr: ChangeRequest, why: tuple[Part, ...], *, deletes_branch: bool = True
) -> Closing:
    comment = redact(closing_comment(environment, *why))
    return Closing(branch, pr.number, pr.url, comment, deletes_branch)


def onboarding(
    branch: str,
    title: str,
    body: str,
    commit_message: str,
    pr: ChangeRequest | None,
    closed: ChangeRequest | None,
    *,
    noun: str = "pull request",
    branch_left: bool = False,
) -> NextStep:
    """The onboarding change request's next step (``gitops-bot init --pull-request``): opened
    once on its own branch; the open one updated when what it proposes changed, else left; one
    a person closed without merging is not opened again (their answer stands). ``branch_left``:
    the branch is on the remote with no open change request on it, which on a forge whose
    closed ones are not read (``closed`` None) means one was closed: not opened again either."""
    title, body = redact(title), redact(body)
    step = NextStep(RequestStep.LEAVE, branch, title, body, commit_message)
    if pr is not None:
        return replace(
            step, action=RequestStep.UPDATE if (pr.title, pr.body) != (title, body) else RequestStep.LEAVE
        )
    if closed is not None:
        said = (
            f"the onboarding {noun} #{closed.number} ({closed.url}) was closed without merging: "
            "not proposed again (run `gitops-bot init --write` to write the configuration by hand)"
        )
        return replace(step, notes=(said,))
    if branch_left:
        said = (
            f"{branch} is on the remote with no open {noun}: the onboarding {noun} was closed "
            "without merging, not proposed again (delete the branch to be asked again)"
        )
        return replace(step, notes=(said,))
    return replace(step, action=RequestStep.CREATE)
