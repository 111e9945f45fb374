"""An ApplicationSet whose Go template names no source and whose ``templatePatch`` gives it one
(mmalyska/home-ops cluster/appsets/appset-default.yaml): Argo CD fills the patch for each
Application and merges it into the template, so the patch's source is what each deploys, read at
the file's own lines."""

from __future__ import annotations

from gitops_bot.manifests import argocd_appsets

APPSET = """apiVersion: argoproj.io/v1alpha1
kind: ApplicationSet
metadata: {name: apps}
spec:
  goTemplate: %s
  generators:
    - list:
        elements:
          - {name: web, dir: apps/web}
          - {name: api, dir: apps/api}
  template:
    metadata: {name: '{{.name}}'}
    spec:
      project: default
      destination: {server: https://kubernetes.default.svc, namespace: '{{.name}}'}
  templatePatch: |
    spec:
      source:
        repoURL: https://github.com/acme/home-ops
        targetRevision: main
        path: %s
"""


def _generated(text: str) -> list[tuple[str, object]]:
    return list(argocd_appsets.generate(text, "appset.yaml", lambda _: []))


def test_the_patch_s_source_is_each_application_s_at_its_line() -> None:
    got = _generated(APPSET % ("true", "'{{.dir}}'"))
    apps = [g for _, g in got if isinstance(g, argocd_appsets.Generated)]
    assert [(a.name, [s.path for s in a.sources]) for a in apps] == [
        ("web", ["apps/web"]),
        ("api", ["apps/api"]),
    ]
    lines = (APPSET % ("true", "x")).splitlines()
    # the source mapping starts at its first key: the line in the file, not in the patch
    assert lines[apps[0].sources[0].line - 1] == "        repoURL: https://github.com/acme/home-ops"


def test_a_value_the_patch_writes_unquoted_is_filled_before_it_is_read() -> None:
    got = _generated(APPSET % ("true", "{{.dir}}"))
    assert [s.path for _, g in got if isinstance(g, argocd_appsets.Generated) for s in g.sources] == [
        "apps/web",
        "apps/api",
    ]


def test_without_go_templates_argo_cd_takes_no_patch() -> None:
    got = _generated(APPSET % ("false", "'{{.dir}}'"))
    assert all(isinstance(g, argocd_appsets.Generated) and not g.sources for _, g in got), got


def test_a_patch_that_is_no_yaml_once_filled_is_said() -> None:
    got = _generated(APPSET % ("true", "[{{.dir}}"))
    assert got and all(isinstance(g, str) for _, g in got), got
    assert "templatePatch is not YAML once filled" in str(got[0][1])
