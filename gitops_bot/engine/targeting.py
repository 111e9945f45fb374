"""Which part of the repository a burst of pushes concerns.

A targeted cycle asks the registry only about what the pushes touch, but it must still
produce whole releases: when pull requests group by environment, the environment's branch
carries every image's change, so each concerned environment is planned in full (a release
built from the pushed image alone would drop the others from its branch). When they group by
image, only the pushed images are planned."""

from __future__ import annotations

from collections.abc import Sequence

from gitops_bot.core.model import EnvironmentMode, Grouping
from gitops_bot.engine.app import App
from gitops_bot.events.payloads import Push, matches


def narrow(
    app: App, env_names: Sequence[str] | None, pushes: Sequence[Push]
) -> tuple[list[str], set[str] | None]:
    """(the environments to plan, the images to plan there or None for all of them)."""
    images = {img.name for img in app.config.images if any(matches(p, img.repository) for p in pushes)}
    if not images:
        return [], set()
    envs = [
        env.name
        for env in app.declared.environments(env_names)
        if env.mode is EnvironmentMode.REGISTRY
        and any(t.image.name in images and t.deployed is not None for t in app.targets(env))
    ]
    return envs, (images if app.config.pull_request.group is Grouping.IMAGE else None)
