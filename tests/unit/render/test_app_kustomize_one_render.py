"""An app of apps' kustomization is rendered by the one render of a directory
(:func:`gitops_bot.render.tools.render_directory`), as the reading and the rendered diff render
theirs: app_kustomize ran kubectl its own way beside it (a second path to the same tool)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from gitops_bot.render import app_kustomize, tools
from gitops_bot.render.settings import RenderSettings
from testkit.kubetools import kubectl

DEPLOYMENT = (
    "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\nspec:\n  template:\n    spec:\n"
    "      containers:\n      - name: app\n        image: ghcr.io/acme/app:1.0.0\n"
)


def test_an_app_of_apps_kustomization_renders_through_the_one_render(
    tmp_path: Path, monkeypatch: Any
) -> None:
    root = tmp_path / "repo"
    (root / "apps/dev").mkdir(parents=True)
    (root / "apps/dev/kustomization.yaml").write_text("resources:\n- d.yaml\n")
    (root / "apps/dev/d.yaml").write_text(DEPLOYMENT)
    (root / "apps/broken").mkdir()
    (root / "apps/broken/kustomization.yaml").write_text("resources:\n- d.yaml\n")
    (root / "apps/broken/d.yaml").write_text(DEPLOYMENT.replace("  name: web\n", "  labels: {a: b}\n", 1))
    calls: list[tuple[Path, str]] = []
    one = tools.render_directory

    def counted(settings: RenderSettings, tool: str, directory: Path, tmp: Path, name: str = "") -> Any:
        calls.append((directory, name))
        return one(settings, tool, directory, tmp, name)

    monkeypatch.setattr(tools, "render_directory", counted)
    render = app_kustomize.renderer(RenderSettings(kubectl=kubectl()))
    assert render is not None
    got = render(root, root / "apps/dev")
    assert got is not None and "image: ghcr.io/acme/app:1.0.0" in got
    assert render(root, root / "apps/broken") is None  # kustomize refuses it: the rules' reading stands
    assert calls == [(root / "apps/dev", "apps/dev"), (root / "apps/broken", "apps/broken")]
