"""Which branch an environment is rendered from, when its deploy tool says it is not the
checkout's (an Argo CD Application's ``targetRevision``): read there when the clone holds it,
else asked."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import replace

from gitops_bot.config.settings import branch_problem
from gitops_bot.engine import init_branches
from gitops_bot.engine.candidates import FoundEnvironment, RenderPath, safe_name
from gitops_bot.engine.promotion_order import promoter_branches
from gitops_bot.engine.repository_files import (
    RepoFiles,
    Tracking,
)

# what Argo CD reads as the repository's default branch, when the checkout's is not known
_DEFAULT_REVISIONS = frozenset({"", "head", "main", "master"})


def on_branches(
    repo: RepoFiles,
    envs: Sequence[FoundEnvironment],
    base: str | None,
    has_branch: Callable[[str], bool] | None,
    questions: list[str],
) -> list[FoundEnvironment]:
    """Each environment every Application deploying it renders from one other branch: read
    there (``branch:``) when this clone holds that branch, else asked (the plan could not read
    a branch the clone lacks, and guessing this branch's files would read the wrong versions)."""
    default = {"", "head", base.lower()} if base else set(_DEFAULT_REVISIONS)
    out = []
    claimed: set[Tracking] = set()
    for env in envs:
        apps = [t for t in repo.tracking if t.path in env.paths or t.file in env.paths]
        claimed |= set(apps)
        revisions = {t.revision for t in apps}
        if not apps or any(r.lower() in default for r in revisions):
            out.append(env)
            continue
        first = apps[0]
        said = f"Argo CD Application {first.application} in {first.file} renders {first.path}"
        asked = ""
        if len(revisions) > 1:
            asked = (
                f"environment {env.name}: its Applications render it from branches "
                f"{', '.join(sorted(revisions))}; gitops-bot reads one branch per environment (branch:)"
            )
        elif has_branch is not None and has_branch(first.revision):
            env = replace(env, branch=first.revision, branch_how=f"{said} from branch {first.revision}")
        elif has_branch is not None and (held := init_branches.origin_branches(repo.root)):
            # origin as last fetched has no such branch: Argo CD cannot resolve the revision in
            # this repository either, so fetching it is no fix
            shown = ", ".join(held[:4]) + (f" and {len(held) - 4} more" if len(held) > 4 else "")
            asked = (
                f"environment {env.name}: Argo CD Application {first.application} in {first.file} "
                f"renders it from branch {first.revision}, which origin does not hold (its branches "
                f"as last fetched: {shown}), so Argo CD cannot resolve that revision here and what "
                "this branch pins is not what runs; point the Application's targetRevision at a "
                "branch origin holds, or run init in the repository its repoURL names if it is "
                "another"
            )
        else:
            asked = (
                f"environment {env.name}: Argo CD Application {first.application} renders it from "
                f"branch {first.revision}, which this clone does not hold; fetch it "
                f"(git fetch origin {first.revision}) and run init again, or set branch: {first.revision}"
            )
        if asked:
            questions.append(asked)
            env = replace(env, asked=(*env.asked, asked))
        out.append(env)
    for t in repo.tracking:
        if t not in claimed and t.revision.lower() not in default:
            repo.notes.append(
                f"{t.file}: Argo CD Application {t.application} renders {t.path} from revision "
                f"{t.revision}, no environment found here"
            )
    return out


def promoted(repo: RepoFiles, found: Sequence[RenderPath]) -> list[RenderPath]:
    """Each path Argo CD's source hydrator renders into a branch a GitOps Promoter strategy
    promotes (``syncSource.targetBranch: environments/staging``) is that branch's environment,
    named after it: the Promoter's environments are its branches, whatever the dry paths are
    called (staging/e2e and staging/integration both sync environments/staging)."""
    branches = {t.synced for t in repo.tracking if t.synced}
    for t in repo.tracking:
        if t.synced and branch_problem(t.synced) is not None and t.synced in branches:
            # a name git refuses (``--upload-pack=x``, ``../x``) is no branch the hydrator can
            # write: never an environment, named after its last part
            branches.discard(t.synced)
            repo.notes.append(
                f"{t.file}: Argo CD Application {t.application}'s source hydrator syncs branch "
                f"{t.synced!r}, which git refuses as a branch name: not read as a GitOps Promoter "
                "environment; fix its targetBranch"
            )
    if not branches or not (branches := branches & promoter_branches(repo)):
        return list(found)
    out = []
    for c in found:
        synced = {t.synced for t in repo.tracking if c.path in (t.path, t.file)} & branches
        if len(synced) != 1:
            out.append(c)
            continue
        (branch,) = synced
        name = safe_name(branch.rsplit("/", 1)[-1])
        how = f"{c.how}; its source hydrator syncs branch {branch}, a GitOps Promoter environment"
        out.append(replace(c, name=name, how=how, guess=""))
    return out
