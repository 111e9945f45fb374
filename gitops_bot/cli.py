"""Command line: parse arguments, call the app, print, map errors to exit codes. Nothing else.

Exit codes: 0 done; 1 internal error (a bug: please report it); 2 bad usage, config or input
file; 3 a registry, git remote or API stayed unavailable.
"""

from __future__ import annotations

import argparse
import os
import re
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from gitops_bot import __version__, log, progress
from gitops_bot.config import config_in_repo, schema_text
from gitops_bot.errors import GitOpsBotError, UsageError

if TYPE_CHECKING:
    from gitops_bot import fleet
    from gitops_bot.manifests.result import FieldChange

EXIT_OK = 0


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # type: ignore[override]
        # `gitops-bot -v plan`: the logging options belong to the command
        if " " not in self.prog and re.match(
            r"unrecognized arguments: .*(?<!\S)(-v+|--verbose|--log-format)\b", message
        ):
            raise UsageError(
                f"{self.prog}: {message}", hint="put -v/--log-format after the command: gitops-bot plan -v"
            )
        raise UsageError(f"{self.prog}: {message}", hint=f"see '{self.prog} --help'")


class _Repos(argparse.Action):
    """``--repo`` as before (the last one wins), and every one given in ``repos`` (update)."""

    def __call__(self, parser: Any, ns: argparse.Namespace, value: Any, option: str | None = None) -> None:
        ns.repo = value
        ns.repos = [*(getattr(ns, "repos", None) or []), value]


def _count(minimum: int) -> Callable[[str], int]:
    """An argparse type: a whole number of at least ``minimum``."""

    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
        if value < minimum:
            raise argparse.ArgumentTypeError(f"{value} is below {minimum}")
        return value

    return parse


def build_parser() -> argparse.ArgumentParser:
    logging_opts = _Parser(add_help=False)
    logging_opts.add_argument("-v", "--verbose", action="count", default=0, help="more logging (-vv: debug)")
    logging_opts.add_argument("--log-format", choices=("auto", "console", "json"), default="auto")
    common = _Parser(add_help=False, parents=[logging_opts])
    common.add_argument("--repo", default=".", help="GitOps repository checkout (default: .)")
    common.add_argument("--config", help="config file (default: REPO/gitops-bot.yaml)")
    # the commands that work on the remote through a throwaway worktree
    remote = _Parser(add_help=False, parents=[logging_opts])
    remote.add_argument(
        "--repo",
        default=".",
        action=_Repos,
        help="a local clone (its origin is used) or a git URL (default: .); update, watch: repeatable",
    )
    remote.add_argument("--config", help="gitops-bot.yaml inside the repository (default: at its root)")
    remote.add_argument("--base", help="the base branch (default: git.base, else the remote's default)")
    writes = _Parser(add_help=False)
    writes.add_argument(
        "--dry-run", action="store_true", help="print the diffs and pull requests; change nothing"
    )
    writes.add_argument("--output", choices=("text", "json"), default="text")
    env_opts = _Parser(add_help=False)
    env_opts.add_argument(
        "--env", action="append", dest="envs", metavar="NAME", help="only this environment (repeatable)"
    )

    parser = _Parser(
        prog="gitops-bot", description="Release-stage automation for Kustomize GitOps repositories."
    )
    parser.add_argument("--version", action="version", version=f"gitops-bot {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    sub.required = True

    p = sub.add_parser(
        "plan", parents=[common, env_opts], help="show what each environment runs and what it could run"
    )
    p.add_argument("--output", choices=("text", "json"), default="text")
    p.add_argument(
        "--metadata", action="store_true", help="also read created time and source labels of new images"
    )

    many = _Parser(add_help=False)
    many.add_argument("--repositories", metavar="FILE", help="a file listing GitOps repositories (README)")
    many.add_argument("--parallel", type=_count(1), metavar="N", help="repositories at once (default 4)")
    many.add_argument("--shard", metavar="I/N", help="only shard I of N of the repositories (stable hash)")
    sub.add_parser(
        "update",
        parents=[remote, env_opts, writes, many],
        help="apply the plan: push a branch and open or update a pull request per environment",
    )

    pr = sub.add_parser(
        "promote",
        parents=[remote, writes],
        help="open a pull request giving DST exactly the image digests SRC runs",
    )
    pr.add_argument("source", metavar="SRC")
    pr.add_argument("target", metavar="DST")
    pr.add_argument(
        "--image", action="append", dest="images", default=[], metavar="NAME", help="only this image"
    )
    pr.add_argument(
        "--force", action="store_true", help="promote outside the promote_from chain or over a hold"
    )
    pr.add_argument("--skip-gate", action="store_true", help="do not ask Argo CD whether SRC is healthy")

    h = sub.add_parser(
        "history", parents=[remote], help="the releases of an environment, read from git (newest first)"
    )
    h.add_argument("environment", metavar="ENV")
    h.add_argument(
        "--limit", type=_count(0), default=20, help="at most this many releases (default 20; 0: all)"
    )
    h.add_argument("--output", choices=("text", "json"), default="text")

    rb = sub.add_parser(
        "rollback",
        parents=[remote, writes],
        help="open a pull request restoring an earlier release's images, and hold them",
    )
    rb.add_argument("environment", metavar="ENV")
    which = rb.add_mutually_exclusive_group()
    which.add_argument("--to", metavar="RELEASE", help="a release id or commit from 'history'")
    which.add_argument("--steps", type=_count(1), metavar="N", help="go back N releases (default 1)")

    w = sub.add_parser(
        "watch",
        parents=[remote, env_opts, many],
        help="run the update cycle forever (a long-running container), with health and metrics",
    )
    w.add_argument("--interval", default="5m", help="time between cycles: 30s, 5m, 1h (default 5m)")
    w.add_argument("--jitter", type=float, default=0.1, help="spread cycles by +- this fraction (0.1)")
    w.add_argument(
        "--listen",
        default="0.0.0.0:8080",
        help="/healthz, /readyz, /metrics and webhooks (default 0.0.0.0:8080; port 0: any free port, logged)",
    )

    ho = sub.add_parser(
        "hold", parents=[remote, writes], help="stop gitops-bot from changing an image in an environment"
    )
    ho.add_argument("environment", metavar="ENV")
    ho.add_argument("image", metavar="IMAGE")
    ho.add_argument("--reason", help="why (shown by plan and in the holds file)")
    uh = sub.add_parser("unhold", parents=[remote, writes], help="release a hold placed by hold or rollback")
    uh.add_argument("environment", metavar="ENV")
    uh.add_argument("image", metavar="IMAGE")

    sub.add_parser(
        "schema",
        parents=[logging_opts],
        help="print the JSON Schema of gitops-bot.yaml (for editors: README 'Configuration')",
    )
    s = sub.add_parser(
        "set-image",
        parents=[logging_opts],
        help="set images in a kustomization or any YAML file, byte-exact (kustomize edit set image syntax)",
        description="ARG is NAME=NEWNAME:TAG@DIGEST, NAME=NEWNAME:TAG, NAME=NEWNAME@DIGEST, NAME=NEWNAME, "
        "NAME:TAG or NAME@DIGEST; '*' keeps the current value. In a kustomization NAME is the images: "
        "entry's name; in other files it is the repository of container images, the image named by "
        'a marker comment (# {"gitops-bot": "NAME"}), or the image at --helm key paths. With Flux '
        'setters (# {"$imagepolicy": "NAMESPACE:POLICY"}) ARG may be NAMESPACE:POLICY[:TAG][@DIGEST].',
    )
    s.add_argument(
        "--file", help="the file to edit (default: the kustomization file in the current directory)"
    )
    s.add_argument(
        "--helm",
        action="append",
        default=[],
        metavar="FIELD=PATH",
        help="Helm values key path of a field: repository|tag|digest|reference=image.tag (repeatable; "
        "without digest=, a digest key beside the tag is used)",
    )
    mode = s.add_mutually_exclusive_group()
    mode.add_argument("--check", action="store_true", help="write nothing; exit 1 when the file would change")
    mode.add_argument("--diff", action="store_true", help="print a unified diff and write nothing")
    s.add_argument("args", nargs="+", metavar="ARG")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    try:
        args = build_parser().parse_args(argv)
        # watch always logs its cycles: one JSON line per cycle and per change
        floor = 1 if args.command == "watch" else 0
        fmt = "json" if args.command == "watch" and args.log_format == "auto" else args.log_format
        log.configure(level=("warning", "info", "debug")[min(max(args.verbose, floor), 2)], fmt=fmt)
        if fmt == "auto":
            fmt = "console" if sys.stderr.isatty() else "json"
        progress.configure(None if args.command == "watch" else progress.enabled_for(fmt, sys.stderr))
        return _run(args)
    except GitOpsBotError as exc:
        print(f"gitops-bot: error: {log.redact(str(exc))}", file=sys.stderr)
        return exc.exit_code
    except KeyboardInterrupt:
        print("gitops-bot: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:  # stdout closed early (`| head`): stop quietly, as other CLI tools do
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())  # nothing more to flush at exit
        return 141


def _run(args: argparse.Namespace) -> int:
    from gitops_bot import app as app_mod
    from gitops_bot import output
    from gitops_bot.usecases.plan import plan as plan_environments

    if args.command == "set-image":
        return _set_image(args)
    if args.command == "schema":
        print(schema_text(), end="")
        return EXIT_OK
    if args.command == "update":
        return _update(args)
    if args.command == "watch":
        return _watch(args)
    if args.command in ("promote", "rollback", "hold", "unhold", "history"):
        return _release_command(args)
    repo = Path(args.repo)
    if not repo.is_dir():
        raise UsageError(f"--repo {repo} is not a directory")
    if args.command == "plan":
        started = time.monotonic()
        config = config_in_repo(args.repo, args.config, is_url=False)
        app = app_mod.open_app(repo, repo / config if config else None)
        try:
            plan = plan_environments(app, args.envs, metadata=args.metadata)
        finally:
            app.registries.close()
        stats = app.registries.stats
        log.get_logger("gitops_bot").info(
            "plan_done",
            seconds=round(time.monotonic() - started, 3),
            updates=len(plan.updates),
            registry_requests=stats.total,
            by_status=dict(stats.by_status),
        )
        print(output.plan_json(plan) if args.output == "json" else output.plan_text(plan))
        return EXIT_OK
    raise UsageError(f"unknown command {args.command!r}")


def _update(args: argparse.Namespace) -> int:
    from gitops_bot import output
    from gitops_bot.writeback import Updater

    if _many(args):
        return _update_many(args)
    started = time.monotonic()
    updater = Updater(args.repo, config_path=args.config, base=args.base)
    outcomes = updater.run(args.envs, dry_run=args.dry_run)
    log.get_logger("gitops_bot").info(
        "update_done", seconds=round(time.monotonic() - started, 3), outcomes=len(outcomes)
    )
    print(output.update_json(outcomes) if args.output == "json" else output.update_text(outcomes))
    return EXIT_OK


def _update_many(args: argparse.Namespace) -> int:
    from gitops_bot import fleet, output

    started = time.monotonic()
    results = fleet.run(_fleet(args), env_names=args.envs, dry_run=args.dry_run, parallel=args.parallel)
    code = fleet.worst([r.exit_code for r in results])
    log.get_logger("gitops_bot").info(
        "update_done", seconds=round(time.monotonic() - started, 3), repositories=len(results), exit_code=code
    )
    print(output.fleet_json(results, code) if args.output == "json" else output.fleet_text(results))
    for r in results:
        if r.error:
            print(f"gitops-bot: error: {r.repository}: {r.error}", file=sys.stderr)
    return code


def _many(args: argparse.Namespace) -> bool:
    """``--repo`` more than once, ``--repositories`` or ``--shard``: the repositories of a fleet."""
    return len(getattr(args, "repos", None) or []) > 1 or bool(args.repositories or args.shard)


def _fleet(args: argparse.Namespace) -> fleet.Fleet:
    from gitops_bot import fleet

    repos = getattr(args, "repos", None) or ([] if args.repositories else ["."])
    listed = fleet.gather(repos, args.repositories, config=args.config, base=args.base)
    return fleet.only_shard(listed, args.shard)


def _watch(args: argparse.Namespace) -> int:
    from gitops_bot.watch import Watcher, parse_duration, parse_listen
    from gitops_bot.writeback import Updater

    interval = parse_duration(args.interval)
    if not 0 <= args.jitter < 1:
        raise UsageError("--jitter must be at least 0 and below 1")
    host, port = parse_listen(args.listen)
    timing: dict[str, Any] = {"interval": interval, "jitter": args.jitter, "envs": args.envs}
    if _many(args):
        watcher = Watcher.over(_fleet(args), parallel=args.parallel, **timing)
    else:
        watcher = Watcher(lambda: Updater(args.repo, config_path=args.config, base=args.base), **timing)
    watcher.install_signal_handlers()
    server = watcher.serve(host, port)
    try:
        return watcher.run()
    finally:
        server.shutdown()
        server.server_close()


def _release_command(args: argparse.Namespace) -> int:
    from gitops_bot import output
    from gitops_bot.writeback import Updater

    updater = Updater(args.repo, config_path=args.config, base=args.base)
    if args.command == "history":
        entries = updater.history(args.environment, limit=args.limit or None)
        text = output.history_json if args.output == "json" else output.history_text
        print(text(args.environment, entries))
        return EXIT_OK
    if args.command == "promote":
        outcomes = updater.promote(
            args.source,
            args.target,
            images=list(dict.fromkeys(args.images)),  # a repeated --image counts once, as --env does
            force=args.force,
            skip_gate=args.skip_gate,
            dry_run=args.dry_run,
        )
    elif args.command == "rollback":
        outcomes = updater.rollback(args.environment, to=args.to, steps=args.steps, dry_run=args.dry_run)
    elif args.command == "unhold":
        outcomes = updater.unhold(args.environment, args.image, dry_run=args.dry_run)
    else:
        outcomes = updater.hold(
            args.environment, args.image, getattr(args, "reason", None), dry_run=args.dry_run
        )
    print(output.update_json(outcomes) if args.output == "json" else output.update_text(outcomes))
    return EXIT_OK


def _set_image(args: argparse.Namespace) -> int:
    import difflib

    from gitops_bot.manifests import files, images, kustomize, setimage, workloads

    for arg in args.args:
        setimage.check_arg(arg)  # bad arguments before a missing file
    path = Path(args.file) if args.file else kustomize.find_kustomization(Path.cwd())
    before = files.read_text(path)
    kustomization = images.is_kustomization(str(path)) or declares_kustomization(before)
    setters = set() if kustomization else images.setter_names(before, str(path))
    edits = [setimage.parse_arg(a, setters) for a in args.args]
    names = [e.name for e in edits]
    twice = next((n for n in names if names.count(n) > 1), None)
    if twice is not None:  # which one wins would be a guess: refused, as kustomize merges them in turn
        raise UsageError(f"image {twice!r} is named by more than one ARG", hint="give each image one ARG")
    helm = setimage.parse_helm_paths(args.helm)
    if kustomization:
        result = kustomize.edit(before, edits, str(path))
    else:
        specs = [
            images.ImageSpec(e.name, None if e.name in setters else workloads.repository_key(e.name), helm)
            for e in edits
        ]
        found = {site.image for site in images.read(before, str(path), specs, strict=False)}
        absent = [e.name for e in edits if e.name not in found]
        if absent:
            raise _not_found(path, absent, helm)
        updates = [images.Update(e.name, e.new_name, e.new_tag, e.digest, e.keep_digest) for e in edits]
        result = images.edit(before, str(path), specs, updates)
        if result.unwritten:
            raise UsageError(result.unwritten[0].message(), hint=setimage.unwritten_hint(result.unwritten[0]))
    after = result.text
    if after == before:
        print(f"{path}: no change", file=sys.stderr)
        return EXIT_OK
    if args.diff or args.check:
        old, new = _diff_labels(path)
        diff = difflib.unified_diff(
            before.splitlines(keepends=True), after.splitlines(keepends=True), old, new
        )
        for line in diff:
            sys.stdout.write(line if line.endswith("\n") else line + "\n\\ No newline at end of file\n")
        return 1 if args.check else EXIT_OK
    files.write_atomic(path, after, expected=before)
    print(f"{path}: updated {_changed(result.changes)}", file=sys.stderr)
    return EXIT_OK


def _changed(changes: Sequence[FieldChange]) -> str:
    """``app newTag 1.0 -> 1.1, digest sha256:1111… -> sha256:2222…`` from an edit's changes."""

    def short(value: str | None) -> str:
        return "(none)" if value is None else value[:19] + "…" if len(value) > 24 else value

    by_image: dict[str, list[str]] = {}
    for c in changes:
        by_image.setdefault(c.image, []).append(f"{c.field} {short(c.old)} -> {short(c.new)}")
    return "; ".join(f"{image} {', '.join(parts)}" for image, parts in by_image.items())


_KIND = re.compile(r"^kind:[ \t]*([\"']?)Kustomization\1[ \t]*(#.*)?$", re.MULTILINE)
_API = re.compile(r"^apiVersion:[ \t]*[\"']?([^\s\"'#]+)", re.MULTILINE)


def declares_kustomization(text: str) -> bool:
    """A file under another name that says ``kind: Kustomization`` is a kustomization too, unless
    its apiVersion is another group's (Flux's ``kustomize.toolkit.fluxcd.io`` Kustomization is a
    cluster resource, not a kustomization file)."""
    first = text.split("\n---", 1)[0]
    api = _API.search(first)
    return bool(_KIND.search(first)) and (api is None or api.group(1).startswith("kustomize.config.k8s.io/"))


def _not_found(path: Path, absent: list[str], helm: dict[str, str]) -> UsageError:
    names = ", ".join(absent)
    if helm:
        paths = ", ".join(f"{field}={key}" for field, key in helm.items())
        return UsageError(
            f"{path}: no image {names} found: none of the --helm key paths ({paths}) is in the file, "
            "and no container or marker comment names it",
            hint="check the key paths against the file (dotted; list items by index: sidecars.0.image.tag)",
        )
    return UsageError(
        f"{path}: no image {names} found (no container image with that repository, no marker comment)",
        hint="name the image's repository as written in the file, or pass --helm FIELD=PATH for Helm values",
    )


def _diff_labels(path: Path) -> tuple[str, str]:
    """git's a/ b/ labels for a path under the current directory, the path itself otherwise
    (never ``a//tmp/...``)."""
    cwd = Path.cwd()
    shown = path.relative_to(cwd) if path.is_absolute() and path.is_relative_to(cwd) else path
    return (str(shown), str(shown)) if shown.is_absolute() else (f"a/{shown}", f"b/{shown}")
