"""An environment of several paths (its overlays, one per region) each rendering an image it
inherits from a shared base: a release pins it in every path's own kustomization, never in one
only, which would leave the other region on the shared version."""

from __future__ import annotations

from pathlib import Path

import yaml

from gitops_bot.core.outside import Outside
from gitops_bot.core.reading import PinStatus
from gitops_bot.engine import edits
from gitops_bot.engine.app import open_app
from gitops_bot.manifests import images
from gitops_bot.release.proposal import Change, Release
from gitops_bot.render import reader

APP = "ghcr.io/acme/app"
SPECS = [images.ImageSpec(APP, APP)]
DEPLOYMENT = (
    "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: app\nspec:\n  template:\n    spec:\n"
    f"      containers:\n      - name: app\n        image: {APP}:1.0\n"
)
OVERLAY = "resources:\n- ../../base\n"
PROD = ("overlays/prod-eu", "overlays/prod-us")


def _tree(root: Path, prod_us: str = OVERLAY) -> None:
    files = {
        "base/kustomization.yaml": "resources:\n- deployment.yaml\n",
        "base/deployment.yaml": DEPLOYMENT,
        "overlays/staging/kustomization.yaml": OVERLAY,
        "overlays/prod-eu/kustomization.yaml": OVERLAY,
        "overlays/prod-us/kustomization.yaml": prod_us,
        "gitops-bot.yaml": f"version: 1\nimages:\n- name: {APP}\n  policy: semver\nenvironments:\n"
        "- name: staging\n  path: overlays/staging\n- name: prod\n  paths:\n"
        + "".join(f"  - {p}\n" for p in PROD),
    }
    for rel, text in files.items():
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_text(text)


def _prod(root: Path) -> reader.EnvironmentReading:
    sources = [reader.Source("staging", ("overlays/staging",), (APP,)), reader.Source("prod", PROD, (APP,))]
    return reader.Reader(reader.DiskTree(root), root, SPECS).read(sources)["prod"]


def test_an_image_every_path_inherits_is_released_into_each_paths_own_kustomization(tmp_path: Path) -> None:
    _tree(tmp_path)
    r = _prod(tmp_path).image(APP)
    assert r is not None and r.status is PinStatus.INHERITED, r
    assert r.would_write is not None
    assert r.would_write.files == tuple(f"{p}/kustomization.yaml" for p in PROD)


def test_a_path_pinning_its_own_version_is_written_there_with_the_inheriting_one(tmp_path: Path) -> None:
    # prod-us pins its own entry, prod-eu inherits the base's: a release moves both
    _tree(tmp_path, OVERLAY + f"images:\n- name: {APP}\n  newTag: '1.5'\n")
    r = _prod(tmp_path).image(APP)
    assert r is not None and r.status is PinStatus.INHERITED, r
    assert r.would_write is not None
    assert r.would_write.files == tuple(f"{p}/kustomization.yaml" for p in PROD)


def test_a_release_for_the_environment_writes_every_paths_own_entry(tmp_path: Path) -> None:
    _tree(tmp_path, OVERLAY + f"images:\n- name: {APP}\n  newTag: '1.5'\n")
    app = open_app(tmp_path)
    texts = {p: p.read_text() for p in app.files(app.config.environment("prod"))}
    change = Change("prod", APP, APP, (), "1.0", None, "2.0", None, Outside("a new build"))
    release, written = edits.edit(app, Release("prod", (change,)), tmp_path, texts, SPECS)
    body = release.body()
    assert (
        f"pins `{APP}` in prod's own layer, `{PROD[0]}/kustomization.yaml`, `{PROD[1]}/kustomization.yaml`"
        in body
    )
    assert sorted(written) == [tmp_path / p / "kustomization.yaml" for p in PROD]
    for p in PROD:
        doc = yaml.safe_load(written[tmp_path / p / "kustomization.yaml"])
        assert doc["images"] == [{"name": APP, "newTag": "2.0"}], p
    assert (tmp_path / "base/deployment.yaml").read_text() == DEPLOYMENT  # the shared base untouched
