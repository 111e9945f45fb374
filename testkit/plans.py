"""A plan of one release, as ``update`` would act on it: what the rendered-diff tests hand
``edits.rendered_of`` without asking a registry."""

from __future__ import annotations

from gitops_bot.core.model import (
    Candidate,
    Deployed,
    EnvironmentMode,
    EnvironmentPlan,
    Plan,
    PlanAction,
    PlanItem,
)


def one_update(
    environment: str, image: str, file: str, current: str, tag: str, digest: str | None = None
) -> Plan:
    """``environment``'s ``image`` (semver, pinned in ``file`` at ``current``) moving to ``tag``."""
    item = PlanItem(
        environment, image, file, image, "semver", PlanAction.UPDATE, "newer",
        Deployed(image, None, current, None), Candidate(tag, digest),
    )  # fmt: skip
    return Plan((EnvironmentPlan(environment, EnvironmentMode.REGISTRY, (item,)),))
