"""The rendered diff reads nothing outside the repository, as the reader does not: a symbolic
link leading out (a resource directory linked to any folder on the bot's host, absolutely or
by ``../`` past the root) stops the render before kubectl runs, naming the link; a link inside
the repository renders as before. On real kubectl kustomize."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from gitops_bot.render import reader, release_diff, rendered_reading, tools
from gitops_bot.render.settings import RenderSettings

DEPLOYMENT = """apiVersion: apps/v1
kind: Deployment
metadata:
  name: {name}
spec:
  template:
    spec:
      containers:
      - name: app
        image: ghcr.io/acme/app:1.0
"""
OVERLAY = "resources:\n- ../../base\n- ext\nimages:\n- name: ghcr.io/acme/app\n  newTag: '{tag}'\n"


def _repository(tmp_path: Path, link: str) -> tuple[Path, Path]:
    outside = tmp_path / "host-dir"
    outside.mkdir()
    (outside / "kustomization.yaml").write_text("resources:\n- d.yaml\n")
    (outside / "d.yaml").write_text(DEPLOYMENT.format(name="outside-the-repo"))
    root = tmp_path / "repo"
    (root / "base").mkdir(parents=True)
    (root / "base/kustomization.yaml").write_text("resources:\n- d.yaml\n")
    (root / "base/d.yaml").write_text(DEPLOYMENT.format(name="app"))
    (root / "inside").mkdir()
    (root / "inside/kustomization.yaml").write_text("resources:\n- d.yaml\n")
    (root / "inside/d.yaml").write_text(DEPLOYMENT.format(name="inside-the-repo"))
    overlay = root / "overlays/x"
    overlay.mkdir(parents=True)
    (overlay / "kustomization.yaml").write_text(OVERLAY.format(tag="1.0"))
    os.symlink(link.replace("OUTSIDE", str(outside)), overlay / "ext")
    return root, overlay


def _diff(root: Path, overlay: Path) -> str:
    k = overlay / "kustomization.yaml"
    before, after = {k: OVERLAY.format(tag="1.0")}, {k: OVERLAY.format(tag="2.0")}
    got = release_diff.rendered_diff(RenderSettings(), "x", root, [overlay], before, after)
    return json.dumps([r.to_json() for r in got])


@pytest.mark.parametrize("link", ["OUTSIDE", "../../../host-dir"])
def test_a_link_leading_out_is_refused_before_the_render(tmp_path: Path, link: str) -> None:
    root, overlay = _repository(tmp_path, link)
    said = _diff(root, overlay)
    assert "overlays/x/ext is a symbolic link leading out of the repository" in said, said
    assert "outside-the-repo" not in said


def test_a_link_inside_the_repository_renders(tmp_path: Path) -> None:
    root, overlay = _repository(tmp_path, "../../inside")
    said = _diff(root, overlay)
    assert "inside-the-repo" in said and "ghcr.io/acme/app:2.0" in said, said


@pytest.mark.parametrize("link", ["OUTSIDE", "../../../host-dir"])
def test_no_render_of_the_reading_nor_the_marked_one_reads_a_link_leading_out(
    tmp_path: Path, link: str
) -> None:
    """The overlay's generator reads a file through a link leading out, which the rules' walk
    does not follow: its reach looks local, and the marked render (engine/proven) rendered it
    where the reading's render did not. Both take their kustomizations from one selection."""
    root, overlay = _repository(tmp_path, link)
    (overlay / "ext").unlink()
    os.symlink(link.replace("OUTSIDE", str(tmp_path / "host-dir")) + "/d.yaml", overlay / "cm.txt")
    (overlay / "kustomization.yaml").write_text(
        "resources:\n- ../../base\nconfigMapGenerator:\n- name: c\n  files:\n  - cm.txt\n"
    )
    (root / "overlays/y").mkdir()
    (root / "overlays/y/kustomization.yaml").write_text("resources:\n- ../../base\n")
    leaving = tools.links_out(root)
    assert leaving == ["overlays/x/cm.txt"]
    paths = [overlay, root / "overlays/y"]
    assert reader.reach(reader.DiskTree(root), root, overlay).local
    assert list(rendered_reading.environment_kustomizations(root, paths, leaving)) == [root / "overlays/y"]
