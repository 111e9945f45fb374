"""A kubebuilder tree whose Makefile builds operator/config/default (fluxninja/aperture's
operator-deploy: ``$(KUSTOMIZE) build operator/config/default | kubectl create -f -``) beside an
operator/config kustomization wrapping it that nothing builds: init took the wrapper, the topmost
kustomization, as the environment. The one the Makefile builds is, said with its line."""

from __future__ import annotations

from pathlib import Path

from gitops_bot.engine.discovery import discover
from testkit.local_git import write

DEPLOY = """\
apiVersion: apps/v1
kind: Deployment
metadata: {name: controller-manager}
spec:
  template:
    spec:
      containers:
      - name: manager
        image: controller
"""


def test_the_kustomization_the_makefile_builds_is_the_environment(tmp_path: Path) -> None:
    files = {
        "operator/config/kustomization.yaml": "namespace: aperture-controller\nresources:\n- default\n",
        "operator/config/default/kustomization.yaml": "resources:\n- ../manager\n",
        "operator/config/manager/kustomization.yaml": (
            "resources:\n- manager.yaml\nimages:\n- name: controller\n  newName: aperture-operator\n  newTag: latest\n"
        ),
        "operator/config/manager/manager.yaml": DEPLOY,
        "Makefile": (
            "IMG ?= aperture-operator:latest\noperator-deploy:\n"
            "\t$(KUSTOMIZE) build operator/config/default | kubectl create -f -\n"
        ),
    }
    found = discover(write(tmp_path, files))
    (env,) = found.environments
    assert env.paths == ("operator/config/default",), found.environments
    assert env.how[0].startswith("operator/config/default, applied by Makefile:3"), env.how
