"""An Application whose chart's templates are Argo CD Applications (app of apps): the chart is
rendered with the real helm as Argo CD renders it, and each environment's own yielded
Application is followed as a written one, to the values file or kustomization pinning its
image, with file and line. Without helm, and for a yielded Application whose source is another
repository, the environment says in one line that they are not followed, with the fix."""

from __future__ import annotations

from pathlib import Path

import pytest

from gitops_bot.core.reading import PinStatus
from gitops_bot.manifests import images
from gitops_bot.render import reader
from gitops_bot.render.settings import RenderSettings
from testkit import app_of_apps
from testkit import repo_corpus as rc
from testkit.kubetools import helm, kubectl
from testkit.local_git import write

IMAGE = "ghcr.io/acme/app"
ENVIRONMENTS = [
    {"name": "dev", "path": "chart", "values": "values-dev.yaml"},
    {"name": "staging", "path": "chart", "values": "values-staging.yaml"},
    {"name": "prod", "path": "overlays/prod"},
    {"name": "edge", "path": "chart", "repo": "https://example.com/other/repo.git"},
]
FILES = {
    "root.yaml": app_of_apps.root("apps"),
    **app_of_apps.chart(ENVIRONMENTS),
    **app_of_apps.child_chart(IMAGE),
    "chart/values-dev.yaml": "replicas: 1\nimage:\n  tag: 1.1.0\n",
    "chart/values-staging.yaml": "image:\n  tag: 1.0.0\n",
    "overlays/prod/deployment.yaml": f"kind: Deployment\nspec:\n  template:\n    spec:\n      containers:\n"
    f"        - name: app\n          image: {IMAGE}:0.8.0\n",
    "overlays/prod/kustomization.yaml": f"resources: [deployment.yaml]\nimages:\n  - name: {IMAGE}\n    newTag: 1.0.0\n",
}
SPECS = [images.ImageSpec(IMAGE, IMAGE, {"repository": "image.repository", "tag": "image.tag"})]


def _read(root: Path, render: RenderSettings | None, *envs: str) -> dict[str, reader.EnvironmentReading]:
    sources = [reader.Source(env, ("root.yaml",), (IMAGE,)) for env in envs]
    return reader.Reader(reader.DiskTree(root), root, SPECS, root, render=render).read(sources)


def test_each_environment_reads_its_own_yielded_applications_files(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("GITOPS_BOT_HELM", helm())
    write(tmp_path, FILES)
    read = _read(tmp_path, RenderSettings(), "dev", "staging", "prod")
    for env, (place, tag) in {
        "dev": ("chart/values-dev.yaml:3", "1.1.0"),
        "staging": ("chart/values-staging.yaml:2", "1.0.0"),
        "prod": ("overlays/prod/kustomization.yaml:4", "1.0.0"),
    }.items():
        (image,) = read[env].images
        assert image.status is PinStatus.PINNED, (env, image)
        assert image.effective is not None and (image.effective.place, image.effective.tag) == (place, tag), (
            image
        )
        assert f"root.yaml: root yields app-{env} (apps/templates/applications.yaml)" in map(
            str, read[env].notes
        ), read[env].notes
    # what the release writes: the yielded Application's own values file, or its kustomization
    assert read["dev"].writable == ("chart/values-dev.yaml",), read["dev"].writable
    assert read["prod"].writable == ("overlays/prod/kustomization.yaml",), read["prod"].writable


def test_a_yielded_application_of_another_repository_is_said_as_not_followed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("GITOPS_BOT_HELM", helm())
    write(tmp_path, FILES)
    (image,) = _read(tmp_path, RenderSettings(), "edge")["edge"].images
    assert image.status is PinStatus.NOT_RENDERED, image
    assert (
        image.reason is not None
        and (
            "root yields app-edge, whose source is https://example.com/other/repo.git: not followed, the bot "
            "reads what this repository holds; release it from a configuration in that repository"
        )
        in image.reason
    ), image.reason


def test_without_helm_an_app_of_apps_is_said_as_not_followed(tmp_path: Path) -> None:
    write(tmp_path, FILES)
    (image,) = _read(tmp_path, None, "staging")["staging"].images
    assert image.status is PinStatus.NOT_RENDERED
    assert (
        image.reason is not None
        and (
            "root renders chart apps, whose templates are Argo CD Applications (app of apps): the Applications "
            "they yield are not followed: install helm (or set render.helm) for the bot to render it and follow them"
        )
        in image.reason
    ), image.reason


# argoproj/argocd-example-apps (the corpus copy, tests/data/repos): apps/ is the app of apps its
# README deploys with 'argocd app create apps --repo https://github.com/argoproj/argocd-example-apps.git
# --path apps'; its template yields one Application per entry of apps/values.yaml, helm-guestbook
# among them (a chart here, its release named by the template's helm.releaseName)
EXAMPLE_ROOT = """apiVersion: argoproj.io/v1alpha1
kind: Application
metadata: {name: apps, namespace: argocd}
spec:
  project: default
  source:
    repoURL: https://github.com/argoproj/argocd-example-apps.git
    path: apps
  destination: {server: https://kubernetes.default.svc, namespace: argocd}
"""
FRONTEND = "gcr.io/google-samples/gb-frontend"


def test_argocd_example_apps_app_of_apps_reads_helm_guestbook_values(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("GITOPS_BOT_HELM", helm())
    (case,) = [c for c in rc.cases() if c.key == "argoproj__argocd-example-apps"]
    root = rc.copy_tree(case, tmp_path / "repo")
    write(root, {"root.yaml": EXAMPLE_ROOT})
    specs = [images.ImageSpec(FRONTEND, FRONTEND, {"repository": "image.repository", "tag": "image.tag"})]
    source = reader.Source("guestbook", ("root.yaml",), (FRONTEND,), ("example.helm-guestbook",))
    read = reader.Reader(reader.DiskTree(root), root, specs, root, render=RenderSettings()).read([source])
    (image,) = read["guestbook"].images
    assert image.status is PinStatus.PINNED, image
    assert image.effective is not None and (image.effective.place, image.effective.tag) == (
        "helm-guestbook/values.yaml:9",
        "v5",
    ), image
    notes = list(map(str, read["guestbook"].notes))
    assert "root.yaml: apps yields example.helm-guestbook (apps/templates/applications.yaml)" in notes, notes
    assert "helm-guestbook/values.yaml" in read["guestbook"].writable, read["guestbook"].writable


CHILD_APP = """apiVersion: argoproj.io/v1alpha1
kind: Application
metadata: {name: app-ENV}
spec:
  source:
    repoURL: https://example.com/acme/gitops.git
    path: chart
    helm: {valueFiles: [values-ENV.yaml]}
"""
PLAIN = {
    **app_of_apps.child_chart(IMAGE),
    "chart/values-dev.yaml": "image:\n  tag: 1.1.0\n",
    "chart/values-prod.yaml": "image:\n  tag: 1.0.0\n",
    "children/dev.yaml": CHILD_APP.replace("ENV", "dev"),
    "children/prod.yaml": CHILD_APP.replace("ENV", "prod"),
}


def test_a_directory_of_applications_is_followed_as_argo_cd_applies_it(tmp_path: Path) -> None:
    write(tmp_path, {**PLAIN, "root.yaml": app_of_apps.root("children")})
    read = _read(tmp_path, None, "dev", "prod")  # the files as written: no tool needed
    for env, (place, tag) in {
        "dev": ("chart/values-dev.yaml:2", "1.1.0"),
        "prod": ("chart/values-prod.yaml:2", "1.0.0"),
    }.items():
        (image,) = read[env].images
        assert image.status is PinStatus.PINNED, image
        assert image.effective is not None and (image.effective.place, image.effective.tag) == (place, tag), (
            image
        )
        assert f"root.yaml: root deploys app-{env} (children/{env}.yaml)" in map(str, read[env].notes)


PATCH = """- op: replace
  path: /spec/source/helm/valueFiles/0
  value: values-qa.yaml
"""


def test_a_kustomization_of_applications_is_built_then_followed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # its patch points dev's Application at another values file: what Argo CD applies is the
    # build, not the file as written
    monkeypatch.setenv("GITOPS_BOT_KUBECTL", kubectl())
    kustomization = "resources: [dev.yaml, prod.yaml]\npatches:\n  - path: qa.yaml\n    target: {kind: Application, name: app-dev}\n"
    files = {
        **PLAIN,
        "children/kustomization.yaml": kustomization,
        "children/qa.yaml": PATCH,
        "chart/values-qa.yaml": "image:\n  tag: 2.0.0\n",
    }
    write(tmp_path, {**files, "root.yaml": app_of_apps.root("children")})
    read = _read(tmp_path, RenderSettings(), "dev")
    (image,) = read["dev"].images
    assert image.status is PinStatus.PINNED, image
    assert image.effective is not None and (image.effective.place, image.effective.tag) == (
        "chart/values-qa.yaml:2",
        "2.0.0",
    ), image
    assert "root.yaml: root builds app-dev (children/kustomization.yaml)" in map(str, read["dev"].notes)
    # without kubectl: said, with the fix
    monkeypatch.setenv("GITOPS_BOT_KUBECTL", "/nonexistent/kubectl")
    (image,) = _read(tmp_path, RenderSettings(), "dev")["dev"].images
    assert image.status is PinStatus.NOT_RENDERED, image
    assert (
        image.reason is not None
        and (
            "root renders children, whose files are Argo CD Applications (app of apps): the Applications it builds "
            "are not followed: install kubectl (or set render.kubectl) for the bot to build it and follow them"
        )
        in image.reason
    ), image.reason


def test_a_kustomization_of_applications_reading_a_remote_resource_is_not_built(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # kubectl would fetch the remote resource when building it: never run, said with the fix
    monkeypatch.setenv("GITOPS_BOT_KUBECTL", kubectl())
    remote = "https://raw.githubusercontent.com/acme/apps/main/edge.yaml"
    files = {**PLAIN, "children/kustomization.yaml": f"resources: [dev.yaml, prod.yaml, {remote}]\n"}
    write(tmp_path, {**files, "root.yaml": app_of_apps.root("children")})
    (image,) = _read(tmp_path, RenderSettings(), "dev")["dev"].images
    assert image.status is PinStatus.NOT_RENDERED, image
    assert (
        image.reason is not None
        and (
            f"root renders children, whose files are Argo CD Applications (app of apps): its kustomization reads {remote}, "
            "which is not here, so it is not built and the Applications it holds are not followed; keep what it builds "
            "in this repository"
        )
        in image.reason
    ), image.reason


def _child(name: str, path: str, env: str) -> str:
    extra = f"    helm:\n      valueFiles: [values-{env}.yaml]\n"
    return app_of_apps.APPLICATION.format(
        name=f"{name}-{env}", source=app_of_apps.source(path, extra=extra), namespace=env
    )


def test_a_directory_of_root_applications_follows_each_root(tmp_path: Path) -> None:
    # roots/ holds two apps of apps side by side (kubectl apply -f roots/, as a bootstrap does):
    # the directory was read as plain manifests, 'nothing dev renders names ghcr.io/acme/web'
    web, api = "ghcr.io/acme/web", "ghcr.io/acme/api"
    files: dict[str, str] = {}
    for name, image in (("web", web), ("api", api)):
        files |= app_of_apps.child_chart(image, name)
        files[f"roots/{name}.yaml"] = app_of_apps.root(f"{name}-apps", name=name)
        for env, tag in (("dev", "1.1.0"), ("prod", "1.0.0")):
            files[f"{name}/values-{env}.yaml"] = f"image:\n  repository: {image}\n  tag: {tag}\n"
            files[f"{name}-apps/{env}.yaml"] = _child(name, name, env)
    write(tmp_path, files)
    specs = [
        images.ImageSpec(i, i, {"repository": "image.repository", "tag": "image.tag"}) for i in (web, api)
    ]
    sources = [reader.Source(env, ("roots",), (web, api)) for env in ("dev", "prod")]
    read = reader.Reader(reader.DiskTree(tmp_path), tmp_path, specs, tmp_path).read(sources)
    for env, tag in (("dev", "1.1.0"), ("prod", "1.0.0")):
        got = {i.image: i for i in read[env].images}
        for name, image in (("web", web), ("api", api)):
            pin = got[image].effective
            assert got[image].status is PinStatus.PINNED, got[image]
            assert pin is not None and (pin.place, pin.tag) == (f"{name}/values-{env}.yaml:3", tag), pin
            notes = list(map(str, read[env].notes))
            assert f"roots: {name} (roots/{name}.yaml) followed as Argo CD applies it" in notes, notes
            assert f"roots/{name}.yaml: {name} deploys {name}-{env} ({name}-apps/{env}.yaml)" in notes, notes


@pytest.mark.parametrize("kubectl_there", [True, False])
def test_a_kustomization_of_applications_nothing_deploys_is_built_as_applied_by_hand(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, kubectl_there: bool
) -> None:
    """The environment's path is a kustomization of Applications no Application of the
    repository deploys (kubectl apply -k children, or argocd app create over it): Argo CD
    applies what it builds, so it is built, its patch applied, and dev's Application followed;
    it was read as plain manifests, dev's image 'not rendered'. The guess is said."""
    monkeypatch.setenv("GITOPS_BOT_KUBECTL", kubectl() if kubectl_there else "/nonexistent/kubectl")
    kustomization = "resources: [dev.yaml, prod.yaml]\npatches:\n  - path: qa.yaml\n    target: {kind: Application, name: app-dev}\n"
    files = {
        **PLAIN,
        "children/kustomization.yaml": kustomization,
        "children/qa.yaml": PATCH,
        "chart/values-qa.yaml": "image:\n  tag: 2.0.0\n",
    }
    write(tmp_path, files)
    source = reader.Source("dev", ("children",), (IMAGE,))
    read = reader.Reader(reader.DiskTree(tmp_path), tmp_path, SPECS, tmp_path, render=RenderSettings()).read(
        [source]
    )["dev"]
    (image,) = read.images
    said = [s for s in read.said if "children: a kustomization of Argo CD Applications" in s]
    assert said and "applied by hand" in said[0] and "repoURL taken as this repository" in said[0], read.said
    if not kubectl_there:
        assert image.status is PinStatus.NOT_RENDERED, image
        assert image.reason is not None and "install kubectl" in image.reason, image.reason
        return
    assert image.status is PinStatus.PINNED, (image, read.notes)
    assert image.effective is not None
    assert (image.effective.place, image.effective.tag) == ("chart/values-qa.yaml:2", "2.0.0"), image
    assert "children: children builds app-dev (children/kustomization.yaml)" in map(str, read.notes), (
        read.notes
    )


def test_a_yielded_object_written_with_a_key_twice_is_that_roots_refusal_not_the_runs(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """ibm-mas/gitops@0e28bc6f (found by a newcomer): a root chart's template renders an
    ApplicationSet with syncPolicy twice; the duplicate key raised out of the whole plan (exit 2,
    every environment unplanned), named at the template's path with the line numbers of helm's
    output. Argo CD refuses that render and fails that one Application; the reading says so."""
    monkeypatch.setenv("GITOPS_BOT_HELM", helm())
    twice = (
        "apiVersion: argoproj.io/v1alpha1\nkind: ApplicationSet\nmetadata: {name: twice}\nspec:\n"
        "  generators: []\n  syncPolicy: {preserveResourcesOnDeletion: true}\n  template: {}\n"
        "  syncPolicy: {preserveResourcesOnDeletion: false}\n"
    )
    write(tmp_path, {**FILES, "apps/templates/twice.yaml": twice})
    (image,) = _read(tmp_path, RenderSettings(), "staging")["staging"].images
    assert image.status is PinStatus.NOT_RENDERED, image
    assert image.reason is not None and "renders YAML the bot and Argo CD refuse" in image.reason, (
        image.reason
    )
    assert "duplicate key 'syncPolicy'" in image.reason and "helm template apps" in image.reason, image.reason


def test_an_app_of_apps_chart_with_a_file_dependency_outside_it_renders_with_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # the root chart takes its Applications' project from a library chart beside it
    # (repository: file://../lib), as a chart read directly is rendered with: the copy helm
    # rendered held the root chart alone, and helm refused its missing dependency
    monkeypatch.setenv("GITOPS_BOT_HELM", helm())
    files = {
        **FILES,
        "apps/Chart.yaml": "apiVersion: v2\nname: apps\nversion: 0.1.0\n"
        "dependencies:\n  - name: lib\n    version: 0.1.0\n    repository: file://../lib\n",
        "apps/templates/applications.yaml": app_of_apps.YIELDS.replace(
            "project: default", '{{ include "lib.project" $ }}'
        ),
        "lib/Chart.yaml": "apiVersion: v2\nname: lib\ntype: library\nversion: 0.1.0\n",
        "lib/templates/_project.tpl": '{{- define "lib.project" -}}\nproject: default\n{{- end -}}\n',
    }
    write(tmp_path, files)
    (image,) = _read(tmp_path, RenderSettings(), "dev")["dev"].images
    assert image.status is PinStatus.PINNED, image
    assert image.effective is not None and image.effective.place == "chart/values-dev.yaml:3", image
