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


def test_what_a_makefile_applies_above_its_load_stays_deployed(tmp_path: Path) -> None:
    # bokristoffersson/homelab-k12n-gitops@2e505e4c's Makefile applies the local cluster's overlays
    # (:32-45) and, in another target, k3d image import (:161) then mqtt-generator (:165): only
    # what follows the import runs the machine's builds
    files = {
        "apps/web/base/kustomization.yaml": "resources: [deployment.yaml]\n",
        "apps/web/base/deployment.yaml": deployment("web", "ghcr.io/acme/web:1.0.0"),
        "apps/gen/kustomization.yaml": "resources: [deployment.yaml]\n",
        "apps/gen/deployment.yaml": deployment("gen", "ghcr.io/acme/gen:1.0.0"),
        "apps/web/overlays/local/kustomization.yaml": "resources: [../../base]\n",
        "Makefile": (
            "local:\n\tkubectl apply -k apps/web/overlays/local\n\n"
            "gen:\n\tdocker build -t ghcr.io/acme/gen:1.0.0 gen\n\tk3d image import ghcr.io/acme/gen:1.0.0\n"
            "\tkubectl apply -k apps/gen\n"
        ),
    }
    found = discover(write(tmp_path, files))
    assert [e.paths for e in found.environments] == [("apps/web/overlays/local",)], found.notes
    assert any(n.startswith("apps/gen: applied by Makefile:7") for n in found.notes), found.notes
