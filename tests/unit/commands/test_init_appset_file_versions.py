"""A chart version an ApplicationSet's git files generator reads from a file of this repository
(play-builder/argocd-gitops@bc8b1dd2: argocd/appsets/external-secrets.yaml's
``targetRevision: "{{ .esoVersion }}"`` over ``files: [{path: "argocd/appsets/envs/*.json"}]``,
envs/dev.json and prod.json each setting ``"esoVersion": "0.14.2"``). The bot writes chart versions
in the ApplicationSet's own file only, so init says each version where the file sets it, with the
fix; and its error's head counts them as pins found, never "read no pin" or "nothing to release"."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from gitops_bot import cli
from gitops_bot.manifests import charts_argocd
from gitops_bot.output.result import Failed
from testkit.local_git import write

# argocd/appsets/external-secrets.yaml, reduced
APPSET = """\
apiVersion: argoproj.io/v1alpha1
kind: ApplicationSet
metadata:
  name: external-secrets
  namespace: argocd
spec:
  goTemplate: true
  goTemplateOptions: ["missingkey=error"]
  generators:
    - git:
        repoURL: https://github.com/play-builder/argocd-gitops.git
        revision: main
        files:
          - path: "argocd/appsets/envs/*.json"
  template:
    metadata:
      name: "external-secrets-{{ .env }}"
    spec:
      project: "{{ .project }}"
      source:
        repoURL: https://charts.external-secrets.io
        chart: external-secrets
        targetRevision: "{{ .esoVersion }}"
      destination:
        server: https://kubernetes.default.svc
        namespace: external-secrets
"""
# argocd/bootstrap.yaml, reduced: the app of apps applying the ApplicationSets
BOOTSTRAP = """\
apiVersion: argoproj.io/v1alpha1
kind: Application
metadata:
  name: bootstrap
  namespace: argocd
spec:
  project: default
  sources:
    - repoURL: https://github.com/play-builder/argocd-gitops.git
      targetRevision: main
      path: argocd/appsets
      directory:
        recurse: false
        include: "*.yaml"
  destination:
    server: https://kubernetes.default.svc
    namespace: argocd
"""


def _env(name: str, version: str) -> str:
    return (
        f'{{\n  "env": "{name}",\n  "project": "exchange-settlement-{name}",\n'
        f'  "esoVersion": "{version}",\n  "esoWebhook": false\n}}\n'
    )


def test_chart_versions_a_git_files_generator_reads_are_said_where_each_file_sets_them(
    tmp_path: Path,
) -> None:
    write(
        tmp_path,
        {
            "argocd/bootstrap.yaml": BOOTSTRAP,
            "argocd/appsets/external-secrets.yaml": APPSET,
            "argocd/appsets/envs/dev.json": _env("dev", "0.14.2"),
            "argocd/appsets/envs/prod.json": _env("prod", "0.13.0"),
        },
    )
    result = cli.execute(["init", "--repo", str(tmp_path)])
    assert result.exit_code == 2
    assert isinstance(result.body, Failed)
    error = result.body.line
    assert ": 2 pins found, none configured; not read: " in error, error
    assert "nothing for gitops-bot to release" not in error and "read no image or chart" not in error, error
    assert (
        "argocd/appsets/external-secrets.yaml: Argo CD ApplicationSet external-secrets renders chart "
        "external-secrets of https://charts.external-secrets.io, pinned 0.14.2 at "
        "argocd/appsets/envs/dev.json:4 (esoVersion), 0.13.0 at argocd/appsets/envs/prod.json:4 (esoVersion): "
        "versions its git files generator reads from those files, which the bot does not release"
    ) in error, error
    assert "write each environment's version in a list generator's element" in error, error


def test_a_chart_a_git_files_generator_names_with_a_version_of_the_template_is_no_site_to_configure() -> None:
    """The chart's name from the file and the version the template writes: the plan expands no
    git files generator, so neither is said as a version to configure (as the element of a list
    generator would be)."""
    appset = APPSET.replace("chart: external-secrets", 'chart: "{{ .chart }}"').replace(
        'targetRevision: "{{ .esoVersion }}"', "targetRevision: 0.14.2"
    )

    def files(pattern: str) -> list[tuple[str, Any]]:
        assert pattern == "argocd/appsets/envs/*.json"
        return [
            (
                "argocd/appsets/envs/dev.json",
                {"env": "dev", "chart": "external-secrets", "esoVersion": "0.14.2"},
            )
        ]

    (found,) = charts_argocd.generated_charts(appset, "argocd/appsets/external-secrets.yaml", files)
    assert found.why == "its git generator reads files' contents, which this reader does not expand", found
    assert not found.file and not found.version, found
    (named,) = charts_argocd.generated_charts(APPSET, "argocd/appsets/external-secrets.yaml", files)
    assert named.version == "0.14.2" and (named.file, named.key) == (
        "argocd/appsets/envs/dev.json",
        "esoVersion",
    )
