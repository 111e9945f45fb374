"""A plain directory (no kustomization) named as an environment's path, read as its deployer
reads it: an Argo CD Application of the repository deploying it without ``directory.recurse``
applies its own files only, so a file in a subdirectory is neither what the environment runs nor
a place a release writes (said once); with ``recurse: true`` the subdirectories are read too."""

from __future__ import annotations

from pathlib import Path

import pytest

from gitops_bot.core.errors import GitOpsBotError
from gitops_bot.core.reading import PinStatus
from gitops_bot.manifests import images
from gitops_bot.render import reader

APP = "ghcr.io/acme/app"
SPECS = [images.ImageSpec(APP, APP)]
DEPLOYMENT = (
    "apiVersion: apps/v1\nkind: Deployment\nmetadata: {{name: {name}}}\nspec:\n  template:\n    spec:\n"
    "      containers:\n      - {{name: app, image: '{image}'}}\n"
)
APPLICATION = """apiVersion: argoproj.io/v1alpha1
kind: Application
metadata:
  name: web
spec:
  source:
    repoURL: https://github.com/acme/deploy.git
    path: apps/web
    directory: {{recurse: {recurse}}}
  destination: {{server: https://kubernetes.default.svc, namespace: web}}
"""


@pytest.mark.parametrize("recurse", [False, True])
def test_a_plain_directory_is_read_as_the_application_deploying_it_applies_it(
    tmp_path: Path, recurse: bool
) -> None:
    files = {
        "argocd/web.yaml": APPLICATION.format(recurse=str(recurse).lower()),
        "apps/web/deployment.yaml": DEPLOYMENT.format(name="web", image=f"{APP}:1.0.0"),
        "apps/web/old/deployment.yaml": DEPLOYMENT.format(name="old", image=f"{APP}:0.9.0"),
    }
    for rel, text in files.items():
        (tmp_path / rel).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / rel).write_text(text)
    source = reader.Source("prod", ("apps/web",), (APP,))
    got = reader.Reader(reader.DiskTree(tmp_path), tmp_path, SPECS).read([source])["prod"]
    r = got.image(APP)
    pinned = [(p.file, p.tag) for p in r.pins]
    said = "apps/web: its own files only, as Argo CD applies it for web (no directory.recurse)"
    if recurse:
        assert pinned == [("apps/web/deployment.yaml", "1.0.0"), ("apps/web/old/deployment.yaml", "0.9.0")]
        assert not any(said in s for s in got.said), got.said
    else:
        assert r.status is PinStatus.PINNED and pinned == [("apps/web/deployment.yaml", "1.0.0")], r
        assert "apps/web/old/deployment.yaml" not in got.writable
        assert any(said in s for s in got.said), got.said


def test_jsonnet_beside_an_environments_manifests_is_said(tmp_path: Path) -> None:
    """Argo CD renders a directory's ``*.jsonnet`` with its YAML: what the Jsonnet sets is read by
    no rule here, so the plan says it rather than showing the YAML's images as all there is."""
    files = {
        "apps/web/deployment.yaml": DEPLOYMENT.format(name="web", image=f"{APP}:1.0.0"),
        "apps/web/worker.jsonnet": "local lib = import 'lib/worker.libsonnet';\nlib.worker('2.0.0')\n",
        "apps/web/lib/worker.libsonnet": "{ worker(v):: { image: 'ghcr.io/acme/worker:' + v } }\n",
    }
    for rel, text in files.items():
        (tmp_path / rel).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / rel).write_text(text)
    source = reader.Source("prod", ("apps/web",), (APP,))
    got = reader.Reader(reader.DiskTree(tmp_path), tmp_path, SPECS).read([source])["prod"]
    assert got.image(APP).status is PinStatus.PINNED
    said = [s for s in got.said if "Jsonnet" in s]
    assert said == [
        "2 Jsonnet files (apps/web/worker.jsonnet, apps/web/lib/worker.libsonnet): Argo CD renders them, "
        "the bot does not; the images they set are not released (pin them in YAML the bot reads to have "
        "them released)"
    ], got.said


def test_a_path_of_jsonnet_alone_is_said_as_jsonnet(tmp_path: Path) -> None:
    """An environment's path holding only Jsonnet was refused as holding 'no kustomization and no
    YAML files', where the plan should say what Argo CD renders there and the bot does not."""
    (tmp_path / "apps/web").mkdir(parents=True)
    (tmp_path / "apps/web/main.jsonnet").write_text("{ image: 'ghcr.io/acme/app:1.0.0' }\n")
    (tmp_path / "apps/empty").mkdir(parents=True)
    (tmp_path / "apps/empty/README.md").write_text("nothing\n")
    source = reader.Source("prod", ("apps/web",), (APP,))
    got = reader.Reader(reader.DiskTree(tmp_path), tmp_path, SPECS).read([source])["prod"]
    assert got.image(APP).status is PinStatus.NOT_RENDERED
    assert [s for s in got.said if "Jsonnet" in s] == [
        "1 Jsonnet file (apps/web/main.jsonnet): Argo CD renders them, the bot does not; the images they "
        "set are not released (pin them in YAML the bot reads to have them released)"
    ], got.said
    with pytest.raises(GitOpsBotError, match="apps/empty has no kustomization and no YAML files"):
        reader.Reader(reader.DiskTree(tmp_path), tmp_path, SPECS).read(
            [reader.Source("x", ("apps/empty",), (APP,))]
        )
