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

DEPLOY = """\
apiVersion: apps/v1
kind: Deployment
metadata: {name: tools}
spec:
  template:
    spec:
      containers:
      - name: tools
        image: ghcr.io/acme/tools:2.1.0
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
        "tools/extras/deployment.yaml": DEPLOY,
        "old/unused.yaml": DEPLOY.replace("2.1.0", "0.1.0"),
        "Tiltfile": TILTFILE,
    }
    found = discover(write(tmp_path, files))
    how = {p: h for e in found.environments for p, h in zip(e.paths, e.how, strict=True)}
    assert set(how) >= {"charts/mccp", "tools/extras"}, (found.environments, found.notes)
    assert "old/unused.yaml" not in how  # a comment runs nothing
    assert how["charts/mccp"].startswith("charts/mccp, applied by Tiltfile:4 (helm( charts/mccp,"), how
    assert how["tools/extras"].startswith("tools/extras, applied by Tiltfile:9 (kustomize(tools/extras)"), how
    assert {i.name for i in found.images} >= {"ghcr.io/acme/mccp", "ghcr.io/acme/tools"}
