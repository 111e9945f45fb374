"""A file that does not parse as YAML where its tool renders the whole directory or build (an
Argo CD Application's directory, a kustomization's resource, helm's values) is that tool's
refusal of the environment, said with the file and its fix: the rest is still read, and the
other environments are read as ever, where the reading of every environment stopped on it."""

from __future__ import annotations

from pathlib import Path

from gitops_bot.core.reading import PinStatus
from gitops_bot.manifests import images
from gitops_bot.render import reader
from testkit.local_git import write

IMAGE = "ghcr.io/acme/app"
DEPLOY = (
    "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: app}\nspec:\n  template:\n    spec:\n"
    f"      containers:\n      - name: app\n        image: {IMAGE}:1.0.0\n"
)
APP = (
    "apiVersion: argoproj.io/v1alpha1\nkind: Application\nmetadata: {name: dev}\nspec:\n"
    "  source: {repoURL: https://example.com/acme/gitops.git, path: apps}\n"
)
BAD = "kind: ConfigMap\nmetadata: {name: x\n"


def test_a_file_not_yaml_is_its_tools_refusal_of_that_environment_only(tmp_path: Path) -> None:
    write(
        tmp_path,
        {
            "apps/deploy.yaml": DEPLOY,
            "apps/broken.yaml": BAD,
            "argocd/dev.yaml": APP,
            "k/kustomization.yaml": "resources:\n- ../apps/deploy.yaml\n- ../apps/broken.yaml\n",
            "ok/deploy.yaml": DEPLOY,
        },
    )
    specs = [images.ImageSpec(IMAGE, IMAGE, {})]
    read = reader.Reader(reader.DiskTree(tmp_path), tmp_path, specs, tmp_path).read(
        [reader.Source(e, (p,), (IMAGE,)) for e, p in (("dev", "argocd"), ("test", "k"), ("prod", "ok"))]
    )
    (prod,) = read["prod"].images
    assert prod.status is PinStatus.PINNED, prod
    for env, tool in (
        ("dev", "Argo CD, applying apps whole,"),
        ("test", "kustomize, building k/kustomization.yaml,"),
    ):
        assert read[env].refused == (
            (
                f"{tool} refuses apps/broken.yaml: apps/broken.yaml:2: not valid YAML: did not find "
                "expected ',' or '}'",
                "fix the YAML of apps/broken.yaml",
            ),
        ), read[env].refused
        (image,) = read[env].images  # what the rest sets is still read, and nothing released
        assert image.pins and image.pins[0].place == "apps/deploy.yaml:9", image
        assert image.status is PinStatus.UNSUPPORTED, image


def test_a_file_not_yaml_deeper_in_a_directory_read_whole_is_said(tmp_path: Path) -> None:
    # a subdirectory's file read as a file of the top directory is: said with its fix, where
    # only a note no surface shows had it, and the rest read
    write(tmp_path, {"apps/deploy.yaml": DEPLOY, "apps/sub/broken.yaml": BAD})
    specs = [images.ImageSpec(IMAGE, IMAGE, {})]
    read = reader.Reader(reader.DiskTree(tmp_path), tmp_path, specs, tmp_path).read(
        [reader.Source("dev", ("apps",), (IMAGE,))]
    )["dev"]
    assert read.said == (
        "apps/sub/broken.yaml: not YAML the bot can read (apps/sub/broken.yaml:2: not valid YAML: did not "
        "find expected ',' or '}'); what it sets is not read: fix the YAML",
    ), read.said
    (image,) = read.images
    assert image.status is PinStatus.PINNED, image
