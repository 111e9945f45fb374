"""An ApplicationSet whose generator init does not expand (an RHACM Placement's
``clusterDecisionResource``) over a directory of this repository: its line said "the directories
they render are found on their own" where nothing found them (waynedovey/rhacm-day2-gitops-demo:
three apps/ directories, 5 images, and init's "found no environment"). The line names the
directory no environment renders, with what to write."""

from __future__ import annotations

from pathlib import Path

from gitops_bot.engine.discovery import discover
from testkit.local_git import git, write
from testkit.small_repos import deployment

_SET = """apiVersion: argoproj.io/v1alpha1
kind: ApplicationSet
metadata: {{name: hello-dev, namespace: openshift-gitops}}
spec:
  generators:
  - clusterDecisionResource:
      configMapRef: ocm-placement-generator
      labelSelector: {{matchLabels: {{cluster.open-cluster-management.io/placement: hello-dev}}}}
  template:
    metadata: {{name: '{{{{clusterName}}}}-hello'}}
    spec:
      project: default
      source: {{repoURL: {url}, targetRevision: main, path: {path}}}
      destination: {{name: '{{{{clusterName}}}}', namespace: hello}}
"""


def _repo(tmp_path: Path, url: str, path: str) -> Path:
    root = write(
        tmp_path,
        {
            "applicationsets/hello.yaml": _SET.format(url=url, path=path),
            "apps/hello/kustomization.yaml": "resources:\n- deployment.yaml\n",
            "apps/hello/deployment.yaml": deployment(
                "hello", "quay.io/openshift/origin-hello-openshift:latest"
            ),
        },
    )
    git(root, "init", "-q")
    git(root, "remote", "add", "origin", "https://github.com/acme/rhacm-demo.git")
    return root


def test_a_directory_of_this_repository_no_environment_renders_is_named(tmp_path: Path) -> None:
    found = discover(
        _repo(tmp_path, "https://github.com/acme/rhacm-demo", "apps/hello"),
        origin="https://github.com/acme/rhacm-demo.git",
    )
    (line,) = [n for n in found.notes if n.startswith("applicationsets/hello.yaml")]
    assert line == (
        "applicationsets/hello.yaml: an ApplicationSet; the Applications it generates are not read, and no "
        "environment renders apps/hello, its template's path: write {name: <env>, path: apps/hello} under "
        "environments: and its images under images:"
    ), line


def test_another_repositorys_directory_of_the_same_name_is_not_named(tmp_path: Path) -> None:
    found = discover(
        _repo(tmp_path, "https://github.com/acme/other", "apps/hello"),
        origin="https://github.com/acme/rhacm-demo.git",
    )
    assert not any("apps/hello, its template's path" in n for n in found.notes), found.notes


def test_a_directory_holding_no_workload_is_not_offered_as_an_environment(tmp_path: Path) -> None:
    """A template over namespaces or CRDs renders nothing to release: no environment is its due."""
    root = _repo(tmp_path, "https://github.com/acme/rhacm-demo", "apps/namespaces")
    write(root, {"apps/namespaces/ns.yaml": "apiVersion: v1\nkind: Namespace\nmetadata: {name: hello}\n"})
    found = discover(root, origin="https://github.com/acme/rhacm-demo.git")
    (line,) = [n for n in found.notes if n.startswith("applicationsets/hello.yaml")]
    assert line.endswith("the directories they render are found on their own"), line
