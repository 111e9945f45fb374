"""``gitops-bot freeze ENV --until WHEN --reason TEXT`` and ``unfreeze ENV``: a change to
``gitops-bot.freezes.yaml`` only, landed like the environment's releases: by pull request on
``<prefix>/freeze/<env>`` (the freeze takes effect when it is merged) or by a commit on the base
(``write: commit``). The file is written canonically, so the same freeze twice changes nothing
the second time; a duration (``--until 3d``) is counted from now, so re-running it extends it.
"""

from __future__ import annotations

from gitops_bot.core import files
from gitops_bot.core.errors import PushRejected, UsageError
from gitops_bot.core.instants import OutOfBounds
from gitops_bot.core.log import get_logger, redact
from gitops_bot.core.model import OutcomeAction, WriteMode
from gitops_bot.engine.outcome import Outcome
from gitops_bot.engine.session import Session
from gitops_bot.git.race import RACE_DEADLINE, race_attempts
from gitops_bot.release import freezes as freezes_mod
from gitops_bot.release.windows import Freeze, parse_until

log = get_logger(__name__)


def freeze(s: Session, environment: str, until: str, reason: str, *, dry_run: bool = False) -> list[Outcome]:
    env = s.app.config.environment(environment)
    now = s.app.clock()
    try:
        when = parse_until(until, now)
    except OutOfBounds as exc:
        raise UsageError(
            f"--until {until!r} is outside {exc.allowed}",
            hint="give an instant or a duration in that range (or lift the freeze with gitops-bot unfreeze)",
        ) from None
    if when is None:
        raise UsageError(
            f"--until {until!r} is neither an RFC 3339 instant nor a duration",
            hint="write e.g. 2026-12-28T00:00:00Z, or 90m, 12h, 3d, 1w",
        )
    if when <= now:
        raise UsageError(f"--until {until!r} is in the past", hint="give a later instant")
    if not reason.strip():
        raise UsageError("a freeze needs a reason", hint="pass --reason TEXT")
    f = Freeze(env.name, when.replace(microsecond=0), reason)
    subject = f"chore({env.name}): freeze until {freezes_mod.utc_text(f.until)}"
    return [_land(s, env.name, f, subject, f"{f.text()}\n", dry_run)]


def unfreeze(s: Session, environment: str, *, dry_run: bool = False) -> list[Outcome]:
    env = s.app.config.environment(environment)
    return [
        _land(
            s,
            env.name,
            None,
            f"chore({env.name}): lift freeze",
            f"{env.name} is no longer frozen.\n",
            dry_run,
        )
    ]


def _apply(s: Session, environment: str, freeze: Freeze | None) -> bool:
    s.ws.checkout_base()
    root = s.app.config.root
    files.inside(s.root, freezes_mod.path_for(root))
    return freezes_mod.write(root, freezes_mod.with_freeze(freezes_mod.load(root), environment, freeze))


def _land(
    s: Session, environment: str, freeze: Freeze | None, subject: str, body: str, dry_run: bool
) -> Outcome:
    env = s.app.config.environment(environment)
    cfg = s.app.config
    message = redact(f"{subject}\n\n{body}")
    if dry_run:
        changed = _apply(s, environment, freeze)
        action = OutcomeAction.DRY_RUN if changed else OutcomeAction.UNCHANGED
        return Outcome(env.name, (), action, title=subject, body=body, diff=s.ws.diff(), write=env.write)
    if env.write is WriteMode.COMMIT:
        for attempt in race_attempts():
            if not _apply(s, environment, freeze):
                return Outcome(env.name, (), OutcomeAction.UNCHANGED, write=env.write)
            sha = s.ws.commit(message, author_name=cfg.git.author_name, author_email=cfg.git.author_email)
            assert sha is not None
            try:
                s.ws.push(f"HEAD:refs/heads/{s.ws.base}")
            except PushRejected:
                log.info("push_rejected", environment=env.name, attempt=attempt)
                s.ws.fetch(s.ws.base, cfg.git.branch_prefix)
                continue
            return Outcome(env.name, (), OutcomeAction.COMMIT, branch=s.ws.base, commit=sha, write=env.write)
        raise PushRejected(
            f"the base branch {s.ws.base} kept moving; gave up after {RACE_DEADLINE:g} s", hint="run again"
        )
    branch = f"{cfg.git.branch_prefix}/freeze/{env.name}"
    forge, open_prs = s.forge()
    pr = open_prs.get(branch)
    if not _apply(s, environment, freeze):  # the base already says so
        if pr is not None:
            forge.close(pr, f"The base already has what this {forge.noun} proposed.")
            return Outcome(env.name, (), OutcomeAction.CLOSED, branch=branch, url=pr.url, write=env.write)
        return Outcome(env.name, (), OutcomeAction.UNCHANGED, write=env.write)
    sha = s.ws.commit(message, author_name=cfg.git.author_name, author_email=cfg.git.author_email)
    assert sha is not None
    remote = s.ws.remote_sha(branch)
    pushed = remote is None or s.ws.tree_of(remote) != s.ws.head_tree()
    if pushed:
        s.ws.push(f"HEAD:refs/heads/{branch}", lease=(branch, remote))
    title, text = redact(f"{env.name}: " + subject.split(": ", 1)[1]), redact(body)
    if pr is None:
        try:
            pr = forge.create(branch, s.ws.base, title, text, draft=False)
        except Exception:
            if remote is None:  # leave no orphan branch behind
                s.ws.delete_remote_branch(branch, sha)
            raise
        action = OutcomeAction.PULL_REQUEST
    elif (pr.title, pr.body) != (title, text):
        pr = forge.update(pr, title, text)
        action = OutcomeAction.PULL_REQUEST
    else:
        action = OutcomeAction.PULL_REQUEST if pushed else OutcomeAction.UNCHANGED
    log.info("pull_request", environment=env.name, number=pr.number, url=pr.url)
    return Outcome(
        env.name,
        (),
        action,
        branch=branch,
        url=pr.url,
        commit=sha if pushed else remote,
        title=title,
        write=env.write,
    )
