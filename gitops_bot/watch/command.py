"""``gitops-bot watch``: the command's request and run; the loop itself is :mod:`.loop`."""

from __future__ import annotations

import os
from collections.abc import Sequence
from typing import Any

from gitops_bot.commands import fleet
from gitops_bot.commands.request import OnRepository
from gitops_bot.commands.update import Updater
from gitops_bot.core import log
from gitops_bot.core.errors import UsageError
from gitops_bot.core.record import record
from gitops_bot.output import status_html
from gitops_bot.output.result import Result
from gitops_bot.watch.http import parse_listen
from gitops_bot.watch.loop import Watcher, parse_duration
from gitops_bot.watch.page import StatusPage


@record(kw_only=True)
class Request(OnRepository):
    envs: Sequence[str] | None = None
    repos: Sequence[str] | None = None  # every --repo given (more than one: a fleet)
    repositories: str | None = None
    parallel: int | None = None
    shard: str | None = None
    interval: str  # the parser's defaults are the defaults (gitops_bot.arguments)
    jitter: float
    listen: str
    status_page: bool = False
    status_page_token_env: str | None = None


def run(request: Request) -> Result:
    interval = parse_duration(request.interval)
    if not 0 <= request.jitter < 1:
        raise UsageError("--jitter must be at least 0 and below 1")
    host, port = parse_listen(request.listen)
    timing: dict[str, Any] = {"interval": interval, "jitter": request.jitter, "envs": request.envs}
    if request.status_page or request.status_page_token_env:
        timing["page"] = _status_page(request.status_page_token_env)
    many = fleet.named(
        request.repo,
        request.repos,
        request.repositories,
        config=request.config,
        base=request.base,
        shard=request.shard,
    )
    if many is not None:
        watcher = Watcher.over(many, parallel=request.parallel, **timing)
    else:
        watcher = Watcher(
            lambda: Updater(request.repo, config_path=request.config, base=request.base), **timing
        )
    watcher.install_signal_handlers()
    server = watcher.serve(host, port)
    try:
        return Result("watch", None, watcher.run())
    finally:
        server.shutdown()
        server.server_close()


def _status_page(name: str | None) -> StatusPage:
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
