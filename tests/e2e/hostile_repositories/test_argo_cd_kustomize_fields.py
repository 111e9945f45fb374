"""The acceptance set's Argo CD Applications whose ``kustomize:`` fields (their own, or merged
from the path's ``.argocd-source.yaml``) Argo CD's repo server cannot apply: an image argument
``kustomize edit set image`` refuses, a patch file out of the repository, a source file that is
no mapping or a link leading out. Each through the CLI as a process under the real ``strace -f``:
0 traceback, 0 connection off the machine, dev refused in one line with the fix and never
released, prod beside it released, nothing dev renders edited."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from testkit import netwatch
from testkit.local_git import commit, git, write
from testkit.oci import Pusher
from testkit.registry_process import RegistryProcess

DEPLOYMENT = (
    "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: app\nspec:\n  template:\n    spec:\n"
    "      containers:\n      - name: app\n        image: {image}:1.0.0\n"
)
APPLICATION = """apiVersion: argoproj.io/v1alpha1
kind: Application
metadata:
  name: app-{env}
  namespace: argocd
spec:
  project: default
  source:
    repoURL: https://github.com/acme/deploy.git
    targetRevision: HEAD
    path: overlays/{env}
    kustomize:
{kustomize}  destination:
    server: https://kubernetes.default.svc
    namespace: {env}
"""


@pytest.fixture
def image(registry: RegistryProcess, pusher: Pusher) -> str:
    pusher.image("acceptance-argo/app", ["1.0.0", "1.1.0"], salt="acceptance-argo")
    return f"{registry.host}/acceptance-argo/app"


def _application(env: str, kustomize: str) -> str:
    return APPLICATION.format(env=env, kustomize="".join(f"      {ln}\n" for ln in kustomize.splitlines()))


def _repository(tmp_path: Path, image: str, dev: str, files: dict[str, str]) -> tuple[Path, dict[str, str]]:
    """dev and prod, each an Application over its overlay of one base, pinning the image by its
    kustomize.images entry (dev's fields ``dev``), ``files`` beside them: the bare origin and
    the files dev renders, as committed."""
    seed = tmp_path / "seed"
    config = f"version: 1\nimages:\n  - name: {image}\n    repository: {image}\nenvironments:\n" + "".join(
        f"  - name: {e}\n    path: apps/{e}.yaml\n    write: commit\n" for e in ("dev", "prod")
    )
    tree = {
        "base/kustomization.yaml": "resources:\n- deployment.yaml\n",
        "base/deployment.yaml": DEPLOYMENT.format(image=image),
        "overlays/dev/kustomization.yaml": "resources:\n- ../../base\n",
        "overlays/prod/kustomization.yaml": "resources:\n- ../../base\n",
        "apps/dev.yaml": _application("dev", dev.replace("IMAGE", image)),
        "apps/prod.yaml": _application("prod", f"images:\n- {image}:1.0.0"),
        "gitops-bot.yaml": config,
        **files,
    }
    write(seed, tree)
    git(seed, "init", "-q", "-b", "main")
    commit(seed, "argo cd applications")
    origin = tmp_path / "origin.git"
    git(tmp_path, "clone", "-q", "--bare", str(seed), str(origin))
    return origin, {f: t for f, t in tree.items() if "dev" in f or f.startswith("base/")}


def _plan_and_update(
    tmp_path: Path, origin: Path
) -> tuple[dict[str, object], dict[str, object], dict[str, str]]:
    """plan's reading of dev, update's released environments and each skip's reason."""
    clone = tmp_path / "clone"
    git(tmp_path, "clone", "-q", str(origin), str(clone))
    code, out, err = netwatch.bot(tmp_path, "plan", "--repo", str(clone), "--output", "json")
    assert code == 0, err
    dev = next(r for r in json.loads(out)["reading"] if r["environment"] == "dev")
    code, out, err = netwatch.bot(tmp_path, "update", "--repo", f"file://{origin}", "--output", "json")
    assert code == 0, err
    result = json.loads(out)
    released = {r["environment"]: r for r in result.get("results", [])}
    return dev, released, {s["environment"]: s["reason"] for s in result.get("skipped", [])}


@pytest.mark.parametrize("entry", ["'*='", "IMAGE=", "IMAGE=other=1.0.0"])
def test_an_image_argument_kustomize_edit_refuses_is_devs_refusal(
    tmp_path: Path, image: str, entry: str
) -> None:
    """kustomize edit set image takes ``NAME=NEW`` only where the argument holds one '=' and
    something after it, else the argument whole as ``NAME:TAG`` or ``NAME@DIGEST``: each of
    these is 'invalid format of image', so Argo CD renders nothing of dev. The reading took
    them as entries (an empty new name, a new name 'other=1.0.0'), and update released dev."""
    origin, kept = _repository(tmp_path, image, f"images:\n- {entry}", {})
    dev, released, skipped = _plan_and_update(tmp_path, origin)
    assert dev["status"] == "unsupported" and "invalid format of image" in dev["reason"], dev
    assert list(skipped) == ["dev"] and "invalid format of image" in skipped["dev"], skipped
    assert "(fix: " in skipped["dev"] and list(released) == ["prod"], (released, skipped)
    assert {f: git(origin, "show", f"main:{f}") for f in kept} == kept


DELETE = "$patch: delete\napiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: app\n"


def test_an_overlay_deleting_the_only_object_under_the_applications_images_is_not_rendered(
    tmp_path: Path, image: str
) -> None:
    """dev's overlay deletes the base's one Deployment ($patch: delete): the build Argo CD makes
    holds nothing, so the Application's kustomize.images entry sets no image that runs. The
    reading took the entry as dev's pin and update released dev into it."""
    dev = "resources:\n- ../../base\npatches:\n- path: del.yaml\n"
    files = {"overlays/dev/kustomization.yaml": dev, "overlays/dev/del.yaml": DELETE}
    origin, kept = _repository(tmp_path, image, "images:\n- IMAGE:1.0.0", files)
    dev_reading, released, skipped = _plan_and_update(tmp_path, origin)
    assert dev_reading["status"] == "not_rendered", dev_reading
    assert "overlays/dev/del.yaml deletes it ($patch: delete)" in dev_reading["reason"], dev_reading
    assert list(released) == ["prod"] and "dev" not in skipped, (released, skipped)
    assert {f: git(origin, "show", f"main:{f}") for f in kept} == kept


def test_an_applications_name_prefix_keeps_its_objects_in_the_render(tmp_path: Path, image: str) -> None:
    """dev's Application prefixes every name (namePrefix: dev-) and its kustomize.images entry
    names another image: the base's Deployment still runs, as dev-app, so dev is read from it
    and released into its overlay's own entry, never said deleted by its prefix."""
    origin, _ = _repository(tmp_path, image, "namePrefix: dev-\nimages:\n- other:1.0.0", {})
    dev, released, skipped = _plan_and_update(tmp_path, origin)
    assert dev["status"] != "not_rendered" and "deletes" not in (dev["reason"] or ""), dev
    assert sorted(released) == ["dev", "prod"] and skipped == {}, (released, skipped)
    assert "newTag: 1.1.0" in git(origin, "show", "main:overlays/dev/kustomization.yaml")


OUTSIDE_PATCH = "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: app\nspec:\n  replicas: 7\n"


@pytest.mark.parametrize(
    ("dev", "source", "words"),
    [
        (
            "images:\n- IMAGE:1.0.0\npatches:\n- path: ../../../outside/p.yaml",
            "",
            "leads out of the repository",
        ),
        (
            "images:\n- IMAGE:1.0.0",
            "kustomize:\n  patches:\n  - path: /etc/p.yaml\n",
            "leads out of the repository",
        ),
        ("images:\n- IMAGE:1.0.0", "- kustomize:\n    images: [other:1.0.0]\n", "is no mapping"),
        ("images:\n- IMAGE:1.0.0", "just text\n", "is no mapping"),
        # the rules read the path's source files too: their refusal of the link is said first
        ("images:\n- IMAGE:1.0.0", "link", "leading out of the repository"),
    ],
)
def test_kustomize_fields_argo_cd_cannot_apply_are_devs_refusal(
    tmp_path: Path, image: str, dev: str, source: str, words: str
) -> None:
    """A patch file out of the repository (kustomize builds none outside the kustomization's
    directory), a .argocd-source.yaml that is a YAML list or a scalar (Argo CD merges it over
    the source as a JSON merge patch, and a list or a string is no source), or one linked out
    of the repository (Argo CD refuses a repository holding such a link): Argo CD renders
    nothing of dev. The reading left the build unrendered and said nothing, or blamed the file
    for pinning the image, and update released dev."""
    (tmp_path / "outside").mkdir()
    (tmp_path / "outside/p.yaml").write_text(OUTSIDE_PATCH)
    files = {"overlays/dev/.argocd-source.yaml": source} if source and source != "link" else {}
    seed = tmp_path / "seed"
    if source == "link":
        (seed / "overlays/dev").mkdir(parents=True)
        os.symlink("../../../outside/p.yaml", seed / "overlays/dev/.argocd-source.yaml")
    origin, kept = _repository(tmp_path, image, dev, files)
    dev_reading, released, skipped = _plan_and_update(tmp_path, origin)
    assert dev_reading["status"] == "unsupported" and words in dev_reading["reason"], dev_reading
    assert list(skipped) == ["dev"] and words in skipped["dev"] and "(fix: " in skipped["dev"], skipped
    assert list(released) == ["prod"], released
    assert {f: git(origin, "show", f"main:{f}") for f in kept} == kept


def test_an_applications_remote_patch_is_said_and_never_fetched(tmp_path: Path, image: str) -> None:
    """dev's Application patches its build with a file at a URL: Argo CD's kustomize would fetch
    it, the bot fetches nothing (no connection off the machine under strace) and says so on
    dev, where it read dev as pinned without a word. Its kustomize.images entry is applied after
    the patch (kustomize's images transformer runs after patches), so dev is still released."""
    dev = "images:\n- IMAGE:1.0.0\npatches:\n- path: https://example.com/p.yaml\n  target: {kind: Deployment}"
    origin, _ = _repository(tmp_path, image, dev, {})
    clone = tmp_path / "clone"
    git(tmp_path, "clone", "-q", str(origin), str(clone))
    code, out, err = netwatch.bot(tmp_path, "plan", "--repo", str(clone))
    assert code == 0, err
    said = "app-dev (apps/dev.yaml) kustomize.patches: remote patch https://example.com/p.yaml: not followed"
    assert f"note: {said}; the bot reads what this repository holds" in out, out
    released, skipped = _updated(tmp_path, origin)
    assert sorted(released) == ["dev", "prod"] and skipped == {}, (released, skipped)


def _updated(tmp_path: Path, origin: Path) -> tuple[dict[str, object], dict[str, str]]:
    code, out, err = netwatch.bot(tmp_path, "update", "--repo", f"file://{origin}", "--output", "json")
    assert code == 0, err
    result = json.loads(out)
    return (
        {r["environment"]: r for r in result.get("results", [])},
        {s["environment"]: s["reason"] for s in result.get("skipped", [])},
    )
