"""Two charts in one environment whose images are set at the same Helm key paths (every chart's
``image.repository``/``image.tag``): each values block and each Application's parameter is the
site of the image its chart renders there, never of the first configured image with those keys,
so a release of one app never writes the other's tag."""

from __future__ import annotations

from pathlib import Path

import pytest

from gitops_bot.core.reading import PinStatus
from gitops_bot.manifests import images
from gitops_bot.render import reader
from testkit import kubetools

TEMPLATE = (
    "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: %s}\nspec:\n  template:\n    spec:\n"
    '      containers:\n      - name: c\n        image: "{{ .Values.image.repository }}:{{ .Values.image.tag }}"\n'
)
APPLICATION = (
    "apiVersion: argoproj.io/v1alpha1\nkind: Application\nmetadata: {name: %s-dev}\nspec:\n  source:\n"
    "    path: %s\n    helm:\n      parameters:\n        - {name: image.tag, value: %s}\n"
)
APPS = {"front": "2.0.0", "back": "3.0.0"}
KEYS = {"repository": "image.repository", "tag": "image.tag"}
SPECS = [images.ImageSpec(f"ghcr.io/acme/{a}", f"ghcr.io/acme/{a}", KEYS) for a in APPS]


@pytest.fixture(params=["helm", "rules"])
def tree(request: pytest.FixtureRequest, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    helm = kubetools.helm() if request.param == "helm" else str(tmp_path / "no-helm")
    monkeypatch.setenv("GITOPS_BOT_HELM", helm)
    for app, tag in APPS.items():
        files = {
            f"{app}/Chart.yaml": f"apiVersion: v2\nname: {app}\nversion: 0.1.0\n",
            f"{app}/values.yaml": f"image:\n  repository: ghcr.io/acme/{app}\n  tag: 1.0.0\n",
            f"{app}/templates/deployment.yaml": TEMPLATE % app,
            f"envs/dev/{app}.yaml": APPLICATION % (app, app, tag),
        }
        for rel, text in files.items():
            (tmp_path / rel).parent.mkdir(parents=True, exist_ok=True)
            (tmp_path / rel).write_text(text)
    return tmp_path


def test_each_image_is_pinned_at_its_own_applications_parameter_only(tree: Path) -> None:
    paths = tuple(f"envs/dev/{a}.yaml" for a in APPS)
    source = reader.Source("dev", paths, tuple(s.name for s in SPECS))
    reading = reader.Reader(reader.DiskTree(tree), tree, SPECS).read([source])["dev"]
    for app, tag in APPS.items():
        r = reading.image(f"ghcr.io/acme/{app}")
        assert r.status is PinStatus.PINNED, r
        assert [(p.file, p.tag) for p in r.pins if p.effective] == [(f"envs/dev/{app}.yaml", tag)], r
        assert {p.file for p in r.pins} == {f"{app}/values.yaml", f"envs/dev/{app}.yaml"}, r


def test_a_values_block_naming_another_configured_image_is_that_images_site() -> None:
    text = "image:\n  repository: ghcr.io/acme/back\n  tag: 1.0.0\n"
    assert [s.image for s in images.read(text, "back/values.yaml", SPECS)] == ["ghcr.io/acme/back"]
    front = images.edit(text, "back/values.yaml", SPECS, [images.Update("ghcr.io/acme/front", tag="9.9.9")])
    assert front.text == text and not front.changes
