"""An overlay a script applies after loading images built on the machine into a local cluster's
node is a developer's cluster, no environment to release: team-project-final/synapse-gitops@8694d71a's
scripts/minikube-up.sh builds `docker build -t "$1:local"`, runs `minikube image load "$1:local"`,
then `kubectl apply -k "$ROOT/local-k8s"`; init made local-k8s an environment whose `local` tags
joined every service's tags (and its open questions)."""

from __future__ import annotations

from pathlib import Path

from gitops_bot.engine.discovery import discover
from testkit.local_git import write
from testkit.small_repos import deployment

MINIKUBE_UP = """#!/usr/bin/env bash
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
build_docker() { # <name> <context>
  if docker build -t "$1:local" "$2"; then
    minikube image load "$1:local" || echo "WARN: $1:local"
  fi
}
build_docker synapse-gateway "$ROOT/../synapse-gateway"
kubectl apply -k "$ROOT/local-k8s"
"""


def test_an_overlay_a_script_applies_after_loading_local_builds_is_no_environment(tmp_path: Path) -> None:
    files = {
        "apps/gateway/base/kustomization.yaml": "resources: [deployment.yaml]\n",
        "apps/gateway/base/deployment.yaml": deployment("gateway", "ghcr.io/acme/synapse-gateway:1.0.0"),
        "local-k8s/kustomization.yaml": (
            "resources: [../apps/gateway/base]\nimages:\n"
            "- {name: ghcr.io/acme/synapse-gateway, newName: synapse-gateway, newTag: local}\n"
        ),
        "scripts/minikube-up.sh": MINIKUBE_UP,
    }
    for env, tag in (("dev", "1.0.1"), ("prod", "1.0.0")):
        files[f"apps/gateway/overlays/{env}/kustomization.yaml"] = (
            f"resources: [../../base]\nimages:\n- {{name: ghcr.io/acme/synapse-gateway, newTag: {tag}}}\n"
        )
    found = discover(write(tmp_path, files))
    assert sorted(e.name for e in found.environments) == ["dev", "prod"]
    (image,) = found.images
    assert image.guess.keys["policy"] == "semver", image.guess
    assert (
        "local-k8s: applied by scripts/minikube-up.sh:10 (kubectl apply -k $ROOT/local-k8s) after "
        "minikube image load at scripts/minikube-up.sh:6"
    ) in "\n".join(found.notes), found.notes
