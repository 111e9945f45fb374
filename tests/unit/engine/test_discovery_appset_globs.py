"""An ApplicationSet's git generator globs read as Argo CD reads them: a directories generator's
path with Go's ``path.Match`` (``*`` never crosses ``/``; hidden directories are not listed), a
files generator's with ``git ls-files -- <path>`` (git's pathspec: ``*`` crosses ``/``, Argo CD's
default unless its new globbing is switched on). The cases are Argo CD's own
(applicationset/generators/git_test.go, util/git/git_test.go TestLsFiles)."""

from __future__ import annotations

from pathlib import Path

from gitops_bot.engine.discovery import discover
from gitops_bot.engine.repository_files import RepoFiles
from testkit.local_git import write

DEPLOY = """\
apiVersion: apps/v1
kind: Deployment
metadata: {name: web}
spec:
  template:
    spec:
      containers:
      - name: web
        image: ghcr.io/acme/web:1.0.0
"""


def _dirs(tmp_path: Path, dirs: list[str]) -> RepoFiles:
    return RepoFiles(write(tmp_path, {f"{d}/deploy.yaml": DEPLOY for d in dirs}))


def test_a_directories_generator_star_stops_at_a_slash(tmp_path: Path) -> None:
    # git_test.go "It filters application according to the paths": p1/* and p1/*/* over
    # app1, p1/app2, p1/p2/app3, p1/p2/p3/app4 give p1/app2 and p1/p2/app3 (and the directories
    # p1/p2, p1/p2/p3 a real tree holds, which the test's listing leaves out); never app4
    repo = _dirs(tmp_path, ["app1", "p1/app2", "p1/p2/app3", "p1/p2/p3/app4"])
    assert repo.generator_dirs("p1/*") == ["p1/app2", "p1/p2"]
    assert repo.generator_dirs("p1/*/*") == ["p1/p2/app3", "p1/p2/p3"]
    # "happy flow": * is the top directories only, never p1/app4
    happy = _dirs(tmp_path / "happy", ["app1", "app2", "app_3", "p1/app4", ".hidden/app5"])
    assert happy.generator_dirs("*") == ["app1", "app2", "app_3", "p1"]


def test_a_files_generator_glob_crosses_a_slash_as_git_ls_files_does(tmp_path: Path) -> None:
    # TestLsFiles "Old globbing with symlinks and subdir": *.yaml gives a.yaml and subdir/b.yaml
    repo = RepoFiles(write(tmp_path, {"a.yaml": "a: 1\n", "subdir/b.yaml": "b: 2\n", "c.txt": "c\n"}))
    assert [f for f, _ in repo.generator_files("*.yaml")] == ["a.yaml", "subdir/b.yaml"]
    assert dict(repo.generator_files("*.yaml"))["subdir/b.yaml"] == {"b": 2}


APPSET = """\
apiVersion: argoproj.io/v1alpha1
kind: ApplicationSet
metadata: {name: web, namespace: argocd}
spec:
  generators:
  - git:
      repoURL: https://github.com/acme/web
      revision: HEAD
      directories:
      - path: '*/staging'
  template:
    metadata:
      name: 'web-{{path[0]}}'
    spec:
      project: default
      source:
        repoURL: https://github.com/acme/web
        targetRevision: HEAD
        path: '{{path}}'
      destination:
        name: in-cluster
        namespace: web
"""


def test_init_takes_only_the_directories_argo_cd_generates(tmp_path: Path) -> None:
    """``*/staging`` is web/staging, not team/api/staging: Argo CD generates no Application
    for the latter, so it is no path of the staging environment."""
    root = write(
        tmp_path,
        {
            "argocd/appset.yaml": APPSET,
            "web/staging/deploy.yaml": DEPLOY,
            "team/api/staging/deploy.yaml": DEPLOY.replace("acme/web", "acme/api"),
        },
    )
    found = discover(root)
    assert {e.name: e.paths for e in found.environments} == {"staging": ("web/staging",)}
    assert [i.name for i in found.images] == ["ghcr.io/acme/web"]
