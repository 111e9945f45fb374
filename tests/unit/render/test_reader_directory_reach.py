"""A plain directory is read as its deployer reads it: an Argo CD directory source applies its
subdirectories only with ``directory.recurse``, and an environment's directory holding another
environment's path is read as ``kubectl apply -f DIR`` reads it (its own files), so a release
for it never moves a line of the other environment's overlay."""

from __future__ import annotations

from pathlib import Path

import pytest

from gitops_bot.core.reading import PinStatus
from gitops_bot.manifests import images
from gitops_bot.render import reader

APP = "ghcr.io/acme/app"
SPECS = [images.ImageSpec(APP, APP)]
DEPLOYMENT = """apiVersion: apps/v1
kind: Deployment
metadata:
  name: {name}
spec:
  template:
    spec:
      containers:
        - name: app
          image: ghcr.io/acme/app:{tag}
"""
APPLICATION = """apiVersion: argoproj.io/v1alpha1
kind: Application
metadata:
  name: web
spec:
  source:
    repoURL: https://github.com/acme/gitops.git
    path: apps/web{directory}
  destination: {{server: https://kubernetes.default.svc}}
"""


def _read(root: Path, files: dict[str, str], envs: dict[str, str]) -> dict[str, reader.EnvironmentReading]:
    for rel, text in files.items():
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_text(text)
    sources = [reader.Source(name, (path,), (APP,)) for name, path in envs.items()]
    return reader.Reader(reader.DiskTree(root), root, SPECS).read(sources)


@pytest.mark.parametrize(
    ("directory", "pins"),
    [
        ("", [("apps/web/web.yaml", "1.0.0")]),
        ("\n    directory:\n      recurse: false", [("apps/web/web.yaml", "1.0.0")]),
        (
            "\n    directory:\n      recurse: true",
            [("apps/web/web.yaml", "1.0.0"), ("apps/web/jobs/job.yaml", "0.9.0")],
        ),
    ],
)
def test_an_argo_cd_directory_source_reads_its_subdirectories_only_with_recurse(
    tmp_path: Path, directory: str, pins: list[tuple[str, str]]
) -> None:
    files = {
        "app.yaml": APPLICATION.format(directory=directory),
        "apps/web/web.yaml": DEPLOYMENT.format(name="web", tag="1.0.0"),
        "apps/web/jobs/job.yaml": DEPLOYMENT.format(name="job", tag="0.9.0"),
    }
    r = _read(tmp_path, files, {"prod": "app.yaml"})["prod"]
    got = r.image(APP)
    assert [(p.file, p.tag) for p in got.pins] == pins, got
    assert ("apps/web/jobs/job.yaml" in r.rendered) is (len(pins) == 2)


def test_a_directory_holding_another_environments_overlay_reads_its_own_files_only(tmp_path: Path) -> None:
    files = {
        "apps/web/job.yaml": DEPLOYMENT.format(name="job", tag="0.9.0"),
        "apps/web/base/deployment.yaml": DEPLOYMENT.format(name="web", tag="1.0.0"),
        "apps/web/base/kustomization.yaml": "resources: [deployment.yaml]\n",
        "apps/web/overlays/dev/kustomization.yaml": f"resources: [../../base]\nimages:\n  - name: {APP}\n    newTag: 1.0.1\n",
    }
    found = _read(tmp_path, files, {"tools": "apps/web", "dev": "apps/web/overlays/dev"})
    tools, dev = found["tools"], found["dev"]
    # tools runs apps/web/job.yaml alone: its release writes there, never into dev's overlay
    assert tools.image(APP).status is PinStatus.PINNED
    assert [(p.file, p.tag) for p in tools.image(APP).pins] == [("apps/web/job.yaml", "0.9.0")]
    assert tools.writable == ("apps/web/job.yaml",)
    assert tools.said == (
        "apps/web: its own files only, as kubectl apply -f and an Argo CD directory source without "
        "directory.recurse read it; its subdirectories are not tools's (dev's apps/web/overlays/dev)",
    )
    # dev's overlay is dev's alone: it was unsupported while tools read it too
    assert dev.image(APP).status is PinStatus.PINNED
    assert dev.image(APP).effective.file == "apps/web/overlays/dev/kustomization.yaml"


def test_a_directory_holding_only_other_environments_paths_renders_none_of_their_images(
    tmp_path: Path,
) -> None:
    files = {
        "apps/web/dev/web.yaml": DEPLOYMENT.format(name="web", tag="1.0.0"),
        "apps/web/prod/web.yaml": DEPLOYMENT.format(name="web", tag="0.9.0"),
    }
    envs = {"all": "apps/web", "dev": "apps/web/dev", "prod": "apps/web/prod"}
    found = _read(tmp_path, files, envs)
    assert found["all"].image(APP).status is PinStatus.NOT_RENDERED
    assert found["all"].writable == ()
    assert "not all's (dev's apps/web/dev, prod's apps/web/prod)" in found["all"].said[0]
    assert [found[e].image(APP).effective.file for e in ("dev", "prod")] == [
        "apps/web/dev/web.yaml",
        "apps/web/prod/web.yaml",
    ]
