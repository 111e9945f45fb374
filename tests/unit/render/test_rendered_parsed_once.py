"""A reading's renders are parsed for the deployer objects that render charts (Argo CD
Applications, Flux HelmReleases) only where one may be: with no helm nothing renders a chart,
and kubectl prints each kind as written, so a render naming neither kind holds none. Each
rendered stream was parsed twice (what runs, and the charts), the second for nothing on the
20 plain overlays of bench/reading_render_bench.py. Counted, never timed; an Application in a
render is still followed."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from gitops_bot.manifests import images, workloads
from gitops_bot.render import helm_render, reader, rendered_reading
from gitops_bot.render.settings import RenderSettings
from testkit.kubetools import helm, kubectl

APP = "ghcr.io/acme/app"
SPECS = [images.ImageSpec(APP, workloads.repository_key(APP))]
DEPLOYMENT = (
    "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\nspec:\n  template:\n    spec:\n"
    f"      containers:\n      - name: app\n        image: {APP}:1.0.0\n"
)
APPLICATION = (
    "apiVersion: argoproj.io/v1alpha1\nkind: Application\nmetadata:\n  name: web\nspec:\n"
    "  source:\n    repoURL: https://example.invalid/repo.git\n    path: chart\n"
)


def _parsed(tmp_path: Path, monkeypatch: Any, settings: RenderSettings, extra: str = "") -> int:
    root = tmp_path / "repo"
    for env in ("dev", "prod"):
        (root / env).mkdir(parents=True)
        listed = "- d.yaml\n" + ("- app.yaml\n" if extra else "")
        (root / env / "kustomization.yaml").write_text(f"resources:\n{listed}")
        (root / env / "d.yaml").write_text(DEPLOYMENT)
        if extra:
            (root / env / "app.yaml").write_text(extra)
    parsed: list[str] = []
    objects = helm_render.objects

    def counted(text: str) -> list[dict[str, object]]:
        parsed.append(text)
        return objects(text)

    monkeypatch.setattr(helm_render, "objects", counted)
    paths = {"dev": ("dev",), "prod": ("prod",)}
    sources = [reader.Source(n, p, (APP,)) for n, p in paths.items()]
    read = reader.Reader(reader.DiskTree(root), root, SPECS).read(sources)
    got = rendered_reading.held_to_render(settings, root, root, read, paths)
    assert all(got[n].image(APP).effective.tag == "1.0.0" for n in paths)  # type: ignore[union-attr]
    return len(parsed)


@pytest.mark.parametrize("with_helm", [True, False])
def test_renders_naming_no_deployer_kind_are_not_parsed_for_charts(
    tmp_path: Path, monkeypatch: Any, with_helm: bool
) -> None:
    settings = RenderSettings(kubectl=kubectl(), helm=helm() if with_helm else str(tmp_path / "no-helm"))
    assert _parsed(tmp_path, monkeypatch, settings) == 0


def test_a_render_with_an_application_is_parsed_for_its_charts(tmp_path: Path, monkeypatch: Any) -> None:
    settings = RenderSettings(kubectl=kubectl(), helm=helm())
    assert _parsed(tmp_path, monkeypatch, settings, APPLICATION) == 2
