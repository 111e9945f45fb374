"""Where the repository holds what deploys it (Argo CD Applications applied by hand, no app of
apps), what none of them renders is no environment: a skaffold profile's overlay under ``src/``
with its placeholder image, a docs example, an overlay no Application lists. Each is said (a
test's overlay under ``test/`` is the project's tests, as under ``tests/``: not said), and the
overlay an Application renders is the environment's path even when a test's overlay builds on it."""

from __future__ import annotations

from pathlib import Path

from gitops_bot.engine.discovery import discover
from gitops_bot.engine.init_config import config_text
from testkit.local_git import write

DEPLOY = """\
apiVersion: apps/v1
kind: Deployment
metadata: {{name: app}}
spec:
  template:
    spec:
      containers:
      - name: app
        image: {image}
"""

SKAFFOLD = """\
apiVersion: skaffold/v4beta6
kind: Config
build:
  artifacts:
  - image: app
    context: src/app
manifests:
  kustomize:
    paths: [src/app/k8s/base]
profiles:
- name: dev
  manifests:
    kustomize:
      paths: [src/app/k8s/overlays/dev]
"""


def _application(env: str) -> str:
    return (
        "---\napiVersion: argoproj.io/v1alpha1\nkind: Application\n"
        f"metadata: {{name: app-{env}, namespace: argocd}}\nspec:\n  project: default\n"
        f"  source: {{repoURL: 'https://github.com/acme/gitops.git', targetRevision: HEAD, path: overlays/{env}}}\n"
        f"  destination: {{server: 'https://kubernetes.default.svc', namespace: app-{env}}}\n"
    )


def _overlay(tag: str, base: str = "../../base") -> str:
    return f"resources: [{base}]\nimages:\n- name: ghcr.io/acme/app\n  newTag: {tag}\n"


def _files() -> dict[str, str]:
    return {
        "base/kustomization.yaml": "resources: [deploy.yaml]\n",
        "base/deploy.yaml": DEPLOY.format(image="ghcr.io/acme/app:1.0.0"),
        "overlays/dev/kustomization.yaml": _overlay("1.2.0"),
        "overlays/prod/kustomization.yaml": _overlay("1.1.0"),
        "overlays/preview/kustomization.yaml": _overlay("7.0.0"),
        "argocd/apps.yaml": _application("dev") + _application("prod"),
        "skaffold.yaml": SKAFFOLD,
        "src/app/k8s/base/kustomization.yaml": "resources: [deploy.yaml]\n",
        "src/app/k8s/base/deploy.yaml": DEPLOY.format(image="app"),
        "src/app/k8s/overlays/dev/kustomization.yaml": "resources: [../../base]\n",
        "test/e2e/kustomization.yaml": _overlay("0.0.1-test", "../../overlays/dev"),
        "docs/example/kustomization.yaml": _overlay("9.9.9"),
    }


def test_only_what_the_applications_render_is_an_environment(tmp_path: Path) -> None:
    found = discover(write(tmp_path, _files()))
    assert [(e.name, e.paths) for e in found.environments] == [
        ("dev", ("overlays/dev",)),
        ("prod", ("overlays/prod",)),
    ]
    assert [i.name for i in found.images] == ["ghcr.io/acme/app"]
    (app,) = found.images
    assert sorted(app.tags) == ["1.1.0", "1.2.0"]
    assert not [n for n in found.notes if n.startswith("test/")]
    for path in ("overlays/preview", "src/app/k8s/overlays/dev", "docs/example"):
        assert [n for n in found.notes if n.startswith(f"{path}: nothing in this repository deploys it")], (
            path
        )
    assert {e.name: e.promote_from for e in found.environments} == {"dev": None, "prod": "dev"}


def test_without_deploy_objects_overlays_are_found_by_their_shape(tmp_path: Path) -> None:
    files = _files()
    del files["argocd/apps.yaml"]
    found = discover(write(tmp_path, files))
    assert {"dev", "prod", "preview"} <= {e.name for e in found.environments}


def test_environments_by_shape_alone_are_said_as_a_guess(tmp_path: Path) -> None:
    files = _files()
    with_apps = config_text(discover(write(tmp_path / "a", files)))
    del files["argocd/apps.yaml"]
    by_shape = config_text(discover(write(tmp_path / "b", files)))
    said = "# guess: no Argo CD, Flux or Kargo object in the repository says what deploys it"
    assert said in by_shape and said not in with_apps


def _chart_app(name: str, url: str, version: str) -> str:
    return (
        "apiVersion: argoproj.io/v1alpha1\nkind: Application\n"
        f"metadata: {{name: {name}, namespace: argocd}}\nspec:\n  project: default\n"
        f"  source: {{repoURL: '{url}', chart: {name}, targetRevision: {version}}}\n"
        f"  destination: {{server: 'https://kubernetes.default.svc', namespace: {name}}}\n"
    )


def test_an_application_file_no_root_deploys_is_no_path_of_its_cluster(tmp_path: Path) -> None:
    """Kimjibeom/argocd-apps (newcomer21 F18): root-app.yaml deploys apps/ (5 Applications of
    charts), inactive-apps/ keeps 23 more that nothing deploys; icklers/platform-gitops-demo (trial22
    IK1): an app of apps over platform-core/, and a tutorial's solution Applications in exercises/.
    Every file was a path of in-cluster ("Applications deploying to one cluster are one
    environment"), and the first plan proposed chart upgrades no cluster runs. A chart's
    Application is a deploy object like one of a path: the root says what deploys."""
    url = "https://github.com/Kimjibeom/argocd-apps.git"
    root = (
        "apiVersion: argoproj.io/v1alpha1\nkind: Application\nmetadata: {name: root-app, namespace: argocd}\n"
        f"spec:\n  project: default\n  source: {{repoURL: '{url}', path: apps, targetRevision: HEAD}}\n"
        "  destination: {server: 'https://kubernetes.default.svc', namespace: argocd}\n"
    )
    files = {
        "root-app.yaml": root,
        "apps/traefik.yaml": _chart_app("traefik", "https://traefik.github.io/charts", "37.1.2"),
        "inactive-apps/loki.yaml": _chart_app("loki", "https://grafana.github.io/helm-charts", "6.49.0"),
    }
    found = discover(write(tmp_path, files), origin=url)
    assert [(e.name, e.paths) for e in found.environments] == [("in-cluster", ("apps/traefik.yaml",))]
    assert [c.name for c in found.charts] == ["traefik"]
    assert any(
        n.startswith("inactive-apps/loki.yaml: nothing in this repository deploys it") for n in found.notes
    )
