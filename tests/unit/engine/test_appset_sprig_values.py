"""An ApplicationSet's goTemplate values written with Sprig's functions, evaluated as Argo CD's
engine does: a revision a pipeline defaults to HEAD is the checkout's branch (AbeYuki/argocd-apps),
a git generator's ``values:`` trimmed with trimSuffix name the folders it renders
(bonzonkim/argocd-apps). Before, each was taken for the template's text: a branch of that name,
or a value no generator sets."""

from __future__ import annotations

from pathlib import Path

import pytest

from gitops_bot.engine.discovery import discover
from gitops_bot.manifests import go_pipelines
from gitops_bot.manifests.argocd_appsets import Unexpanded
from testkit import small_repos
from testkit.local_git import write


@pytest.mark.parametrize(
    ("expr", "want"),
    [
        ('get . "targetRevision" | default "HEAD"', "HEAD"),
        ('get . "name" | default "HEAD"', "web"),
        ('default "HEAD" .targetRevision', "HEAD"),
        ('trimSuffix "/config.json" .path.path', "grammair/server"),
        (".name | upper | trimPrefix `W`", "EB"),
        ('replace "-" "_" .name', "web"),
    ],
)
def test_sprig_pipelines_a_generator_s_parameters_fill(expr: str, want: str) -> None:
    params = {"name": "web", "path": {"path": "grammair/server/config.json"}}

    def look(e: str) -> object:
        value: object = params
        for key in e.removeprefix(".").split("."):
            if not isinstance(value, dict) or key not in value:
                raise Unexpanded(f"the template reads {e!r}, which the generators do not set")
            value = value[key]
        return value

    assert go_pipelines.evaluate(expr, params, look) == want


def _only_name(expr: str) -> object:
    if expr != ".name":
        raise Unexpanded(f"the template reads {expr!r}, which the generators do not set")
    return "web"


@pytest.mark.parametrize(
    "expr", ["sha256sum .name", ".missing | upper", 'trimSuffix "x"', ".name |", "| .name"]
)
def test_what_the_bot_does_not_evaluate_stays_unexpanded(expr: str) -> None:
    with pytest.raises(Unexpanded):
        go_pipelines.evaluate(expr, {"name": "web"}, _only_name)


APPSET_WITH_GENERATOR_VALUES = """apiVersion: argoproj.io/v1alpha1
kind: ApplicationSet
metadata:
  name: appset-raw
  namespace: argocd
spec:
  goTemplate: true
  generators:
    - git:
        repoURL: 'https://github.com/bonzonkim/argocd-apps'
        revision: main
        files:
          - path: '*/*/config.json'
        values:
          path: '{{ trimSuffix "/config.json" .path.path }}'
  template:
    metadata:
      name: '{{ .appName }}'
    spec:
      project: default
      source:
        repoURL: 'https://github.com/bonzonkim/argocd-apps'
        targetRevision: main
        path: '{{ .values.path }}'
      destination:
        server: https://kubernetes.default.svc
        namespace: grammair
"""


# bonzonkim/argocd-apps apps/appset-raw.yaml: a git files generator over `*/*/config.json` whose
# `values: {path: '{{ trimSuffix "/config.json" .path.path }}'}` the template's `path: '{{ .values.path
# }}'` reads (Argo CD's generator values, goTemplate with Sprig). init: "an ApplicationSet; the
# Applications it generates are not read, the directories they render are found on their own", then
# "grammair/server: a Kustomize directory nothing includes … that no environment renders" — the
# ApplicationSet renders it. With the template reading `{{ .path.path }}` directly (no `values:`),
# grammair/server is an environment's path and its image is read.
def test_an_application_set_s_git_generator_values_are_expanded(tmp_path: Path) -> None:
    root = write(
        tmp_path,
        {
            "apps/appset-raw.yaml": APPSET_WITH_GENERATOR_VALUES,
            "grammair/server/config.json": '{"appName": "grammair-server", "sourceType": "raw"}\n',
            "grammair/server/kustomization.yaml": "resources: [deployment.yaml]\n",
            "grammair/server/deployment.yaml": small_repos.deployment(
                "grammair-server", "ghcr.io/bonzonkim/grammair-server/grammair-server:1.0.3"
            ),
        },
    )
    found = discover(root, origin="https://github.com/bonzonkim/argocd-apps")
    assert any("grammair/server" in e.paths for e in found.environments), (
        [(e.name, e.paths) for e in found.environments],
        found.notes,
    )


def _plain_application(name: str, source: str) -> str:
    return (
        "apiVersion: argoproj.io/v1alpha1\nkind: Application\n"
        f"metadata:\n  namespace: argocd\n  name: {name}\nspec:\n  project: default\n  source:\n{source}"
        f"  destination:\n    server: https://kubernetes.default.svc\n    namespace: {name}\n"
    )


LIST_SET_WITH_DEFAULT_REVISION = """apiVersion: argoproj.io/v1alpha1
kind: ApplicationSet
metadata:
  name: applicationset
  namespace: argocd
spec:
  goTemplate: true
  goTemplateOptions: ["missingkey=error"]
  generators:
    - list:
        elements:
          - name: viteful
            repoURL: https://github.com/AbeYuki/argocd-apps.git
            path: ./manifests/viteful/production
            namespace: viteful
  template:
    metadata:
      name: "{{ .name }}"
      namespace: argocd
    spec:
      project: default
      destination:
        server: https://kubernetes.default.svc
        namespace: "{{ .namespace }}"
      source:
        repoURL: "{{ .repoURL }}"
        targetRevision: '{{ get . "targetRevision" | default "HEAD" }}'
        path: "{{ .path }}"
"""


# AbeYuki/argocd-apps applicationset/production/applicationset.yaml:479: the list generator's template
# reads `targetRevision: '{{ get . "targetRevision" | default "HEAD" }}'` (no element sets one: HEAD).
# plan skips every production entry: "actions-runner-controller renders branch {{ get . "targetRevision"
# | default "HEAD" }}; the bot reads main"; at discovery the folders the elements name are said "a
# Kustomize directory nothing includes … that no environment renders". With `targetRevision: HEAD`
# written, the image is read.
def test_an_application_set_s_sprig_default_revision_is_the_checkout_s(tmp_path: Path) -> None:
    root = write(
        tmp_path,
        {
            "app-of-apps/production/application.yaml": small_repos.application(
                "app-of-apps", "applicationset/production", repo_url="https://github.com/AbeYuki/argocd-apps"
            ),
            "applicationset/production/applicationset.yaml": LIST_SET_WITH_DEFAULT_REVISION,
            "manifests/viteful/production/kustomization.yaml": "resources: [db.yaml]\n",
            "manifests/viteful/production/db.yaml": small_repos.deployment("db", "postgres:16-alpine"),
        },
    )
    found = discover(root, origin="https://github.com/AbeYuki/argocd-apps")
    assert [i.name for i in found.images] == ["postgres"], found.notes
