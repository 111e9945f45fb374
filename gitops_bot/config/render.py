"""The ``render:`` section: where ``kubectl`` and ``helm`` are for the rendered diff in each
pull request (docs/manifests/rendered-diff.md), and the deadline of one render."""

from __future__ import annotations

from gitops_bot.config.kinds import BOOL, NUMBER, STR
from gitops_bot.config.spec import Field, Section, between
from gitops_bot.render.tools import RenderSettings

RENDER = Section(
    (
        Field(
            "enabled",
            BOOL,
            True,
            description="Render each environment's kustomization before and after the edit "
            "and put the rendered diff in the pull request body.",
        ),
        Field(
            "kubectl",
            STR,
            description="kubectl (with Kustomize): a path or a name on PATH. "
            "Default: $GITOPS_BOT_KUBECTL, else kubectl on PATH.",
        ),
        Field(
            "helm",
            STR,
            description="helm, for kustomizations with helmCharts: a path or a name on PATH. "
            "Default: $GITOPS_BOT_HELM, else helm on PATH.",
        ),
        Field(
            "timeout",
            NUMBER,
            60.0,
            (between(0, 3600, "render timeout must be between 0 and 3600 seconds", above=True),),
            description="Seconds one render may take.",
        ),
    ),
    lambda v: RenderSettings(**v.values),
    name="render",
)
