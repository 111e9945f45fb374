"""``# not read:`` lines saying the same of several files are one line, the files counted and listed:
small-hack/argocd-apps's catalogue printed 111 lines "<file>: an ApplicationSet; the
Applications it generates are not read, …" among 326, and the few that mattered were lost."""

from __future__ import annotations

from pathlib import Path

from gitops_bot.engine.discovery import discover
from gitops_bot.engine.init_config import config_text
from testkit.local_git import write
from testkit.small_repos import deployment

_SET = """apiVersion: argoproj.io/v1alpha1
kind: ApplicationSet
metadata: {{name: s{i}}}
spec:
  generators:
  - clusters: {{}}
  template:
    metadata: {{name: 's{i}-{{{{name}}}}'}}
    spec:
      project: default
      source: {{repoURL: https://github.com/acme/gitops, path: app/overlays/prod, targetRevision: HEAD}}
      destination: {{server: '{{{{server}}}}', namespace: x}}
"""


def _files(n: int) -> dict[str, str]:
    return {
        "app/base/kustomization.yaml": "resources:\n- deployment.yaml\n",
        "app/base/deployment.yaml": deployment("web", "nginx:1.25.3"),
        "app/overlays/prod/kustomization.yaml": "resources:\n- ../../base\n",
        **{f"sets/s{i}.yaml": _SET.format(i=i) for i in range(1, n + 1)},
    }


def test_the_same_note_of_many_files_is_one_line(tmp_path: Path) -> None:
    text = config_text(discover(write(tmp_path, _files(4))))
    said = [line for line in text.splitlines() if line.startswith("# not read:")]
    assert said == [
        "# not read: 4 files (sets/s1.yaml, sets/s2.yaml, sets/s3.yaml, sets/s4.yaml): an ApplicationSet; the "
        "Applications it generates are not read, the directories they render are found on their own"
    ], said


def test_two_files_keep_a_line_each(tmp_path: Path) -> None:
    text = config_text(discover(write(tmp_path, _files(2))))
    said = [line for line in text.splitlines() if line.startswith("# not read:")]
    assert [line.split(": ", 2)[1] for line in said] == ["sets/s1.yaml", "sets/s2.yaml"], said
