"""Which places win when an environment is rendered: each container of a workload (an init
container beside the main one) is its own place, and a patch that selects nothing the
kustomization builds changes nothing (said, never read as the version that runs). Every tree
is also rendered by the real ``kubectl kustomize``: the versions of the pins read as effective
are the versions it renders (each as many times), or it refuses the build where the reader
refuses it."""

from __future__ import annotations

import subprocess
from collections import Counter
from pathlib import Path
from typing import Any

import yaml

from gitops_bot.core.reading import PinStatus
from gitops_bot.manifests import images
from gitops_bot.render import reader
from testkit.kubetools import kubectl

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


def _read(root: Path, envs: dict[str, str], *, judged: bool = True) -> dict[str, Any]:
    """Each environment's reading, judged against what kubectl renders (``judged``)."""
    sources = [reader.Source(name, (path,), (APP,)) for name, path in envs.items()]
    found = reader.Reader(reader.DiskTree(root), root, SPECS).read(sources)
    for env, path in envs.items() if judged else ():
        r = found[env].image(APP)
        assert r is not None, env
        rendered = _rendered(root / path)
        if rendered is None:
            assert r.status is PinStatus.UNSUPPORTED, f"{env}: kustomize refuses the build"
        else:
            assert Counter(p.tag for p in r.pins if p.effective) == rendered, env
    return found


def _rendered(directory: Path) -> Counter[str] | None:
    """The tags of the configured image in what kustomize renders; None when it refuses."""
    done = subprocess.run(
        [kubectl(), "kustomize", str(directory)], capture_output=True, text=True, timeout=60, check=False
    )
    if done.returncode != 0:
        return None
    tags: Counter[str] = Counter()
    for doc in yaml.safe_load_all(done.stdout):
        for spec in _pod_specs(doc):
            for c in (spec.get("initContainers") or []) + (spec.get("containers") or []):
                name, _, tag = str(c.get("image", "")).rpartition(":")
                if name == APP:
                    tags[tag] += 1
    return tags


def _pod_specs(doc: Any) -> list[dict[str, Any]]:
    if not isinstance(doc, dict):
        return []
    spec = doc.get("spec") or {}
    template = spec.get("template") or (spec.get("jobTemplate") or {}).get("spec", {}).get("template") or {}
    return [template["spec"]] if isinstance(template.get("spec"), dict) else []


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
            "base/kustomization.yaml": "resources:\n  - cronjob.yaml\n",
            "base/cronjob.yaml": CRONJOB,
            "overlays/dev/kustomization.yaml": "resources:\n  - ../../base\npatches:\n  - path: warm.yaml\n",
            "overlays/dev/warm.yaml": patch,
        },
    )
    r = _read(tmp_path, {"dev": "overlays/dev"})["dev"].image(APP)
    assert [(p.file, p.line, p.effective) for p in r.pins] == [
        ("base/cronjob.yaml", 13, True),
        ("base/cronjob.yaml", 16, False),
        ("overlays/dev/warm.yaml", 12, True),
    ]


DEPLOYMENT = """apiVersion: apps/v1
kind: Deployment
metadata:
  name: app
spec:
  template:
    spec:
      containers:
        - name: app
          image: ghcr.io/acme/app:1.0.0
"""
PATCH = DEPLOYMENT.replace("name: app\nspec", "name: nope\nspec").replace("1.0.0", "2.0.0")


def _overlay(root: Path, kustomization: str, *, judged: bool = True) -> dict[str, Any]:
    _tree(
        root,
        {
            "base/kustomization.yaml": "resources:\n  - deployment.yaml\n",
            "base/deployment.yaml": DEPLOYMENT,
            "overlays/prod/kustomization.yaml": kustomization,
            "overlays/prod/patch.yaml": PATCH,
        },
    )
    return _read(root, {"prod": "overlays/prod"}, judged=judged)


def test_a_patch_whose_target_selects_nothing_is_not_effective_and_said(tmp_path: Path) -> None:
    # kubectl kustomize applies a patch whose target: matches nothing as no change at all: the
    # base's 1.0.0 is what runs, and a release written into the patch would change nothing
    found = _overlay(
        tmp_path,
        "resources:\n  - ../../base\npatches:\n  - target:\n      kind: Deployment\n      name: nope\n"
        "      namespace: prod\n    path: patch.yaml\n",
    )
    r = found["prod"].image(APP)
    assert [(p.file, p.line, p.effective) for p in r.pins] == [
        ("base/deployment.yaml", 10, True),
        ("overlays/prod/patch.yaml", 10, False),
    ]
    assert r.reason is not None
    assert (
        "overlays/prod/patch.yaml:10 targets Deployment nope, which nothing overlays/prod builds" in r.reason
    )
    assert "overlays/prod/patch.yaml" not in found["prod"].writable
    # every surface's one line says it beside where the version is pinned
    assert r.describe().startswith(
        "pinned at base/deployment.yaml:10; patch overlays/prod/patch.yaml:10 targets"
    )


def test_a_patch_whose_target_selects_a_built_workload_stays_effective(tmp_path: Path) -> None:
    found = _overlay(
        tmp_path,
        "resources:\n  - ../../base\npatches:\n  - target:\n      kind: Deployment\n      name: ap.*\n"
        "    path: patch.yaml\n",
    )
    r = found["prod"].image(APP)
    assert [(p.file, p.effective) for p in r.pins] == [
        ("base/deployment.yaml", False),
        ("overlays/prod/patch.yaml", True),
    ]
    assert r.reason is None


def test_a_strategic_merge_patch_naming_no_built_workload_is_refused_as_kustomize_refuses_it(
    tmp_path: Path,
) -> None:
    # with no target:, kubectl kustomize fails the build ("no matches for Id Deployment…/nope")
    found = _overlay(tmp_path, "resources:\n  - ../../base\npatches:\n  - path: patch.yaml\n")
    r = found["prod"].image(APP)
    assert r.status is PinStatus.UNSUPPORTED
    assert r.reason is not None and "Deployment nope, which nothing overlays/prod builds" in r.reason
    assert r.fix is not None and "metadata.name" in r.fix


def test_a_build_the_reader_cannot_see_whole_makes_no_claim(tmp_path: Path) -> None:
    # a name prefix (or a remote resource, a generator) renames or adds what is built: the
    # patch is taken as kustomize may well apply it
    found = _overlay(
        tmp_path,
        "namePrefix: x-\nresources:\n  - ../../base\n  - https://example.com/more.yaml\npatches:\n"
        "  - target:\n      kind: Deployment\n      name: x-app\n    path: patch.yaml\n",
        judged=False,  # its remote resource is not fetched here: kubectl cannot build it
    )
    r = found["prod"].image(APP)
    assert [(p.file, p.effective) for p in r.pins][-1] == ("overlays/prod/patch.yaml", True)
    assert r.reason is None


def test_a_container_named_after_an_operation_on_all_of_them_leaves_that_operation_effective(
    tmp_path: Path,
) -> None:
    # a JSON 6902 operation names no container (only an index): it is read as setting the
    # workload's every container, and one container patched after it by name leaves the
    # operation what the other container runs (kubectl kustomize: b runs 3.0.0, a 4.0.0)
    two = DEPLOYMENT.replace(
        "          image: ghcr.io/acme/app:1.0.0\n",
        "          image: ghcr.io/acme/app:1.0.0\n        - name: b\n          image: ghcr.io/acme/app:1.0.0\n",
    )
    smp = PATCH.replace("name: nope\nspec", "name: app\nspec").replace("2.0.0", "4.0.0")
    _tree(
        tmp_path,
        {
            "base/kustomization.yaml": "resources:\n  - deployment.yaml\n",
            "base/deployment.yaml": two,
            "overlays/prod/kustomization.yaml": "resources:\n  - ../../base\npatches:\n"
            "  - target:\n      kind: Deployment\n      name: app\n"
            "    patch: |\n      - op: replace\n        path: /spec/template/spec/containers/1/image\n"
            "        value: ghcr.io/acme/app:3.0.0\n"
            "  - path: a.yaml\n",
            "overlays/prod/a.yaml": smp,
        },
    )
    r = _read(tmp_path, {"prod": "overlays/prod"})["prod"].image(APP)
    assert [(p.file, p.tag, p.effective) for p in r.pins] == [
        ("base/deployment.yaml", "1.0.0", False),
        ("base/deployment.yaml", "1.0.0", False),
        ("overlays/prod/kustomization.yaml", "3.0.0", True),
        ("overlays/prod/a.yaml", "4.0.0", True),
    ]
