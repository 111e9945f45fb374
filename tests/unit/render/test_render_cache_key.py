"""A kept render is keyed by what kubectl kustomize may read for it, not by the whole tree: the
files under the directory of every kustomization it builds (kustomize's default load restrictor
reads nothing else), each as edited. A file no render reads (gitops-bot.yaml, which `init
--write` writes before the plan that follows renders, a README, another environment's overlay)
changes no key; a file of a base both overlays build changes both. On real kubectl kustomize."""

from __future__ import annotations

from pathlib import Path

import pytest

from gitops_bot.render import joint, rendered_reading, tools
from gitops_bot.render.settings import RenderSettings

DEPLOYMENT = """apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
spec:
  template:
    spec:
      containers:
      - name: app
        image: ghcr.io/acme/app:1.0
"""


def _repo(root: Path) -> Path:
    files = {
        "base/kustomization.yaml": "resources:\n- d.yaml\n",
        "base/d.yaml": DEPLOYMENT,
        "gitops-bot.yaml": "version: 1\n",
        "README.md": "deploys\n",
        **{
            f"overlays/{env}/kustomization.yaml": f"resources:\n- ../../base\nnamePrefix: {env}-\n"
            for env in ("dev", "prod")
        },
    }
    for rel, text in files.items():
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_text(text)
    return root


@pytest.fixture
def rendered(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Each directory kubectl renders, alone or in one run with others."""
    if RenderSettings().tool("kubectl") is None:
        pytest.fail("kubectl not found: run scripts/kube-tools.sh (tests use .tools/bin)")
    calls: list[str] = []
    real, together = tools.render_directory, joint.render_together

    def alone(s: RenderSettings, k: str, d: Path, t: Path, **kw: bool) -> object:
        calls.append(d.name)
        return real(s, k, d, t, **kw)

    def joined(s: RenderSettings, k: str, ds: list[Path], t: Path, **kw: bool) -> object:
        calls.extend(d.name for d in ds)
        return together(s, k, ds, t, **kw)

    monkeypatch.setattr(tools, "render_directory", alone)
    monkeypatch.setattr(joint, "render_together", joined)
    return calls


def _render(root: Path) -> dict[str, str]:
    dirs = [root / "overlays/dev", root / "overlays/prod"]
    got = rendered_reading.render_all(RenderSettings(), root, dirs)
    out = {d.name: r for d, r in got.items()}
    assert all(isinstance(r, str) for r in out.values()), out
    return out  # type: ignore[return-value]


def test_a_file_no_render_reads_renders_nothing_again(tmp_path: Path, rendered: list[str]) -> None:
    root = _repo(tmp_path / "repo")
    first = _render(root)
    assert sorted(rendered) == ["dev", "prod"] and "name: dev-web" in first["dev"]
    rendered.clear()
    # what `init --write` writes, and what nobody renders
    (root / "gitops-bot.yaml").write_text("version: 1\nimages: []\nenvironments: []\n")
    (root / "README.md").write_text("deploys, now documented\n")
    (root / "docs").mkdir()
    (root / "docs/notes.yaml").write_text("a: b\n")
    assert _render(root) == first
    assert rendered == []


def test_a_file_one_render_reads_renders_that_one_again(tmp_path: Path, rendered: list[str]) -> None:
    root = _repo(tmp_path / "repo")
    _render(root)
    rendered.clear()
    (root / "overlays/prod/kustomization.yaml").write_text("resources:\n- ../../base\nnamePrefix: live-\n")
    got = _render(root)
    assert rendered == ["prod"] and "name: live-web" in got["prod"]
    rendered.clear()
    (root / "base/d.yaml").write_text(DEPLOYMENT.replace("name: web", "name: site"))
    got = _render(root)
    assert sorted(rendered) == ["dev", "prod"] and "name: dev-site" in got["dev"]


def test_a_link_in_the_tree_keys_a_render_by_the_whole_tree(tmp_path: Path, rendered: list[str]) -> None:
    """A link is read through: what kustomize reads is its target's content, wherever that is,
    and no file under the link's name is hashed; a tree holding a link keys each render by the
    whole tree, as before."""
    root = _repo(tmp_path / "repo")
    (root / "linked").symlink_to("base", target_is_directory=True)
    (root / "overlays/dev/kustomization.yaml").write_text("resources:\n- ../../linked\n")
    assert "name: web" in _render(root)["dev"]
    rendered.clear()
    (root / "base/d.yaml").write_text(DEPLOYMENT.replace("name: web", "name: site"))
    got = _render(root)
    assert "dev" in rendered and "name: site" in got["dev"]
    rendered.clear()
    (root / "README.md").write_text("deploys, now documented\n")
    _render(root)
    assert sorted(rendered) == ["dev", "prod"]  # the whole tree is the key
