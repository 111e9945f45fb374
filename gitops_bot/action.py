"""The GitHub Action's entry point (``python -m gitops_bot.action``, called by ``action.yml``).

Reads the step's inputs from ``INPUT_*`` variables, masks every secret before anything is
printed, runs one gitops-bot command in-process with JSON output, and reports back the way
Actions expects: a log group per command, an ``::error::`` annotation for a failure, outputs
in ``$GITHUB_OUTPUT`` (``changed``, ``pr-url``, ``pr-urls``, ``plan``) and a Markdown table
in ``$GITHUB_STEP_SUMMARY``. The exit code is the command's.
"""

from __future__ import annotations

import base64
import contextlib
import io
import json
import os
import secrets
import shlex
import shutil
import sys
import tempfile
from collections.abc import Callable, Mapping, MutableMapping
from pathlib import Path
from typing import Any, TextIO, assert_never

from gitops_bot.model import OutcomeAction

COMMANDS = ("plan", "update", "promote", "rollback", "hold", "unhold", "history")
WITH_ENVIRONMENTS = ("plan", "update")
WITH_DRY_RUN = ("update", "promote", "rollback", "hold", "unhold")
OUTPUT_ARGS = ("--output", "json", "--log-format", "console")  # what the action parses
_DOCKER_CONFIG_PREFIX = "gitops-bot-docker-"
_OWN_DOCKER_CONFIG = "GITOPS_BOT_ACTION_DOCKER_CONFIG"  # set when this step wrote DOCKER_CONFIG


class InputError(Exception):
    pass


def _input(environ: Mapping[str, str], name: str, default: str = "") -> str:
    """``INPUT_GITHUB-TOKEN`` (what the runner sets) or ``INPUT_GITHUB_TOKEN`` (what a
    composite action can pass through ``env:``)."""
    for key in (f"INPUT_{name.upper()}", f"INPUT_{name.upper().replace('-', '_')}"):
        if environ.get(key, "").strip():
            return environ[key].strip()
    return default


def _bool(environ: Mapping[str, str], name: str) -> bool:
    value = _input(environ, name, "false").lower()
    if value not in ("true", "false"):
        raise InputError(f"input {name} must be true or false, got {value!r}")
    return value == "true"


def escape_data(text: str) -> str:
    """Workflow-command escaping for a message."""
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def build_argv(environ: Mapping[str, str]) -> list[str]:
    command = _input(environ, "command", "update")
    if command not in COMMANDS:
        raise InputError(f"input command must be one of {', '.join(COMMANDS)}, got {command!r}")
    argv = [command, *shlex.split(_input(environ, "args"))]
    argv += ["--repo", _input(environ, "repo", ".")]
    if _input(environ, "config"):
        argv += ["--config", _input(environ, "config")]
    envs = [e for e in _input(environ, "environments").replace(",", " ").split() if e]
    if envs:
        if command not in WITH_ENVIRONMENTS:
            raise InputError(f"input environments is for plan and update; pass {command}'s in args")
        for e in envs:
            argv += ["--env", e]
    if _bool(environ, "dry-run"):
        if command not in WITH_DRY_RUN:
            raise InputError(f"input dry-run does not apply to {command}")
        argv.append("--dry-run")
    return [*argv, *OUTPUT_ARGS]


def _mask(out: TextIO, value: str) -> None:
    for line in value.splitlines():
        if line.strip():
            out.write(f"::add-mask::{line.strip()}\n")


def prepare_environment(environ: MutableMapping[str, str], out: TextIO) -> None:
    """Mask secrets, then hand them to gitops-bot the ordinary ways (environment variables,
    a docker config.json for the registry)."""
    token = _input(environ, "github-token")
    app_key = _input(environ, "github-app-private-key")
    password = _input(environ, "registry-password")
    argocd_token = _input(environ, "argocd-token")
    for secret in (token, app_key, password, argocd_token):
        if secret:
            _mask(out, secret)
    if token:
        environ["GITHUB_TOKEN"] = token
    if app_key:
        environ["GITHUB_APP_PRIVATE_KEY"] = app_key
        environ["GITHUB_APP_ID"] = _input(environ, "github-app-id")
    if argocd_token:
        environ["ARGOCD_AUTH_TOKEN"] = argocd_token
    registry, user = _input(environ, "registry"), _input(environ, "registry-username")
    if registry or user or password:
        if not (registry and user and password):
            raise InputError("registry, registry-username and registry-password go together")
        auth = base64.b64encode(f"{user}:{password}".encode()).decode()
        folder = Path(tempfile.mkdtemp(prefix=_DOCKER_CONFIG_PREFIX, dir=environ.get("RUNNER_TEMP")))
        environ["DOCKER_CONFIG"], environ[_OWN_DOCKER_CONFIG] = str(folder), "1"
        fd = os.open(folder / "config.json", os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as f:
            f.write(json.dumps({"auths": {registry: {"auth": auth}}}))


def run(
    environ: MutableMapping[str, str] | None = None,
    out: TextIO | None = None,
    cli: Callable[[list[str]], int] | None = None,
) -> int:
    environ = os.environ if environ is None else environ
    out = out or sys.stdout
    if cli is None:
        from gitops_bot import cli as cli_mod

        cli = cli_mod.main
    try:
        prepare_environment(environ, out)
        argv = build_argv(environ)
        return _run_command(environ, out, cli, argv)
    except InputError as exc:
        out.write(f"::error title=gitops-bot::{escape_data(str(exc))}\n")
        return 2
    finally:
        _remove_registry_login(environ)


def _remove_registry_login(environ: MutableMapping[str, str]) -> None:
    """The registry password written for this step does not outlive it."""
    folder = environ.get("DOCKER_CONFIG", "")
    if Path(folder).name.startswith(_DOCKER_CONFIG_PREFIX) and environ.pop(_OWN_DOCKER_CONFIG, ""):
        shutil.rmtree(folder, ignore_errors=True)
        environ.pop("DOCKER_CONFIG", None)


def _run_command(
    environ: MutableMapping[str, str], out: TextIO, cli: Callable[[list[str]], int], argv: list[str]
) -> int:
    command = argv[0]
    stdout, stderr = io.StringIO(), io.StringIO()
    out.write(f"::group::gitops-bot {shlex.join(argv[: -len(OUTPUT_ARGS)])}\n")
    with contextlib.redirect_stdout(stdout), contextlib.redirect_stderr(stderr):
        code = cli(argv)
    out.write(stderr.getvalue())
    out.write("::endgroup::\n")
    outputs = {"changed": "false", "pr-url": "", "pr-urls": "[]", "plan": ""}
    if code != 0:
        lines = [ln for ln in stderr.getvalue().splitlines() if ln.strip()]
        message = lines[-1].removeprefix("gitops-bot: error: ") if lines else f"exit {code}"
        out.write(f"::error title=gitops-bot {command}::{escape_data(message)}\n")
        _write_outputs(environ, outputs)
        return code
    try:
        result = json.loads(stdout.getvalue())
    except ValueError:
        out.write(stdout.getvalue())
        return code
    urls = [r["pull_request"] for r in result.get("results", []) if _opened(_action(r))]
    out.write(_dry_runs(result))
    outputs.update(
        changed="true" if result.get("changed") else "false",
        **{"pr-url": urls[0] if urls else "", "pr-urls": json.dumps(urls)},
        plan=json.dumps(result, separators=(",", ":")),
    )
    _write_outputs(environ, outputs)
    summary = environ.get("GITHUB_STEP_SUMMARY")
    if summary:
        from gitops_bot.log import redact  # published text passes the log redaction

        with open(summary, "a", encoding="utf-8") as f:
            f.write(redact(markdown_summary(command, result)))
    out.write(_short(command, result) + "\n")
    return code


def _dry_runs(result: Mapping[str, Any]) -> str:
    """What a dry run would do, in the log as on a terminal: the diff, the title and the body.
    Workflow commands are paused around them: a line of a file is data, never a command."""
    text = ""
    for r in result.get("results", []):
        if _action(r) is OutcomeAction.DRY_RUN:
            pause = secrets.token_hex(16)
            text += (
                f"::group::dry run: {escape_data(r['environment'])}: {escape_data(r.get('title') or '')}\n"
            )
            text += f"::stop-commands::{pause}\n{r.get('diff') or ''}\n{r.get('body') or ''}\n::{pause}::\n"
            text += "::endgroup::\n"
    return text


def _action(r: Mapping[str, Any]) -> OutcomeAction:
    """A result's action, from the JSON this module's own command printed."""
    return OutcomeAction(r["action"])


def _opened(action: OutcomeAction) -> bool:
    """Whether the outcome opened or updated a pull request (the ``pr-url`` outputs)."""
    match action:
        case OutcomeAction.PULL_REQUEST:
            return True
        case OutcomeAction.COMMIT | OutcomeAction.UNCHANGED | OutcomeAction.CLOSED | OutcomeAction.DRY_RUN:
            return False
        case _ as unreachable:
            assert_never(unreachable)


def _write_outputs(environ: Mapping[str, str], outputs: Mapping[str, str]) -> None:
    path = environ.get("GITHUB_OUTPUT")
    if not path:
        return
    with open(path, "a", encoding="utf-8") as f:
        for key, value in outputs.items():
            if "\n" in value:
                delimiter = f"ghadelimiter_{secrets.token_hex(8)}"
                f.write(f"{key}<<{delimiter}\n{value}\n{delimiter}\n")
            else:
                f.write(f"{key}={value}\n")


def _short(command: str, result: Mapping[str, Any]) -> str:
    if command in ("plan", "history"):
        return f"gitops-bot {command}: done"
    actions = [f"{r['environment']}: {r['action']}" for r in result.get("results", [])]
    return f"gitops-bot {command}: " + (", ".join(actions) or "nothing to do")


def _cell(value: Any) -> str:
    return str(value).replace("|", "\\|") if value not in (None, "") else "—"


def _code(value: str | None) -> str:
    return f"`{value}`" if value else "—"


def markdown_summary(command: str, result: Mapping[str, Any]) -> str:
    lines = [f"### gitops-bot {command}", ""]
    if command == "plan":
        lines += [
            "| environment | image | deployed | candidate | action | reason |",
            "|---|---|---|---|---|---|",
        ]
        for env in result.get("environments", []):
            for i in env.get("images", []):
                cur, cand = i.get("current") or {}, i.get("candidate") or {}
                lines.append(
                    f"| {env['name']} | `{i['image']}` | {_code(cur.get('tag'))} | "
                    f"{_code(cand.get('tag'))} {_code(cand.get('digest'))} | {i['action']} | "
                    f"{_cell(i['reason'])} |"
                )
    elif command == "history":
        lines += ["| release | time | author | pull request | changed |", "|---|---|---|---|---|"]
        for r in result.get("releases", []):
            lines.append(
                f"| {_code(r['release'] or r['commit'][:12])} | {r['time']} | {_cell(r['author'])} | "
                f"{'#' + str(r['pull_request']) if r['pull_request'] else '—'} | {', '.join(r['changed'])} |"
            )
    else:
        results = result.get("results", [])
        if not results:
            lines.append("Nothing to do.")
        else:
            lines += ["| environment | image | from | to | digest | result |", "|---|---|---|---|---|---|"]
        for r in results:
            where = f"[{r['action']}]({r['pull_request']})" if r.get("pull_request") else r["action"]
            for i in r.get("images") or [{}]:
                frm, to = i.get("from") or {}, i.get("to") or {}
                lines.append(
                    f"| {r['environment']} | {_code(i.get('image'))} | {_code(frm.get('tag'))} | "
                    f"{_code(to.get('tag'))} | {_code(to.get('digest'))} | {where} |"
                )
            lines += [f"\n> warning ({r['environment']}): {w}" for w in r.get("warnings", [])]
    return "\n".join(lines) + "\n\n"


def main() -> int:
    return run()


if __name__ == "__main__":
    raise SystemExit(main())
