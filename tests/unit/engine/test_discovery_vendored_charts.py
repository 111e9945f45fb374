"""What a chart keeps of its upstream is no environment of this repository: its vendored
dependencies under ``charts/``, chart-testing's values under ``ci/``, a published release copied
into a directory named by its version, and the ``helm install`` lines of their READMEs
(tmax-cloud/argocd-installer@8be63bbe's manifest/gitea/charts/mariadb/ci/values-production*.yaml
and manifest/cert-manager/charts/cert-manager/README.md, khk04/argocd@e3fc4bb5's
elk/opensearch/ci/*-values.yaml, whh881114/argocd-manifests@5b45d0f1's
_charts/loki/0.80.3/values.test.yaml: init offered each as an environment). And the installer's
roots, Applications over a chart whose templates are Applications, are an environment, not dropped
as rendering none of the images found."""

from __future__ import annotations

from pathlib import Path

from gitops_bot.engine.discovery import discover
from testkit.local_git import write

DEPLOY = (
    "apiVersion: apps/v1\nkind: Deployment\nmetadata: {{name: {name}}}\n"
    "spec: {{template: {{spec: {{containers: [{{name: app, image: '{image}'}}]}}}}}}\n"
)
CHART_DEPLOY = DEPLOY.format(name="db", image="{{ .Values.image.repository }}:{{ .Values.image.tag }}")


def _chart(
    at: str, name: str, version: str = "1.0.0", image: str = "docker.io/bitnami/mariadb"
) -> dict[str, str]:
    return {
        f"{at}/Chart.yaml": f"apiVersion: v2\nname: {name}\nversion: {version}\n",
        f"{at}/values.yaml": f"image:\n  repository: {image}\n  tag: 10.5.8\n",
        f"{at}/templates/deploy.yaml": CHART_DEPLOY,
    }


# manifest/cert-manager/charts/cert-manager/README.md:210, jetstack's own documentation
README = (
    "Alternatively, provide a YAML file:\n\n```console\n$ helm install my-release -f values.yaml .\n```\n"
)


def test_a_charts_vendored_dependencies_and_ci_values_are_no_environments(tmp_path: Path) -> None:
    files = {
        "overlays/prod/kustomization.yaml": "resources: [deploy.yaml]\n",
        "overlays/prod/deploy.yaml": DEPLOY.format(name="app", image="ghcr.io/acme/app:1.4.0"),
        **_chart("manifest/gitea", "gitea", image="gitea/gitea"),
        **_chart("manifest/gitea/charts/mariadb", "mariadb"),
        "manifest/gitea/charts/mariadb/values-production.yaml": "image: {tag: 10.5.8}\n",
        "manifest/gitea/charts/mariadb/ci/values-production-with-rbac-and-metrics.yaml": "rbac: {create: true}\n",
        "manifest/gitea/charts/mariadb/README.md": README,
        **_chart("elk/opensearch", "opensearch", image="opensearchproject/opensearch"),
        "elk/opensearch/ci/ci-values.yaml": "image: {tag: 2.0.0}\n",
        # a published release kept under its version: upstream's test values
        **_chart("_charts/loki/0.80.3", "loki-distributed", version="0.80.3", image="docker.io/grafana/loki"),
        "_charts/loki/0.80.3/values.test.yaml": "image: {tag: 2.9.0}\n",
        "_charts/loki/0.80.3/README.md": README,
    }
    found = discover(write(tmp_path, files))
    paths = [p for e in found.environments for p in e.paths]
    assert paths == ["overlays/prod"], found.environments


ROOT = """\
apiVersion: argoproj.io/v1alpha1
kind: Application
metadata:
  name: master-applications
  namespace: argocd
spec:
  destination:
    namespace: argocd
    server: https://kubernetes.default.svc
  project: default
  source:
    helm:
      valueFiles:
        - shared-values.yaml
        - master-values.yaml
      parameters:
        - name: spec.source.repoURL
          value: "git repository URL: ex) https://github.com/tmax-cloud/argocd-installer.git"
    path: application/helm
    repoURL: https://github.com/tmax-cloud/argocd-installer
    targetRevision: HEAD
"""
# application/helm/templates/nexus.yaml, reduced
MODULE = """\
{{ if .Values.modules.nexus.enabled }}
apiVersion: argoproj.io/v1alpha1
kind: Application
metadata:
  name: nexus
  namespace: argocd
spec:
  destination:
    name: {{ .Values.global.clusterName }}
    namespace: nexus
  project: default
  source:
    path: manifest/nexus
    repoURL: {{ .Values.spec.source.repoURL }}
    targetRevision: {{ .Values.spec.source.targetRevision }}
{{ end }}
"""


def test_an_installers_root_over_a_chart_of_applications_is_an_environment(tmp_path: Path) -> None:
    """The root is kept though init's rules render none of its modules' images; the module's own
    README (``helm install -f myvalues.yaml sonatype-nexus ./``, manifest/nexus/README.md:111)
    installs what the root's Application already names, so it makes no environment of its own."""
    files = {
        "application/app_of_apps/master-applications.yaml": ROOT,
        "application/helm/Chart.yaml": "apiVersion: v2\nname: hypercloud-installer\nversion: 0.1.0\n",
        "application/helm/shared-values.yaml": "spec: {source: {targetRevision: HEAD}}\n",
        "application/helm/master-values.yaml": "modules: {nexus: {enabled: true}}\nglobal: {clusterName: in-cluster}\n",
        "application/helm/templates/nexus.yaml": MODULE,
        **_chart("manifest/nexus", "nexus-repository-manager", image="docker.io/sonatype/nexus3"),
        "manifest/nexus/README.md": "```bash\n$ helm install -f myvalues.yaml sonatype-nexus ./\n```\n",
    }
    found = discover(write(tmp_path, files))
    assert [e.paths for e in found.environments] == [("application/app_of_apps/master-applications.yaml",)]
    assert not [n for n in found.notes if "renders none of the images found" in n], found.notes
