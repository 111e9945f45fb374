"""The rules read an Application's ``kustomize.images`` and ``helm.parameters`` values as Argo
CD's repo server expands them before it builds (reposerver newEnv, Env.Envsubst: ``$ARGOCD_APP_NAME``
and its kin, ``$$`` a dollar), as the renderer does: they read ``${ARGOCD_APP_NAME}-1`` as the tag
where what runs is ``dev-1``. A value naming what a reading of files cannot know (the commit,
the project) is read as written."""

from __future__ import annotations

from pathlib import Path

import pytest

from gitops_bot.core.reading import PinStatus
from gitops_bot.manifests import images
from gitops_bot.render import reader
from testkit.local_git import write

APP = "ghcr.io/acme/app"
SPECS = [images.ImageSpec(APP, APP, {"repository": "image.repository", "tag": "image.tag"})]
DEPLOYMENT = f"""apiVersion: apps/v1
kind: Deployment
metadata: {{name: web}}
spec:
  template:
    spec:
      containers:
      - name: app
        image: {APP}:1.0
"""
APPLICATION = """apiVersion: argoproj.io/v1alpha1
kind: Application
metadata: {{name: dev}}
spec:
  source:
    repoURL: https://example.com/acme/gitops.git
    targetRevision: HEAD
    path: {path}
{sets}
"""
FILES = {
    "base/kustomization.yaml": "resources: [d.yaml]\n",
    "base/d.yaml": DEPLOYMENT,
    "chart/Chart.yaml": "apiVersion: v2\nname: app\nversion: 0.1.0\n",
    "chart/values.yaml": f"image: {{repository: {APP}, tag: 1.0.0}}\n",
}


@pytest.mark.parametrize(
    ("path", "sets", "tag"),
    [
        ("base", f"    kustomize:\n      images: ['{APP}:${{ARGOCD_APP_NAME}}-1']", "dev-1"),
        ("base", f"    kustomize:\n      images: ['{APP}:$ARGOCD_APP_NAME-$$2']", "dev-$2"),
        ("chart", "    helm:\n      parameters: [{name: image.tag, value: '$ARGOCD_APP_NAME'}]", "dev"),
        # the destination's namespace, "default" where it names none, as the renderer takes it
        ("base", f"    kustomize:\n      images: ['{APP}:$ARGOCD_APP_NAMESPACE']", "default"),
        # the commit is not known to a reading of files: as written
        ("base", f"    kustomize:\n      images: ['{APP}:$ARGOCD_APP_REVISION']", "$ARGOCD_APP_REVISION"),
    ],
)
def test_the_build_environment_is_expanded_in_what_an_application_sets(
    tmp_path: Path, path: str, sets: str, tag: str
) -> None:
    write(tmp_path, {**FILES, "apps/dev.yaml": APPLICATION.format(path=path, sets=sets)})
    source = reader.Source("dev", ("apps/dev.yaml",), (APP,))
    read = reader.Reader(reader.DiskTree(tmp_path), tmp_path, SPECS, tmp_path).read([source])["dev"]
    (image,) = read.images
    assert image.status is PinStatus.PINNED, image
    assert image.effective is not None and (image.effective.place, image.effective.tag) == (
        "apps/dev.yaml:10",
        tag,
    )
