"""Command line: parse arguments, call the use cases, render their result through ``output``,
map errors to exit codes. Nothing else. :func:`execute` is what the Action calls too.

Exit codes: 0 done; 1 internal error (a bug: please report it); 2 bad usage, config or input
file; 3 a registry, git remote or API stayed unavailable.
"""

from __future__ import annotations

import argparse
import gc
import itertools
import os
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from gitops_bot import output
from gitops_bot.arguments import build_parser
from gitops_bot.config import schema_text
from gitops_bot.core import log, privdir, progress
from gitops_bot.core.errors import GitOpsBotError, UsageError
from gitops_bot.output.result import (
    Delivered,
    Failed,
    FleetDelivered,
    Format,
    HistoryRead,
    ImageSet,
    Planned,
    Result,
    Schema,
    Show,
    StatusRead,
)

if TYPE_CHECKING:
    from gitops_bot.commands import fleet
    from gitops_bot.core.model import PlanItem
    from gitops_bot.engine.outcome import Outcome
    from gitops_bot.watch.page import StatusPage


GC_THRESHOLD = 20_000


def main(argv: Sequence[str] | None = None) -> int:
    """The ``gitops-bot`` command: :func:`execute`, then its result printed."""
    # A run's objects are trees and records, hardly ever cyclic garbage, but a 1,000-image plan
    # makes millions of them: at the default threshold (700 allocations) the collector ran
    # ~330 times and walked the overlay's nodes and the plan again and again (0.1 s of CPU).
    gc.set_threshold(GC_THRESHOLD, 10, 10)
    privdir.sweep()  # what SIGKILLed runs left (key material) goes before anything else runs
    privdir.install_sigterm_cleanup()
    result = execute(argv)
    try:
        output.emit(result, sys.stdout, sys.stderr)
    except BrokenPipeError:  # stdout closed early (`| head`): stop quietly, as other CLI tools do
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())  # nothing more to flush at exit
        return 141
    return result.exit_code


def execute(argv: Sequence[str] | None = None) -> Result:
    """Parse ``argv``, run the command, and return its typed result. Expected failures (bad
    usage, config or input; an unavailable remote) and an interrupt are results too, never
    exceptions: this is the one place that maps errors to exit codes."""
    command = ""
    words = list(sys.argv[1:] if argv is None else argv)
    # asked for JSON, a refusal is a JSON document too: known from the words when parsing failed
    fmt = Format.JSON if _asks_json(words) else Format.TEXT
    try:
        args = build_parser().parse_args(words)
        command = args.command
        _configure_logging(args)
        return _COMMANDS[command](args)
    except GitOpsBotError as exc:
        command = command or next((w for w in words if w in _COMMANDS), "")
        line = f"gitops-bot: error: {_one_line(log.redact(str(exc)))}"
        return Result(command, Failed(line), exc.exit_code, format=fmt)
    except KeyboardInterrupt:
        return Result(command, Failed("gitops-bot: interrupted"), 130, format=fmt)


def _asks_json(words: Sequence[str]) -> bool:
    return any(
        w == "--output=json" or (w == "--output" and nxt == "json")
        for w, nxt in itertools.pairwise([*words, ""])
    )


def _one_line(text: str) -> str:
    """An error is one line whatever it quotes: a hostile argument, file name or answer may
    hold line breaks or terminal controls, shown escaped (``\\n``) instead of obeyed."""
    return "".join(c if c.isprintable() else ascii(c)[1:-1] for c in text)


def _configure_logging(args: argparse.Namespace) -> None:
    # watch always logs its cycles: one JSON line per cycle and per change
    floor = 1 if args.command == "watch" else 0
    fmt = "json" if args.command == "watch" and args.log_format == "auto" else args.log_format
    log.configure(level=("warning", "info", "debug")[min(max(args.verbose, floor), 2)], fmt=fmt)
    if fmt == "auto":
        fmt = "console" if sys.stderr.isatty() else "json"
    progress.configure(None if args.command == "watch" else progress.enabled_for(fmt, sys.stderr))


def _format(args: argparse.Namespace) -> Format:
    return Format(getattr(args, "output", Format.TEXT))


def _plan(args: argparse.Namespace) -> Result:
    from gitops_bot.commands.plan import PlanRequest, plan

    request = PlanRequest(
        args.repo,
        args.config,
        args.envs,
        metadata=args.metadata,
        rendered=args.rendered_diff and _format(args) is Format.JSON,
    )
    result = plan(request)
    return Result(args.command, Planned(result.plan, result.rendered), format=_format(args))


def _update(args: argparse.Namespace) -> Result:
    from gitops_bot.commands import dashboard, update
    from gitops_bot.engine.session import Session, Sessions

    if _many(args):
        return _update_many(args)
    started = time.monotonic()
    skipped: list[PlanItem] = []

    def run(s: Session) -> list[Outcome]:
        done = update.updated(s, args.envs, dry_run=args.dry_run)
        skipped.extend(done.skipped)
        return done.outcomes

    # reported: the notifications see the outcomes, and add their failures as warnings
    sessions = Sessions(args.repo, config_path=args.config, base=args.base)
    outcomes = sessions.reported("update", run, dry_run=args.dry_run)
    dashboard.refresh(sessions, dry_run=args.dry_run)
    log.get_logger("gitops_bot").info(
        "update_done", seconds=round(time.monotonic() - started, 3), outcomes=len(outcomes)
    )
    return Result(args.command, Delivered(tuple(outcomes), tuple(skipped)), format=_format(args))


def _update_many(args: argparse.Namespace) -> Result:
    from gitops_bot.commands import dashboard, fleet
    from gitops_bot.engine.results import worst

    started = time.monotonic()
    results = fleet.run(
        _fleet(args),
        env_names=args.envs,
        dry_run=args.dry_run,
        parallel=args.parallel,
        after=lambda u: dashboard.refresh(u, dry_run=args.dry_run),
    )
    code = worst([r.exit_code for r in results])
    log.get_logger("gitops_bot").info(
        "update_done", seconds=round(time.monotonic() - started, 3), repositories=len(results), exit_code=code
    )
    return Result(args.command, FleetDelivered(tuple(results), code), code, _format(args))


def _many(args: argparse.Namespace) -> bool:
    """``--repo`` more than once, ``--repositories`` or ``--shard``: the repositories of a fleet."""
    return len(getattr(args, "repos", None) or []) > 1 or bool(args.repositories or args.shard)


def _fleet(args: argparse.Namespace) -> fleet.Fleet:
    from gitops_bot.commands import fleet

    repos = getattr(args, "repos", None) or ([] if args.repositories else ["."])
    listed = fleet.gather(repos, args.repositories, config=args.config, base=args.base)
    return fleet.only_shard(listed, args.shard)


def _watch(args: argparse.Namespace) -> Result:
    from gitops_bot.commands.updater import Updater
    from gitops_bot.watch import Watcher, parse_duration, parse_listen

    interval = parse_duration(args.interval)
    if not 0 <= args.jitter < 1:
        raise UsageError("--jitter must be at least 0 and below 1")
    host, port = parse_listen(args.listen)
    timing: dict[str, Any] = {"interval": interval, "jitter": args.jitter, "envs": args.envs}
    if args.status_page or args.status_page_token_env:
        timing["page"] = _status_page(args)
    if _many(args):
        watcher = Watcher.over(_fleet(args), parallel=args.parallel, **timing)
    else:
        watcher = Watcher(lambda: Updater(args.repo, config_path=args.config, base=args.base), **timing)
    watcher.install_signal_handlers()
    server = watcher.serve(host, port)
    try:
        return Result(args.command, None, watcher.run())
    finally:
        server.shutdown()
        server.server_close()


def _status_page(args: argparse.Namespace) -> StatusPage:
    from gitops_bot.output import status_html
    from gitops_bot.watch.page import StatusPage

    name = args.status_page_token_env
    token = os.environ.get(name, "") if name else None
    if name and not (token or "").strip():
        raise UsageError(
            f"--status-page-token-env {name}: the variable is not set or is empty",
            hint=f"export {name}=<a long random token>, or leave the option out (no token)",
        )
    if token:
        log.register_secret(token)
    else:
        log.get_logger("gitops_bot.watch").warning(
            "status_page_open", reason="served without a token: whoever reaches the listener can read it"
        )
    return StatusPage(status_html.render, csp=status_html.CONTENT_SECURITY_POLICY, token=token)


def _history(args: argparse.Namespace) -> Result:
    from gitops_bot.commands.updater import Updater

    updater = Updater(args.repo, config_path=args.config, base=args.base)
    entries = updater.history(args.environment, limit=args.limit or None)
    return Result(args.command, HistoryRead(args.environment, tuple(entries)), format=_format(args))


def _status(args: argparse.Namespace) -> Result:
    from gitops_bot.commands.status import status

    found = status(args.repo, config=args.config, base=args.base, environments=args.envs)
    return Result(args.command, StatusRead(found), found.exit_code, _format(args))


def _release_command(args: argparse.Namespace) -> Result:
    from gitops_bot.commands.updater import Updater

    updater = Updater(args.repo, config_path=args.config, base=args.base)
    if args.command == "promote":
        outcomes = updater.promote(
            args.source,
            args.target,
            images=list(dict.fromkeys(args.images)),  # a repeated --image counts once, as --env does
            force=args.force,
            skip_gate=args.skip_gate,
            dry_run=args.dry_run,
            reason=args.reason,
        )
    elif args.command == "rollback":
        outcomes = updater.rollback(
            args.environment,
            to=args.to,
            steps=args.steps,
            dry_run=args.dry_run,
            force=args.force,
            reason=args.reason,
        )
    elif args.command == "freeze":
        outcomes = updater.freeze(args.environment, args.until, args.reason, dry_run=args.dry_run)
    elif args.command == "unfreeze":
        outcomes = updater.unfreeze(args.environment, dry_run=args.dry_run)
    elif args.command == "unhold":
        outcomes = updater.unhold(args.environment, args.image, dry_run=args.dry_run)
    else:
        outcomes = updater.hold(
            args.environment, args.image, getattr(args, "reason", None), dry_run=args.dry_run
        )
    return Result(args.command, Delivered(tuple(outcomes)), format=_format(args))


def _schema(args: argparse.Namespace) -> Result:
    return Result(args.command, Schema(schema_text()))


def _set_image(args: argparse.Namespace) -> Result:
    from gitops_bot.commands.set_image import set_image

    show = Show.CHECK if args.check else Show.DIFF if args.diff else Show.WRITE
    edit = set_image(
        args.args,
        file=args.file,
        helm_paths=args.helm,
        write=show is Show.WRITE,
        cwd=Path.cwd(),
        digest_in_tag=args.digest_in_tag,
    )
    code = WOULD_CHANGE if show is Show.CHECK and edit.changed else 0
    return Result(args.command, ImageSet(edit, show), code)


# `set-image --check` found the file would change: not a failure of the command (1 is a bug,
# 2 bad input), so a CI step can tell "needs the edit" from "could not tell"
WOULD_CHANGE = 5


_COMMANDS: dict[str, Callable[[argparse.Namespace], Result]] = {
    "plan": _plan,
    "update": _update,
    "promote": _release_command,
    "rollback": _release_command,
    "hold": _release_command,
    "unhold": _release_command,
    "freeze": _release_command,
    "unfreeze": _release_command,
    "history": _history,
    "status": _status,
    "watch": _watch,
    "schema": _schema,
    "set-image": _set_image,
}
