"""The render cache's key hashes the tree rendered; a run's releases read again only the files
that changed since the last walk (by stat, as git's index), and only the last few trees are
kept, so a long-running watch does not grow it."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from gitops_bot.render import render_cache, tools


def _tree(root: Path) -> None:
    (root / "base").mkdir(parents=True)
    (root / "base/deployment.yaml").write_text("kind: Deployment\n")
    (root / "kustomization.yaml").write_text("resources: [base/deployment.yaml]\n")


def test_a_second_walk_reads_only_the_file_that_changed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _tree(tmp_path)
    reads: list[str] = []
    real = Path.read_bytes

    def counting(self: Path) -> bytes:
        reads.append(self.name)
        return real(self)

    monkeypatch.setattr(Path, "read_bytes", counting)
    first = render_cache.tree_digests(tmp_path)
    assert sorted(reads) == ["deployment.yaml", "kustomization.yaml"]
    assert render_cache.tree_digests(tmp_path) == first and len(reads) == 2
    new = tmp_path / "kustomization.yaml.new"  # an edit as the bot writes it: a new file renamed
    new.write_text("resources: [base/deployment.yaml]\nnamespace: dev\n")
    os.replace(new, tmp_path / "kustomization.yaml")
    second = render_cache.tree_digests(tmp_path)
    assert reads[2:] == ["kustomization.yaml"]
    assert second is not None and first is not None
    assert second["kustomization.yaml"] != first["kustomization.yaml"]
    assert second["base/deployment.yaml"] == first["base/deployment.yaml"]


def test_only_the_last_trees_are_kept(tmp_path: Path) -> None:
    for i in range(render_cache._DIGEST_TREES + 3):
        _tree(tmp_path / str(i))
        render_cache.tree_digests(tmp_path / str(i))
    assert len(render_cache._DIGESTS) == render_cache._DIGEST_TREES
    assert str(tmp_path / str(render_cache._DIGEST_TREES + 2)) in render_cache._DIGESTS


def test_a_fleets_trees_are_all_kept_and_the_files_bounded(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A watch over a hundred repositories walks each tree once a cycle: each must still be
    kept at its next cycle (with 8 kept, every cycle hashed every file of every tree again),
    and what is kept is bounded by files too (a fleet of large trees)."""
    monkeypatch.setattr(render_cache, "_DIGESTS", render_cache.OrderedDict())
    for i in range(100):
        _tree(tmp_path / f"r{i}")
        render_cache.tree_digests(tmp_path / f"r{i}")
    assert str(tmp_path / "r0") in render_cache._DIGESTS
    monkeypatch.setattr(render_cache, "_DIGEST_FILES", 5)  # two files a tree: two trees at most
    render_cache.tree_digests(tmp_path / "r1")
    assert list(render_cache._DIGESTS) == [str(tmp_path / "r99"), str(tmp_path / "r1")]


def test_the_size_budget_parses_a_kustomizations_text_once(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Through the one parse cache: the reading's render and the marked render ask the size of
    the same text the reading itself composed (a 200-entry overlay was parsed by PyYAML for the
    budget and composed again for the reading)."""
    from gitops_bot.manifests import kustomize_refs, nodes
    from gitops_bot.render.settings import RenderSettings

    entries = "".join(f"- name: app{i}\n  newTag: '1.{i}'\n" for i in range(3))
    text = f"resources: []\nimages:\n{entries}# {tmp_path.name}\n"
    (tmp_path / "kustomization.yaml").write_text(text)
    parsed = []
    composed = nodes._composed
    monkeypatch.setattr(nodes, "_composed", lambda *a: parsed.append(1) or composed(*a))
    monkeypatch.setattr(tools.yaml, "load", lambda *a, **k: pytest.fail("parsed past the cache"))
    kustomize_refs.refs(text, "kustomization.yaml")  # the reading's own read
    settings = RenderSettings(max_images=2)
    for _ in range(2):  # the reading's render and the marked render ask it of the same text
        assert "3 images: entries, over render.max_images (2)" in str(
            tools.over_budget(settings, tmp_path, tmp_path, ".", {})
        )
    assert len(parsed) == 1
