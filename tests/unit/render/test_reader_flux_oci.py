"""A Flux Kustomization reading an OCIRepository: its path is in the artifact, not at the
repository's root. Where a workflow of this repository pushes that artifact (``flux push artifact
--path=./deploy``), the path is read in the pushed directory, the pin is there and a release writes
it there (the workflow pushes the commit); where none does, it is said not followed, never read at
the root."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from gitops_bot.core.outside import Outside
from gitops_bot.core.reading import PinStatus
from gitops_bot.engine import edits
from gitops_bot.engine.app import open_app
from gitops_bot.manifests import images
from gitops_bot.manifests.artifact_pushes import MAX_PUSHES
from gitops_bot.release.proposal import Change, Release
from gitops_bot.render import reader

APP = "ghcr.io/acme/app"
SPECS = [images.ImageSpec(APP, APP)]
WORKFLOW = """name: push
on: {push: {branches: [main]}}
env:
  REGISTRY: ghcr.io/acme
jobs:
  push:
    runs-on: ubuntu-latest
    steps:
      - uses: actions/checkout@v4
      - run: |
          flux push artifact oci://${{ env.REGISTRY }}/manifests:$(git rev-parse --short HEAD) \\
            --path="./deploy" \\
            --source="$(git config --get remote.origin.url)"
"""
SOURCE = """apiVersion: source.toolkit.fluxcd.io/v1
kind: OCIRepository
metadata:
  name: manifests
spec:
  url: oci://ghcr.io/acme/manifests
  ref: {tag: latest}
"""
FLUX = """apiVersion: kustomize.toolkit.fluxcd.io/v1
kind: Kustomization
metadata:
  name: apps
spec:
  path: ./prod
  sourceRef:
    kind: OCIRepository
    name: manifests
"""
DEPLOYMENT = "apiVersion: apps/v1\nkind: Deployment\nmetadata: {{name: app}}\nspec:\n  template:\n    spec:\n      containers:\n      - {{name: app, image: '{image}'}}\n"
FILES = {
    "clusters/prod/source.yaml": SOURCE,
    "clusters/prod/apps.yaml": FLUX,
    "deploy/prod/deployment.yaml": DEPLOYMENT.format(image=f"{APP}:1.0.0"),
    "prod/deployment.yaml": DEPLOYMENT.format(image=f"{APP}:9.9.9"),  # the root's: not the artifact's
}


def _read(root: Path, files: dict[str, str]) -> Any:
    for rel, text in files.items():
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_text(text)
    source = reader.Source("prod", ("clusters/prod/apps.yaml",), (APP,))
    return reader.Reader(reader.DiskTree(root), root, SPECS).read([source])["prod"]


def test_the_path_is_read_in_the_directory_this_repositorys_workflow_pushes(tmp_path: Path) -> None:
    got = _read(tmp_path, {**FILES, ".github/workflows/push.yml": WORKFLOW})
    r = got.image(APP)
    assert r.status is PinStatus.PINNED and r.would_write is None, r
    assert [(p.file, p.line, p.effective) for p in r.pins] == [("deploy/prod/deployment.yaml", 8, True)]
    assert "deploy/prod/deployment.yaml" in got.writable and "prod/deployment.yaml" not in got.writable
    assert (
        "clusters/prod/apps.yaml: apps reads deploy/ as OCIRepository manifests, which "
        ".github/workflows/push.yml:11 pushes (oci://ghcr.io/acme/manifests, flux push artifact)"
    ) in " ".join(got.said), got.said


def test_an_artifact_no_workflow_here_pushes_is_said_not_followed_never_read_at_the_root(
    tmp_path: Path,
) -> None:
    r = _read(tmp_path, FILES).image(APP)
    assert r.status is PinStatus.NOT_RENDERED and not r.pins, r
    assert (
        "apps reads OCIRepository manifests (oci://ghcr.io/acme/manifests), which no workflow of this "
        "repository pushes (flux push artifact); not followed"
    ) in r.reason


def test_an_artifact_oras_pushes_is_said_with_the_fix_not_read_as_the_directory(tmp_path: Path) -> None:
    oras = WORKFLOW.replace("flux push artifact", "oras push").replace('--path="./deploy"', "deploy/")
    r = _read(tmp_path, {**FILES, ".github/workflows/push.yml": oras}).image(APP)
    assert r.status is PinStatus.NOT_RENDERED and not r.pins, r
    assert (
        "apps reads OCIRepository manifests (oci://ghcr.io/acme/manifests), pushed by .github/workflows/push.yml:11 "
        "with oras push, whose artifact keeps deploy/'s own name and a layer per file: not read as a directory "
        "here (fix: push it with flux push artifact --path=deploy/); not followed"
    ) in r.reason, r.reason


def test_a_release_writes_the_pushed_directorys_file(tmp_path: Path) -> None:
    _read(tmp_path, {**FILES, ".github/workflows/push.yml": WORKFLOW})
    (tmp_path / "gitops-bot.yaml").write_text(
        f"version: 1\nimages:\n- name: {APP}\n  policy: semver\nenvironments:\n- name: prod\n"
        "  path: clusters/prod/apps.yaml\n"
    )
    app = open_app(tmp_path)
    texts = {p: p.read_text() for p in app.files(app.config.environment("prod"))}
    change = Change("prod", APP, APP, (), "1.0.0", None, "1.1.0", None, Outside("a new build"))
    _, written = edits.edit(app, Release("prod", (change,)), tmp_path, texts, SPECS)
    deployment = tmp_path / "deploy/prod/deployment.yaml"
    assert written == {deployment: DEPLOYMENT.format(image=f"{APP}:1.1.0")}, written


def test_a_push_under_the_workspace_is_read_as_the_repositorys_directory(tmp_path: Path) -> None:
    """``--path="${{ github.workspace }}/deploy"`` (the checkout, as GitHub names it) was no push
    at all: the quoted expression's spaces hid the path."""
    spelled = WORKFLOW.replace('--path="./deploy"', '--path="${{ github.workspace }}/deploy"')
    r = _read(tmp_path, {**FILES, ".github/workflows/push.yml": spelled}).image(APP)
    assert [(p.file, p.tag) for p in r.pins] == [("deploy/prod/deployment.yaml", "1.0.0")], r


@pytest.mark.parametrize("path", ["/", "/tmp/out", "../elsewhere"])
def test_a_push_from_outside_the_checkout_is_said_never_read_at_the_root(tmp_path: Path, path: str) -> None:
    """``--path=/`` was read as the repository's root (``prod/deployment.yaml``, 9.9.9 here): a
    directory of the runner, not of this repository."""
    outside = WORKFLOW.replace('--path="./deploy"', f"--path={path}")
    r = _read(tmp_path, {**FILES, ".github/workflows/push.yml": outside}).image(APP)
    assert r.status is PinStatus.NOT_RENDERED and not r.pins, r
    assert (
        f"apps reads OCIRepository manifests (oci://ghcr.io/acme/manifests), pushed by "
        f".github/workflows/push.yml:11 from {path}, a path out of this repository's checkout; not followed"
    ) in r.reason, r.reason


def test_pushes_past_the_bound_read_are_said(tmp_path: Path) -> None:
    step = "          flux push artifact oci://ghcr.io/acme/other-{n}:1 --path=./x\n"
    many = WORKFLOW + "".join(step.format(n=n) for n in range(MAX_PUSHES))
    got = _read(tmp_path, {**FILES, ".github/workflows/push.yml": many})
    assert (
        f".github/workflows/push.yml: the bot reads the first {MAX_PUSHES} flux push artifact steps of one "
        "workflow; an OCIRepository a later one pushes is not read as this repository's directory"
    ) in got.said, got.said
