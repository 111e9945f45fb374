"""The onboarding pull request: a repository without ``gitops-bot.yaml`` is proposed one, found
from its files (``gitops-bot init``), with the first plan in its body; merging it switches the
bot on. As Renovate's onboarding pull request, it is opened once, on one branch
(``gitops-bot/onboarding``): a later run finds the open one and updates it only when what it
proposes changed, and one a person closed without merging is not opened again.

The next step is decided once (:func:`gitops_bot.release.next_step.onboarding`); a dry run
prints it, a run executes it through the same workspace and forge port as every release."""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping
from pathlib import Path

from gitops_bot import config as config_mod
from gitops_bot.core import files
from gitops_bot.core.errors import GitOpsBotError, PushRejected, RemoteUnknown, UsageError
from gitops_bot.core.log import get_logger
from gitops_bot.core.record import record
from gitops_bot.engine.session import cache_dir, fetch_credentials
from gitops_bot.forges import registry as forges
from gitops_bot.forges.closed import closed_of
from gitops_bot.forges.forge import ChangeRequest
from gitops_bot.git.git import GitWorkspace
from gitops_bot.git.gitcli import auth_env
from gitops_bot.release import next_step
from gitops_bot.release.next_step import NextStep, RequestStep

log = get_logger(__name__)
BRANCH = "onboarding"  # under git.branch_prefix
TITLE = "Configure gitops-bot"
MESSAGE = "Configure gitops-bot\n\nAdd gitops-bot.yaml, found by `gitops-bot init` in the repository."


@record
class Proposal:
    """What the onboarding pull request proposes: the configuration's text and the body."""

    config: str
    body: str


@record
class Onboarded:
    """What became of the onboarding pull request: its step (None: the repository has a
    configuration already, and there is nothing to propose) and the words for it."""

    step: NextStep | None
    said: str
    url: str | None = None
    configured: bool = False


def propose(
    repo: str,
    config_rel: str,
    make: Callable[[Path], Proposal],
    *,
    base: str | None = None,
    dry_run: bool = False,
    environ: Mapping[str, str] | None = None,
) -> Onboarded:
    """Check out ``repo``'s base; when it has no configuration, ``make`` one from the checkout
    and propose it as the onboarding pull request (or, ``dry_run``, say what would be done)."""
    env = dict(os.environ if environ is None else environ)
    token, user = fetch_credentials(repo, None, env)
    ws = GitWorkspace.open(repo, cache_dir=cache_dir(env), token=token, user=user)
    try:
        ws.fetch(base, "gitops-bot")
        root = ws.checkout_base()
        have = [n for n in (config_rel, *config_mod.CONFIG_NAMES) if (root / n).is_file()]
        if have:
            return Onboarded(None, f"{have[0]} is on {ws.base} already: nothing to onboard", configured=True)
        proposal = make(root)
        target = files.inside(root, root / config_rel)
        cfg = config_mod.parse(proposal.config, str(target), path=target)
        if cfg.git.branch_prefix != "gitops-bot":
            ws.fetch(ws.base, cfg.git.branch_prefix)
        try:
            forge = forges.connect(cfg, ws.url, env)
        except RemoteUnknown as e:
            # the file the connection's hint names does not exist yet: it is what init proposes,
            # so the fix is init's own flags
            raise UsageError(
                e.message,
                hint="name it with init's --forge-repository OWNER/NAME (and, for a forge other than "
                "github.com, --forge gitlab|gitea|forgejo|... --api-url URL); the token is read from "
                "the forge's variable (GITHUB_TOKEN on GitHub: docs/concepts/forges.md)",
            ) from None
        secret = forges.git_secret(cfg, ws.url, forge)
        if secret is not None:
            ws.env = auth_env(ws.url, secret, forge.git_user)
        branch = f"{cfg.git.branch_prefix}/{BRANCH}"
        pr = forge.open_pulls(cfg.git.branch_prefix).get(branch)
        closed: ChangeRequest | None = None
        left = False
        if pr is None:
            port = closed_of(forge)
            closed_ones = port.closed_unmerged(branch) if port is not None else []
            closed = closed_ones[0] if closed_ones else None
            # a forge whose closed ones are not read: the branch a closed one leaves says it
            left = port is None and ws.remote_sha(branch) is not None
        step = next_step.onboarding(
            branch, TITLE, proposal.body, MESSAGE, pr, closed, noun=forge.noun, branch_left=left
        )
        if dry_run:
            return Onboarded(step, _would(step, pr), pr.url if pr else None)
        if step.action is RequestStep.LEAVE:
            said = step.notes[0] if step.notes else f"left the {forge.noun} {pr.url if pr else ''} as it is"
            return Onboarded(step, said, pr.url if pr else None)
        files.write_atomic(target, proposal.config)
        sha = ws.commit(
            step.commit_message, author_name=cfg.git.author_name, author_email=cfg.git.author_email
        )
        assert sha is not None  # the base has no configuration: writing one is a change
        remote = ws.remote_sha(branch)
        pushed = False
        if remote is None or ws.tree_of(remote) != ws.head_tree():
            try:
                ws.push(f"HEAD:refs/heads/{branch}", lease=(branch, remote))
            except PushRejected as exc:
                raise PushRejected(f"{branch} moved while proposing it: {exc}", hint="run again") from None
            pushed = True
        try:
            if pr is None:
                pr = forge.create(branch, ws.base, step.title, step.body, draft=False)
            else:
                pr = forge.update(pr, step.title, step.body)
        except GitOpsBotError:
            if pushed and remote is None:
                ws.delete_remote_branch(branch, sha)  # no stray branch behind a refusal
            raise
        log.info("onboarding", number=pr.number, url=pr.url, created=step.action is RequestStep.CREATE)
        verb = "opened" if step.action is RequestStep.CREATE else "updated"
        return Onboarded(step, f"{verb} the onboarding {forge.noun} {pr.url} on {branch}", pr.url)
    finally:
        ws.close()


def _would(step: NextStep, pr: ChangeRequest | None) -> str:
    match step.action:
        case RequestStep.CREATE:
            return f"would open the onboarding pull request {step.title!r} on {step.branch}"
        case RequestStep.UPDATE:
            return f"would update the onboarding pull request {pr.url if pr else ''} on {step.branch}"
        case _:
            return step.notes[0] if step.notes else f"would leave {pr.url if pr else step.branch} as it is"
