"""An ApplicationSet's git files generator over a file of this repository naming the value files
of a chart here (opspresso/argocd-env-demo@fb93010d: apps/sample-node.yaml reads env/eks-demo.yaml,
values-{{phase}}.yaml): its generated Application is the environment. A values file of another
chart that nothing here deploys (charts/sample-spring/values-prod.yaml) made environment prod,
and the ApplicationSet's chart was 'to write by hand'."""

from __future__ import annotations

from pathlib import Path

from gitops_bot.engine.discovery import discover
from testkit.local_git import write
from testkit.small_repos import deployment

APPSET = """\
apiVersion: argoproj.io/v1alpha1
kind: ApplicationSet
metadata: {name: web}
spec:
  generators:
  - git:
      repoURL: https://github.com/acme/gitops.git
      revision: HEAD
      files:
      - path: env/eks-demo.yaml
  template:
    metadata: {name: 'web-{{cluster}}'}
    spec:
      project: apps
      destination: {name: '{{cluster}}', namespace: web}
      source:
        repoURL: https://github.com/acme/gitops
        targetRevision: HEAD
        path: charts/web
        helm:
          valueFiles: [values.yaml, 'values-{{phase}}.yaml']
"""


def _chart(name: str, values: dict[str, str]) -> dict[str, str]:
    out = {
        f"charts/{name}/Chart.yaml": f"apiVersion: v2\nname: {name}\nversion: 0.1.0\n",
        f"charts/{name}/templates/deployment.yaml": deployment(
            name, "{{ .Values.image.repository }}:{{ .Values.image.tag }}"
        ),
    }
    out |= {f"charts/{name}/{f}": text for f, text in values.items()}
    return out


def test_the_generated_application_is_the_environment_not_an_undeployed_charts_values(
    tmp_path: Path,
) -> None:
    files = {
        "apps/web.yaml": APPSET,
        "env/eks-demo.yaml": "cluster: eks-demo\nenv: demo\nphase: alpha\n",
        **_chart(
            "web",
            {
                "values.yaml": "image:\n  repository: ghcr.io/acme/web\n  tag: 1.0.0\n",
                "values-alpha.yaml": "image:\n  tag: 1.1.0\n",
            },
        ),
        **_chart(
            "old",
            {
                "values.yaml": "image:\n  repository: ghcr.io/acme/old\n  tag: 1.0.0\n",
                "values-prod.yaml": "image:\n  tag: 1.0.1\n",
            },
        ),
    }
    found = discover(write(tmp_path, files))
    assert [(e.name, e.paths) for e in found.environments] == [("eks-demo", ("apps/web.yaml",))], found.notes
    assert any(n.startswith("charts/old/values-prod.yaml: ") for n in found.notes), found.notes
