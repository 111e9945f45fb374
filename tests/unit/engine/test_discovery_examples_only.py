"""A tool's repository whose every Argo CD object lies under examples/ (its own test inputs):
what they render is an example, said as a guess, two examples named alike are never one
environment, and no promotion order is guessed between them. Shaped as
dag-andersen/argocd-diff-preview@1a0f15ef, whose examples/kustomize/my-service and
examples/use-cases/appset-refactoring/my-service overlays became `staging` and `production`
(each joining the two examples), said `found:`, production promoted from staging."""

from __future__ import annotations

from pathlib import Path

from gitops_bot.engine.discovered_roots import is_example
from gitops_bot.engine.discovery import discover
from testkit.local_git import write
from testkit.small_repos import application, deployment


def _files() -> dict[str, str]:
    files = {
        "go.mod": "module example.com/diff-preview\n",
        "examples/basic/app.yaml": application("basic", "examples/kustomize/my-service/overlay/staging"),
    }
    for example in ("examples/kustomize/my-service", "examples/use-cases/appset-refactoring/my-service"):
        files[f"{example}/base/kustomization.yaml"] = "resources: [deploy.yaml]\n"
        files[f"{example}/base/deploy.yaml"] = deployment("my-service", "nginx:1.27.0")
        for stage, tag in (("staging", "1.27.1"), ("production", "1.27.0")):
            files[f"{example}/overlay/{stage}/kustomization.yaml"] = (
                f"resources: [../../base]\nimages:\n- name: nginx\n  newTag: {tag}\n"
            )
    return files


def test_examples_are_guesses_each_apart_with_no_promotion_order(tmp_path: Path) -> None:
    found = discover(write(tmp_path, _files()))
    assert sorted((e.name, e.paths) for e in found.environments) == [
        ("kustomize-production", ("examples/kustomize/my-service/overlay/production",)),
        ("kustomize-staging", ("examples/kustomize/my-service/overlay/staging",)),
        ("use-cases-production", ("examples/use-cases/appset-refactoring/my-service/overlay/production",)),
        ("use-cases-staging", ("examples/use-cases/appset-refactoring/my-service/overlay/staging",)),
    ]
    assert all(is_example(e.cluster) and "examples/" in e.cluster for e in found.environments), found
    assert [e.promote_from for e in found.environments] == [None] * 4
    assert found.order_source == ""
