"""Delivery: what lands a :class:`gitops_bot.release.proposal.Release` — the byte-exact edits in the
worktree, then a dry run's diff, a commit pushed to the base, or a branch and its pull request
(created or updated). Closing the pull requests a run no longer produces: :mod:`gitops_bot.engine.stale`.

Idempotence comes from three deterministic things: the branch name (from the environment and,
when grouping by image, the image), the tree (the base plus the release's edits) and the PR
text (from the release value). A second run finds the remote branch holding the same tree and
the open PR holding the same title and body, and changes nothing.

:func:`deliver` takes all of a run's releases at once, so the git work can be batched there.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import replace
from datetime import datetime

from gitops_bot.config import Config, EnvironmentConfig
from gitops_bot.core import files
from gitops_bot.core.errors import GitOpsBotError, PushRejected, UsageError
from gitops_bot.core.log import get_logger, redact
from gitops_bot.core.model import (
    OutcomeAction,
    ReleaseKind,
    SigningMethod,
    WriteMode,
)
from gitops_bot.core.outside import Parts
from gitops_bot.engine import batch as batch_mod
from gitops_bot.engine import branches, contents, edits, min_age_status, stale
from gitops_bot.engine.app import App
from gitops_bot.engine.batch import Branch
from gitops_bot.engine.outcome import Outcome
from gitops_bot.engine.session import Session
from gitops_bot.forges.forge import ChangeRequest, CommitPusher, Forge
from gitops_bot.git.git import GitWorkspace
from gitops_bot.git.race import RACE_DEADLINE, race_attempts
from gitops_bot.release import freezes as freezes_mod
from gitops_bot.release import holds as holds_mod
from gitops_bot.release import next_step
from gitops_bot.release.next_step import NextStep, RequestStep, Settings
from gitops_bot.release.proposal import Release
from gitops_bot.release.windows import EVERYWHERE, Freeze

log = get_logger(__name__)
BATCH_CHUNK = 100  # pull-request releases whose branches are pushed together before their PRs


def deliver(
    s: Session,
    releases: Sequence[Release],
    *,
    dry_run: bool,
    should_stop: Callable[[], bool] = lambda: False,
    note: Parts = (),
) -> list[Outcome]:
    """Deliver each release whole (push and pull request) or not at all: ``should_stop`` is
    asked before each one, or before each chunk of pull-request releases whose branches are
    made in one batch (:mod:`gitops_bot.engine.batch`), so stopping never leaves a half-pushed branch.
    An update into a frozen environment is left out with a warning (``promote`` and ``rollback``
    refuse before they get here). ``note``: a paragraph for each PR body and commit message (a
    freeze overridden, and why)."""
    releases, frozen = _unfrozen(s, releases, dry_run)
    return _deliver_all(s, releases, dry_run, should_stop, note) + frozen


def _unfrozen(s: Session, releases: Sequence[Release], dry_run: bool) -> tuple[list[Release], list[Outcome]]:
    root = s.app.config.root
    freezes_mod.guard(s.root, root)
    if not freezes_mod.any_present(root):
        return list(releases), []
    now, kept, frozen = s.app.clock(), [], []
    for rel in releases:
        freeze = freezes_mod.in_force(root, rel.environment, now) if rel.kind is ReleaseKind.UPDATE else None
        if freeze is None:
            kept.append(rel)
            continue
        log.info("frozen", environment=rel.environment, until=freezes_mod.utc_text(freeze.until))
        frozen.append(_frozen(s, s.app.config.environment(rel.environment), rel, freeze, now, dry_run))
    return kept, frozen


def _frozen(
    s: Session, env: EnvironmentConfig, rel: Release, freeze: Freeze, now: datetime, dry_run: bool
) -> Outcome:
    """An update a freeze keeps out: nothing of it is written, but its open pull request
    follows the freeze (marked, its auto-merge withdrawn), as its next step says."""
    found = None
    if env.write is WriteMode.PULL_REQUEST:
        found = s.reader() if dry_run else s.forge()
    forge, open_prs = found if found is not None else (None, {})
    branch = rel.branch(s.app.config.git.branch_prefix)
    pr = open_prs.get(branch)
    settings = _settings(s, env, rel, forge)
    step = next_step.decide(rel, pr, now, settings, freeze=freeze)
    url = pr.url if pr is not None else None
    if step.action is RequestStep.LEAVE or pr is None:
        return Outcome(
            env.name,
            rel.changes,
            OutcomeAction.UNCHANGED,
            write=env.write,
            url=url,
            warnings=list(step.notes),
            step=step if pr is not None else None,  # an open one's step: it says so already
        )
    if dry_run:
        return Outcome(
            env.name,
            (),
            OutcomeAction.DRY_RUN,
            branch=branch,
            url=url,
            title=step.title,
            body=step.body,
            write=env.write,
            kind=rel.kind,
            warnings=list(step.notes),
            step=step,
        )
    assert forge is not None
    sha = s.ws.remote_sha(branch) or ""
    # the branch stays as it is (the freeze keeps the release off it), and is never deleted here
    out = _execute(
        s.ws,
        forge,
        env,
        Branch(rel, sha, before=sha),
        replace(rel, changes=()),
        open_prs,
        step,
        settings.base,
    )
    # marking a pull request releases nothing: nothing to tell, nothing counted as changed
    return replace(out, action=OutcomeAction.UNCHANGED, commit=None, write=env.write, kind=rel.kind)


def _settings(s: Session, env: EnvironmentConfig, rel: Release, forge: Forge | None = None) -> Settings:
    cfg, noun = s.app.config, forge.noun if forge else "pull request"
    target = s.ws.target(branches.lands_on(s.app, env, rel))  # the base, or the environment's own branch
    return Settings(env, cfg.git, cfg.pull_request, target, noun)  # env: the freeze of all too


def _deliver_all(
    s: Session, releases: Sequence[Release], dry_run: bool, should_stop: Callable[[], bool], note: Parts
) -> list[Outcome]:
    # The run's own commits to the base first: its pull requests' branches are then made on a
    # base that already holds them. Made before, each branch was one commit behind the base
    # the run itself moved, and the next run rebuilt it: not "twice changes nothing".
    config = s.app.config
    commits = [r for r in releases if config.environment(r.environment).write is WriteMode.COMMIT]
    outcomes: list[Outcome] = []
    failed: list[GitOpsBotError] = []
    for rel in commits:
        if should_stop():
            log.info("stopping", abandoned=len(releases) - len(outcomes) - len(failed))
            if failed:
                raise failed[0]
            return outcomes
        try:
            outcomes.append(_deliver(s, config.environment(rel.environment), rel, dry_run, note))
        except GitOpsBotError as exc:
            failed.append(exc)  # environments are independent: the pull requests still get made
    rest = [r for r in releases if config.environment(r.environment).write is not WriteMode.COMMIT]
    outcomes += _deliver_proposals(s, rest, dry_run, should_stop, note)
    if failed:
        raise failed[0]
    return outcomes


def _deliver_proposals(
    s: Session, releases: Sequence[Release], dry_run: bool, should_stop: Callable[[], bool], note: Parts
) -> list[Outcome]:
    if not releases or should_stop():
        if releases:
            log.info("stopping", abandoned=len(releases))
        return []
    if s.base_moved and not dry_run:
        # the base as the remote now has it: a push with an explicit refspec (or GitHub's API
        # making the commit) leaves the remote-tracking branch where the last fetch put it
        s.ws.fetch(s.ws.base, s.app.config.git.branch_prefix)
        s.base_moved = False
    batch = _batch(s, releases, dry_run)
    outcomes: list[Outcome] = []
    for start in range(0, len(releases), BATCH_CHUNK):
        chunk = releases[start : start + BATCH_CHUNK]
        if should_stop():
            break
        if batch:  # read before the commits: their messages record the new builds' source commits
            forge, _ = s.forge()
            history = contents.make_history(s.app.config, s.ws.url, forge)
            chunk = [contents.attach(s.app, rel, history) for rel in chunk]
        results = batch.pull_requests(chunk) if batch else [None] * len(chunk)
        failed: list[GitOpsBotError] = []
        for n, (rel, result) in enumerate(zip(chunk, results, strict=True)):
            env = s.app.config.environment(rel.environment)
            if result is None:
                if should_stop():
                    break
                outcomes.append(_deliver(s, env, rel, dry_run, note))
            elif isinstance(result, GitOpsBotError):
                failed.append(result)  # the others' pull requests first: no branch left without one
            else:
                try:
                    forge, open_prs = s.forge()
                    outcome = _propose(s.ws, s.app, forge, env, result, open_prs, note, s.app.clock())
                except GitOpsBotError as exc:
                    failed.append(exc)  # its own branch is deleted; the others still get theirs
                    continue
                except BaseException:
                    _unpushed(s, results[n:])  # a defect or an interrupt: the rest's branches go
                    raise
                outcomes.append(_finish(outcome, env, rel))
        if failed:
            raise failed[0]
        if len(outcomes) < start + len(chunk):
            break
    if len(outcomes) < len(releases):
        log.info("stopping", abandoned=len(releases) - len(outcomes))
    return outcomes


def _unpushed(s: Session, results: Sequence[batch_mod.Result]) -> None:
    """Delete the branches this run pushed for pull requests it will not open."""
    prefix = s.app.config.git.branch_prefix
    for result in results:
        if isinstance(result, Branch) and result.pushed and result.before is None and result.commit:
            _delete(s.ws, result.rel.branch(prefix), result.commit)


def _delete(ws: GitWorkspace, branch: str, sha: str) -> None:
    """Best effort: a failed delete leaves a branch the next run adopts (same tree: its PR is
    opened), so it must not hide the error that made the run give up."""
    try:
        ws.delete_remote_branch(branch, sha)
    except Exception as exc:
        log.warning("branch_not_deleted", branch=branch, reason=redact(str(exc))[:200])


def _batch(s: Session, releases: Sequence[Release], dry_run: bool) -> batch_mod.Batch | None:
    """The batch for a run's pull-request releases, when their branches can be made in one."""
    envs = s.app.config
    if dry_run or not any(envs.environment(r.environment).write is WriteMode.PULL_REQUEST for r in releases):
        return None
    if _api_commits(s) is not None:  # GitHub creates each commit: one by one
        return None
    if any(branches.lands_on(s.app, envs.environment(r.environment), r) for r in releases):
        return None  # the batch makes branches from the base's tree: an own branch's one by one
    s.forge()  # connected before pushing: it may bring the token git pushes with
    return batch_mod.Batch.open(s.ws, s.app)


def deliver_one(
    s: Session,
    environment: str,
    rel: Release | None,
    notes: Sequence[str],
    *,
    kind: ReleaseKind,
    dry_run: bool,
    note: Parts = (),
) -> list[Outcome]:
    """A promotion, rollback, hold or freeze: its release (None: nothing to do) with the notes;
    ``kind`` says what was asked, so "nothing to do" is reported as that kind too. The freeze
    of every environment (``freeze --all``) lands where
    :func:`~gitops_bot.release.freezes.everywhere_environment` says, by the same path."""
    everywhere = environment == EVERYWHERE
    env = (
        freezes_mod.everywhere_environment(s.app.config)
        if everywhere
        else s.app.config.environment(environment)
    )
    if rel is None:
        return [
            Outcome(env.name, (), OutcomeAction.UNCHANGED, write=env.write, kind=kind, warnings=list(notes))
        ]
    if everywhere:  # no environment's files, nothing a freeze keeps out, nothing to batch
        out = _deliver(s, env, rel, dry_run, note)
    else:
        (out,) = deliver(s, [rel], dry_run=dry_run, note=note)
    return [replace(out, warnings=[*notes, *out.warnings])]


def _deliver(s: Session, env: EnvironmentConfig, rel: Release, dry_run: bool, note: Parts = ()) -> Outcome:
    if dry_run:
        out = _dry_run(s, env, rel, note)
    elif env.write is WriteMode.COMMIT:
        out = _commit(s, env, rel, _api_commits(s), note)
        s.base_moved = s.base_moved or out.action is OutcomeAction.COMMIT
    else:
        via_api = _api_commits(s)
        forge, open_prs = s.forge()
        out = _pull_request(s.ws, s.app, forge, env, rel, open_prs, via_api, note)
    if branches.lands_on(s.app, env, rel):
        s.ws.checkout_base()  # the base's files again, as the rest of the run reads them
    return _finish(out, env, rel)


def _finish(out: Outcome, env: EnvironmentConfig, rel: Release) -> Outcome:
    return replace(
        out,
        write=env.write,
        kind=rel.kind,
        warnings=[w for c in out.changes for w in c.warnings] + out.warnings,
    )


def _api_commits(s: Session) -> CommitPusher | None:
    """With git.signing github-api, the forge's commit creation (GitHub's: it signs them)."""
    signing_cfg = s.app.config.git.signing
    if signing_cfg is None or signing_cfg.method is not SigningMethod.GITHUB_API:
        return None
    pusher = s.forge()[0].commit_pusher()
    if pusher is None:
        raise UsageError(
            "git signing github-api needs a GitHub repository",
            hint="sign with method ssh or gpg on GitLab and Gitea",
        )
    return pusher


def _push(
    ws: GitWorkspace,
    via_api: CommitPusher | None,
    branch: str,
    lease: tuple[str, str | None] | None,
    sha: str,
) -> str:
    """Push HEAD to ``branch``; returns the commit the branch now holds: HEAD, or with
    git.signing github-api the commit GitHub created (and signed) from it."""
    if via_api is None:
        ws.push(f"HEAD:refs/heads/{branch}", lease=lease)
        return sha
    return via_api.push(ws, branch, lease)


def apply(ws: GitWorkspace, app: App, env: EnvironmentConfig, rel: Release) -> tuple[Release, bool]:
    """Edit the worktree at the base for ``rel``; returns the release with the files that
    actually hold each image, and whether anything changed."""
    # the same directory the config was loaded from, at the base or the environment's own branch
    root = ws.checkout_base(branches.lands_on(app, env, rel))
    texts = {path: files.read_text(path) for path in app.files(env)}
    rel, written = edits.edit(app, rel, root, texts, app.declared.image_specs())
    for path, text in written.items():
        files.write_atomic(path, text)
    changed = bool(written)
    if rel.holds:
        cfg_root = app.config.root
        files.inside(root, holds_mod.path_for(cfg_root))
        new_holds = holds_mod.with_changes(holds_mod.load(cfg_root), env.name, dict(rel.holds))
        changed = holds_mod.write(cfg_root, new_holds) or changed
        rel = replace(rel, holds_file=holds_mod.path_for(cfg_root).relative_to(root).as_posix())
    if rel.kind is ReleaseKind.FREEZE:
        cfg_root = app.config.root
        freezes_mod.guard(root, cfg_root)
        changed = freezes_mod.set_freeze(cfg_root, env.name, rel.freeze) or changed
        path = freezes_mod.env_path_for(cfg_root, env.name)
        rel = replace(rel, freeze_file=path.relative_to(root).as_posix())
    return rel, changed


def _dry_run(s: Session, env: EnvironmentConfig, rel: Release, note: Parts) -> Outcome:
    """The run's own step, made from what the run reads (the open pull requests too), and
    printed instead of executed."""
    ws, app = s.ws, s.app
    by_pr, now = env.write is WriteMode.PULL_REQUEST, app.clock()
    first = next_step.decide(rel, None, now, _settings(s, env, rel), note) if not by_pr else None
    if first is not None and first.action is RequestStep.DEFER:
        # the run defers before editing anything: the release as it stands, and its diff shown
        apply(ws, app, env, rel)
        return Outcome(
            env.name,
            rel.changes,
            OutcomeAction.DRY_RUN,
            branch=first.branch,
            release_id=rel.release_id,
            title=first.title,
            body=first.body,
            diff=ws.diff(),
            warnings=list(first.notes),
            step=first,
        )
    rel, changed = apply(ws, app, env, rel)
    found = s.reader() if by_pr else None
    forge, open_prs = found if found is not None else (None, {})
    if by_pr and changed:  # the body the pull request would get, read as it would
        rel = contents.attach(app, rel, contents.make_history(app.config, ws.url, forge))
    diff = ws.diff()
    branch = rel.branch(app.config.git.branch_prefix)
    pr = open_prs.get(branch) if by_pr else None
    step = next_step.decide(rel, pr, now, _settings(s, env, rel, forge), note, changed=changed)
    # the bot's branch already holding exactly this change: the real run pushes nothing
    held = ws.remote_sha(step.branch) if by_pr else None
    return Outcome(
        env.name,
        rel.changes,
        OutcomeAction.DRY_RUN,
        branch=step.branch,
        commit=held if held is not None and ws.tree_of(held) == ws.staged_tree() else None,
        release_id=rel.release_id,
        rendered=rel.rendered,
        title=step.title,
        body=step.body,
        diff=diff,
        warnings=list(step.notes),
        step=step,
    )


def _commit(
    s: Session, env: EnvironmentConfig, rel: Release, via_api: CommitPusher | None, note: Parts = ()
) -> Outcome:
    """Push straight to the base. A rejected push (the base moved) is answered by
    re-applying the release's edits on the new base, not by a textual rebase."""
    ws, app = s.ws, s.app
    cfg, now = app.config, app.clock()
    target = ws.target(branches.lands_on(app, env, rel))
    step = next_step.decide(rel, None, now, _settings(s, env, rel), note)
    if step.action is RequestStep.DEFER:
        log.info("deferred_by_window", environment=env.name, said=step.notes[0])
        return Outcome(
            env.name,
            rel.changes,
            OutcomeAction.UNCHANGED,
            branch=step.branch,
            release_id=rel.release_id,
            warnings=list(step.notes),
            step=step,
        )
    for attempt in race_attempts():
        rel, changed = apply(ws, app, env, rel)
        step = next_step.decide(rel, None, now, _settings(s, env, rel), note, changed=changed)
        sha = _commit_head(ws, cfg, step.commit_message) if step.action is RequestStep.COMMIT else None
        if sha is None:
            return Outcome(
                env.name, rel.changes, OutcomeAction.UNCHANGED, release_id=rel.release_id, step=step
            )
        try:
            sha = _push(ws, via_api, target, None, sha)
        except PushRejected:
            log.info("push_rejected", environment=env.name, attempt=attempt)
            ws.fetch(ws.base, cfg.git.branch_prefix)
            continue
        log.info("committed", environment=env.name, commit=sha, release=rel.release_id)
        return Outcome(
            env.name,
            rel.changes,
            OutcomeAction.COMMIT,
            branch=target,
            commit=sha,
            release_id=rel.release_id,
            rendered=rel.rendered,
            step=step,
        )
    raise PushRejected(
        f"the branch {target} kept moving; gave up after {RACE_DEADLINE:g} s of retries",
        hint="run again",
    )


def _commit_head(ws: GitWorkspace, cfg: Config, message: str) -> str | None:
    return ws.commit(message, author_name=cfg.git.author_name, author_email=cfg.git.author_email)


def _push_branch(
    ws: GitWorkspace,
    app: App,
    env: EnvironmentConfig,
    rel: Release,
    via_api: CommitPusher | None,
    read: Callable[[Release], Release] = lambda r: r,
) -> Branch:
    """Commit ``rel`` and push it to its branch unless the branch holds that tree already
    (the release's files found; no commit when the base has it all). ``read``: the release
    contents, read once there is a change, before the commit whose message records them."""
    cfg = app.config
    branch = rel.branch(cfg.git.branch_prefix)
    for attempt in race_attempts():
        rel, changed = apply(ws, app, env, rel)
        if not changed:
            return Branch(rel, None)
        rel = read(rel)
        sha = _commit_head(ws, cfg, next_step.message(cfg.git, rel))
        assert sha is not None
        remote = ws.remote_sha(branch)
        if remote is not None and ws.tree_of(remote) == ws.head_tree():
            return Branch(rel, remote, remote)
        try:
            return Branch(rel, _push(ws, via_api, branch, (branch, remote), sha), remote, pushed=True)
        except PushRejected:
            log.info("push_rejected", branch=branch, attempt=attempt)
            ws.fetch(ws.base, cfg.git.branch_prefix)
    raise PushRejected(
        f"branch {branch} kept moving; gave up after {RACE_DEADLINE:g} s of retries", hint="run again"
    )


def _pull_request(
    ws: GitWorkspace,
    app: App,
    forge: Forge,
    env: EnvironmentConfig,
    rel: Release,
    open_prs: dict[str, ChangeRequest],
    via_api: CommitPusher | None,
    note: Parts = (),
) -> Outcome:
    history = contents.make_history(app.config, ws.url, forge)
    at = _push_branch(ws, app, env, rel, via_api, lambda r: contents.attach(app, r, history))
    return _propose(ws, app, forge, env, at, open_prs, note, app.clock())


def _propose(
    ws: GitWorkspace,
    app: App,
    forge: Forge,
    env: EnvironmentConfig,
    at: Branch,
    open_prs: dict[str, ChangeRequest],
    note: Parts,
    now: datetime,
) -> Outcome:
    """The pull request of a release whose branch holds its change: its next step
    (:func:`gitops_bot.release.next_step.decide`) decided, then executed."""
    cfg = app.config
    rel, sha = at.rel, at.commit
    branch = rel.branch(cfg.git.branch_prefix)
    if sha is not None and contents.unread(rel):  # a batch's releases come read already
        rel = contents.attach(app, rel, contents.make_history(cfg, ws.url, forge))
    settings = Settings(
        env, cfg.git, cfg.pull_request, ws.target(branches.lands_on(app, env, rel)), forge.noun
    )
    step = next_step.decide(rel, open_prs.get(branch), now, settings, note, changed=sha is not None)
    if step.action is RequestStep.CLOSE:
        return stale.execute(ws, forge, env.name, open_prs, step)
    if sha is None:
        return Outcome(env.name, rel.changes, OutcomeAction.UNCHANGED, release_id=rel.release_id, step=step)
    return _execute(ws, forge, env, at, rel, open_prs, step, settings.base)


def _execute(
    ws: GitWorkspace,
    forge: Forge,
    env: EnvironmentConfig,
    at: Branch,
    rel: Release,
    open_prs: dict[str, ChangeRequest],
    step: NextStep,
    base: str,
) -> Outcome:
    """What ``step`` says for the pull request of ``at`` into ``base``: the one it supersedes
    closed, then created or updated, decorated, and its min-age status reported when it changes."""
    sha, branch = at.commit, step.branch
    assert sha is not None
    for gone in step.closes:  # superseded: its branch carries the new one
        forge.close(open_prs[gone.branch], gone.comment)
    pr = open_prs.get(branch) if step.action in (RequestStep.UPDATE, RequestStep.LEAVE) else None
    created = pr is None
    try:
        if pr is None:
            pr = forge.create(branch, base, step.title, step.body, draft=step.draft)
        elif step.action is RequestStep.UPDATE:
            pr = forge.update(pr, step.title, step.body)
    except Exception:
        if created and at.before is None:
            _delete(ws, branch, sha)  # leave no orphan branch behind
        raise
    warnings: list[str] = []
    if step.decoration is not None:
        d = step.decoration
        warnings = forge.decorate(
            pr, labels=d.labels, reviewers=d.reviewers, assignees=d.assignees, auto_merge=d.auto_merge
        )
    for said in step.notes:
        log.info("next_step_note", environment=env.name, said=said)
    warnings += step.notes
    if any(c.sightings for c in rel.changes) and (step.status_due or at.pushed):
        warnings += min_age_status.report(forge, sha, step.merge_waits)
    log.info("pull_request", environment=env.name, number=pr.number, url=pr.url, created=created)
    return Outcome(
        env.name,
        rel.changes,
        OutcomeAction.PULL_REQUEST
        if step.action is not RequestStep.LEAVE or at.pushed
        else OutcomeAction.UNCHANGED,
        branch=branch,
        url=pr.url,
        commit=sha,
        release_id=rel.release_id,
        rendered=rel.rendered,
        title=step.title,
        warnings=warnings,
        step=step,
    )
