"""A chart whose templates are Argo CD Applications (an app of apps), rendered by an Application
of the repository, is read through that root: its templates are no environments of their own.
BinaryMan32/argocd@db68229b: infrastructure/project-app.yaml renders the chart
infrastructure/infrastructure, whose templates are one Application per chart (cloudnative-pg,
kured, ...); init made the root's environment in-cluster AND one environment per template, so
every chart was 'rendered by' two of them and the first plan skipped 47 of 47. And a README's
`helm install NAME .` in a folder holding no Chart.yaml is no environment (helm fails there)."""

from __future__ import annotations

from pathlib import Path

import pytest

from gitops_bot.engine.discovery import discover
from testkit.app_of_apps import APPLICATION
from testkit.kubetools import helm
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


def _template(name: str, version: str) -> str:
    """One Application template of the chart: a chart of its own, the cluster its values name."""
    chart = (
        f"    repoURL: https://charts.example.org/{name}\n    chart: {name}\n    targetRevision: {version}"
    )
    text = APPLICATION.format(name=name, source=chart, namespace=name)
    return text.replace("server: https://kubernetes.default.svc", "server: {{ .Values.destination.server }}")


def _files() -> dict[str, str]:
    chart = "infrastructure/infrastructure"
    return {
        "infrastructure/project-app.yaml": ROOT,
        f"{chart}/Chart.yaml": "apiVersion: v2\nname: infrastructure\nversion: 0.1.0\n",
        f"{chart}/values.yaml": "destination: {server: https://kubernetes.default.svc}\n",
        f"{chart}/templates/kured.yaml": _template("kured", "6.1.0"),
        f"{chart}/templates/reloader.yaml": _template("reloader", "2.2.16"),
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


SONARR = """\
apiVersion: argoproj.io/v1alpha1
kind: Application
metadata: {name: sonarr, namespace: argocd}
spec:
  project: default
  source:
    repoURL: https://github.com/acme/argocd.git
    targetRevision: main
    path: {{ .Values.project.path }}/media/sonarr
  destination: {namespace: media, server: https://kubernetes.default.svc}
"""


def test_init_lists_the_images_of_what_a_chart_of_applications_deploys(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """BinaryMan32/argocd's services chart: each template an Application of a kustomization at a
    path its values fill in (``{{ .Values.project.path }}/media/sonarr``). The plan renders the
    chart with helm and follows them; init read the chart's files by its rules alone, so sonarr's
    image was 'workload manifests no environment renders', with advice to deploy resources/."""
    monkeypatch.setenv("GITOPS_BOT_HELM", helm())
    chart = "services/services"
    files = {
        "services/project-app.yaml": ROOT.replace(
            "infrastructure-project-app", "services-project-app"
        ).replace("path: infrastructure/infrastructure", f"path: {chart}"),
        f"{chart}/Chart.yaml": "apiVersion: v2\nname: services\nversion: 0.1.0\n",
        f"{chart}/values.yaml": "project: {path: services}\n",
        f"{chart}/templates/sonarr.yaml": SONARR,
        "services/media/sonarr/kustomization.yaml": (
            "resources: [./resources/deployment.yaml]\n"
            "images:\n- name: sonarr\n  newName: linuxserver/sonarr\n  newTag: 4.0.19.2979-ls322\n"
        ),
        "services/media/sonarr/resources/deployment.yaml": deployment("sonarr", "sonarr"),
    }
    found = discover(write(tmp_path, files))
    assert [(e.name, e.paths) for e in found.environments] == [("in-cluster", ("services/project-app.yaml",))]
    assert [(i.name, i.repository) for i in found.images] == [("sonarr", "linuxserver/sonarr")], found.notes
    assert not [n for n in found.notes if "sonarr" in n], found.notes


def _plain_application(name: str, source: str) -> str:
    return (
        "apiVersion: argoproj.io/v1alpha1\nkind: Application\n"
        f"metadata:\n  namespace: argocd\n  name: {name}\nspec:\n  project: default\n  source:\n{source}"
        f"  destination:\n    server: https://kubernetes.default.svc\n    namespace: {name}\n"
    )


# DolfenHC/argocd-apps charts/root-app: an app-of-apps chart whose templates are plain Applications
# (not one `{{`), applied by install.sh:8 (`helm template charts/root-app/ | kubectl apply -f -`) and
# kept by its own root Application (templates/root-app.yaml, path charts/root-app/). Its Applications
# pin ingress-nginx 4.9.1, postgresql 15.5.36, trino 0.29.0 (and 7 ranges), and deploy
# manifests/whoami (traefik/whoami:latest) and manifests/minio. init: "charts/root-app: a Helm chart
# that charts/root-app/templates/root-app.yaml names as its source path, in a form the bot does not
# render (a chart's template, a generator's values): not read as an environment", and
# manifests/whoami "workload manifests … that no environment renders". The issue's "Helm charts …
# that render Applications (app of apps)" are environments read through the renderer.
def test_an_app_of_apps_chart_of_plain_applications_is_read(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # the chart is read as Argo CD renders it, with helm (a GitHub runner has it), as the others here
    monkeypatch.setenv("GITOPS_BOT_HELM", helm())
    repo = "    repoURL: https://github.com/DolfenHC/argocd-apps.git\n    targetRevision: HEAD\n"
    root = write(
        tmp_path,
        {
            "charts/root-app/Chart.yaml": "apiVersion: v2\nname: root-app\nversion: 1.0.0\n",
            "charts/root-app/values.yaml": "",
            "charts/root-app/templates/root-app.yaml": _plain_application(
                "root-app", f"{repo}    path: charts/root-app/\n"
            ),
            "charts/root-app/templates/ingress-nginx.yaml": _plain_application(
                "ingress-nginx",
                "    repoURL: https://kubernetes.github.io/ingress-nginx\n    chart: ingress-nginx\n"
                "    targetRevision: 4.9.1\n",
            ),
            "charts/root-app/templates/whoami.yaml": _plain_application(
                "whoami", f"{repo}    path: manifests/whoami/\n"
            ),
            "manifests/whoami/manifest.yaml": deployment("whoami", "traefik/whoami:v1.10.1"),
            "install.sh": "#!/bin/sh\nhelm template charts/root-app/ | kubectl apply -f -\n",
        },
    )
    found = discover(root, origin="https://github.com/DolfenHC/argocd-apps.git")
    assert [c.name for c in found.charts] == ["ingress-nginx"], ([c.name for c in found.charts], found.notes)
    assert any(i.name == "traefik/whoami" for i in found.images), (
        [i.name for i in found.images],
        found.notes,
    )
