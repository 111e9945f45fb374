"""A directory of plain workload manifests that no environment renders, beside environments
init found from what deploys (marcusmvbs/Kind-Argocd-Nginx: one Argo CD Application over a
chart, and folders a script applies with ``kubectl apply -f``): init said nothing of them,
though it said the chart folders beside them. Each directory is a ``# not read:`` line with
its images, their file:line and the environment to write; tests, docs and samples say nothing,
nor a folder a kustomization or a chart holds (those have lines of their own)."""

from __future__ import annotations

from pathlib import Path

from gitops_bot.engine.discovery import discover
from gitops_bot.engine.init_config import config_text
from testkit.local_git import write
from testkit.small_repos import application, deployment

APPLICATION = application("web", "web", repo_url="https://github.com/acme/kind.git")


def test_a_folder_of_workloads_no_environment_renders_is_said_with_its_images(tmp_path: Path) -> None:
    files = {
        "apps/web.yaml": APPLICATION,
        "web/deployment.yaml": deployment("web", "nginx:1.25.4"),
        "Kind/go_app/templates/deployment.yaml": deployment("go", "golang:1.22.1-alpine3.19"),
        "Kind/go_app/templates/service.yaml": "apiVersion: v1\nkind: Service\nmetadata: {name: go}\n",
        "Kind/spark/deployment.yaml": deployment("spark", "21121953/spark"),
        "tests/e2e/deployment.yaml": deployment("t", "ghcr.io/acme/fixture:1.0"),
        "docs/deployment.yaml": deployment("d", "ghcr.io/acme/sample:1.0"),
    }
    found = discover(write(tmp_path, files))
    text = config_text(found)
    said = [n for n in found.notes if "no environment renders" in n and "workload" in n]
    assert len(said) == 2, found.notes
    go = next(n for n in said if n.startswith("Kind/go_app/templates: "))
    assert "golang:1.22.1-alpine3.19 (Kind/go_app/templates/deployment.yaml:9)" in go, go
    assert "{name: <env>, path: Kind/go_app/templates}" in go, go
    assert f"# not read: {go}" in text
    assert any(n.startswith("Kind/spark: ") and "21121953/spark" in n for n in said), said
    assert not any("fixture" in n or "acme/sample" in n for n in found.notes), found.notes
    assert [e.name for e in found.environments] and all(
        "Kind" not in p for e in found.environments for p in e.paths
    ), found.environments


def test_loose_manifests_are_said_where_the_only_application_renders_another_repository(
    tmp_path: Path,
) -> None:
    """kur4y/kubernetes-gitops-infrastructure (newcomer22 F12): p2/confs/apps.yaml's Deployments,
    applied by a Vagrant script, beside p3's one Application of another repository. With no
    environment found, the line naming the folder was never made: 3 pins silent."""
    other = "https://github.com/kur4y/tanota-iot-gitops.git"
    files = {
        "p2/confs/apps.yaml": deployment("app1", "hashicorp/http-echo:1.0"),
        "p2/scripts/server_setup.sh": "#!/bin/bash\nkubectl apply -f /vagrant/confs/apps.yaml\n",
        "p3/confs/argocd-app.yaml": application("iot-gitops-app", ".", repo_url=other, namespace="dev"),
    }
    found = discover(
        write(tmp_path, files), origin="https://github.com/kur4y/kubernetes-gitops-infrastructure.git"
    )
    assert not found.environments
    assert any(
        n.startswith("p2/confs: workload manifests naming hashicorp/http-echo") for n in found.notes
    ), found.notes
