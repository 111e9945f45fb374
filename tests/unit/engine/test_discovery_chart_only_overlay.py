"""An environment whose kustomizations pin a chart (``helmCharts:`` with a version) and render
none of the images found is kept for its chart: it was dropped as "renders none of the images
found" wherever another environment rendered an image, its chart pin silent (newcomer13 G2:
talos's longhorn, cert-manager, keda, ... beside its app folders)."""

from __future__ import annotations

from pathlib import Path

from gitops_bot.engine.discovery import discover
from testkit.local_git import write
from testkit.small_repos import deployment


def test_an_overlay_pinning_only_a_chart_stays_an_environment_beside_one_rendering_images(
    tmp_path: Path,
) -> None:
    files = {
        "base/web/kustomization.yaml": "resources: [deploy.yaml]\n",
        "base/web/deploy.yaml": deployment("web", "nginx:1.25.3"),
        "overlays/web/kustomization.yaml": "resources: [../../base/web]\n",
        "base/longhorn/kustomization.yaml": (
            "helmCharts:\n- name: longhorn\n  repo: https://charts.longhorn.io\n  version: 1.7.2\n"
            "  releaseName: longhorn\n"
        ),
        "overlays/longhorn/kustomization.yaml": "resources: [../../base/longhorn]\n",
    }
    found = discover(write(tmp_path, files))
    assert sorted(e.name for e in found.environments) == ["longhorn", "web"], found.notes
    assert [(c.name, c.environments) for c in found.charts] == [("longhorn", ("longhorn",))]
