"""One reading walks each kustomization once per tree: the reading held to the render and its
marked render (as the plan runs them, :meth:`gitops_bot.engine.app.App._held_to_render`) asked
the reader's walk of every overlay eight times (its kustomizations, the render's cache and size
budget, the joint render's choice, each again for the marked render): 160 walks for 20 overlays.
Counted here, never timed; a second reading walks afresh (nothing is kept past one but what a
reading told its commit walked of the tree as it is, kept by that commit). Its renders
copy the tree once: the plain render's copy is the marked render's, the files written over it
put back first."""

from __future__ import annotations

from collections import Counter
from pathlib import Path
from typing import Any

from gitops_bot.config import load
from gitops_bot.engine import proven
from gitops_bot.manifests import images
from gitops_bot.render import reader, release_diff, render_cache, rendered_reading, tools
from gitops_bot.render import walk as walks
from gitops_bot.render.settings import RenderSettings
from testkit.kubetools import kubectl
from testkit.local_git import write

APP = "ghcr.io/acme/app"
ENVS = 4
DEPLOYMENT = (
    "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\nspec:\n  template:\n    spec:\n"
    "      containers:\n      - name: app\n        image: ghcr.io/acme/app:1.0.0\n"
)
_WALK = reader._reach  # the walk itself, counted by each reading's own wrapper


def _repo(root: Path) -> None:
    listed = "".join(f"  - name: env{i}\n    path: overlays/env{i}\n" for i in range(ENVS))
    files = {
        "gitops-bot.yaml": f"version: 1\nrender:\n  kubectl: {kubectl()}\nimages:\n  - name: {APP}\n"
        f"environments:\n{listed}",
        "base/kustomization.yaml": "resources:\n- deployment.yaml\n",
        "base/deployment.yaml": DEPLOYMENT,
    }
    for i in range(ENVS):
        files[f"overlays/env{i}/kustomization.yaml"] = (
            f"resources:\n- ../../base\nimages:\n- name: {APP}\n  newTag: 1.0.{i}\n"
        )
    write(root, files)


def _plan_reading(
    root: Path, monkeypatch: Any, copies: list[Path] | None = None, content: str | None = None
) -> Counter[tuple[int, Path]]:
    """The walks of one reading, by (tree, directory), as the plan holds it to the render;
    ``copies``: where its renders copied the tree to; ``content``: the commit the reading is
    told the tree's files are."""
    walked: Counter[tuple[int, Path]] = Counter()
    copy = tools.shutil.copytree

    def copied(src: Path, dst: Path, *args: Any, **kw: Any) -> Any:
        if Path(src) == root:  # the tree, not each folder in it
            (copies if copies is not None else []).append(dst)
        return copy(src, dst, *args, **kw)

    monkeypatch.setattr(tools.shutil, "copytree", copied)

    def counted(tree: reader.Tree, at: Path, directory: Path) -> reader.Reach:
        walked[id(tree), directory] += 1
        return _WALK(tree, at, directory)

    monkeypatch.setattr(reader, "_reach", counted)
    config = load(root / "gitops-bot.yaml")
    specs = [images.ImageSpec(i.name, i.repository.location) for i in config.images]
    sources = [reader.Source(e.name, tuple(e.paths), (APP,)) for e in config.environments]
    read = reader.Reader(reader.DiskTree(root), root, specs, root).read(sources)
    paths = {e.name: tuple(e.paths) for e in config.environments}
    with walks.one_reading(root, content):
        held = rendered_reading.held_to_render(config.render, root, root, read, paths)
        judged = proven.prove(config, root, list(config.environments), specs, held)
    assert [judged[f"env{i}"].images[0].effective.tag for i in range(ENVS)] == [  # type: ignore[union-attr]
        f"1.0.{i}" for i in range(ENVS)
    ]
    return walked


def test_a_reading_walks_each_kustomization_once_a_tree(tmp_path: Path, monkeypatch: Any) -> None:
    _repo(tmp_path)
    walked = _plan_reading(tmp_path, monkeypatch)
    assert max(walked.values()) == 1, [k for k, n in walked.items() if n > 1]
    # the tree as it is, each environment's marked files, and the marked renders' shared copy
    assert sum(walked.values()) <= 3 * ENVS, walked
    assert walks._READING.get() is None  # dropped with the reading


def test_a_second_reading_walks_again(tmp_path: Path, monkeypatch: Any) -> None:
    _repo(tmp_path)
    _plan_reading(tmp_path, monkeypatch)
    again = _plan_reading(tmp_path, monkeypatch)
    # the renders are kept by content (no joint render to choose for), the walks are not
    overlays = {tmp_path / f"overlays/env{i}" for i in range(ENVS)}
    assert {d for _, d in again} == overlays
    assert max(again.values()) == 1


def test_a_reading_copies_the_tree_once(tmp_path: Path, monkeypatch: Any) -> None:
    _repo(tmp_path)
    copies: list[Path] = []
    _plan_reading(tmp_path, monkeypatch, copies)  # its markers proven in the plain render's copy
    assert len(copies) == 1, copies
    assert not copies[0].exists()  # removed with the reading


def test_a_copy_taken_again_has_the_files_written_over_it_put_back(tmp_path: Path) -> None:
    _repo(tmp_path)
    overlay = tmp_path / "overlays/env0/kustomization.yaml"
    edited = {overlay: overlay.read_text().replace("1.0.0", "9.9.9")}
    with walks.one_reading():
        first = tools.render_each(RenderSettings(), tmp_path, {"edited": (edited, ["overlays/env0"])}, set())
        then = tools.render_each(RenderSettings(), tmp_path, {"plain": ({}, ["overlays/env0"])}, set())
    assert "ghcr.io/acme/app:9.9.9" in str(first["edited"]["overlays/env0"])
    assert "ghcr.io/acme/app:1.0.0" in str(then["plain"]["overlays/env0"])


def test_a_reading_of_a_known_commit_walks_the_whole_tree_once_per_commit(
    tmp_path: Path, monkeypatch: Any
) -> None:
    """The render cache's key (every file's digest) and the links leading out walk every folder
    and file of the tree, three times each a reading: a reading told the commit its files are
    (a watch's cycle over an unchanged checkout) walks neither again for that commit, another
    commit walks them again, and a reading told none walks every time."""
    _repo(tmp_path)
    walked: list[str] = []
    digests, links_out = render_cache.tree_digests, tools._links_out
    monkeypatch.setattr(render_cache, "tree_digests", lambda *a: walked.append("digests") or digests(*a))
    monkeypatch.setattr(tools, "_links_out", lambda *a: walked.append("links") or links_out(*a))
    _plan_reading(tmp_path, monkeypatch, content="a" * 40)
    assert sorted(set(walked)) == ["digests", "links"]
    walked.clear()
    _plan_reading(tmp_path, monkeypatch, content="a" * 40)
    assert walked == []
    _plan_reading(tmp_path, monkeypatch, content="b" * 40)
    assert sorted(set(walked)) == ["digests", "links"]
    walked.clear()
    _plan_reading(tmp_path, monkeypatch)
    _plan_reading(tmp_path, monkeypatch)
    assert walked.count("links") >= 2 and walked.count("digests") >= 2


def test_the_walks_kept_by_commit_are_bounded(tmp_path: Path) -> None:
    for i in range(render_cache.KEPT_WALKS + 3):
        with walks.one_reading(tmp_path / f"r{i}", f"{i:040d}"):
            tools.links_out(tmp_path / f"r{i}")
    assert len(render_cache._walked) == render_cache.KEPT_WALKS
    assert (tmp_path / f"r{render_cache.KEPT_WALKS + 2}", "links_out") in render_cache._walked


def test_a_releases_rendered_diff_walks_each_kustomization_once_a_tree(
    tmp_path: Path, monkeypatch: Any
) -> None:
    """The size budget, the links leading out and each side's render cache key asked the
    reader's walk of the overlay nine times for one release; once each tree (before, after)."""
    _repo(tmp_path)
    walked: Counter[Path] = Counter()
    monkeypatch.setattr(reader, "_reach", lambda t, a, d: walked.update([d]) or _WALK(t, a, d))
    overlay = tmp_path / "overlays/env0/kustomization.yaml"
    before = {overlay: overlay.read_text()}
    after = {overlay: before[overlay].replace("1.0.0", "1.1.0")}
    settings = RenderSettings()
    (diff,) = release_diff.rendered_diff(settings, "env0", tmp_path, [overlay.parent], before, after)
    assert diff.error is None and "1.1.0" in str(diff), diff
    assert walked == {overlay.parent: 2}


def test_a_reading_of_a_known_commit_walks_the_plain_tree_once_per_commit(
    tmp_path: Path, monkeypatch: Any
) -> None:
    """A reading told the commit its files are (a watch's cycle over an unchanged checkout)
    walks no kustomization of the tree as it is again for that commit; the trees with texts
    written over them (the marked renders', with a secret of the run) are walked each reading,
    and another commit walks the plain tree again."""
    _repo(tmp_path)
    first = _plan_reading(tmp_path, monkeypatch, content="c" * 40)
    again = _plan_reading(tmp_path, monkeypatch, content="c" * 40)
    assert sum(again.values()) == sum(first.values()) - ENVS, (first, again)
    other = _plan_reading(tmp_path, monkeypatch, content="d" * 40)
    assert sum(other.values()) == sum(first.values())


def test_a_known_commits_readings_are_held_and_proven_once_while_all_of_it_is_here(tmp_path: Path) -> None:
    """The base's readings held to the render and proven by the marked render are kept by the
    commit the files are (a watch's cycle over an unchanged checkout renders nothing again);
    another commit, no commit said, or an overlay naming a Helm chart (pulled when rendered)
    render and prove again."""
    _repo(tmp_path)
    config = load(tmp_path / "gitops-bot.yaml")
    specs = [images.ImageSpec(i.name, i.repository.location) for i in config.images]
    sources = [reader.Source(e.name, tuple(e.paths), (APP,)) for e in config.environments]
    read = reader.Reader(reader.DiskTree(tmp_path), tmp_path, specs, tmp_path).read(sources)
    paths = {e.name: tuple(e.paths) for e in config.environments}
    proved: list[int] = []

    def prove(held: dict[str, Any]) -> dict[str, Any]:
        proved.append(1)
        return proven.prove(config, tmp_path, list(config.environments), specs, held)

    def reading(content: str | None) -> dict[str, Any]:
        with walks.one_reading(tmp_path, content):
            return rendered_reading.proven(
                config.render, tmp_path, tmp_path, content, config, read, paths, prove
            )

    first = reading("e" * 40)
    assert reading("e" * 40) == first and len(proved) == 1
    assert [first[f"env{i}"].images[0].effective.tag for i in range(ENVS)] == [
        f"1.0.{i}" for i in range(ENVS)
    ]  # type: ignore[union-attr]
    reading("f" * 40)
    reading(None)
    reading(None)
    assert len(proved) == 4
    overlay = tmp_path / "overlays/env1/kustomization.yaml"
    overlay.write_text(overlay.read_text() + "helmCharts: []\n")
    reading("a1" * 20)
    reading("a1" * 20)
    assert len(proved) == 6
