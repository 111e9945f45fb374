"""A file of CustomResourceDefinitions (a chart's ``crds/``, an operator's bundle: megabytes of
schema whose ``names:`` say ``kind: Application``) holds no deploy object and no image, so
neither init nor a plan's reading composes it: one such 4 MB file was composed 15 times by one
init (open-cluster-management-io/argocd-pull-integration, 59 s)."""

from __future__ import annotations

from pathlib import Path

import pytest

from gitops_bot.engine.discovery import discover
from gitops_bot.manifests import argocd_apps, definitions_only, may_hold, nodes, written_kinds
from testkit import parses
from testkit.local_git import write

CRD = """---
apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata:
  name: applications.argoproj.io
spec:
  group: argoproj.io
  names:
    kind: Application
    listKind: ApplicationList
  versions:
    - name: v1alpha1
      schema:
        openAPIV3Schema:
          properties:
            image: {type: string}
"""
APPLICATION = """apiVersion: argoproj.io/v1alpha1
kind: Application
metadata:
  name: web-dev
spec:
  source:
    repoURL: https://github.com/acme/gitops.git
    targetRevision: HEAD
    path: overlays/dev
"""
# the Application and the overlay it deploys, beside the files no reader may compose
DEPLOYED = {
    "apps/dev.yaml": APPLICATION,
    "overlays/dev/kustomization.yaml": "resources: [deploy.yaml]\n",
    "overlays/dev/deploy.yaml": "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: web}\nspec:\n"
    "  template:\n    spec:\n      containers:\n        - {name: web, image: ghcr.io/acme/web:1.0.0}\n",
}


def test_only_definitions_is_judged_by_the_kinds_each_document_writes_at_its_start() -> None:
    assert definitions_only(CRD * 3)
    assert not definitions_only(CRD + "---\n" + APPLICATION)
    assert not definitions_only(APPLICATION)
    assert not definitions_only('{"kind": "CustomResourceDefinition"}')  # JSON: parsed as before
    assert not definitions_only("")


def test_init_finds_the_application_and_never_composes_the_definitions(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    composed = parses.files_read(monkeypatch, nodes, "compose_all")
    files = {
        "crds/argocd.yaml": CRD * 20,
        **DEPLOYED,
    }
    found = discover(write(tmp_path, files))
    assert [p for e in found.environments for p in e.paths] == ["overlays/dev"]
    assert [i.name for i in found.images] == ["ghcr.io/acme/web"]
    assert composed and "crds/argocd.yaml" not in composed


# an OLM bundle's description of an operator: its owned definitions say kind: Application
# indented, and its annotations hold the operator's image
CSV = """apiVersion: operators.coreos.com/v1alpha1
kind: ClusterServiceVersion
metadata:
  name: argocd-operator.v0.0.11
  annotations:
    containerImage: quay.io/argoprojlabs/argocd-operator:v0.0.11
spec:
  customresourcedefinitions:
    owned:
      - kind: Application
        name: applications.argoproj.io
      - kind: ApplicationSet
        name: applicationsets.argoproj.io
"""


def test_kinds_are_read_from_each_documents_own_lines_or_not_at_all() -> None:
    assert written_kinds(CSV) == {"ClusterServiceVersion"}
    assert written_kinds(CRD + "---\n" + APPLICATION) == {"CustomResourceDefinition", "Application"}
    assert written_kinds("kind: K8sRequiredLabels\napiVersion: x/v1\n") == {"K8sRequiredLabels"}
    assert written_kinds(CSV + '---\n{"kind": "Application"}\n') is None  # JSON beside: parsed
    assert written_kinds("kind: List\nitems:\n- kind: Application\n") is None
    assert written_kinds("--- kind: Application\n") is None  # a document begun on its '---' line
    assert not may_hold(CSV, frozenset({"Application"}))
    assert may_hold(CSV + "---\n" + APPLICATION, frozenset({"Application"}))


def test_an_operator_bundle_naming_the_kinds_indented_is_never_composed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    composed = parses.files_read(monkeypatch, nodes, "compose_all")
    files = {
        **{f"deploy/olm-catalog/0.0.{n}/argocd-operator.csv.yaml": CSV for n in range(3)},
        **DEPLOYED,
    }
    found = discover(write(tmp_path, files))
    assert [p for e in found.environments for p in e.paths] == ["overlays/dev"]
    assert composed and not [f for f in composed if "olm-catalog" in f], composed


NAMESPACE = "apiVersion: v1\nkind: Namespace\nmetadata:\n  name: prod\n"
SPEC = "spec: {source: {repoURL: 'https://github.com/acme/gitops.git', path: overlays/prod}}\n"
FLOW_APP = (
    "{apiVersion: argoproj.io/v1alpha1, kind: Application, metadata: {name: prod}, " + SPEC[:-1] + "}\n"
)
# a quoted scalar YAML reads on across lines, one of them 'kind: Namespace' at the line's start
NOTE = 'metadata: {name: prod, annotations: {note: "a\nkind: Namespace\n  b"}}\n'


@pytest.mark.parametrize(
    "text",
    [
        (NAMESPACE + "---\n" + FLOW_APP).replace("\n", "\r\n"),
        NAMESPACE + "---\u2028" + FLOW_APP,
        "apiVersion: argoproj.io/v1alpha1\n" + NOTE + '"kind": Application\n' + SPEC,
        "  apiVersion: argoproj.io/v1alpha1\n  " + NOTE + "  kind: Application\n  " + SPEC,
    ],
    ids=["CRLF, then a flow document", "a line separator", "a quoted key", "an indented document"],
)
def test_an_application_the_line_scan_cannot_see_is_read_by_parsing(text: str) -> None:
    # the kind YAML reads is not on a 'kind:' line of its own at a document's start: the scan
    # gives no answer rather than the other kind, and the Application is found
    assert written_kinds(text) is None
    assert [s.path for s in argocd_apps.sources(text, "apps/prod.yaml")] == ["overlays/prod"]
