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
from gitops_bot.git.git import GitWorkspace
from gitops_bot.release import next_step
from gitops_bot.release.next_step import NextStep, RequestStep
from gitops_bot.release.proposal import Release, slug


def execute(
    ws: GitWorkspace, forge: Forge, environment: str, open_prs: Mapping[str, ChangeRequest], step: NextStep
) -> Outcome:
    """Close what ``step`` closes, each with its comment, and delete the branches it says."""
    for c in step.closes:
        forge.close(open_prs[c.branch], c.comment)
        sha = ws.remote_sha(c.branch) if c.deletes_branch else None
        if sha:
            ws.delete_remote_branch(c.branch, sha)
    url = step.closes[0].url if step.closes else None
    return Outcome(environment, (), OutcomeAction.CLOSED, branch=step.branch, url=url, step=step)


def mark(forge: Forge, environment: str, pr: ChangeRequest, step: NextStep) -> Outcome:
    """What a marking (or unmarking) ``step`` says for a person's open ``pr``: its body
    updated, its auto-merge withdrawn when the step withdraws it (requested again when a lifted
    mark's step asks it); the pull request stays open."""
    warnings = list(step.notes)
    if step.action is RequestStep.UPDATE:
        pr = forge.update(pr, step.title, step.body)
    if step.withdraws:
        warnings += forge.withdraw_auto_merge(pr)
    if step.decoration is not None and step.decoration.auto_merge:  # a mark lifted: asked again
        warnings += forge.decorate(
            pr, labels=(), reviewers=(), assignees=(), auto_merge=step.decoration.auto_merge
        )
    return Outcome(
        environment, (), OutcomeAction.UNCHANGED, branch=step.branch, url=pr.url, step=step, warnings=warnings
    )


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
        for branch, (pr, unknown) in _stale(ep, prefix, open_prs).items():
            if branch not in produced:
                why = f"already runs what this {forge.noun} proposed, or a newer {forge.noun} supersedes it"
                step = next_step.unproduced(ep.name, branch, pr, why, unknown)
                if step.action is next_step.RequestStep.LEAVE:  # not decided: it stays as it is, and why
                    said = list(step.notes)
                    out.append(
                        Outcome(
                            ep.name,
                            (),
                            OutcomeAction.UNCHANGED,
                            branch=branch,
                            url=pr.url,
                            step=step,
                            warnings=said,
                        )
                    )
                    continue
                out.append(
                    would(ep.name, WriteMode.PULL_REQUEST, step)
                    if dry_run
                    else execute(s.ws, forge, ep.name, open_prs, step)
                )
    return out


def _stale(
    ep: EnvironmentPlan, prefix: str, open_prs: Mapping[str, ChangeRequest]
) -> dict[str, tuple[ChangeRequest, str | None]]:
    """The open update PRs of ``ep``'s environment whose images the plan is sure about, each
    with why it could not decide one of them (an age no clock could read), if so."""
    skipped = {i.image for i in ep.items if i.action is PlanAction.SKIP}
    unknown = {i.image: i.reason for i in ep.items if i.waiting is not None and i.waiting.unread}
    env_branch = f"{prefix}/{ep.name}"
    out: dict[str, tuple[ChangeRequest, str | None]] = {}
    for branch, pr in open_prs.items():
        if branch == env_branch:
            if skipped:
                continue
            out[branch] = (pr, "; ".join(f"{i}: {why}" for i, why in unknown.items()) or None)
        elif branch.startswith(env_branch + "/"):
            if any(branch == f"{env_branch}/{slug(i)}" for i in skipped):
                continue
            mine = [i for i in unknown if branch == f"{env_branch}/{slug(i)}"]
            out[branch] = (pr, "; ".join(f"{i}: {unknown[i]}" for i in mine) or None)
    return out
