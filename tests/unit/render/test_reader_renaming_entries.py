"""An ``images:`` entry renaming another name to a configured image (``name: back``, ``newName:
ghcr.io/acme/shop-back``) is that image's pin where kustomize applies it: a container the
environment builds below it is named ``back`` when its turn comes. Where it applies to nothing
(no container so named, a name an earlier entry or a nested kustomization renamed away) it is
no place the environment takes the image from. The real ``kubectl kustomize`` shows each."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from gitops_bot.core.model import WrittenRef
from gitops_bot.core.reading import PinKind, PinStatus
from gitops_bot.manifests import images
from gitops_bot.render import reader
from testkit import kubetools

SHOP, BLOG = "ghcr.io/acme/shop-back", "ghcr.io/acme/blog-back"
DIGEST = "sha256:" + "7" * 64


def _deploy(name: str, image: str) -> str:
    return (
        f"apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: {name}\nspec:\n  template:\n"
        f"    spec:\n      containers:\n      - name: back\n        image: {image}\n"
    )


def _read(root: Path, files: dict[str, str], envs: dict[str, str], names: tuple[str, ...]) -> dict[str, Any]:
    for rel, text in files.items():
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_text(text)
    specs = [images.ImageSpec(n, WrittenRef(n).location) for n in names]
    sources = [reader.Source(env, (path,), names) for env, path in envs.items()]
    return reader.Reader(reader.DiskTree(root), root, specs).read(sources)


def _runs(directory: Path) -> set[str]:
    out = kubetools.kustomize(directory)
    return {line.split("image: ", 1)[1].strip() for line in out.splitlines() if "image: " in line}


def test_an_entry_named_as_no_container_is_no_pin(tmp_path: Path) -> None:
    """Andrej220/HAM-gitops' test branch: the base's entry ``name: datacollector`` renames to the
    repository its container already names in full, so it matches nothing: the container's line
    is what runs."""
    repo = "reg:5000/datacollector"
    files = {
        "base/kustomization.yaml": (
            f"resources:\n- deploy.yaml\nimages:\n- digest: {DIGEST}\n  name: datacollector\n  newName: {repo}\n"
        ),
        "base/deploy.yaml": _deploy("ham", repo),
        "overlays/test/kustomization.yaml": "resources:\n- ../../base\n",
    }
    readings = _read(tmp_path, files, {"test": "overlays/test"}, (repo,))
    assert _runs(tmp_path / "overlays/test") == {repo}
    got = readings["test"].image(repo)
    assert [(p.file, p.kind, p.digest, p.effective) for p in got.pins] == [
        ("base/deploy.yaml", PinKind.CONTAINER, None, True)
    ]


def test_one_overlay_two_entries_of_one_name_the_first_applies(tmp_path: Path) -> None:
    files = {
        "base/kustomization.yaml": "resources:\n- deploy.yaml\n",
        "base/deploy.yaml": _deploy("app", "back"),
        "dev/kustomization.yaml": (
            f"resources:\n- ../base\nimages:\n- name: back\n  newName: {SHOP}\n  newTag: 1.0.0\n"
            f"- name: back\n  newName: {BLOG}\n  newTag: 9.0.0\n"
        ),
    }
    readings = _read(tmp_path, files, {"dev": "dev"}, (SHOP, BLOG))
    assert _runs(tmp_path / "dev") == {f"{SHOP}:1.0.0"}
    shop = readings["dev"].image(SHOP)
    assert (shop.status, [(p.file, p.line, p.tag, p.effective) for p in shop.pins]) == (
        PinStatus.PINNED,
        [("dev/kustomization.yaml", 6, "1.0.0", True)],
    )
    assert readings["dev"].image(BLOG).status is PinStatus.NOT_RENDERED


def test_a_base_reused_by_two_apps_renaming_it_each_its_own_in_one_environment(tmp_path: Path) -> None:
    """One base Deployment (``image: back``) built by two apps' kustomizations, each renaming it to
    its own repository, both in one environment: each image pinned at its own app's entry."""
    files = {
        "base/kustomization.yaml": "resources:\n- deploy.yaml\n",
        "base/deploy.yaml": _deploy("back", "back"),
        "envs/dev/kustomization.yaml": "resources:\n- ../../shop\n- ../../blog\n",
    }
    for app, repo, tag in (("shop", SHOP, "1.0.0"), ("blog", BLOG, "2.0.0")):
        files[f"{app}/kustomization.yaml"] = (
            f"namePrefix: {app}-\nresources:\n- ../base\nimages:\n- name: back\n  newName: {repo}\n"
            f"  newTag: {tag}\n"
        )
    readings = _read(tmp_path, files, {"dev": "envs/dev"}, (SHOP, BLOG))
    assert _runs(tmp_path / "envs/dev") == {f"{SHOP}:1.0.0", f"{BLOG}:2.0.0"}
    for app, repo, tag in (("shop", SHOP, "1.0.0"), ("blog", BLOG, "2.0.0")):
        got = readings["dev"].image(repo)
        assert got.status is PinStatus.PINNED, got
        assert [(p.file, p.tag, p.effective) for p in got.pins] == [(f"{app}/kustomization.yaml", tag, True)]


def test_an_overlay_entry_of_a_name_its_base_renamed_applies_to_nothing(tmp_path: Path) -> None:
    """The base's entry renames ``back`` before the overlay's entries apply: the overlay's
    ``name: back`` finds no container so named."""
    files = {
        "base/kustomization.yaml": f"resources:\n- deploy.yaml\nimages:\n- name: back\n  newName: {SHOP}\n",
        "base/deploy.yaml": _deploy("app", "back:1.0.0"),
        "dev/kustomization.yaml": f"resources:\n- ../base\nimages:\n- name: back\n  newName: {BLOG}\n",
    }
    readings = _read(tmp_path, files, {"dev": "dev"}, (SHOP, BLOG))
    assert _runs(tmp_path / "dev") == {f"{SHOP}:1.0.0"}
    assert [(p.file, p.effective) for p in readings["dev"].image(SHOP).pins] == [
        ("base/kustomization.yaml", True)
    ]
    assert readings["dev"].image(BLOG).status is PinStatus.NOT_RENDERED


def test_a_container_a_patch_names_as_the_entry_takes_it(tmp_path: Path) -> None:
    """A JSON 6902 operation sets the container's image to ``back`` before the overlay's entries
    apply: its entry renaming ``back`` is the image's place."""
    files = {
        "base/kustomization.yaml": "resources:\n- deploy.yaml\n",
        "base/deploy.yaml": _deploy("app", "placeholder"),
        "dev/kustomization.yaml": (
            "resources:\n- ../base\npatches:\n- target: {kind: Deployment, name: app}\n  patch: |-\n"
            "    - op: replace\n      path: /spec/template/spec/containers/0/image\n      value: back\n"
            f"images:\n- name: back\n  newName: {SHOP}\n  newTag: 1.0.0\n"
        ),
    }
    readings = _read(tmp_path, files, {"dev": "dev"}, (SHOP,))
    assert _runs(tmp_path / "dev") == {f"{SHOP}:1.0.0"}
    got = readings["dev"].image(SHOP)
    assert (got.status, [(p.file, p.tag, p.effective) for p in got.pins]) == (
        PinStatus.PINNED,
        [("dev/kustomization.yaml", "1.0.0", True)],
    )


def test_an_image_configured_by_the_name_two_apps_rename_is_refused_with_both(tmp_path: Path) -> None:
    """A configuration naming the image ``back`` (written before init kept the two apart, or by
    hand), where the environment renames it to two repositories: never pinned, so no release
    writes one repository's digest into the other app's entry; both files and repositories said."""
    files = {
        "base/kustomization.yaml": "resources:\n- deploy.yaml\n",
        "base/deploy.yaml": _deploy("back", "back"),
        "envs/dev/kustomization.yaml": "resources:\n- ../../shop\n- ../../blog\n",
    }
    for app, repo in (("shop", SHOP), ("blog", BLOG)):
        files[f"{app}/kustomization.yaml"] = (
            f"namePrefix: {app}-\nresources:\n- ../base\nimages:\n- name: back\n  newName: {repo}\n"
            "  newTag: 1.0.0\n"
        )
    for rel, text in files.items():
        (tmp_path / rel).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / rel).write_text(text)
    specs = [images.ImageSpec("back", SHOP)]
    readings = reader.Reader(reader.DiskTree(tmp_path), tmp_path, specs).read(
        [reader.Source("dev", ("envs/dev",), ("back",))]
    )
    got = readings["dev"].image("back")
    assert got.status is PinStatus.UNSUPPORTED
    assert f"shop/kustomization.yaml:7 renames it to {SHOP}" in got.reason
    assert f"blog/kustomization.yaml:7 renames it to {BLOG}" in got.reason
    assert f"name: {SHOP}" in got.fix and f"name: {BLOG}" in got.fix


def test_an_entry_renaming_its_own_name_alone_pins_the_tag_kustomize_keeps(tmp_path: Path) -> None:
    """utilitywarehouse/shared-kustomize-bases: ``name: docker.io/bitnami/elasticsearch``,
    ``newName: docker.io/bitnamilegacy/elasticsearch``, no newTag, over a container writing the
    old name at 8.11.4-debian-11-r1: the entry pins that tag (the plan read "(no tag)"); two
    containers at two tags leave it none to tell."""
    old, new = "docker.io/bitnami/elasticsearch", "docker.io/bitnamilegacy/elasticsearch"
    entry = f"images:\n- name: {old}\n  newName: {new}\n"
    files = {
        "base/kustomization.yaml": f"resources:\n- deploy.yaml\n{entry}",
        "base/deploy.yaml": _deploy("es", f"{old}:8.11.4-debian-11-r1"),
        "two/kustomization.yaml": f"resources:\n- deploy.yaml\n- other.yaml\n{entry}",
        "two/deploy.yaml": _deploy("es", f"{old}:8.11.4-debian-11-r1"),
        "two/other.yaml": _deploy("es2", f"{old}:8.11.4-debian-11-r2"),
    }
    for rel, text in files.items():
        (tmp_path / rel).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / rel).write_text(text)
    specs = [images.ImageSpec(old, WrittenRef(new).location)]
    sources = [reader.Source("prod", ("base",), (old,)), reader.Source("two", ("two",), (old,))]
    readings = reader.Reader(reader.DiskTree(tmp_path), tmp_path, specs).read(sources)
    assert _runs(tmp_path / "base") == {f"{new}:8.11.4-debian-11-r1"}
    pin = readings["prod"].image(old).effective
    assert pin is not None and (pin.file, pin.tag, pin.digest) == (
        "base/kustomization.yaml",
        "8.11.4-debian-11-r1",
        None,
    )
    two = readings["two"].image(old).effective
    assert two is not None and (two.file, two.tag) == ("two/kustomization.yaml", None)
