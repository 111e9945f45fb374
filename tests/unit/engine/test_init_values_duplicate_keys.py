"""Discovery (``gitops-bot init``) reads a Helm values file writing ``tag:`` twice as helm does,
the last key winning, where it said "not YAML the bot can read"; a manifest kustomize builds
with a key written twice is still said not read (kustomize refuses it)."""

from __future__ import annotations

from pathlib import Path

from gitops_bot.engine.discovered_images import ImageNames, rendered_images
from gitops_bot.engine.repository_files import RepoFiles

VALUES = 'image:\n  repository: ghcr.io/acme/app\n  tag: "0.1.3"\n  tag: "0.1.4"\n'
MANIFEST = "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: a}\ndata: {}\ndata: {}\n"


def test_a_values_file_is_read_with_the_last_key_and_a_manifest_still_refused(tmp_path: Path) -> None:
    files = {
        "chart/Chart.yaml": "apiVersion: v2\nname: app\nversion: 0.1.0\n",
        "chart/values.yaml": VALUES,
        "chart/values-dev.yaml": VALUES,
        "deploy/configmap.yaml": MANIFEST,
    }
    for rel, text in files.items():
        (tmp_path / rel).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / rel).write_text(text)
    repo = RepoFiles(tmp_path)
    rendered_images(repo, files, ImageNames())
    assert repo.docs("chart/values.yaml") == [{"image": {"repository": "ghcr.io/acme/app", "tag": "0.1.4"}}]
    assert repo.docs("chart/values-dev.yaml")[0]["image"]["tag"] == "0.1.4"
    assert [n.split(":")[0] for n in repo.notes] == ["deploy/configmap.yaml"], repo.notes
    assert "duplicate key 'data' (lines 4, 5)" in repo.notes[0], repo.notes
