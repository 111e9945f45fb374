"""A path Flux applies is built as Flux's kustomize-controller builds it: with no load
restrictor, so a kustomization may read a file outside its directory (``resources: -
../shared/ns.yaml``). kubectl kustomize, as Argo CD runs it by default, refuses that file; the
bot rendered every path so, and refused the environment Flux deploys every day ("security; file
... is not in or below ..."). An Argo CD Application's path stays built as Argo CD builds it."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path
from typing import Any

import pytest

from gitops_bot.cli import main
from testkit.kubetools import kubectl
from testkit.oci import Pusher
from testkit.registry_process import RegistryProcess


def _files(host: str, deployer: str) -> dict[str, str]:
    flux = {
        "clusters/prod/flux-system/kustomization.yaml": "resources:\n- gotk-sync.yaml\n",
        "clusters/prod/flux-system/gotk-sync.yaml": (
            "apiVersion: source.toolkit.fluxcd.io/v1\nkind: GitRepository\n"
            "metadata: {name: flux-system, namespace: flux-system}\n"
            "spec: {url: https://github.com/acme/fleet, ref: {branch: main}}\n---\n"
            "apiVersion: kustomize.toolkit.fluxcd.io/v1\nkind: Kustomization\n"
            "metadata: {name: flux-system, namespace: flux-system}\n"
            "spec: {path: ./clusters/prod, sourceRef: {kind: GitRepository, name: flux-system}}\n"
        ),
        "clusters/prod/apps.yaml": (
            "apiVersion: kustomize.toolkit.fluxcd.io/v1\nkind: Kustomization\n"
            "metadata: {name: web, namespace: flux-system}\n"
            "spec: {path: ./apps/web, sourceRef: {kind: GitRepository, name: flux-system}}\n"
        ),
    }
    argo = {
        "argocd/prod.yaml": (
            "apiVersion: argoproj.io/v1alpha1\nkind: Application\nmetadata: {name: prod, namespace: argocd}\n"
            "spec:\n  project: default\n  source: {repoURL: https://github.com/acme/fleet, path: apps/web}\n"
            "  destination: {server: https://kubernetes.default.svc, namespace: web}\n"
        )
    }
    return {
        **(flux if deployer == "flux" else argo),
        "apps/shared/ns.yaml": "apiVersion: v1\nkind: Namespace\nmetadata: {name: web}\n",
        "apps/web/kustomization.yaml": "resources:\n- ../shared/ns.yaml\n- deploy.yaml\n",
        "apps/web/deploy.yaml": (
            "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: web}\nspec:\n  template:\n    spec:\n"
            f"      containers:\n      - name: web\n        image: {host}/acme/web:1.0.0\n"
        ),
    }


def _json(capsys: pytest.CaptureFixture[str], args: list[str]) -> dict[str, Any]:
    code = main([*args, "--output", "json"])
    out, err = capsys.readouterr()
    assert code == 0, err
    return json.loads(out)  # type: ignore[no-any-return]


@pytest.mark.parametrize("deployer", ["flux", "argocd"])
def test_a_file_outside_the_kustomization_renders_where_flux_applies_it(
    tmp_path: Path,
    registry: RegistryProcess,
    pusher: Pusher,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    deployer: str,
) -> None:
    monkeypatch.setenv("GITOPS_BOT_KUBECTL", kubectl())
    monkeypatch.setenv("GITOPS_BOT_CACHE", str(tmp_path / "cache"))
    pusher.image("acme/web", ["1.0.0", "1.1.0"])
    work = tmp_path / "work"
    for rel, text in _files(registry.host, deployer).items():
        (work / rel).parent.mkdir(parents=True, exist_ok=True)
        (work / rel).write_text(text)
    subprocess.run(["git", "init", "-q", "-b", "main", str(work)], check=True)
    assert main(["init", "--repo", str(work), "--write"]) == 0
    capsys.readouterr()
    git = ["git", "-C", str(work), "-c", "user.name=t", "-c", "user.email=t@example.invalid"]
    subprocess.run([*git, "add", "-A"], check=True)
    subprocess.run([*git, "commit", "-qm", "fleet"], check=True)
    remote = tmp_path / "remote.git"
    subprocess.run(["git", "clone", "-q", "--bare", str(work), str(remote)], check=True)

    plan = _json(capsys, ["plan", "--repo", str(work)])
    (env,) = plan["environments"]
    (web,) = env["images"]
    if deployer == "argocd":
        # Argo CD's kustomize refuses the file, and so does the bot: nothing is proposed
        assert web["action"] != "update" and "is not in or below" in json.dumps(web), web
        return
    assert (web["action"], web["file"], web["candidate"]["tag"]) == (
        "update",
        "apps/web/deploy.yaml",
        "1.1.0",
    ), web
    dry = _json(capsys, ["update", "--env", env["name"], "--dry-run", "--repo", f"file://{remote}"])
    (res,) = dry["results"]
    assert res["action"] == "dry_run"
    assert f"+        image: {registry.host}/acme/web:1.1.0@sha256:" in res["diff"], res["diff"]
    assert "not rendered" not in json.dumps(res) and "is not in or below" not in json.dumps(res), res
