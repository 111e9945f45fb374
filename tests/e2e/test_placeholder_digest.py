"""A repository that pins ``sha256:000…0`` (the placeholder public examples carry) against a
real registry: the plan says the digest is a placeholder and proposes the one the registry
serves, and the environment promoted from it is not told to promote the placeholder."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest

from gitops_bot.cli import main
from testkit.forge_story import APP_DEPLOYMENT
from testkit.oci import Pusher
from testkit.registry_process import RegistryProcess

ZEROS = "sha256:" + "0" * 64
OVERLAY = "resources:\n  - ../../base\nimages:\n  - name: {repo}\n    newTag: {tag}\n    digest: {digest}\n"
CONFIG = """version: 1
images:
  - name: {repo}
    repository: {repo}
    policy: semver
environments:
  - {{name: staging, path: overlays/staging}}
  - {{name: production, path: overlays/production, promote_from: staging}}
"""


def test_a_placeholder_digest_is_said_and_never_promoted(
    tmp_path: Path, registry: RegistryProcess, pusher: Pusher, capsys: pytest.CaptureFixture[str]
) -> None:
    repo_name = f"{registry.host}/placeholder/app"
    old = pusher.image("placeholder/app", "1.0.0")
    new = pusher.image("placeholder/app", "1.1.0")
    files = {
        "base/kustomization.yaml": "resources: [deployment.yaml]\n",
        "base/deployment.yaml": APP_DEPLOYMENT.format(image=repo_name),
        "overlays/staging/kustomization.yaml": OVERLAY.format(repo=repo_name, tag="1.1.0", digest=ZEROS),
        "overlays/production/kustomization.yaml": OVERLAY.format(
            repo=repo_name, tag="1.0.0", digest=old.digest
        ),
        "gitops-bot.yaml": CONFIG.format(repo=repo_name),
    }
    for rel, text in files.items():
        (tmp_path / rel).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / rel).write_text(text)
    subprocess.run(["git", "init", "-q", "-b", "main", str(tmp_path)], check=True)

    code = main(["plan", "--repo", str(tmp_path), "--output", "json"])
    out, err = capsys.readouterr()
    assert code == 0, err
    envs = {e["name"]: e["images"][0] for e in json.loads(out)["environments"]}
    staging, production = envs["staging"], envs["production"]
    assert staging["action"] == "update"
    assert staging["candidate"]["digest"] == new.digest  # the registry's, never the placeholder
    assert "is a placeholder, not a real digest" in staging["reason"]
    assert production["decision"]["action"] != "promote"
    assert "staging pins a placeholder digest" in production["decision"]["reason"]

    code = main(["plan", "--repo", str(tmp_path)])
    out, _ = capsys.readouterr()
    assert code == 0
    assert "promote staging production" not in out
