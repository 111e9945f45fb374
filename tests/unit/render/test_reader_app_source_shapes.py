"""An Argo CD Application whose source is written in a form Argo CD's API refuses (``source:`` a
string or a list, ``sources:`` a mapping or a list of strings) deploys nothing: the reading says
so, naming the file, the line and the fix, where it read nothing and said nothing. One whose kind
is spelled with a double-quoted scalar's escapes is an Application, and followed."""

from __future__ import annotations

from pathlib import Path

import pytest

from gitops_bot.manifests import images
from gitops_bot.render import reader
from testkit.local_git import write

APP = "ghcr.io/acme/app"
SPECS = [images.ImageSpec(APP, APP)]
DEPLOYMENT = (
    "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: app\nspec:\n  template:\n    spec:\n"
    "      containers:\n      - name: app\n        image: ghcr.io/acme/app:1.0\n"
)
HEAD = "apiVersion: argoproj.io/v1alpha1\nkind: Application\nmetadata:\n  name: app-dev\nspec:\n  project: default\n"
MAPPING = "repoURL: https://github.com/acme/deploy.git\n    path: overlays/dev"


@pytest.mark.parametrize(
    ("spec", "said"),
    [
        (
            "  source: overlays/dev\n",
            "apps/dev.yaml: app-dev's source (line 7) is a string, not the mapping Argo CD takes (repoURL, "
            "path, targetRevision): Argo CD refuses the Application, and nothing it would deploy is read; "
            "write its source as a mapping",
        ),
        (
            f"  source:\n  - {MAPPING}\n",
            "apps/dev.yaml: app-dev's source (line 8) is a list, not the mapping Argo CD takes (repoURL, "
            "path, targetRevision): Argo CD refuses the Application, and nothing it would deploy is read; "
            "write its source as a mapping, or the list under sources:",
        ),
        (
            f"  sources:\n    {MAPPING}\n",
            "apps/dev.yaml: app-dev's sources (line 8) is a mapping, not the list of mappings Argo CD takes "
            "(repoURL, path, targetRevision): "
            "Argo CD refuses the Application, and nothing it would deploy is read; write it as a list "
            "(- repoURL: ...), or the mapping under source:",
        ),
        (
            "  sources:\n  - overlays/dev\n",
            "apps/dev.yaml: an entry of app-dev's sources (line 8) is a string, not the mapping Argo CD takes (repoURL, "
            "path, targetRevision): Argo CD refuses the Application, and nothing it would deploy is read; "
            "write each of its sources as a mapping",
        ),
    ],
    ids=["source-string", "source-list", "sources-mapping", "sources-string-item"],
)
def test_a_source_argo_cd_refuses_is_said_with_its_line_and_fix(tmp_path: Path, spec: str, said: str) -> None:
    write(
        tmp_path,
        {
            "base/kustomization.yaml": "resources:\n- deployment.yaml\n",
            "base/deployment.yaml": DEPLOYMENT,
            "overlays/dev/kustomization.yaml": "resources:\n- ../../base\n",
            "apps/dev.yaml": HEAD + spec,
        },
    )
    source = reader.Source("dev", ("apps/dev.yaml",), (APP,))
    got = reader.Reader(reader.DiskTree(tmp_path), tmp_path, SPECS).read([source])["dev"]
    assert said in got.said, got.said


@pytest.mark.parametrize(("spec", "form"), [("overlays/dev", "a string"), ("[]", "a list")])
def test_a_spec_argo_cd_refuses_is_said_with_its_line_and_fix(tmp_path: Path, spec: str, form: str) -> None:
    """An Application whose spec: is no mapping had no source read and nothing said: the plan
    told the user to rename the image, of an Application Kubernetes refuses to apply."""
    head = HEAD.replace("spec:\n  project: default\n", f"spec: {spec}\n")
    write(tmp_path, {"overlays/dev/kustomization.yaml": "resources: []\n", "apps/dev.yaml": head})
    source = reader.Source("dev", ("apps/dev.yaml",), (APP,))
    got = reader.Reader(reader.DiskTree(tmp_path), tmp_path, SPECS).read([source])["dev"]
    said = (
        f"apps/dev.yaml: app-dev's spec (line 5) is {form}, not the mapping Argo CD takes (source, "
        "destination): Argo CD refuses the Application, and nothing it would deploy is read; write its "
        "spec as a mapping (source:, destination:)"
    )
    assert said in got.said, got.said


def test_a_templated_string_source_is_no_refusal_said(tmp_path: Path) -> None:
    # a chart's template read as written ('{{ .Values.source }}' quoted): helm makes it a mapping
    write(tmp_path, {"apps/dev.yaml": HEAD + "  source: '{{ .Values.source }}'\n"})
    source = reader.Source("dev", ("apps/dev.yaml",), (APP,))
    got = reader.Reader(reader.DiskTree(tmp_path), tmp_path, SPECS).read([source])["dev"]
    assert not [s for s in got.said if "refuses" in s], got.said


@pytest.mark.parametrize(
    "app",
    [
        HEAD.replace(
            "apiVersion: argoproj.io/v1alpha1\nkind: Application\n",
            'apiVersion: "argopr\\u006fj.io/v1alpha1"\nkind: "Appl\\u0069cation"\n',
        )
        + f"  source:\n    {MAPPING}\n",
        '{"apiVersion": "argoproj.io/v1alpha1", "kind": "Appl\\x69cation", "metadata": {"name": "app-dev"}, '
        '"spec": {"source": {"repoURL": "https://github.com/acme/deploy.git", "path": "overlays/dev"}}}\n',
    ],
    ids=["escaped", "json-escaped"],
)
def test_an_application_whose_kind_is_spelled_with_escapes_is_followed(tmp_path: Path, app: str) -> None:
    # YAML reads "Appl\u0069cation" as Application, and so does Argo CD: a test of the text
    # for the word must not skip the file
    write(
        tmp_path,
        {
            "base/kustomization.yaml": "resources:\n- deployment.yaml\n",
            "base/deployment.yaml": DEPLOYMENT,
            "overlays/dev/kustomization.yaml": "resources:\n- ../../base\n",
            "apps/dev.yaml": app,
        },
    )
    source = reader.Source("dev", ("apps/dev.yaml",), (APP,))
    got = reader.Reader(reader.DiskTree(tmp_path), tmp_path, SPECS).read([source])["dev"]
    image = got.image(APP)
    assert image is not None and image.pins and image.pins[0].file == "base/deployment.yaml", image
