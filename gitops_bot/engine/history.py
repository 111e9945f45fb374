"""What an environment has run and runs: the base's log of its releases (``gitops-bot history``,
rollbacks, the automatic decisions), the charts that make part of them, and what its files
deploy now (promotions and rollbacks start from it). Read-only."""

from __future__ import annotations

from gitops_bot.config import EnvironmentConfig
from gitops_bot.core.model import Deployed
from gitops_bot.engine.app import App
from gitops_bot.engine.session import Session
from gitops_bot.manifests.charts import ChartSpec
from gitops_bot.release import ledger as history_mod


def history(s: Session, environment: str, *, limit: int | None = None) -> list[history_mod.Entry]:
    """The environment's releases on the base, newest first (``limit``: at most that many)."""
    env = s.app.config.environment(environment)
    paths = s.app.repo_paths(env, s.root)
    charts = chart_specs(s.app, env)
    return history_mod.read(s.ws, s.ws.base_ref, paths, s.app.image_specs(), limit=limit, charts=charts)


def chart_specs(app: App, env: EnvironmentConfig) -> list[ChartSpec]:
    """The charts whose versions make part of the environment's releases (every history
    reader asks for the same, so plan's and update's automatic decisions agree)."""
    specs = app.chart_specs()
    return [specs[c.name] for c in app.config.charts if not env.charts or c.name in env.charts]


def deployed(app: App, environment: str) -> dict[str, Deployed]:
    """What the environment's files deploy, by image name."""
    env = app.config.environment(environment)
    return {t.image.name: t.deployed for t in app.targets(env) if t.deployed is not None}
