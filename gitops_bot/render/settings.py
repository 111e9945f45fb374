"""``render:`` in gitops-bot.yaml: where the tools are, and the budget of the rendered diff.

Apart from :mod:`gitops_bot.render.tools` so that reading the configuration (every command
does) does not import the subprocess machinery that only a render needs."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

from gitops_bot.core.record import record
from gitops_bot.core.settings import between, setting

KUBECTL_ENV = "GITOPS_BOT_KUBECTL"
HELM_ENV = "GITOPS_BOT_HELM"


@record
class RenderSettings:
    """``render:`` in gitops-bot.yaml. A tool's path: the key, else its environment variable
    (``GITOPS_BOT_KUBECTL``, ``GITOPS_BOT_HELM``), else the name looked up on PATH."""

    enabled: bool = setting(
        True,
        "Render each environment's kustomization before and after the edit "
        "and put the rendered diff in the pull request body.",
    )
    kubectl: str | None = setting(
        None,
        "kubectl (with Kustomize): a path or a name on PATH. "
        "Default: $GITOPS_BOT_KUBECTL, else kubectl on PATH.",
    )
    helm: str | None = setting(
        None,
        "helm, for kustomizations with helmCharts: a path or a name on PATH. "
        "Default: $GITOPS_BOT_HELM, else helm on PATH.",
    )
    timeout: float = setting(
        10.0,
        "Seconds one render may take; past it the pull request says in one line that it was "
        "not rendered and how to see it. Within the size budgets a render takes about half a second.",
        rules=(between(0, 3600, "render timeout must be between 0 and 3600 seconds", above=True),),
    )
    max_images: int = setting(
        100,
        "Render a kustomization only when it lists at most this many images: entries. "
        "Kustomize's image transformer grows with their square (about 0.5 s at 100 entries, "
        "2.5 s at 250, 12 s at 500, over a minute at 1,000 on one core); past it the pull request "
        "says in one line why it was not rendered and how to see it.",
        rules=(between(0, 100_000, "render max_images must be between 0 and 100000"),),
    )
    max_image_matches: int = setting(
        10_000,
        "Render a kustomization only when its images: entries times the image fields of the "
        "resources it reads (containers, init containers) is at most this. Kustomize matches "
        "every entry against every image field, about 40 microseconds a pair: 10,000 pairs is "
        "about half a second (100 entries over 100 Deployments), never more than the rest of "
        "an update of that size (150 entries over 1,000 containers take 6 s); past it the pull "
        "request says in one line why it was not rendered and how to see it.",
        rules=(between(0, 100_000_000, "render max_image_matches must be between 0 and 100000000"),),
    )

    def tool(self, name: str) -> str | None:
        configured = {"kubectl": self.kubectl, "helm": self.helm}[name]
        given = configured or os.environ.get({"kubectl": KUBECTL_ENV, "helm": HELM_ENV}[name]) or name
        if os.sep in given:
            path = Path(given).expanduser()
            # absolute now: the tools run inside a private temporary directory, where a path
            # relative to where the bot was started (.tools/bin/kubectl) names nothing
            return str(path.absolute()) if path.is_file() and os.access(path, os.X_OK) else None
        return shutil.which(given)
