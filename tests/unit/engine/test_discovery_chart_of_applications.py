"""A chart whose templates are Argo CD Applications (an app of apps), rendered by an Application
of the repository, is read through that root: its templates are no environments of their own.
BinaryMan32/argocd@db68229b: infrastructure/project-app.yaml renders the chart
infrastructure/infrastructure, whose templates are one Application per chart (cloudnative-pg,
kured, ...); init made the root's environment in-cluster AND one environment per template, so
every chart was 'rendered by' two of them and the first plan skipped 47 of 47. And a README's
`helm install NAME .` in a folder holding no Chart.yaml is no environment (helm fails there)."""

from __future__ import annotations

from pathlib import Path

from gitops_bot.engine.discovery import discover
from testkit.local_git import write
from testkit.small_repos import deployment

ROOT = """\
apiVersion: argoproj.io/v1alpha1
kind: Application
metadata: {name: infrastructure-project-app, namespace: argocd}
spec:
  project: default
  source:
    repoURL: https://github.com/acme/argocd.git
    targetRevision: main
    path: infrastructure/infrastructure
    helm: {valueFiles: [values.yaml]}
  destination: {namespace: argocd, server: https://kubernetes.default.svc}
"""

TEMPLATE = """\
apiVersion: argoproj.io/v1alpha1
kind: Application
metadata:
  name: {name}
  namespace: argocd
spec:
  project: default
  source:
    repoURL: https://charts.example.org/{name}
    chart: {name}
    targetRevision: {version}
  destination:
    namespace: {name}
    server: {{{{ .Values.destination.server }}}}
"""


def _files() -> dict[str, str]:
    chart = "infrastructure/infrastructure"
    return {
        "infrastructure/project-app.yaml": ROOT,
        f"{chart}/Chart.yaml": "apiVersion: v2\nname: infrastructure\nversion: 0.1.0\n",
        f"{chart}/values.yaml": "destination: {server: https://kubernetes.default.svc}\n",
        f"{chart}/templates/kured.yaml": TEMPLATE.format(name="kured", version="6.1.0"),
        f"{chart}/templates/reloader.yaml": TEMPLATE.format(name="reloader", version="2.2.16"),
    }


def test_the_templates_of_a_rendered_chart_of_applications_are_no_environments(tmp_path: Path) -> None:
    found = discover(write(tmp_path, _files()))
    assert [(e.name, e.paths) for e in found.environments] == [
        ("in-cluster", ("infrastructure/project-app.yaml",))
    ], found.notes
    assert sorted((c.name, c.environments) for c in found.charts) == [
        ("kured", ("in-cluster",)),
        ("reloader", ("in-cluster",)),
    ]


def test_helm_install_of_a_folder_holding_no_chart_is_no_environment(tmp_path: Path) -> None:
    files = {
        **_files(),
        "infrastructure/README.md": (
            "## CoreDNS\n\n```sh\nhelm dependency update\nhelm install --namespace=kube-system coredns .\n```\n"
        ),
        "infrastructure/debug.yaml": deployment("debug", "busybox:1.36.1"),
    }
    found = discover(write(tmp_path, files))
    assert [e.name for e in found.environments] == ["in-cluster"], found.notes
