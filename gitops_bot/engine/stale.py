"""Closing the bot's pull requests: one with a comment saying why (and its branch deleted),
and after an update run the open update PRs of the planned environments that the run no
longer produces, when the plan is sure about them (nothing skipped).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from gitops_bot.core.model import EnvironmentMode, EnvironmentPlan, OutcomeAction, PlanAction, WriteMode
from gitops_bot.engine.outcome import Outcome
from gitops_bot.engine.session import Session
from gitops_bot.forges.forge import ChangeRequest, Forge
from gitops_bot.git.git import Workspace
from gitops_bot.release import next_step
from gitops_bot.release.next_step import NextStep
from gitops_bot.release.proposal import Release, slug


def execute(
    ws: Workspace, forge: Forge, environment: str, open_prs: Mapping[str, ChangeRequest], step: NextStep
) -> Outcome:
    """Close what ``step`` closes, each with its comment, and delete the branches it says."""
    for c in step.closes:
        forge.close(open_prs[c.branch], c.comment)
        sha = ws.remote_sha(c.branch) if c.deletes_branch else None
        if sha:
            ws.delete_remote_branch(c.branch, sha)
    url = step.closes[0].url if step.closes else None
    return Outcome(environment, (), OutcomeAction.CLOSED, branch=step.branch, url=url, step=step)


def would(environment: str, write: WriteMode, step: NextStep) -> Outcome:
    """A dry run's outcome for a closing ``step``: the same step, written nowhere."""
    url = step.closes[0].url if step.closes else None
    return Outcome(
        environment, (), OutcomeAction.DRY_RUN, branch=step.branch, url=url, write=write, step=step
    )


def close_stale(
    s: Session, plans: Sequence[EnvironmentPlan], releases: Sequence[Release], *, dry_run: bool = False
) -> list[Outcome]:
    """Close the bot's open update PRs of the planned environments that this run no
    longer produces, when the plan is sure (nothing skipped for them); a dry run reads the
    same open PRs and says which it would close."""
    found = s.reader() if dry_run else s.forge()
    if found is None:
        return []
    forge, open_prs = found
    prefix = s.app.config.git.branch_prefix
    produced = {r.branch(prefix) for r in releases}
    out = []
    for ep in plans:
        if (
            s.app.config.environment(ep.name).write is not WriteMode.PULL_REQUEST
            or ep.mode is not EnvironmentMode.REGISTRY
        ):
            continue
        for branch, pr in _stale(ep, prefix, open_prs).items():
            if branch not in produced:
                why = f"already runs what this {forge.noun} proposed, or a newer {forge.noun} supersedes it"
                step = next_step.closing(ep.name, branch, pr, why)
                out.append(
                    would(ep.name, WriteMode.PULL_REQUEST, step)
                    if dry_run
                    else execute(s.ws, forge, ep.name, open_prs, step)
                )
    return out


def _stale(
    ep: EnvironmentPlan, prefix: str, open_prs: Mapping[str, ChangeRequest]
) -> dict[str, ChangeRequest]:
    """The open update PRs of ``ep``'s environment whose images the plan is sure about."""
    skipped = {i.image for i in ep.items if i.action is PlanAction.SKIP}
    env_branch = f"{prefix}/{ep.name}"
    out = {}
    for branch, pr in open_prs.items():
        if branch == env_branch:
            if skipped:
                continue
        elif branch.startswith(env_branch + "/"):
            if any(branch == f"{env_branch}/{slug(i)}" for i in skipped):
                continue
        else:
            continue
        out[branch] = pr
    return out
