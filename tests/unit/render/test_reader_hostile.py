"""Hostile repositories the reader meets (a link loop, more files than it reads of an
environment): each is a ``note:`` naming what was not read, why and the fix, and blocks only the
environment that renders it; never a traceback, and the rest of the repository is still read.
On the disk and on an environment's branch (git's tree) alike."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from gitops_bot.core.errors import UsageError
from gitops_bot.core.reading import EnvironmentReading, PinStatus
from gitops_bot.git.branch_tree import BranchTree, branch_ref
from gitops_bot.git.gitlog import Checkout
from gitops_bot.manifests import images
from gitops_bot.render import reader
from gitops_bot.render.walk import MAX_FILES
from testkit.local_git import commit, git, write

APP = "ghcr.io/acme/app"
SPECS = [images.ImageSpec(APP, APP)]
DEPLOYMENT = (
    "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: {name}\nspec:\n  template:\n    spec:\n"
    "      containers:\n      - name: app\n        image: ghcr.io/acme/app:1.0\n"
)
BASE = {
    "base/kustomization.yaml": "resources:\n- deployment.yaml\n",
    "base/deployment.yaml": DEPLOYMENT.format(name="app"),
    "overlays/dev/kustomization.yaml": "resources:\n- ../../base\n",
    "overlays/prod/kustomization.yaml": "resources:\n- ../../base\n",
}
LOOP = (
    "a symbolic link to 'b' that leads back to itself (a link loop); nothing is read through it: point it "
    "at a file or directory in the repository, or remove it"
)
BOUND = (
    f"past the {MAX_FILES:,} files the bot reads of one environment, with every file after it; what they "
    f"set is not read: keep what the environment renders under {MAX_FILES:,} files (several objects to a "
    "file)"
)


def _read(tree: reader.Tree, root: Path, **paths: tuple[str, ...]) -> dict[str, EnvironmentReading]:
    sources = [reader.Source(name, p, (APP,)) for name, p in paths.items()]
    return reader.Reader(tree, root, SPECS).read(sources)


def _looped(root: Path) -> Path:
    """``BASE`` with dev's overlay listing ``a``, a link to ``b``, itself a link to ``a``."""
    write(root, {**BASE, "overlays/dev/kustomization.yaml": "resources:\n- ../../base\n- a\n"})
    os.symlink("b", root / "overlays/dev/a")
    os.symlink("a", root / "overlays/dev/b")
    return root


def _blocked(got: EnvironmentReading, file: str, why: str) -> None:
    """``got`` says ``file`` is not read with ``why`` (a note and the block of every image)."""
    assert f"{file}: {why}" in got.said, got.said
    image = got.image(APP)
    assert image is not None and image.status is PinStatus.UNSUPPORTED, image
    head, _, fix = why.rpartition(": ")
    assert image.reason is not None and image.reason.startswith(
        f"{file}, which dev renders, is not read ({head})"
    )
    assert image.fix == fix


def _inherited(got: EnvironmentReading, *others: str) -> None:
    image = got.image(APP)
    assert image is not None and image.status is PinStatus.INHERITED, image
    assert image.pins[0].file == "base/deployment.yaml" and image.pins[0].shared_with == others, image


def _on_disk_and_branch(
    tmp_path: Path, files: dict[str, str], links: dict[str, str]
) -> list[tuple[reader.Tree, Path]]:
    """``files`` with ``links`` (path -> target) as the disk holds them and as a branch does."""
    repo = write(tmp_path / "repo", files)
    for link, target in links.items():
        os.symlink(target, repo / link)
    git(repo, "init", "-q", "-b", "env")
    commit(repo, "linked")
    history = Checkout(repo)
    elsewhere = tmp_path / "elsewhere"
    return [
        (reader.DiskTree(repo), repo),
        (BranchTree(history, branch_ref(history, "env"), elsewhere), elsewhere),
    ]


def test_a_link_loop_an_overlay_lists_is_said_and_blocks_only_that_environment(tmp_path: Path) -> None:
    """kubectl kustomize overlays/dev: "evalsymlink failure on '.../overlays/dev/a' :
    EvalSymlinks: too many links". The reader raised RuntimeError: Symlink loop."""
    root = _looped(tmp_path)
    got = _read(reader.DiskTree(root), root, dev=("overlays/dev",), prod=("overlays/prod",))
    _blocked(got["dev"], "overlays/dev/a", LOOP)
    _inherited(got["prod"], "dev")


def test_a_link_loop_in_a_directory_read_whole_is_said(tmp_path: Path) -> None:
    root = write(tmp_path, {"manifests/dev/deploy.yaml": DEPLOYMENT.format(name="app")})
    os.symlink("b.yaml", root / "manifests/dev/a.yaml")
    os.symlink("a.yaml", root / "manifests/dev/b.yaml")
    got = _read(reader.DiskTree(root), root, dev=("manifests/dev",))["dev"]
    _blocked(got, "manifests/dev/a.yaml", LOOP.replace("'b'", "'b.yaml'"))


def test_a_link_loop_elsewhere_in_the_repository_changes_no_reading(tmp_path: Path) -> None:
    """docs/loop -> loop: no environment renders it; the whole tree is still looked through
    (for Argo CD Applications deploying an overlay) and every environment read as before."""
    root = write(tmp_path, BASE)
    (root / "docs").mkdir()
    os.symlink("loop", root / "docs/loop")
    got = _read(reader.DiskTree(root), root, dev=("overlays/dev",), prod=("overlays/prod",))
    _inherited(got["dev"], "prod")
    _inherited(got["prod"], "dev")
    assert not got["dev"].said and not got["dev"].incomplete


def test_an_environment_path_that_is_a_link_loop_is_one_line(tmp_path: Path) -> None:
    root = write(tmp_path, BASE)
    os.symlink("loop", root / "overlays/loop")
    with pytest.raises(UsageError, match=r"overlays/loop: a symbolic link that leads back to itself"):
        _read(reader.DiskTree(root), root, dev=("overlays/loop",))


def test_a_link_loop_on_an_environments_branch_is_said_the_same(tmp_path: Path) -> None:
    """git keeps the links as blobs: the branch's tree resolves them itself, and a loop there was
    refused as 'a symbolic link ... outside the repository', ending the whole run."""
    repo = _looped(tmp_path / "repo")
    git(repo, "init", "-q", "-b", "env")
    commit(repo, "looped")
    history = Checkout(repo)
    root = tmp_path / "elsewhere"
    tree = BranchTree(history, branch_ref(history, "env"), root)
    got = _read(tree, root, dev=("overlays/dev",), prod=("overlays/prod",))
    _blocked(got["dev"], "overlays/dev/a", LOOP)
    _inherited(got["prod"], "dev")


def test_an_environment_of_more_files_than_the_bound_names_the_bound(tmp_path: Path) -> None:
    """1,700 overlay paths of 3 files each (5,100 files): an AssertionError where the bound fell
    on a kustomization. Now the first file past it is named with the bound and its fix."""
    files = dict(BASE)
    paths = ["overlays/dev"]
    for i in range(1700):
        files[f"many/p{i}/kustomization.yaml"] = "resources:\n- a.yaml\n- b.yaml\n"
        files[f"many/p{i}/a.yaml"] = f"apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: a{i}\n"
        files[f"many/p{i}/b.yaml"] = f"apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: b{i}\n"
        paths.append(f"many/p{i}")
    root = write(tmp_path, files)
    got = _read(reader.DiskTree(root), root, dev=tuple(paths), prod=("overlays/prod",))
    (file,) = [f for f, _ in got["dev"].incomplete]
    _blocked(got["dev"], file, BOUND)
    assert len(got["dev"].rendered) == MAX_FILES
    _inherited(got["prod"], "dev")


def test_a_base_listing_more_resources_than_the_bound_names_the_bound_not_a_missing_file(
    tmp_path: Path,
) -> None:
    """A base of 6,000 resources, every one there: those past the bound were 'not in the
    repository, not followed' and the environment released as if read whole."""
    names = [f"cm{i}.yaml" for i in range(6000)]
    files = {
        **BASE,
        "base/kustomization.yaml": "resources:\n- deployment.yaml\n" + "".join(f"- {n}\n" for n in names),
    }
    files.update(
        {f"base/{n}": f"apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: c{n[2:-5]}\n" for n in names}
    )
    root = write(tmp_path, files)
    got = _read(reader.DiskTree(root), root, dev=("overlays/dev",))["dev"]
    assert not any("not in the repository" in n for n in got.notes), got.notes[:3]
    _blocked(got, "base/cm4997.yaml", BOUND)


def test_an_environment_whose_kustomization_is_not_read_still_renders_the_shared_base(tmp_path: Path) -> None:
    """dev's own kustomization is over the 4 MiB the bot reads (kustomize builds it): what it
    renders is not known, and it may render the base prod renders. prod read
    base/deployment.yaml as its own (shared_with empty) and its release edited it, changing
    dev's rendered image too; now dev counts as rendering it, and prod's release goes into its
    own kustomization."""
    padding = "# " + "x" * 1000 + "\n"
    big = "resources:\n- ../../base\n" + padding * (5 * 1024)
    root = write(tmp_path, {**BASE, "overlays/dev/kustomization.yaml": big})
    got = _read(reader.DiskTree(root), root, dev=("overlays/dev",), prod=("overlays/prod",))
    assert got["dev"].incomplete and got["dev"].incomplete[0][0] == "overlays/dev/kustomization.yaml"
    _inherited(got["prod"], "dev")
    image = got["prod"].image(APP)
    assert image is not None and image.would_write is not None, image
    assert image.would_write.file == "overlays/prod/kustomization.yaml"


def test_a_manifest_not_read_renders_nothing_more(tmp_path: Path) -> None:
    """A plain manifest over the bound holds objects, never a reference: the environment
    rendering it renders nothing else, and what the other reads alone stays its own."""
    big = DEPLOYMENT.format(name="big") + ("# " + "x" * 1000 + "\n") * (5 * 1024)
    root = write(
        tmp_path,
        {
            **BASE,
            "overlays/dev/kustomization.yaml": "resources:\n- big.yaml\n",
            "overlays/dev/big.yaml": big,
        },
    )
    got = _read(reader.DiskTree(root), root, dev=("overlays/dev",), prod=("overlays/prod",))
    image = got["prod"].image(APP)
    assert image is not None and image.status is PinStatus.PINNED, image
    assert image.pins[0].shared_with == ()


def test_a_kustomization_linked_to_another_environments_is_rendered_by_both(tmp_path: Path) -> None:
    """overlays/dev/kustomization.yaml -> ../prod/kustomization.yaml: dev's release wrote its
    images: entry there, through the link, into prod's file (read as dev's own)."""
    root = write(tmp_path, {k: v for k, v in BASE.items() if k != "overlays/dev/kustomization.yaml"})
    (root / "overlays/dev").mkdir()
    os.symlink("../prod/kustomization.yaml", root / "overlays/dev/kustomization.yaml")
    got = _read(reader.DiskTree(root), root, dev=("overlays/dev",), prod=("overlays/prod",))
    for env in ("dev", "prod"):
        image = got[env].image(APP)
        assert image is not None and image.status is PinStatus.UNSUPPORTED and image.would_write is None, (
            image
        )
        other = "prod" if env == "dev" else "dev"
        # the one file both build is each one's own kustomization, which the other builds too
        assert image.reason is not None and f"{env}'s own kustomization" in image.reason, image
        assert f"is built by {other} too" in image.reason, image


def test_a_base_read_through_a_linked_directory_is_shared_on_the_disk_and_on_a_branch(tmp_path: Path) -> None:
    """dev lists shared -> ../../base, prod the base's file: dev read
    overlays/dev/shared/deployment.yaml as its own and pinned it there, so its release edited
    base/deployment.yaml, prod's image too."""
    files = {
        **BASE,
        "overlays/dev/kustomization.yaml": "resources:\n- shared\n",
        "overlays/prod/kustomization.yaml": "resources:\n- ../../base/deployment.yaml\n",
    }
    for tree, root in _on_disk_and_branch(tmp_path, files, {"overlays/dev/shared": "../../base"}):
        got = _read(tree, root, dev=("overlays/dev",), prod=("overlays/prod",))
        dev = got["dev"].image(APP)
        assert dev is not None and dev.status is PinStatus.INHERITED, dev
        assert dev.pins[0].file == "overlays/dev/shared/deployment.yaml" and dev.pins[0].shared_with == (
            "prod",
        )
        assert dev.would_write is not None and dev.would_write.file == "overlays/dev/kustomization.yaml"
        _inherited(got["prod"], "dev")


class _Counted:
    """A tree counting its listings, refusing past ``most``: a walk that never ends fails at once."""

    def __init__(self, tree: reader.Tree, most: int) -> None:
        self.tree, self.most, self.listed = tree, most, 0

    def __getattr__(self, name: str) -> object:
        return getattr(self.tree, name)

    def listing(self, path: Path) -> list[Path]:
        self.listed += 1
        assert self.listed <= self.most, f"listed {self.listed} directories of a tree of a dozen"
        return self.tree.listing(path)


def test_two_links_back_to_their_own_directory_list_it_once_on_the_disk_and_on_a_branch(
    tmp_path: Path,
) -> None:
    """docs/a -> . and docs/b -> .: the whole-tree walk (for the Argo CD Applications deploying
    an overlay) listed docs/a/b/a/... 2**64 ways, and plan and init never ended."""
    files = {**BASE, "docs/README.yaml": "title: docs\n"}
    for tree, root in _on_disk_and_branch(tmp_path, files, {"docs/a": ".", "docs/b": "."}):
        counted = _Counted(tree, 50)
        got = _read(counted, root, dev=("overlays/dev",), prod=("overlays/prod",))  # type: ignore[arg-type]
        _inherited(got["dev"], "prod")
        _inherited(got["prod"], "dev")
        assert not got["dev"].said, got["dev"].said


def test_a_resource_nested_past_the_bound_refuses_only_the_environment_rendering_it(tmp_path: Path) -> None:
    """A resource nested 5,000 levels deep (flow brackets, under the 4 MiB the bot reads) ended
    the whole run (exit 2, every environment unplanned), where an alias bomb or a file not YAML
    in the same place refuses only the environment rendering it: now the same."""
    deep = "x: " + "[" * 5000 + "]" * 5000 + "\n"
    dev = {
        "overlays/dev/kustomization.yaml": "resources:\n- ../../base\n- deep.yaml\n",
        "overlays/dev/deep.yaml": deep,
    }
    root = write(tmp_path, {**BASE, **dev})
    got = _read(reader.DiskTree(root), root, dev=("overlays/dev",), prod=("overlays/prod",))
    said = [*got["dev"].said, *(r[0] for r in got["dev"].refused)]
    assert any("deep.yaml:1: nested deeper than 100 levels" in s for s in said), said
    image = got["prod"].image(APP)
    assert not got["prod"].refused and image is not None and image.would_write is not None, image
