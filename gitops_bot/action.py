"""The GitHub Action's entry point (``python -m gitops_bot.action``, called by ``action.yml``).

Reads the step's inputs from ``INPUT_*`` variables, masks every secret before anything is
printed, runs one gitops-bot command in-process (the CLI's ``execute``, the same call the
command line makes) and reports its typed result back the way Actions expects: a log group
per command, an ``::error::`` annotation for a failure, outputs in ``$GITHUB_OUTPUT``
(``changed``, ``pr-url``, ``pr-urls``, ``plan``) and a Markdown table in
``$GITHUB_STEP_SUMMARY`` (rendered by :mod:`gitops_bot.output.github`). The exit code is the
command's.
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
from collections.abc import Callable, Iterator, Mapping, MutableMapping
from pathlib import Path
from typing import TextIO, cast

from gitops_bot import cli, output
from gitops_bot.commands import init
from gitops_bot.config import CONFIG_NAMES
from gitops_bot.config.settings import Config
from gitops_bot.core.errors import GitOpsBotError
from gitops_bot.core.imageref import ImageRef
from gitops_bot.core.log import Redacting, redact
from gitops_bot.engine import branches
from gitops_bot.engine.app import App
from gitops_bot.engine.session import read_config
from gitops_bot.git.gitcli import is_url
from gitops_bot.manifests import images
from gitops_bot.output import github
from gitops_bot.output.command_results import StatusRead
from gitops_bot.output.github import escape_data
from gitops_bot.output.result import Result
from gitops_bot.registry.charts import OciChart, is_oci
from gitops_bot.registry.cloud import cloud_login
from gitops_bot.registry.pool import RegistryPool
from gitops_bot.trust.settings import VerifyConfig

# Every command a workflow step can run to completion; not `watch` (a server), `set-image` (it
# edits a checkout the step would then have to commit) or `schema` (for editors, not releases).
COMMANDS = (
    "plan",
    "update",
    "promote",
    "rollback",
    "hold",
    "unhold",
    "freeze",
    "unfreeze",
    "history",
    "report",
    "explain",
    "status",
)
# `init` is not an input: the Action runs `init --pull-request` by itself where update finds no
# gitops-bot.yaml (the onboarding pull request, opened once)
NOT_IN_ACTION = ("watch", "set-image", "schema", "init")
WITH_ENVIRONMENTS = ("plan", "update", "status")
WITH_DRY_RUN = ("update", "promote", "rollback", "hold", "unhold", "freeze", "unfreeze")
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
            raise InputError(f"input environments is for plan, update and status; pass {command}'s in args")
        for e in envs:
            argv += ["--env", e]
    if _bool(environ, "dry-run"):
        if command not in WITH_DRY_RUN:
            raise InputError(f"input dry-run does not apply to {command}")
        argv.append("--dry-run")
    return [*argv, *OUTPUT_ARGS]


def onboarding_argv(environ: Mapping[str, str]) -> list[str] | None:
    """``update`` on a checkout without gitops-bot.yaml proposes one instead: the onboarding
    pull request (``init --pull-request``), opened once, never again once a person closed it.
    A GitHub Enterprise server (``GITHUB_API_URL``) is written into its config. None: the
    inputs' command runs as asked."""
    repo = _input(environ, "repo", ".")
    if _input(environ, "command", "update") != "update" or is_url(repo) or _input(environ, "config"):
        return None
    if not Path(repo).is_dir() or any((Path(repo) / n).is_file() for n in CONFIG_NAMES):
        return None
    argv = ["init", "--pull-request", "--repo", repo]
    for key, value in init.forge_of(environ).items():
        argv += [f"--{key.replace('_', '-')}", value]
    if _bool(environ, "dry-run"):
        argv.append("--dry-run")
    return [*argv, *OUTPUT_ARGS]


# The package's extras, each with its lock beside requirements.lock (requirements/NAME.lock)
EXTRAS = ("keyless", "aws", "gcp", "http2")


def needed_extras(environ: Mapping[str, str]) -> list[str]:
    """The extras the configuration the step will run with needs, for the install step to add
    their locks to the runtime's (``python -m gitops_bot.action --extras``): ``keyless`` when a
    ``verify:`` policy asks for keyless signatures, a cloud's when a registry the config reads
    names its ``auth:`` or has its host's name, ``http2`` when a registry sets ``http2: true``.
    The config is the one the inputs name (``repo``, ``config``) as the checkout holds it; one
    that cannot be read needs nothing here, and the run step reports why with its own error. A
    URL ``repo`` is read only after the run step's fetch: every extra, so any configuration
    there runs."""
    repo = _input(environ, "repo", ".")
    if is_url(repo):
        return list(EXTRAS)
    try:
        cfg = read_config(Path(repo), _input(environ, "config") or None)
    except (GitOpsBotError, OSError):
        return []
    needed = {"keyless"} if any(v.keyless for v in _verify_policies(cfg)) else set()
    for host in _registries(cfg) | _written_hosts(cfg, Path(repo), environ):
        registry = cfg.registry(host)
        login = cloud_login(registry)
        if login is not None and login.extra:
            needed.add(login.extra)
        if registry.http2:
            needed.add("http2")
    return [e for e in EXTRAS if e in needed]


def _verify_policies(cfg: Config) -> Iterator[VerifyConfig]:
    for spec in (
        *(img.verify for img in cfg.images),
        *(spec for env in cfg.environments for _, spec in env.verify),
        *(chart.verify for chart in cfg.charts),
    ):
        if spec is not None:
            yield spec


def _registries(cfg: Config) -> set[str]:
    """Every registry host the config reads: its images', its oci:// charts', and those it
    configures under ``registries:``."""
    hosts = {img.repository.registry for img in cfg.images}
    hosts |= {OciChart.parse(c.repository, c.name).host for c in cfg.charts if is_oci(c.repository)}
    return hosts | set(cfg.registries)


def _written_hosts(cfg: Config, root: Path, environ: Mapping[str, str]) -> set[str]:
    """The registries the environments' files name (a ``newName:`` elsewhere than the image's
    repository): a promotion reads the build where its source environment runs it. A file
    that does not read names none here (the run step says why)."""
    app = App(cfg, RegistryPool(cfg, env=environ), environ=environ, root=root.resolve())
    hosts: set[str] = set()
    for env in cfg.environments:
        try:
            # read where the one reader reads them: an environment's own branch, not the disk's copy
            for path, text in branches.texts(app, env).items():
                for site in images.read(text, path.name, app.declared.image_specs(), strict=False):
                    if site.repository:
                        hosts.add(ImageRef.parse(site.repository).registry)
        except (GitOpsBotError, OSError, UnicodeDecodeError, ValueError):
            continue
    return hosts


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
    execute: Callable[[list[str]], Result] | None = None,
) -> int:
    """One step: ``execute`` (default: the CLI's :func:`gitops_bot.cli.execute`) runs the
    command the inputs name; its typed result becomes the step's log, outputs and summary."""
    environ = os.environ if environ is None else environ
    out = out or sys.stdout
    if execute is None:
        execute = cli.execute
    try:
        prepare_environment(environ, out)  # its ::add-mask:: lines must carry the values themselves
        out = cast(TextIO, Redacting(out))  # everything after goes through the redaction
        argv = onboarding_argv(environ) or build_argv(environ)
        return _run_command(environ, out, execute, argv)
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
    environ: MutableMapping[str, str], out: TextIO, execute: Callable[[list[str]], Result], argv: list[str]
) -> int:
    """The command's log lines and errors (what the CLI writes to stderr) in a log group, then
    an ``::error::`` annotation for a failure, or the outputs, dry runs and summary."""
    command = argv[0]
    stderr = io.StringIO()
    out.write(f"::group::gitops-bot {shlex.join(argv[: -len(OUTPUT_ARGS)])}\n")
    with contextlib.redirect_stderr(stderr):
        result = execute(argv)
    stderr.writelines(line + "\n" for line in output.error_lines(result))
    out.write(stderr.getvalue())
    out.write("::endgroup::\n")
    _write_outputs(environ, github.outputs(result))
    if result.exit_code != 0:
        lines = [ln for ln in stderr.getvalue().splitlines() if ln.strip()]
        message = lines[-1].removeprefix("gitops-bot: error: ") if lines else f"exit {result.exit_code}"
        out.write(f"::error title=gitops-bot {command}::{escape_data(message)}\n")
        # status fails when a source could not answer, and its table, with those cells marked
        # unknown, is then what the reader needs most
        if isinstance(result.body, StatusRead):
            _write_summary(environ, result)
        return result.exit_code
    out.write(github.dry_runs(result))
    _write_summary(environ, result)
    out.write(github.short(result) + "\n")
    return result.exit_code


def _write_summary(environ: Mapping[str, str], result: Result) -> None:
    summary = environ.get("GITHUB_STEP_SUMMARY")
    if summary:
        with open(summary, "a", encoding="utf-8") as f:
            f.write(redact(github.markdown_summary(result)))  # published text passes the log redaction


def _write_outputs(environ: Mapping[str, str], outputs: Mapping[str, str]) -> None:
    path = environ.get("GITHUB_OUTPUT")
    if not path:
        return
    with open(path, "a", encoding="utf-8") as f:
        for key, value in outputs.items():
            if "\n" in value:
                delimiter = f"ghadelimiter_{secrets.token_hex(8)}"
                f.write(f"{key}<<{delimiter}\n{redact(value)}\n{delimiter}\n")
            else:
                f.write(f"{key}={redact(value)}\n")


def main(argv: list[str] | None = None) -> int:
    if (sys.argv[1:] if argv is None else argv) == ["--extras"]:
        sys.stdout.writelines(f"{extra}\n" for extra in needed_extras(os.environ))
        return 0
    return run()


if __name__ == "__main__":
    raise SystemExit(main())
