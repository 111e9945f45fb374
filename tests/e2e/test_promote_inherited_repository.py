"""A promotion into an environment whose values file sets only the tag (the repository is the
chart's default) from one whose values file names the repository too, the same one: plan says
"promote", and promote must write the tag and digest alone. It wrote the repository as well, a
key prod's file does not hold, and exited 2 ("image.repository is not in the file")."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from gitops_bot.cli import main
from testkit.oci import Pusher
from testkit.registry_process import RegistryProcess

TEMPLATE = """apiVersion: apps/v1
kind: Deployment
metadata: {name: web}
spec:
  template:
    spec:
      containers:
      - name: web
        image: "{{ .Values.image.repository }}:{{ .Values.image.tag }}"
"""


def test_a_promotion_into_an_inherited_repository_writes_the_tag_alone(
    tmp_path: Path, registry: RegistryProcess, pusher: Pusher, capsys: pytest.CaptureFixture[str]
) -> None:
    image = f"{registry.host}/promote-inherited/web"
    pusher.image("promote-inherited/web", ["1.0.0"], salt="one")
    pushed = pusher.image("promote-inherited/web", ["2.0.0"], salt="two")
    repo = tmp_path / "repo"
    files = {
        "gitops-bot.yaml": (
            f"version: 1\nimages:\n- name: {image}\n  policy: semver\n"
            "  helm: {repository: image.repository, tag: image.tag, digest: image.digest}\n"
            "environments:\n- name: dev\n  path: chart/values-dev.yaml\n"
            "- name: prod\n  path: chart/values-prod.yaml\n  promote_from: dev\n"
        ),
        "chart/Chart.yaml": "apiVersion: v2\nname: web\nversion: 0.1.0\n",
        "chart/values.yaml": f"image:\n  repository: {image}\n  tag: 1.0.0\n  digest: ''\n",
        "chart/templates/d.yaml": TEMPLATE,
        "chart/values-dev.yaml": f"image:\n  repository: {image}\n  tag: 2.0.0\n  digest: '{pushed.digest}'\n",
        "chart/values-prod.yaml": "image:\n  tag: 1.0.0\n  digest: ''\n",
    }
    for rel, text in files.items():
        (repo / rel).parent.mkdir(parents=True, exist_ok=True)
        (repo / rel).write_text(text)
    subprocess.run(["git", "init", "-q", "-b", "main", str(repo)], check=True)
    subprocess.run(["git", "-C", str(repo), "add", "-A"], check=True)
    subprocess.run(
        ["git", "-C", str(repo), "-c", "user.name=t", "-c", "user.email=t@t", "commit", "-qm", "x"],
        check=True,
    )
    origin = tmp_path / "origin.git"
    subprocess.run(["git", "clone", "-q", "--bare", str(repo), str(origin)], check=True)
    subprocess.run(["git", "-C", str(repo), "remote", "add", "origin", str(origin)], check=True)
    subprocess.run(["git", "-C", str(repo), "fetch", "-q", "origin"], check=True)
    code = main(["promote", "dev", "prod", "--repo", str(repo), "--dry-run"])
    out, err = capsys.readouterr()
    assert code == 0, (out, err)
    assert "2.0.0" in out, out
    assert "image.repository" not in out + err, (out, err)
