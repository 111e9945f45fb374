"""A chart of this repository an ApplicationSet deploys, its list elements setting the values its
template passes into the chart (``valuesObject: {image: {tag: "{{ .imgTag }}"}}``), where other
Applications made the environments: the chart is said deployed by that ApplicationSet (never
"nothing in this repository deploys it"), naming each element's line and the key it sets.
Shaped as huseyindeniz/gitops-lab@9d539746 argocd/local-staging/sample-dotnet/wf.yaml over
helm-charts/dotnet-core-webapi (imgTag with Flux $imagepolicy markers, an image name the
template composes with the environment's)."""

from __future__ import annotations

from pathlib import Path

import pytest

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


def _chart(name: str, values: str, repository: str, tag: str) -> dict[str, str]:
    """The chart helm-charts/``name`` with ``values``, whose Deployment runs the image its
    template expressions ``repository`` and ``tag`` say."""
    template = DEPLOYMENT.format(image=repository).replace(":1.0.0", f":{tag}")
    return {
        f"helm-charts/{name}/Chart.yaml": f"apiVersion: v2\nname: {name}\nversion: 0.1.0\n",
        f"helm-charts/{name}/values.yaml": values,
        f"helm-charts/{name}/templates/deploy.yaml": template,
    }


# an Application of the environment the ApplicationSets stand beside, over a chart of its own
TRITON = {
    "argocd/local-staging/triton/triton.yaml": APP,
    **_chart(
        "ntis",
        "image: {repository: nvcr.io/nvidia/tritonserver, tag: 24.01-py3}\n",
        "{{ .Values.image.repository }}",
        "{{ .Values.image.tag }}",
    ),
}


def test_the_chart_an_applicationset_deploys_is_said_with_its_elements_lines(tmp_path: Path) -> None:
    root = write(
        tmp_path,
        {
            "argocd/local-staging/sample-dotnet/wf.yaml": APPSET,
            **TRITON,
            **_chart(
                "dotnet-core-webapi",
                "image: {repository: acme/app-image}\n",
                "{{ .Values.image.repository }}-api-{{ .Values.environment }}",
                "{{ .Values.image.tag }}",
            ),
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
            **_chart(
                "sample-ai",
                "frontend:\n  image: {repository: acme/front, tag: '1'}\n",
                "{{ .Values.frontend.image.repository }}",
                "{{ .Values.frontend.image.tag }}",
            ),
        },
    )
    found = discover(root)
    (env,) = [e for e in found.environments if "argocd/local-staging/triton/triton.yaml" in e.paths]
    assert "argocd/local-staging/sample-ai/sample-ai.yaml" in env.paths, found.environments
    front = next(i for i in found.images if i.name == "huseyindeniz/sample-ai-frontend-staging")
    assert env.name in front.environments
    assert not [n for n in found.notes if n.startswith("helm-charts/sample-ai:")], found.notes


DEEP = "".join("  " * i + f"k{i}:\n" for i in range(99)) + "  " * 99 + "v: 1\n"
BOMB = "".join(
    f"  {c}: &{c} [{','.join([f'*{p}'] * 9)}]\n" for p, c in zip("abcdefgh", "bcdefghi", strict=True)
)


@pytest.mark.parametrize(
    ("hostile", "why"),
    [
        (
            APPSET.replace(
                '              environment: "{{ .envName }}"\n',
                '              environment: "{{ .envName }}"\n'
                + "".join(f"              {line}\n" for line in DEEP.splitlines()),
            ),
            "nested deeper than 100 levels",
        ),
        (
            APPSET.replace(
                "spec:\n  generators:",
                "x-bomb:\n  a: &a [x, x, x, x, x, x, x, x, x]\n" + BOMB + "spec:\n  generators:",
                1,
            ).replace(
                "          - envName: stag-2\n", "          - envName: stag-2\n            extra: *i\n"
            ),
            "aliases expand to more than",
        ),
    ],
    ids=["values-100-deep", "alias-bomb"],
)
def test_an_applicationset_the_guard_refuses_is_said_though_it_writes_go_templates(
    tmp_path: Path, hostile: str, why: str
) -> None:
    """Its ``{{ .envName }}`` made a refused ApplicationSet read as a chart's template, YAML only
    once rendered, and init said nothing of it: its chart was 'nothing deploys it here'."""
    found = discover(write(tmp_path, {"argocd/local-staging/sample-dotnet/wf.yaml": hostile, **TRITON}))
    (said,) = [n for n in found.notes if n.startswith("argocd/local-staging/sample-dotnet/wf.yaml: ")]
    assert why in said and "not YAML the bot can read" in said, said
