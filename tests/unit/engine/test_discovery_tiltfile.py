"""A Tiltfile deploying the repository's chart (weaveworks/weave-gitops-enterprise, Tiltfile:79
``k8s_yaml(helm("charts/mccp", namespace='flux-system', values=helm_values))``, the call written
over lines) is one of the repository's own scripts, as a Makefile is: init said "charts/mccp: a
Helm chart that nothing in this repository deploys". It is an environment, said as a guess with
the Tiltfile's line, as a script's is; ``kustomize('overlays/dev')`` and ``k8s_yaml('x.yaml')``
alike."""

from __future__ import annotations

from pathlib import Path

from gitops_bot.engine.discovery import discover
from testkit.local_git import write
from testkit.small_repos import deployment

TEMPLATE = """\
apiVersion: apps/v1
kind: Deployment
metadata: {name: mccp}
spec:
  template:
    spec:
      containers:
      - name: mccp
        image: {{ .Values.image.repository }}:{{ .Values.image.tag }}
"""

TILTFILE = """\
load('ext://helm_remote', 'helm_remote')
# k8s_yaml('old/unused.yaml')
helm_values = ['tools/local-values.yaml']
k8s_yaml(helm(
   "charts/mccp",
   namespace='flux-system',
   values=helm_values,
))
k8s_yaml(kustomize('tools/extras'))
"""


def test_what_a_tiltfile_deploys_is_an_environment_said_with_its_line(tmp_path: Path) -> None:
    files = {
        "charts/mccp/Chart.yaml": "apiVersion: v2\nname: mccp\nversion: 0.1.0\n",
        "charts/mccp/values.yaml": "image:\n  repository: ghcr.io/acme/mccp\n  tag: 1.5.5\n",
        "charts/mccp/templates/deployment.yaml": TEMPLATE,
        "tools/local-values.yaml": "image:\n  tag: 1.5.5\n",
        "tools/extras/kustomization.yaml": "resources:\n- deployment.yaml\n",
        "tools/extras/deployment.yaml": deployment("tools", "ghcr.io/acme/tools:2.1.0"),
        "old/unused.yaml": deployment("tools", "ghcr.io/acme/tools:0.1.0"),
        "Tiltfile": TILTFILE,
    }
    found = discover(write(tmp_path, files))
    how = {p: h for e in found.environments for p, h in zip(e.paths, e.how, strict=True)}
    assert set(how) >= {"charts/mccp", "tools/extras"}, (found.environments, found.notes)
    assert "old/unused.yaml" not in how  # a comment runs nothing
    assert how["charts/mccp"].startswith("charts/mccp, applied by Tiltfile:4 (helm( charts/mccp,"), how
    assert how["tools/extras"].startswith("tools/extras, applied by Tiltfile:9 (kustomize(tools/extras)"), how
    assert {i.name for i in found.images} >= {"ghcr.io/acme/mccp", "ghcr.io/acme/tools"}


TILT_BUILDS = """\
docker_build('acme/ui-server', '.', dockerfile='ui/Dockerfile')
if native_build:
   docker_build_with_restart('acme/clusters-service', '.', entrypoint='/app')
else:
   docker_build('acme/clusters-service', '.')
if 'worker' in to_edit:
   docker_build('acme/worker', '../worker')
k8s_yaml('dev/deploy.yaml')
"""


def test_an_image_tilt_builds_over_the_tag_written_is_said_not_released(tmp_path: Path) -> None:
    """What Tilt's ``docker_build`` builds runs in place of the tag its manifests write
    (weaveworks/weave-gitops-enterprise, Tiltfile:108: ``docker_build('weaveworks/weave-gitops-
    enterprise-ui-server', ...)`` over the chart's placeholder tag v0.0.2): a developer's loop,
    no release; init offered it as an image to release. Said as an image built on the machine is;
    one built only when the developer asks (under an ``if`` with no ``else`` building it) runs as
    written otherwise, and one an Argo CD Application deploys too is released there."""
    files = {
        "Tiltfile": TILT_BUILDS,
        "dev/deploy.yaml": "---\n".join(
            deployment(n, f"acme/{n}:0.0.2") for n in ("ui-server", "clusters-service", "worker")
        ),
        "prod/app.yaml": (
            "apiVersion: argoproj.io/v1alpha1\nkind: Application\nmetadata: {name: prod}\n"
            "spec:\n  source: {repoURL: 'https://github.com/acme/x.git', path: prod/manifests}\n"
        ),
        "prod/manifests/deploy.yaml": deployment("ui-server", "acme/ui-server:1.4.0"),
    }
    found = discover(write(tmp_path, files))
    names = {i.name for i in found.images}
    assert names == {"acme/ui-server", "acme/worker"}, (found.images, found.notes)
    (said,) = [n for n in found.notes if n.startswith("acme/clusters-service: ")]
    assert "Tiltfile:3" in said and "not configured" in said, said
    del files["prod/app.yaml"], files["prod/manifests/deploy.yaml"]
    found = discover(write(tmp_path / "dev-only", files))
    assert {i.name for i in found.images} == {"acme/worker"}, (found.images, found.notes)
    (said,) = [n for n in found.notes if n.startswith("acme/ui-server: ")]
    assert "Tiltfile:1 (docker_build(acme/ui-server" in said and "not configured" in said, said
