"""An environment kustomize refuses whole (pyzons/gitops-demo-app's environments/dev, whose one
resource the repository deleted) gives each image it would render the same note, "not counted as
rendered by dev: kustomize refuses …": init printed it once per image above its first plan (four
300-character lines saying one thing). Images sharing a note are named on one line."""

from __future__ import annotations

from pathlib import Path

from gitops_bot import cli
from testkit.local_git import committed
from testkit.small_repos import deployment


def test_one_note_of_several_images_is_printed_once(tmp_path: Path) -> None:
    files = {
        "base/kustomization.yaml": "resources:\n- web.yaml\n- api.yaml\n",
        "base/web.yaml": deployment("web", "ghcr.io/acme/web:1.0.0"),
        "base/api.yaml": deployment("api", "ghcr.io/acme/api:2.0.0"),
        "overlays/staging/kustomization.yaml": "resources:\n- ../../base\n",
        "overlays/prod/kustomization.yaml": "resources:\n- ../../base\n- missing.yaml\n",
    }
    result = cli.execute(["init", "--repo", str(committed(tmp_path / "repo", files))])
    notes = [n for n in result.body.init.notes if "not counted as rendered by prod" in n]  # type: ignore[union-attr]
    assert len(notes) == 1, notes
    assert notes[0].startswith(
        "note: ghcr.io/acme/web, ghcr.io/acme/api: not counted as rendered by prod: kustomize refuses"
    ) or notes[0].startswith(
        "note: ghcr.io/acme/api, ghcr.io/acme/web: not counted as rendered by prod: kustomize refuses"
    ), notes
