"""What the disk's reading (the base branch) finds there and does not read is said, naming it,
with the fix, in the environment's reading (``said``, what the plan shows), never skipped
without a word nor called "not in the repository": a symbolic link leading out of the
repository wherever the walk meets it (a resource, an entry of a directory read recursively,
a patch), a file over the bound a branch's file is read to, a file that is not UTF-8 text.
A link inside the repository is read through, as before.

What the environment renders and was not read makes the reading of the deployer unit reading
it incomplete (its path, its Application, its Flux Kustomization): every image that unit may
pin is ``unsupported``, the reason naming the file, why and the fix, so nothing of it is
released (what the file sets may pin the same image, and a release of the rest would leave the
unit on two versions); the environment's other units, which Argo CD and Flux render alone, are
read as they are. An entry it never renders (a link named README.md) is a note only."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from gitops_bot.core.reading import PinStatus
from gitops_bot.git.branch_tree import MAX_BLOB
from gitops_bot.manifests import images
from gitops_bot.render import reader
from testkit.local_git import write

APP = "ghcr.io/acme/app"
SPECS = [images.ImageSpec(APP, APP)]
DEPLOYMENT = (
    "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: {name}\nspec:\n  template:\n    spec:\n"
    "      containers:\n      - name: app\n        image: ghcr.io/acme/app:{tag}\n"
)
LINK = (
    "a symbolic link to {target!r}, leading out of the repository; nothing is read through it: "
    "make it a directory in the repository, or remove it"
)


def _outside(tmp_path: Path) -> Path:
    out = tmp_path / "host-dir"
    write(
        out, {"kustomization.yaml": "resources:\n- d.yaml\n", "d.yaml": DEPLOYMENT.format(name="x", tag="9")}
    )
    write(out, {"patch.yaml": DEPLOYMENT.format(name="app", tag="9")})
    return out


def _repository(tmp_path: Path, overlay: str) -> Path:
    root = tmp_path / "repo"
    write(
        root,
        {
            "base/kustomization.yaml": "resources:\n- d.yaml\n",
            "base/d.yaml": DEPLOYMENT.format(name="app", tag="1.0"),
            "overlays/x/kustomization.yaml": overlay,
        },
    )
    return root


def _read(root: Path, path: str = "overlays/x") -> reader.EnvironmentReading:
    return reader.Reader(reader.DiskTree(root), root, SPECS).read([reader.Source("x", (path,), (APP,))])["x"]


def test_a_resource_linked_out_of_the_repository_is_named_with_the_fix(tmp_path: Path) -> None:
    outside = _outside(tmp_path)
    root = _repository(tmp_path, "resources:\n- ../../base\n- ext\n")
    os.symlink(outside, root / "overlays/x/ext")
    got = _read(root)
    note = f"overlays/x/ext: {LINK.format(target=str(outside))}"
    assert got.said == (note,), got
    assert not any("not in the repository" in n for n in got.notes), got.notes  # it is: a link
    assert not any("host-dir" in f or f == "d.yaml" for f in got.rendered), got.rendered
    assert got.incomplete == (("overlays/x/ext", LINK.format(target=str(outside))),), got
    image = got.image(APP)
    assert image is not None and image.status is PinStatus.UNSUPPORTED, image
    assert image.reason == (
        f"overlays/x/ext, which x renders, is not read (a symbolic link to {str(outside)!r}, leading out "
        "of the repository; nothing is read through it); a release must write every place that sets a "
        "version, so nothing of x is released"
    ), image.reason
    assert image.fix == "make it a directory in the repository, or remove it"
    assert image.pins and image.would_write is None, image  # where it was read: shown, not written


def test_a_link_out_met_reading_a_directory_recursively_is_named(tmp_path: Path) -> None:
    """Argo CD's directory.recurse: a directory linked out deeper down, which the listing
    skipped (a YAML file linked out under the environment's own path is refused, as before)."""
    outside = _outside(tmp_path)
    root = tmp_path / "repo"
    write(root, {"manifests/app.yaml": DEPLOYMENT.format(name="app", tag="1.0")})
    (root / "manifests/more").mkdir()
    os.symlink(outside, root / "manifests/more/ext")
    got = _read(root, "manifests")
    assert got.said == (f"manifests/more/ext: {LINK.format(target=str(outside))}",), got


def test_a_yaml_file_linked_out_in_a_directory_a_kustomization_reads_is_named(tmp_path: Path) -> None:
    outside = _outside(tmp_path)
    root = _repository(tmp_path, "resources:\n- ../../base\n- plain\n")
    write(root, {"overlays/x/plain/cm.yaml": "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: c\n"})
    os.symlink(outside / "d.yaml", root / "overlays/x/plain/leak.yaml")
    got = _read(root)
    assert got.said == (f"overlays/x/plain/leak.yaml: {LINK.format(target=str(outside / 'd.yaml'))}",), got


def test_a_patch_linked_out_of_the_repository_is_named(tmp_path: Path) -> None:
    outside = _outside(tmp_path)
    root = _repository(tmp_path, "resources:\n- ../../base\npatches:\n- path: p.yaml\n")
    os.symlink(outside / "patch.yaml", root / "overlays/x/p.yaml")
    got = _read(root)
    assert got.said == (f"overlays/x/p.yaml: {LINK.format(target=str(outside / 'patch.yaml'))}",), got
    assert not any("a patch not in the repository" in n for n in got.notes), got.notes


def test_a_link_by_dot_dot_past_the_root_is_named_as_written(tmp_path: Path) -> None:
    _outside(tmp_path)
    root = _repository(tmp_path, "resources:\n- ../../base\n- ext\n")
    os.symlink("../../../host-dir", root / "overlays/x/ext")
    assert _read(root).said == (f"overlays/x/ext: {LINK.format(target='../../../host-dir')}",)


def test_a_link_inside_the_repository_is_read_through(tmp_path: Path) -> None:
    root = _repository(tmp_path, "resources:\n- ../../base\n- ext\n")
    write(root, {"inside/kustomization.yaml": "resources:\n- d.yaml\n"})
    write(root, {"inside/d.yaml": DEPLOYMENT.format(name="other", tag="2.0")})
    os.symlink("../../inside", root / "overlays/x/ext")
    got = _read(root)
    assert got.said == () and "overlays/x/ext/d.yaml" in got.rendered, got


def test_a_file_over_the_bound_is_said_as_on_a_branch(tmp_path: Path) -> None:
    root = _repository(tmp_path, "resources:\n- ../../base\n- big.yaml\n")
    write(root, {"overlays/x/big.yaml": "# " + "x" * (MAX_BLOB + (1 << 19)) + "\n"})
    got = _read(root)
    assert got.said == (
        "overlays/x/big.yaml: 4.5 MiB, more than the 4 MiB the bot reads of a file; what it sets is not "
        "read: split it into files under 4 MiB",
    ), got
    assert not any("not in the repository" in n for n in got.notes), got.notes


def test_a_file_that_is_not_text_is_said(tmp_path: Path) -> None:
    root = _repository(tmp_path, "resources:\n- ../../base\n- latin1.yaml\n")
    (root / "overlays/x/latin1.yaml").write_bytes(b"# caf\xe9\nkind: ConfigMap\n")
    got = _read(root)
    assert got.said == ("overlays/x/latin1.yaml: not UTF-8 text; what it sets is not read: save it as UTF-8",)


def test_an_environments_own_file_over_the_bound_is_said_not_missing(tmp_path: Path) -> None:
    """The path the configuration names is there: not "does not exist", and its image's
    reading says why nothing it sets was found."""
    root = tmp_path / "repo"
    write(root, {"deploy/app.yaml": DEPLOYMENT.format(name="app", tag="1.0") + "#" * MAX_BLOB})
    got = _read(root, "deploy/app.yaml")
    (note,) = got.said
    assert note.startswith("deploy/app.yaml: 4.0 MiB, more than the 4 MiB"), note
    image = got.image(APP)
    assert image is not None and image.status is PinStatus.UNSUPPORTED, image
    assert image.reason is not None and image.reason.startswith(
        "deploy/app.yaml, which x renders, is not read (4.0 MiB, more than the 4 MiB the bot reads of a "
        "file; what it sets is not read)"
    ), image
    assert image.fix == "split it into files under 4 MiB", image


def test_every_image_of_an_environment_with_a_file_not_read_is_blocked_with_the_file(tmp_path: Path) -> None:
    """The reviewer's shape: the image pinned in a small file read whole and in a big one not
    read; the other image of the environment, pinned only where it was read, is blocked too."""
    other = "ghcr.io/acme/worker"
    root = tmp_path / "repo"
    write(root, {"m/deploy.yaml": DEPLOYMENT.format(name="web", tag="1.2.0") + "---\n" + DEPLOYMENT.replace(
        "ghcr.io/acme/app", other).format(name="w", tag="2.0")})  # fmt: skip
    write(root, {"m/big.yaml": DEPLOYMENT.format(name="worker", tag="1.2.0") + "#" * MAX_BLOB})
    specs = [*SPECS, images.ImageSpec(other, other)]
    got = reader.Reader(reader.DiskTree(root), root, specs).read([reader.Source("x", ("m",), (APP, other))])[
        "x"
    ]
    assert [i.status for i in got.images] == [PinStatus.UNSUPPORTED] * 2, got.images
    assert all(
        i.reason and i.reason.startswith("m/big.yaml, which x renders, is not read") for i in got.images
    )
    assert got.blocked is not None and got.blocked[1] == "split it into files under 4 MiB", got.blocked


def _application(name: str) -> str:
    return (
        f"apiVersion: argoproj.io/v1alpha1\nkind: Application\nmetadata: {{name: {name}}}\nspec:\n"
        f"  source: {{repoURL: https://example.com/acme/deploy.git, path: {name}}}\n"
        "  destination: {server: https://kubernetes.default.svc}\n"
    )


@pytest.mark.parametrize("paths", [("apps",), ("web", "jobs")], ids=["two Applications", "two paths"])
def test_a_file_not_read_blocks_the_unit_reading_it_not_the_environments_others(
    tmp_path: Path, paths: tuple[str, ...]
) -> None:
    """Argo CD renders each Application alone: the one reading a file over the bound keeps its
    images unreleased (one pinned in its own files, one pinned nowhere read), said once with the
    file and fix; the image the other Application pins is released."""
    worker, other = "ghcr.io/acme/worker", "ghcr.io/acme/none"
    root = tmp_path / "repo"
    write(
        root,
        {
            "apps/web.yaml": _application("web"),
            "apps/jobs.yaml": _application("jobs"),
            "web/app.yaml": DEPLOYMENT.format(name="web", tag="1.2.0"),
            "jobs/kustomization.yaml": "resources:\n- worker.yaml\n- big.yaml\n",
            "jobs/worker.yaml": DEPLOYMENT.replace(APP, worker).format(name="worker", tag="2.0"),
            "jobs/big.yaml": "# rendered\n" + "#" * MAX_BLOB,
        },
    )
    specs = [images.ImageSpec(i, i) for i in (APP, worker, other)]
    got = reader.Reader(reader.DiskTree(root), root, specs).read(
        [reader.Source("x", paths, (APP, worker, other))]
    )
    got = got["x"]
    assert got.blocked is None and got.incomplete == (), got
    web = got.image(APP)
    assert web is not None and web.status is PinStatus.PINNED and web.writable, web
    why = (
        "jobs/big.yaml, which x renders, is not read (4.0 MiB, more than the 4 MiB the bot reads of a file; "
        "what it sets is not read)"
    )
    for name in (worker, other):
        image = got.image(name)
        assert image is not None and image.status is PinStatus.UNSUPPORTED, image
        assert (image.reason, image.fix, image.would_write) == (why, "split it into files under 4 MiB", None)
        assert not any(p.effective for p in image.pins), image
    assert got.said == (
        f"{why}: what the Application, Kustomization or path reading it renders is not released, the "
        "environment's others are (fix: split it into files under 4 MiB)",
    ), got.said
    assert got.unit_refusal(["jobs/worker.yaml"]) == f"{why} (fix: split it into files under 4 MiB)"
    assert got.unit_refusal(["web/app.yaml"]) is None


def test_a_link_out_the_environment_never_renders_is_a_note_only(tmp_path: Path) -> None:
    """A directory read whole holding a README.md linked to the host: not YAML, never rendered,
    so it is noted (the fix beside it) and the release goes ahead."""
    outside = tmp_path / "host-readme.md"
    outside.write_text("# hi\n")
    root = tmp_path / "repo"
    write(root, {"manifests/app.yaml": DEPLOYMENT.format(name="app", tag="1.0")})
    os.symlink(outside, root / "manifests/README.md")
    got = _read(root, "manifests")
    assert got.said == (f"manifests/README.md: {LINK.format(target=str(outside))}",), got
    assert got.incomplete == () and got.blocked is None, got
    image = got.image(APP)
    assert image is not None and image.status is PinStatus.PINNED, image
