"""The command line's grammar: every subcommand and its options (argparse), one small
function per subcommand. Parsing only: :mod:`gitops_bot.cli` runs what was parsed."""

from __future__ import annotations

import argparse
import re
import textwrap
from collections.abc import Callable
from typing import Any, NamedTuple

from gitops_bot import __version__
from gitops_bot.core.errors import UsageError


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # type: ignore[override]
        # the line is printed after "gitops-bot: error: ": name the subcommand, not the program again
        command = self.prog.removeprefix("gitops-bot").strip()
        said = f"{command}: {message}" if command else message
        # `gitops-bot -v plan`: the logging options belong to the command
        if not command and re.match(
            r"unrecognized arguments: .*(?<!\S)(-v+|--verbose|--log-format)\b", message
        ):
            raise UsageError(said, hint="put -v/--log-format after the command: gitops-bot plan -v")
        raise UsageError(said, hint=f"see '{self.prog} --help'")


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


class _Parents(NamedTuple):
    """Option groups several subcommands share (argparse ``parents``)."""

    logging: argparse.ArgumentParser  # -v, --log-format: every command
    local: argparse.ArgumentParser  # --repo DIR, --config: plan
    remote: argparse.ArgumentParser  # --repo DIR|URL (repeatable), --config, --base
    writes: argparse.ArgumentParser  # --dry-run, --output
    envs: argparse.ArgumentParser  # --env NAME (repeatable)
    many: argparse.ArgumentParser  # --repositories, --parallel, --shard


def _parents() -> _Parents:
    logging_opts = _Parser(add_help=False)
    logging_opts.add_argument("-v", "--verbose", action="count", default=0, help="more logging (-vv: debug)")
    logging_opts.add_argument(
        "--log-format",
        choices=("auto", "console", "json"),
        default="auto",
        help="log lines on stderr: console for people, json for collectors (default auto: console on "
        "a terminal, else json; watch: json)",
    )
    local = _Parser(add_help=False, parents=[logging_opts])
    local.add_argument("--repo", default=".", help="GitOps repository checkout (default: .)")
    local.add_argument("--config", help="config file (default: REPO/gitops-bot.yaml)")
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
    writes.add_argument("--output", choices=("text", "json"), default="text", help=_OUTPUT)
    envs = _Parser(add_help=False)
    envs.add_argument(
        "--env", action="append", dest="envs", metavar="NAME", help="only this environment (repeatable)"
    )
    many = _Parser(add_help=False)
    many.add_argument(
        "--repositories",
        metavar="FILE",
        help="a file listing GitOps repositories (docs/guides/many-repositories.md)",
    )
    many.add_argument("--parallel", type=_count(1), metavar="N", help="repositories at once (default 4)")
    many.add_argument("--shard", metavar="I/N", help="only shard I of N of the repositories (stable hash)")
    return _Parents(logging_opts, local, remote, writes, envs, many)


Subparsers = Any  # argparse's _SubParsersAction is private

_OUTPUT = (
    "text for people; json: one document on stdout for scripts, a refusal too (docs/reference/exit-codes.md)"
)
_ENV = "an environment named in gitops-bot.yaml (staging)"
_IMAGE = "an image named in gitops-bot.yaml's images: (example/app)"

# One example per command, shown under its --help: what a first run of it looks like.
EXAMPLES = {
    "init": "gitops-bot init --repo . --write",
    "plan": "gitops-bot plan --repo . --env staging",
    "update": "gitops-bot update --repo https://github.com/acme/gitops.git --env staging --dry-run",
    "promote": "gitops-bot promote staging production --image example/app",
    "history": "gitops-bot history production --limit 5",
    "report": "gitops-bot report production --since 90d",
    "explain": "gitops-bot explain production example/app --at 2026-11-27T17:00:00Z",
    "status": "gitops-bot status --repo . --output json",
    "rollback": "gitops-bot rollback production --steps 1",
    "watch": "gitops-bot watch --repo https://github.com/acme/gitops.git --interval 5m --status-page",
    "hold": "gitops-bot hold production example/app --reason 'waiting for the 2.0 migration'",
    "unhold": "gitops-bot unhold production example/app",
    "freeze": "gitops-bot freeze production --until 3d --reason 'end-of-year freeze'",
    "unfreeze": "gitops-bot unfreeze production",
    "schema": "gitops-bot schema > gitops-bot.schema.json",
    "set-image": "gitops-bot set-image --file overlays/staging/kustomization.yaml example/app:1.2.0",
}


def _command(sub: Subparsers, name: str, *, help: str, description: str | None = None, **kw: Any) -> Any:
    """A subcommand whose --help says what it does (``description``, else ``help``) and shows
    its example."""
    text = description or help[0].upper() + help[1:] + "."
    return sub.add_parser(
        name,
        help=help,
        description=textwrap.fill(text, 78),
        epilog=f"example:\n  {EXAMPLES[name]}",
        formatter_class=argparse.RawDescriptionHelpFormatter,
        **kw,
    )


def _add_plan(sub: Subparsers, p: _Parents) -> None:
    plan = _command(
        sub, "plan", parents=[p.local, p.envs], help="show what each environment runs and what it could run"
    )
    plan.add_argument("--output", choices=("text", "json"), default="text", help=_OUTPUT)
    plan.add_argument(
        "--metadata", action="store_true", help="also read created time and source labels of new images"
    )
    plan.add_argument(
        "--rendered-diff",
        action="store_true",
        help="with --output json, also render each changed overlay before and after with kubectl "
        "(as update does for its pull request): seconds per overlay, so only when asked",
    )


def _add_init(sub: Subparsers, p: _Parents) -> None:
    init = _command(
        sub,
        "init",
        parents=[p.local],
        help="find the environments, images and policies the repository holds; print the commented "
        "gitops-bot.yaml and its first plan (read-only unless --write)",
    )
    init.add_argument("--output", choices=("text", "json"), default="text", help=_OUTPUT)
    init.add_argument(
        "--write", action="store_true", help="write it as gitops-bot.yaml (never over an existing one)"
    )
    init.add_argument(
        "--registry",
        action="store_true",
        help="ask the registries which tag each guessed policy would choose (without it: no network request)",
    )
    init.add_argument(
        "--pull-request",
        action="store_true",
        help="propose it as the onboarding pull request on gitops-bot/onboarding, its first plan in the "
        "body (once; merging it switches the bot on); --repo may then be a git URL",
    )
    init.add_argument("--base", help="with --pull-request: the base branch (default: the remote's default)")
    init.add_argument(
        "--dry-run", action="store_true", help="with --pull-request: say what would be done; change nothing"
    )
    init.add_argument("--forge", help="with --pull-request: the forge's type (github, gitlab, gitea, ...)")
    init.add_argument("--api-url", help="with --pull-request: the forge's API (a self-hosted forge)")
    init.add_argument(
        "--forge-repository", help="with --pull-request: owner/name, when the remote's URL does not say it"
    )


def _add_update(sub: Subparsers, p: _Parents) -> None:
    _command(
        sub,
        "update",
        parents=[p.remote, p.envs, p.writes, p.many],
        help="apply the plan: push a branch and open or update a pull request per environment",
    )


def _add_promote(sub: Subparsers, p: _Parents) -> None:
    pr = _command(
        sub,
        "promote",
        parents=[p.remote, p.writes],
        help="open a pull request giving DST exactly the image digests SRC runs",
    )
    pr.add_argument(
        "source", metavar="SRC", help="the environment whose running digests are promoted (staging)"
    )
    pr.add_argument("target", metavar="DST", help="the environment that gets them (production)")
    pr.add_argument(
        "--image", action="append", dest="images", default=[], metavar="NAME", help="only this image"
    )
    pr.add_argument(
        "--force",
        action="store_true",
        help="promote outside the promote_from chain, over a hold, into a freeze or past SRC's "
        "failing metrics gate (the last two with --reason)",
    )
    pr.add_argument(
        "--reason", help="why a freeze or a metrics gate is overridden (goes into the PR or commit)"
    )
    pr.add_argument("--skip-gate", action="store_true", help="do not ask Argo CD whether SRC is healthy")


def _add_history(sub: Subparsers, p: _Parents) -> None:
    h = _command(
        sub,
        "history",
        parents=[p.remote],
        help="the releases of an environment, read from git (newest first)",
    )
    h.add_argument("environment", metavar="ENV", help=_ENV)
    h.add_argument(
        "--limit", type=_count(0), default=20, help="at most this many releases (default 20; 0: all)"
    )
    h.add_argument("--output", choices=("text", "json"), default="text", help=_OUTPUT)


def _add_report(sub: Subparsers, p: _Parents) -> None:
    r = _command(
        sub,
        "report",
        parents=[p.remote],
        help="the four DORA keys of each environment, read from git and the forge (read-only)",
        description="Releases per day and week, lead time from the source commit to the release "
        "(median, 90th percentile), change failure rate (releases followed within a day by a rollback "
        "or a hold) and time to restore, per environment; each figure says how many releases it rests "
        "on and which it could not read (docs/guides/delivery-report.md).",
    )
    r.add_argument("environments", nargs="*", metavar="ENV", help=f"{_ENV} (default: every one)")
    r.add_argument(
        "--since",
        default="30d",
        metavar="DURATION",
        help="the period, back from now: 90m, 12h, 30d, 1w (default 30d)",
    )
    r.add_argument("--output", choices=("text", "json"), default="text", help=_OUTPUT)


def _add_explain(sub: Subparsers, p: _Parents) -> None:
    x = _command(
        sub,
        "explain",
        parents=[p.remote],
        help="why each image of an environment is where it is: every rule of the decision, in "
        "precedence order, and when the decision next changes (read-only)",
        description="Each rule of the decision in precedence order with its verdict (passed, blocking, "
        "not applicable), its evidence and since when; then the instant the decision next changes "
        "and what it becomes then (docs/guides/explain.md).",
    )
    x.add_argument("environment", metavar="ENV", help=_ENV)
    x.add_argument("image", nargs="?", metavar="IMAGE", help=f"{_IMAGE} (default: every one)")
    x.add_argument(
        "--at",
        metavar="WHEN",
        help="decide at this later instant: RFC 3339 (2026-11-27T17:00:00Z) or +SPAN from now (+2d); "
        "windows, soaks, min ages and freezes move, gates, health and the registry read as now",
    )
    x.add_argument("--output", choices=("text", "json"), default="text", help=_OUTPUT)


def _add_status(sub: Subparsers, p: _Parents) -> None:
    st = _command(
        sub,
        "status",
        parents=[p.remote, p.envs],
        help="one table of environments and images: declared in git, reported by Argo CD, the plan, "
        "open pull requests, the gate (read-only)",
    )
    st.add_argument("--output", choices=("text", "json"), default="text", help=_OUTPUT)


def _add_rollback(sub: Subparsers, p: _Parents) -> None:
    rb = _command(
        sub,
        "rollback",
        parents=[p.remote, p.writes],
        help="open a pull request restoring an earlier release's images, and hold them",
    )
    rb.add_argument("environment", metavar="ENV", help=_ENV)
    which = rb.add_mutually_exclusive_group()
    which.add_argument("--to", metavar="RELEASE", help="a release id or commit from 'history'")
    which.add_argument("--steps", type=_count(1), metavar="N", help="go back N releases (default 1)")
    rb.add_argument(
        "--force", action="store_true", help="roll back into a frozen environment (with --reason)"
    )
    rb.add_argument("--reason", help="why a freeze is overridden (goes into the PR or commit)")


def _add_watch(sub: Subparsers, p: _Parents) -> None:
    w = _command(
        sub,
        "watch",
        parents=[p.remote, p.envs, p.many],
        help="run the update cycle forever (a long-running container), with health and metrics",
    )
    w.add_argument("--interval", default="5m", help="time between cycles: 30s, 5m, 1h (default 5m)")
    w.add_argument("--jitter", type=float, default=0.1, help="spread cycles by +- this fraction (0.1)")
    w.add_argument(
        "--listen",
        default="0.0.0.0:8080",
        help="/healthz, /readyz, /metrics and webhooks (default 0.0.0.0:8080; port 0: any free port, logged)",
    )
    w.add_argument(
        "--status-page",
        action="store_true",
        help="serve the status table as a web page at / and /status.json on the listener (off by default)",
    )
    w.add_argument(
        "--status-page-token-env",
        metavar="NAME",
        help="the variable holding a token the status page requires (Bearer, or Basic password); "
        "implies --status-page",
    )


def _add_holds(sub: Subparsers, p: _Parents) -> None:
    ho = _command(
        sub,
        "hold",
        parents=[p.remote, p.writes],
        help="stop gitops-bot from changing an image in an environment",
    )
    ho.add_argument("environment", metavar="ENV", help=_ENV)
    ho.add_argument("image", metavar="IMAGE", help=_IMAGE)
    ho.add_argument("--reason", help="why (shown by plan and in the holds file)")
    uh = _command(
        sub, "unhold", parents=[p.remote, p.writes], help="release a hold placed by hold or rollback"
    )
    uh.add_argument("environment", metavar="ENV", help=_ENV)
    uh.add_argument("image", metavar="IMAGE", help=_IMAGE)


def _add_freezes(sub: Subparsers, p: _Parents) -> None:
    fr = _command(
        sub,
        "freeze",
        parents=[p.remote, p.writes],
        help="stop releases into an environment, or with --all into every one, until a time "
        "(recorded in gitops-bot.freezes/ENV.yaml)",
    )
    fr.add_argument("environment", metavar="ENV", nargs="?", help=_ENV + "; or --all")
    fr.add_argument(
        "--all",
        dest="everywhere",
        action="store_true",
        help="stop the line: freeze every environment, those added later too, in one change "
        "(recorded once, in gitops-bot.freezes/_all.yaml)",
    )
    fr.add_argument(
        "--until",
        required=True,
        metavar="WHEN",
        help="an RFC 3339 instant (2026-12-28T00:00:00Z) or a duration from now (90m, 12h, 3d, 1w, 1d12h)",
    )
    fr.add_argument("--reason", required=True, help="why (shown by plan and refusals, kept in the file)")
    uf = _command(
        sub,
        "unfreeze",
        parents=[p.remote, p.writes],
        help="lift an environment's freeze, or with --all restart the line",
    )
    uf.add_argument("environment", metavar="ENV", nargs="?", help=_ENV + "; or --all")
    uf.add_argument(
        "--all",
        dest="everywhere",
        action="store_true",
        help="restart the line: lift the freeze of every environment (environments' own freezes stay)",
    )


def _add_schema(sub: Subparsers, p: _Parents) -> None:
    _command(
        sub,
        "schema",
        parents=[p.logging],
        help="print the JSON Schema of gitops-bot.yaml (for editors: docs/concepts/configuration.md)",
    )


def _add_set_image(sub: Subparsers, p: _Parents) -> None:
    s = _command(
        sub,
        "set-image",
        parents=[p.logging],
        help="set images in a kustomization or any YAML file, byte-exact (kustomize edit set image syntax)",
        description="ARG is NAME=NEWNAME:TAG@DIGEST, NAME=NEWNAME:TAG, NAME=NEWNAME@DIGEST, NAME=NEWNAME, "
        "NAME:TAG or NAME@DIGEST; '*' keeps the current value. In a kustomization NAME is the images: "
        "entry's name; in other files it is the repository of container images, the image named by "
        'a marker comment (# {"gitops-bot": "NAME"}), or the image at --helm key paths. With Flux '
        'setters (# {"$imagepolicy": "NAMESPACE:POLICY"}) ARG may be NAMESPACE:POLICY[:TAG][@DIGEST] '
        "or POLICY[:TAG][@DIGEST] (one namespace has it), '=NEWNAME' included: it sets exactly the "
        "scalars the policy's markers mark, in a kustomization too.",
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
    s.add_argument(
        "--digest-in-tag",
        action="store_true",
        help="Helm values with no digest key: write a digest into the --helm tag key as TAG@DIGEST "
        "(the configuration's digestInTag)",
    )
    mode = s.add_mutually_exclusive_group()
    mode.add_argument("--check", action="store_true", help="write nothing; exit 5 when the file would change")
    mode.add_argument("--diff", action="store_true", help="print a unified diff and write nothing")
    s.add_argument("args", nargs="+", metavar="ARG", help="one image to set, in the forms above (repeatable)")


# each command's name -> what adds its grammar (hold and unhold are added together, as are
# freeze and unfreeze), in the order --help lists them
_SUBCOMMANDS: dict[str, Callable[[Subparsers, _Parents], None]] = {
    "init": _add_init,
    "plan": _add_plan,
    "update": _add_update,
    "promote": _add_promote,
    "history": _add_history,
    "report": _add_report,
    "explain": _add_explain,
    "status": _add_status,
    "rollback": _add_rollback,
    "watch": _add_watch,
    "hold": _add_holds,
    "unhold": _add_holds,
    "freeze": _add_freezes,
    "unfreeze": _add_freezes,
    "schema": _add_schema,
    "set-image": _add_set_image,
}


def build_parser(command: str | None = None) -> argparse.ArgumentParser:
    """The command line's grammar; with ``command`` (a command's name), that command's alone,
    which parses its words as the whole grammar does: a run parses one command, and the whole
    grammar (every subcommand, ~5 ms of a plan's start) is for --help and a word no command has."""
    parser = _Parser(
        prog="gitops-bot", description="Release-stage automation for Kustomize GitOps repositories."
    )
    parser.add_argument("--version", action="version", version=f"gitops-bot {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    sub.required = True
    parents = _parents()
    only = _SUBCOMMANDS.get(command or "")
    for add in [only] if only else dict.fromkeys(_SUBCOMMANDS.values()):
        add(sub, parents)
    return parser
