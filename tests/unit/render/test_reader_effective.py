"""Which places win when an environment is rendered: each container of a workload (an init
container beside the main one) is its own place, and a patch that selects nothing the
kustomization builds changes nothing (said, never read as the version that runs)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from gitops_bot.core.reading import PinStatus
from gitops_bot.manifests import images
from gitops_bot.render import reader

APP = "ghcr.io/acme/app"
SPECS = [images.ImageSpec(APP, "ghcr.io/acme/app")]

CRONJOB = """apiVersion: batch/v1
kind: CronJob
metadata:
  name: warm
spec:
  schedule: "0 * * * *"
  jobTemplate:
    spec:
      template:
        spec:
          initContainers:
            - name: init
              image: ghcr.io/acme/app:1.0.0
          containers:
            - name: warm
              image: ghcr.io/acme/app:1.0.0
"""


def _tree(root: Path, files: dict[str, str]) -> None:
    for rel, text in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)


def _read(root: Path, envs: dict[str, str]) -> dict[str, Any]:
    sources = [reader.Source(name, (path,), (APP,)) for name, path in envs.items()]
    return reader.Reader(reader.DiskTree(root), root, SPECS).read(sources)


def test_an_init_container_and_a_main_container_of_one_workload_are_each_effective(tmp_path: Path) -> None:
    _tree(
        tmp_path,
        {
            "base/kustomization.yaml": "resources:\n  - cronjob.yaml\n",
            "base/cronjob.yaml": CRONJOB,
            "overlays/dev/kustomization.yaml": "resources:\n  - ../../base\n",
        },
    )
    r = _read(tmp_path, {"dev": "overlays/dev"})["dev"].image(APP)
    assert r.status is PinStatus.PINNED
    assert [(p.file, p.line, p.effective) for p in r.pins] == [
        ("base/cronjob.yaml", 13, True),
        ("base/cronjob.yaml", 16, True),
    ]


def test_a_patch_of_one_container_leaves_the_other_containers_pin_effective(tmp_path: Path) -> None:
    patch = (
        "apiVersion: batch/v1\nkind: CronJob\nmetadata:\n  name: warm\nspec:\n  jobTemplate:\n    spec:\n"
        "      template:\n        spec:\n          containers:\n            - name: warm\n"
        "              image: ghcr.io/acme/app:2.0.0\n"
    )
    _tree(
        tmp_path,
        {
            "base/cronjob.yaml": CRONJOB,
            "overlays/dev/kustomization.yaml": "resources:\n  - ../../base/cronjob.yaml\npatches:\n  - path: warm.yaml\n",
            "overlays/dev/warm.yaml": patch,
        },
    )
    r = _read(tmp_path, {"dev": "overlays/dev"})["dev"].image(APP)
    assert [(p.file, p.line, p.effective) for p in r.pins] == [
        ("base/cronjob.yaml", 13, True),
        ("base/cronjob.yaml", 16, False),
        ("overlays/dev/warm.yaml", 12, True),
    ]
