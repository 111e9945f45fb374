"""What read a plan's environments, said once: kubectl found and helm not, an environment
pinning an image in a chart's values is read by the bot's rules there, and the plan says so
(install.md promises it), where it said nothing since kubectl was found."""

from __future__ import annotations

from pathlib import Path

import pytest

from gitops_bot.core.model import RULES_FOR_CHARTS, Plan
from gitops_bot.core.reading import EnvironmentReading, ImageReading, Pin, PinKind, PinStatus
from gitops_bot.engine.plan import _read_by
from gitops_bot.output.text import CHARTS_BY_RULES, RULES_ONLY, plan_text
from gitops_bot.render.settings import RenderSettings
from testkit import kubetools


def _reading(kind: PinKind) -> EnvironmentReading:
    pin = Pin("chart/values-dev.yaml", 3, kind, True, ())
    image = ImageReading("dev", "ghcr.io/acme/app", PinStatus.PINNED, (pin,))
    return EnvironmentReading("dev", (image,), ("chart/values-dev.yaml",), ("chart/values-dev.yaml",))


@pytest.mark.parametrize(
    ("kind", "helm", "by"),
    [
        (PinKind.HELM, False, RULES_FOR_CHARTS),
        (PinKind.HELM, True, "renderer"),
        (PinKind.KUSTOMIZE, False, "renderer"),  # no chart: kubectl is the whole renderer
    ],
)
def test_a_chart_read_without_helm_is_said_once(tmp_path: Path, kind: PinKind, helm: bool, by: str) -> None:
    render = RenderSettings(
        kubectl=kubetools.kubectl(), helm=kubetools.helm() if helm else str(tmp_path / "no-helm")
    )
    assert _read_by(render, [_reading(kind)]) == by
    text = plan_text(Plan((), read_by=by))
    assert text.count(CHARTS_BY_RULES) == (1 if by == RULES_FOR_CHARTS else 0) and RULES_ONLY not in text
