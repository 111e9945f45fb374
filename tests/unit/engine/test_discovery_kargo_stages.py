"""Kargo Stages as deployers: an environment per Stage, named by it, its path what the Stage's
promotion steps write (kustomize-set-image's directory, yaml-update's values file, through a
PromotionTask with ${{ ctx.stage }} and ${{ vars.x }} filled), the promotion order from each
Stage's requestedFreight sources; a path Kargo alone can fill is said, not guessed."""

from __future__ import annotations

from pathlib import Path

from gitops_bot.engine.discovery import discover
from testkit.local_git import write

DEPLOY = """\
apiVersion: apps/v1
kind: Deployment
metadata: {name: shop}
spec:
  template:
    spec:
      containers:
      - name: shop
        image: ghcr.io/acme/shop:1.0.0
"""

TASK = """\
apiVersion: kargo.akuity.io/v1alpha1
kind: PromotionTask
metadata: {name: promote, namespace: shop}
spec:
  vars:
  - name: image
    value: ghcr.io/acme/shop
  - name: dir
    value: deploy
  steps:
  - uses: git-clone
    config:
      repoURL: https://github.com/acme/shop.git
      checkout:
      - branch: main
        path: ./src
  - uses: kustomize-set-image
    as: update
    config:
      path: ./src/${{ vars.dir }}/${{ ctx.stage }}
      images:
      - image: ${{ vars.image }}
  - uses: git-commit
    config: {path: ./src}
"""


def _stage(name: str, upstream: str | None, steps: str) -> str:
    sources = "      direct: true\n" if upstream is None else f"      stages:\n      - {upstream}\n"
    return (
        f"apiVersion: kargo.akuity.io/v1alpha1\nkind: Stage\nmetadata:\n  name: {name}\n  namespace: shop\n"
        "spec:\n  requestedFreight:\n  - origin: {kind: Warehouse, name: shop}\n    sources:\n"
        f"{sources}  promotionTemplate:\n    spec:\n      steps:\n{steps}"
    )


def _overlay(d: str) -> dict[str, str]:
    return {
        f"{d}/kustomization.yaml": "resources:\n- ../../base\nimages:\n- name: ghcr.io/acme/shop\n  newTag: 1.0.0\n"
    }


def test_each_stage_is_an_environment_at_the_path_its_task_writes(tmp_path: Path) -> None:
    task = "      - task: {name: promote}\n"
    stages = "---\n".join(
        [_stage("test", None, task), _stage("uat", "test", task), _stage("live", "uat", task)]
    )
    files = {
        "kargo/stages.yaml": stages,
        "kargo/task.yaml": TASK,
        "base/kustomization.yaml": "resources:\n- deploy.yaml\n",
        "base/deploy.yaml": DEPLOY,
        **_overlay("deploy/test"),
        **_overlay("deploy/uat"),
        **_overlay("deploy/live"),
        **_overlay("deploy/preview"),  # an overlay no Stage writes: still found by its shape
    }
    found = discover(write(tmp_path, files))
    envs = {e.name: e for e in found.environments}
    assert {n: e.paths for n, e in envs.items() if n != "preview"} == {
        "test": ("deploy/test",),
        "uat": ("deploy/uat",),
        "live": ("deploy/live",),
    }
    assert envs["uat"].how == (
        "Kargo Stage uat in kargo/stages.yaml: kustomize-set-image (task promote) writes deploy/uat",
    )
    assert envs["uat"].promote_from == "test" and envs["live"].promote_from == "uat"
    assert found.order_source == "kargo"


def test_a_stage_whose_yaml_update_writes_a_values_file_renamed_from_the_overlay_name(tmp_path: Path) -> None:
    """The Stage names its environment even where the path's own name says another (qa)."""
    steps = (
        "      - uses: git-clone\n        config:\n          checkout:\n          - path: ./out\n"
        "      - uses: yaml-update\n        config:\n          path: ./out/chart/values-qa.yaml\n"
        "          updates:\n          - key: image.tag\n            value: ${{ imageFrom('x').Tag }}\n"
    )
    files = {
        "kargo/stage.yaml": _stage("test", None, steps),
        "chart/Chart.yaml": "apiVersion: v2\nname: shop\nversion: 0.1.0\n",
        "chart/values.yaml": "image:\n  repository: ghcr.io/acme/shop\n  tag: 1.0.0\n",
        "chart/values-qa.yaml": "image:\n  tag: 1.1.0\n",
        "chart/templates/deploy.yaml": DEPLOY.replace(
            "ghcr.io/acme/shop:1.0.0", '"{{ .Values.image.repository }}:{{ .Values.image.tag }}"'
        ),
    }
    found = discover(write(tmp_path, files))
    assert {e.name: e.paths for e in found.environments} == {"test": ("chart/values-qa.yaml",)}


def test_a_path_only_kargo_fills_is_said(tmp_path: Path) -> None:
    steps = (
        "      - uses: git-clone\n        config:\n          checkout:\n          - path: ./src\n"
        "      - uses: kustomize-set-image\n        config:\n          path: ./src/${{ outputs.dir }}\n"
    )
    files = {
        "kargo/stage.yaml": _stage("dev", None, steps),
        "base/kustomization.yaml": "resources:\n- deploy.yaml\n",
        "base/deploy.yaml": DEPLOY,
        **_overlay("envs/dev"),
    }
    found = discover(write(tmp_path, files))
    (said,) = [n for n in found.notes if "Kargo Stage dev" in n]
    assert "outputs.dir" in said and "only Kargo fills" in said
    # the overlay is still found by its shape
    assert [e.paths for e in found.environments] == [("envs/dev",)]
