"""Closing the bot's pull requests: one with a comment saying why (and its branch deleted),
and after an update run the open update PRs of the planned environments that the run no
longer produces, when the plan is sure about them (nothing skipped).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from gitops_bot.core.log import redact
from gitops_bot.core.model import EnvironmentMode, EnvironmentPlan, OutcomeAction, PlanAction, WriteMode
from gitops_bot.core.outside import Part
from gitops_bot.engine.outcome import Outcome
from gitops_bot.engine.session import Session
from gitops_bot.forges.forge import ChangeRequest, Forge
from gitops_bot.git.git import Workspace
from gitops_bot.release.proposal import Release, closing_comment, slug


def close(
    ws: Workspace, forge: Forge, environment: str, branch: str, pr: ChangeRequest, *why: Part
) -> Outcome:
    """Close the bot's pull request on ``branch`` with a comment saying ``why`` (parts: the
    bot's own words, and any outside text as :class:`Outside`), and delete the branch."""
    forge.close(pr, redact(closing_comment(environment, *why)))
    sha = ws.remote_sha(branch)
    if sha:
        ws.delete_remote_branch(branch, sha)
    return Outcome(environment, (), OutcomeAction.CLOSED, branch=branch, url=pr.url)


def close_stale(s: Session, plans: Sequence[EnvironmentPlan], releases: Sequence[Release]) -> list[Outcome]:
    """Close the bot's open update PRs of the planned environments that this run no
    longer produces, when the plan is sure (nothing skipped for them)."""
    forge, open_prs = s.forge()
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
                out.append(close(s.ws, forge, ep.name, branch, pr, why))
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
