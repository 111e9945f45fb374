"""``gitops-bot hold ENV IMAGE`` and ``unhold``: a release that edits the holds file only.

With pull requests, the environment's open hold pull request may already propose holds the
base does not have: a new hold or unhold joins it (see :func:`pending`). An unhold that leaves
it proposing nothing closes it.
"""

from __future__ import annotations

from gitops_bot.commands.request import Changing, delivered
from gitops_bot.core.errors import GitOpsBotError
from gitops_bot.core.model import ReleaseKind, WriteMode
from gitops_bot.core.record import record
from gitops_bot.engine import delivery
from gitops_bot.engine.outcome import Outcome
from gitops_bot.engine.session import Session
from gitops_bot.output.result import Result
from gitops_bot.release import holds as holds_mod
from gitops_bot.release import promotion
from gitops_bot.release.proposal import Release


@record(kw_only=True)
class Request(Changing):
    environment: str
    image: str
    reason: str | None = None


def run(request: Request) -> Result:
    return delivered(
        "hold",
        request,
        lambda s: hold(s, request.environment, request.image, request.reason, dry_run=request.dry_run),
    )


def hold(
    s: Session, environment: str, image: str, reason: str | None, *, dry_run: bool = False
) -> list[Outcome]:
    waiting = pending(s, environment, dry_run=dry_run)
    rel, notes = promotion.hold(s.app.config, s.app.holds, environment, image, reason, pending=waiting)
    return delivery.deliver_one(s, environment, rel, notes, kind=ReleaseKind.HOLD, dry_run=dry_run)


def unhold(s: Session, environment: str, image: str, *, dry_run: bool = False) -> list[Outcome]:
    waiting = pending(s, environment, dry_run=dry_run)
    rel, notes = promotion.unhold(s.app.config, s.app.holds, environment, image, pending=waiting)
    return delivery.deliver_one(s, environment, rel, notes, kind=ReleaseKind.HOLD, dry_run=dry_run)


def pending(s: Session, environment: str, *, dry_run: bool) -> dict[str, str | None]:
    """The holds this environment's *open* hold pull request proposes that the base does not
    have yet. A closed or merged one counts for nothing (a reviewer's no stays a no)."""
    env = s.app.config.environment(environment)
    if env.write is not WriteMode.PULL_REQUEST:
        return {}
    branch = Release(env.name, (), kind=ReleaseKind.HOLD).branch(s.app.config.git.branch_prefix)
    sha = s.ws.remote_sha(branch)
    if sha is None:
        return {}
    try:
        _, open_prs = s.forge()
    except GitOpsBotError:
        if dry_run:  # a dry run may have no forge token; it shows the base's view then
            return {}
        raise
    path = holds_mod.path_for(s.app.config.root).relative_to(s.root).as_posix()
    blob = s.ws.blobs_at(sha, [path]).get(path)
    if branch not in open_prs or blob is None:
        return {}
    text = s.ws.read_blobs([blob], sha, [path])[blob].decode("utf-8", "replace")
    theirs = holds_mod.parse(text, f"{branch}:{path}").get(env.name, {})
    ours = s.app.holds.get(env.name, {})
    waiting: dict[str, str | None] = {k: v for k, v in theirs.items() if ours.get(k) != v}
    waiting.update({k: None for k in ours if k not in theirs})
    return waiting
