"""An image OpenShift builds in the cluster (rh-john/postgres-operator-gitops-demo: each
namespace's BuildConfig `frontend` builds app/ into the ImageStreamTag `frontend:latest`, and
its overlay pulls `image-registry.openshift-image-registry.svc:5000/dba-dev/frontend:latest`, the
cluster's own registry). init configured it (`digest` on latest), so every `plan` stopped, exit 3,
on a registry no machine outside the cluster resolves, and a release would pin the digest of a
tag the cluster's own builds move. It is said, with the BuildConfig, and not configured."""

from __future__ import annotations

from pathlib import Path

from gitops_bot import cli
from testkit.local_git import committed
from testkit.small_repos import application, deployment

_INTERNAL = "image-registry.openshift-image-registry.svc:5000"
_BUILD = """apiVersion: build.openshift.io/v1
kind: BuildConfig
metadata: {name: frontend}
spec:
  source: {type: Git, git: {uri: "https://github.com/acme/app", ref: main}, contextDir: app}
  strategy: {type: Docker, dockerStrategy: {dockerfilePath: Dockerfile}}
  output: {to: {kind: ImageStreamTag, name: "frontend:latest"}}
---
apiVersion: image.openshift.io/v1
kind: ImageStream
metadata: {name: frontend}
spec: {lookupPolicy: {local: true}}
"""
_KUSTOMIZATION = "apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nresources: [{}]\n"


def _files(pulled: str) -> dict[str, str]:
    return {
        "frontend/base/kustomization.yaml": _KUSTOMIZATION.format("deployment.yaml, build.yaml"),
        "frontend/base/deployment.yaml": deployment("frontend", "frontend:latest"),
        "frontend/base/build.yaml": _BUILD,
        "overlays/dev/kustomization.yaml": (
            "apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nnamespace: dba-dev\n"
            "resources: [../../frontend/base]\n"
            f"images:\n  - name: frontend\n    newName: {pulled}\n    newTag: latest\n"
        ),
        "web/kustomization.yaml": _KUSTOMIZATION.format("deployment.yaml"),
        "web/deployment.yaml": deployment("web", "nginx:1.27.3"),
        "apps/web.yaml": application("web", "web"),
    }


def _init(tmp_path: Path, files: dict[str, str]) -> tuple[int, str, list[str]]:
    result = cli.execute(["init", "--repo", str(committed(tmp_path / "repo", files))])
    text = result.body.init.config  # type: ignore[union-attr]
    return (
        result.exit_code,
        text,
        [line for line in text.splitlines() if line.startswith(("- name:", "  repository:"))],
    )


def test_an_image_the_cluster_builds_is_said_and_not_configured(tmp_path: Path) -> None:
    code, text, configured = _init(tmp_path, _files(f"{_INTERNAL}/dba-dev/frontend"))
    assert code == 0, text
    assert not any("frontend" in line for line in configured), configured
    assert '- name: "nginx"' in configured, configured  # the rest is read as before
    # the overlay runs nothing else a release could write: no environment of its own
    assert '- name: "dev"' not in configured, configured
    assert (
        "# not read: frontend: built in the cluster by BuildConfig frontend (frontend/base/build.yaml) into "
        "ImageStreamTag frontend:latest, pulled from image-registry.openshift-image-registry.svc:5000/dba-dev/frontend"
    ) in text, text


def test_an_image_pushed_to_a_registry_outside_the_cluster_stays_configured(tmp_path: Path) -> None:
    """The same BuildConfig beside an overlay pulling ghcr.io/acme/frontend: what runs is the
    registry's (CI pushes it), not the cluster's build."""
    code, text, configured = _init(tmp_path, _files("ghcr.io/acme/frontend"))
    assert code == 0, text
    assert '- name: "frontend"' in configured, configured
