"""A remote base under an environment of two paths (argocon-gitops-promoter-hydrate-demo's
production/us-east-2 and us-west-1 over one remote base) is said once, each environment named
once: the line named production twice."""

from __future__ import annotations

from pathlib import Path

from gitops_bot.engine.discovery import discover
from testkit.local_git import write
from testkit.small_repos import deployment

REMOTE = "https://github.com/argoproj/rollouts-demo//examples/canary?ref=v1"


def test_a_remote_base_of_an_environment_of_two_paths_names_it_once(tmp_path: Path) -> None:
    overlay = f"resources:\n  - ../../base\n  - {REMOTE}\n"
    files = {
        "base/kustomization.yaml": "resources:\n  - deploy.yaml\n",
        "base/deploy.yaml": deployment("web", "argoproj/rollouts-demo:red"),
        "production/us-east-2/kustomization.yaml": overlay,
        "production/us-west-1/kustomization.yaml": overlay,
        "staging/eu/kustomization.yaml": overlay,
    }
    found = discover(write(tmp_path, files))
    assert [len(e.paths) for e in found.environments if e.name == "production"] == [2]
    (line,) = [n for n in found.notes if REMOTE in n]
    assert "production, production" not in line and line.count("production") == 1, line
