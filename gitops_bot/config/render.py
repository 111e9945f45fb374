"""The ``render:`` section: where ``kubectl`` and ``helm`` are for the rendered diff in each
pull request (docs/manifests/rendered-diff.md), and the deadline of one render."""

from __future__ import annotations

from gitops_bot.config.kinds import section_of
from gitops_bot.render.settings import RenderSettings

RENDER = section_of(
    RenderSettings,
    lambda v: RenderSettings(**v.values),
    name="render",
    description="The rendered diff in each pull request: where kubectl and helm are, and how "
    "much a render may take (docs/manifests/rendered-diff.md).",
)
