"""A chart of this repository an ApplicationSet deploys, its list elements setting the values its
template passes into the chart (``valuesObject: {image: {tag: "{{ .imgTag }}"}}``), where other
Applications made the environments: the chart is said deployed by that ApplicationSet (never
"nothing in this repository deploys it"), naming each element's line and the key it sets.
Shaped as huseyindeniz/gitops-lab@9d539746 argocd/local-staging/sample-dotnet/wf.yaml over
helm-charts/dotnet-core-webapi (imgTag with Flux $imagepolicy markers, an image name the
template composes with the environment's)."""

from __future__ import annotations

from pathlib import Path

from gitops_bot.engine.discovery import discover
from testkit.broken_repos import DEPLOYMENT
from testkit.local_git import write

APPSET = """\
apiVersion: argoproj.io/v1alpha1
kind: ApplicationSet
metadata:
  name: sample-dotnet-wf-staging-appset
spec:
  generators:
    - list:
        elements:
          - envName: stag-1
            imgTag: "ci-13481276849-20250223082812" # {"$imagepolicy": "flux-system:stag-1-image-policy:tag"}
          - envName: stag-2
            imgTag: "ci-13481649714-20250223091844" # {"$imagepolicy": "flux-system:stag-2-image-policy:tag"}
  goTemplate: true
  template:
    metadata:
      name: "sample-dotnet-wf-staging-{{.envName}}"
    spec:
      project: default
      sources:
        - repoURL: https://github.com/acme/gitops-lab.git
          targetRevision: main
          path: "helm-charts/dotnet-core-webapi"
          helm:
            valueFiles:
              - values.yaml
            valuesObject:
              environment: "{{ .envName }}"
              image:
                tag: "{{ .imgTag }}"
      destination:
        server: "https://172.17.0.5:8443"
        namespace: "sample-dotnet-wf-staging-{{ .envName }}"
"""

APP = """\
apiVersion: argoproj.io/v1alpha1
kind: Application
metadata: {name: triton-staging, namespace: argocd}
spec:
  project: default
  source:
    repoURL: https://github.com/acme/gitops-lab.git
    targetRevision: main
    path: helm-charts/ntis
  destination: {server: "https://172.17.0.5:8443", namespace: triton}
"""


# an Application of the environment the ApplicationSets stand beside, over a chart of its own
TRITON = {
    "argocd/local-staging/triton/triton.yaml": APP,
    "helm-charts/ntis/Chart.yaml": "apiVersion: v2\nname: ntis\nversion: 0.1.0\n",
    "helm-charts/ntis/values.yaml": "image: {repository: nvcr.io/nvidia/tritonserver, tag: 24.01-py3}\n",
    "helm-charts/ntis/templates/deploy.yaml": DEPLOYMENT.format(
        image="{{ .Values.image.repository }}"
    ).replace(":1.0.0", ":{{ .Values.image.tag }}"),
}


def test_the_chart_an_applicationset_deploys_is_said_with_its_elements_lines(tmp_path: Path) -> None:
    root = write(
        tmp_path,
        {
            "argocd/local-staging/sample-dotnet/wf.yaml": APPSET,
            **TRITON,
            "helm-charts/dotnet-core-webapi/Chart.yaml": "apiVersion: v2\nname: webapi\nversion: 0.1.0\n",
            "helm-charts/dotnet-core-webapi/values.yaml": "image: {repository: acme/app-image}\n",
            "helm-charts/dotnet-core-webapi/templates/deployment.yaml": DEPLOYMENT.format(
                image="{{ .Values.image.repository }}-api-{{ .Values.environment }}"
            ).replace(":1.0.0", ":{{ .Values.image.tag }}"),
        },
    )
    found = discover(root)
    assert not [n for n in found.notes if "nothing in this repository deploys" in n], found.notes
    assert not [n for n in found.notes if "the Applications it generates are not read" in n], found.notes
    (said,) = [n for n in found.notes if n.startswith("helm-charts/dotnet-core-webapi: ")]
    assert (
        "ApplicationSet sample-dotnet-wf-staging-appset (argocd/local-staging/sample-dotnet/wf.yaml)" in said
    )
    # the tag each element sets (its Flux marker's line), not the environment's name it also passes
    assert "its list elements set image.tag at argocd/local-staging/sample-dotnet/wf.yaml:10, 12, " in said, (
        said
    )
    assert "environment at" not in said, said


VALUES_APPSET = """\
apiVersion: argoproj.io/v1alpha1
kind: ApplicationSet
metadata: {name: sample-ai-staging}
spec:
  generators:
    - list:
        elements:
          - envName: staging
  goTemplate: true
  template:
    metadata:
      name: "sample-ai-{{.envName}}"
    spec:
      project: default
      sources:
        - repoURL: https://github.com/acme/gitops-lab.git
          targetRevision: main
          path: "helm-charts/sample-ai"
          helm:
            valueFiles:
              - "$values/argocd/local-staging/sample-ai/values/sample-ai-values.yaml"
        - repoURL: https://github.com/acme/gitops-lab.git
          targetRevision: main
          ref: values
      destination:
        server: "https://172.17.0.5:8443"
        namespace: sample-ai-staging
"""


def test_an_applicationset_whose_values_files_set_the_tags_is_a_path_beside_its_applications(
    tmp_path: Path,
) -> None:
    """gitops-lab's sample-ai ApplicationSet: its chart's image tags are in a ``$values`` file of
    the repository, read as an Application's; its file joins the environment of the Application
    files beside it (argocd/local-staging/)."""
    root = write(
        tmp_path,
        {
            "argocd/local-staging/sample-ai/sample-ai.yaml": VALUES_APPSET,
            "argocd/local-staging/sample-ai/values/sample-ai-values.yaml": (
                "frontend:\n  image:\n    repository: huseyindeniz/sample-ai-frontend-staging\n"
                '    tag: "20250226214657"\n'
            ),
            **TRITON,
            "helm-charts/sample-ai/Chart.yaml": "apiVersion: v2\nname: sample-ai\nversion: 0.1.0\n",
            "helm-charts/sample-ai/values.yaml": "frontend:\n  image: {repository: acme/front, tag: '1'}\n",
            "helm-charts/sample-ai/templates/deploy.yaml": DEPLOYMENT.format(
                image="{{ .Values.frontend.image.repository }}"
            ).replace(":1.0.0", ":{{ .Values.frontend.image.tag }}"),
        },
    )
    found = discover(root)
    (env,) = [e for e in found.environments if "argocd/local-staging/triton/triton.yaml" in e.paths]
    assert "argocd/local-staging/sample-ai/sample-ai.yaml" in env.paths, found.environments
    front = next(i for i in found.images if i.name == "huseyindeniz/sample-ai-frontend-staging")
    assert env.name in front.environments
    assert not [n for n in found.notes if n.startswith("helm-charts/sample-ai:")], found.notes
