"""``gitops-bot plan``: the use case. It opens the repository's app, asks the engine for the plan
(:mod:`gitops_bot.engine.plan`: the registry fan-out and every per-run decision), adds the
run's decision for every item (:mod:`gitops_bot.engine.decisions`: freezes, windows, gates,
soaks and automatic rollbacks, the same value ``status`` shows), and, when asked, the rendered
diff of what ``update`` would propose. It writes nothing."""

from __future__ import annotations

import importlib
import os
import time
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, cast

from gitops_bot.config import config_in_repo
from gitops_bot.core import log
from gitops_bot.core.errors import UsageError
from gitops_bot.core.model import Plan
from gitops_bot.core.record import record
from gitops_bot.engine import app as app_mod
from gitops_bot.engine import decisions
from gitops_bot.engine import plan as engine_plan
from gitops_bot.output.result import Format, Planned, Result

if TYPE_CHECKING:
    from gitops_bot.render.diff import Rendered

# The rendered diff (``--rendered-diff``), imported by name when asked, as the command line's
# table imports this module: a plan without it loads neither the edits nor the render tools.
RENDERED_DIFF = "gitops_bot.engine.edits"


@record(kw_only=True)
class Request:
    """What ``plan`` is asked: the command line's options."""

    repo: str = "."  # the local repository (a directory)
    config: str | None = None  # --config: relative to the repository root, or absolute inside it
    envs: Sequence[str] | None = None  # None: every environment
    metadata: bool = False  # read each candidate's metadata (created, source) too
    rendered_diff: bool = False  # the rendered diff of what update would propose (JSON only)
    output: str = "text"


def run(request: Request) -> Result:
    fmt = Format(request.output)
    found = plan(request, rendered=request.rendered_diff and fmt is Format.JSON)
    return Result("plan", Planned(found.plan, found.rendered), format=fmt)


@record
class PlanResult:
    """A plan, and the rendered diff of each release it would propose when asked."""

    plan: Plan
    rendered: tuple[Rendered, ...] = ()


def plan(request: Request, *, rendered: bool = False) -> PlanResult:
    repo = Path(request.repo)
    if not repo.is_dir():
        raise UsageError(f"--repo {repo} is not a directory")
    started = time.monotonic()
    config = config_in_repo(request.repo, request.config, is_url=False)
    app = app_mod.open_app(repo, repo / config if config else None)
    try:
        result = engine_plan.plan(app, request.envs, metadata=request.metadata)
        result = decisions.decided(app, result, os.environ).plan
        diffs: tuple[Rendered, ...] = ()
        if rendered and result.updates:
            diffs = cast(
                "tuple[Rendered, ...]", importlib.import_module(RENDERED_DIFF).rendered_of(app, result)
            )
    finally:
        app.close()
        app.registries.close()
    stats = app.registries.stats
    log.get_logger("gitops_bot").info(
        "plan_done",
        seconds=round(time.monotonic() - started, 3),
        updates=len(result.updates),
        registry_requests=stats.total,
        by_status=dict(stats.by_status),
    )
    return PlanResult(result, diffs)
