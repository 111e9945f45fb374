"""``init`` reads every YAML document as it comes: an empty document (a Flux file ending in
``---``), a top-level list (a Kustomize ``replacements`` file), a scalar, and mappings whose
``metadata``, ``spec`` or generator blocks are lists or strings. Each is read past, never a
traceback, and what is an environment is still found."""

from __future__ import annotations

from pathlib import Path

import pytest

from gitops_bot.engine.discovery import discover
from testkit.local_git import write

DEPLOY = """\
apiVersion: apps/v1
kind: Deployment
metadata: {name: app}
spec:
  template:
    spec:
      containers:
      - name: app
        image: ghcr.io/acme/app:1.0.0
"""

FLUX = """\
apiVersion: kustomize.toolkit.fluxcd.io/v1
kind: Kustomization
metadata:
  name: apps
  namespace: flux-system
spec:
  interval: 10m
  path: ./apps/prod
  sourceRef:
    kind: GitRepository
    name: flux-system
"""

# a Kustomize replacements file: a top-level list, naming Flux's API group in a selector
REPLACEMENTS = """\
- source:
    kind: ConfigMap
    name: cluster-vars
    fieldPath: data.domain
  targets:
  - select:
      group: kustomize.toolkit.fluxcd.io
      kind: Kustomization
    fieldPaths: [spec.postBuild.substitute.domain]
"""


def _flux_repo(extra: dict[str, str]) -> dict[str, str]:
    return {
        "clusters/prod/apps.yaml": FLUX,
        "apps/base/kustomization.yaml": "resources:\n- deploy.yaml\n",
        "apps/base/deploy.yaml": DEPLOY,
        "apps/prod/kustomization.yaml": "resources:\n- ../base\n",
        **extra,
    }


def _prod(tmp_path: Path, files: dict[str, str]) -> None:
    found = discover(write(tmp_path, files))
    assert [(e.name, e.paths) for e in found.environments] == [("prod", ("apps/prod",))]
    assert [i.name for i in found.images] == ["ghcr.io/acme/app"]


def test_a_flux_file_ending_in_an_empty_document(tmp_path: Path) -> None:
    _prod(tmp_path, _flux_repo({"clusters/prod/apps.yaml": FLUX + "---\n"}))


def test_a_top_level_list_naming_a_deploy_tool(tmp_path: Path) -> None:
    _prod(tmp_path, _flux_repo({"clusters/prod/replacements.yaml": REPLACEMENTS}))


@pytest.mark.parametrize(
    "doc",
    [
        "- a\n- b\n",
        "just a string\n",
        "---\n---\n",
        # an object's fields as lists or strings where mappings are written
        "apiVersion: kustomize.toolkit.fluxcd.io/v1\nkind: Kustomization\nmetadata: [a]\nspec: [b]\n",
        "apiVersion: kustomize.toolkit.fluxcd.io/v1\nkind: Kustomization\nmetadata: x\n"
        "spec: {path: ./nowhere, sourceRef: [x]}\n",
        "apiVersion: kargo.akuity.io/v1alpha1\nkind: Stage\nmetadata: [x]\n"
        "spec: {requestedFreight: [{sources: [dev]}, x]}\n",
        "apiVersion: promoter.argoproj.io/v1alpha1\nkind: PromotionStrategy\nmetadata: {name: x}\n"
        "spec: {environments: [x, {branch: [a]}]}\n",
        "apiVersion: argoproj.io/v1alpha1\nkind: Application\nmetadata: [x]\n"
        "spec: {source: {path: apps/prod, targetRevision: [x]}}\n",
        "apiVersion: helm.toolkit.fluxcd.io/v2\nkind: HelmRelease\nmetadata: {name: x}\nspec: [x]\n",
        "apiVersion: helm.toolkit.fluxcd.io/v2\nkind: HelmRelease\nmetadata: {name: x}\nspec: {values: [x]}\n",
        "apiVersion: argoproj.io/v1alpha1\nkind: ApplicationSet\nmetadata: {name: x}\n"
        "spec: {strategy: {type: RollingSync, rollingSync: {steps: [x, {matchExpressions: [x]}]}}}\n",
    ],
    ids=[
        "list",
        "scalar",
        "empty",
        "flux-lists",
        "flux-source-list",
        "kargo-lists",
        "promoter-lists",
        "app-lists",
        "helmrelease-list",
        "helmrelease-values",
        "rolling-steps",
    ],
)
def test_documents_of_another_shape_are_read_past(tmp_path: Path, doc: str) -> None:
    _prod(tmp_path, _flux_repo({"clusters/prod/odd.yaml": doc}))


@pytest.mark.parametrize(
    "generator",
    [
        "list: [a, b]",
        "list: {elements: x}",
        "git: [x]",
        "git: {repoURL: x, directories: [x, {path: [y]}]}",
        "clusters: [x]",
        "clusters: {selector: [x]}",
        "clusters: {selector: {matchLabels: [x], matchExpressions: [x, {operator: In, values: x}]}}",
        "matrix: {generators: [{git: [x]}, {list: x}]}",
    ],
)
def test_applicationset_generators_of_another_shape_are_read_past(tmp_path: Path, generator: str) -> None:
    appset = (
        "apiVersion: argoproj.io/v1alpha1\nkind: ApplicationSet\nmetadata: {name: apps}\nspec:\n"
        f"  generators:\n  - {generator}\n"
        "  template:\n    metadata: {name: 'app-{{name}}'}\n"
        "    spec: {source: {repoURL: 'https://example.com/x.git', path: 'apps/{{name}}'}}\n"
    )
    found = discover(write(tmp_path, _flux_repo({"clusters/prod/appset.yaml": appset})))
    assert [i.name for i in found.images] == ["ghcr.io/acme/app"]
