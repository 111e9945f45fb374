"""A Flux cluster fed by an OCI artifact its own repository's CI pushes from ./kubernetes, with
ExternalArtifacts an ArtifactGenerator cuts from it (testkit/pushed_artifact.py, shaped as
xunholy/k8s-gitops@c56dc9de): init finds the cluster and its images where they are written in
./kubernetes, plan reads them there, and update --dry-run edits those files (a release is a
commit here; the workflow pushes the artifact)."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path
from typing import Any

import pytest

from gitops_bot.cli import main
from testkit import pushed_artifact
from testkit.kubetools import kubectl
from testkit.oci import Pusher
from testkit.registry_process import RegistryProcess

SONARR = "kubernetes/apps/base/home-system/sonarr/app/deployment.yaml"


def _json(capsys: pytest.CaptureFixture[str], args: list[str]) -> dict[str, Any]:
    code = main([*args, "--output", "json"])
    out, err = capsys.readouterr()
    assert code == 0, err
    return json.loads(out)  # type: ignore[no-any-return]


def test_init_plan_and_update_read_the_pushed_directory(
    tmp_path: Path,
    registry: RegistryProcess,
    pusher: Pusher,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("GITOPS_BOT_KUBECTL", kubectl())
    for app in pushed_artifact.APPS:
        pusher.image(f"home-operations/{app}", ["1.0.0", "1.1.0"])
    work = tmp_path / "work"
    for rel, text in pushed_artifact.files(registry.host).items():
        (work / rel).parent.mkdir(parents=True, exist_ok=True)
        (work / rel).write_text(text)
    git = ["git", "-C", str(work), "-c", "user.name=t", "-c", "user.email=t@example.invalid"]
    subprocess.run(["git", "init", "-q", "-b", "main", str(work)], check=True)
    assert main(["init", "--repo", str(work), "--write"]) == 0
    init = capsys.readouterr().out
    assert (
        "read ./kubernetes as OCIRepository flux-system, which .github/workflows/oci.yaml:16 pushes" in init
    )
    assert "built outside this repository" not in init and "not in the repository" not in init, init
    subprocess.run([*git, "add", "-A"], check=True)
    subprocess.run([*git, "commit", "-qm", "cluster"], check=True)
    remote = tmp_path / "remote.git"
    subprocess.run(["git", "clone", "-q", "--bare", str(work), str(remote)], check=True)

    plan = _json(capsys, ["plan", "--repo", str(work)])
    (env,) = plan["environments"]
    assert env["name"] == "cluster-00"
    rows = {i["image"]: i for i in env["images"]}
    sonarr = rows[f"{registry.host}/home-operations/sonarr"]
    assert (sonarr["action"], sonarr["file"], sonarr["candidate"]["tag"]) == ("update", SONARR, "1.1.0"), (
        sonarr
    )

    dry = _json(capsys, ["update", "--env", "cluster-00", "--dry-run", "--repo", f"file://{remote}"])
    (res,) = dry["results"]
    assert res["action"] == "dry_run"
    assert f"+        image: {registry.host}/home-operations/sonarr:1.1.0@sha256:" in res["diff"], res["diff"]
    assert f"diff --git a/{SONARR} b/{SONARR}" in res["diff"]
