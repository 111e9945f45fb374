"""One Argo CD deploying everything to its own cluster from one root: an Application over a
kustomization listing Applications and ApplicationSets whose git directories generators name
the repository's app folders. Shaped as mitchross/talos-argocd-proxmox@38e5c2f8 (root.yaml over
infrastructure/controllers/argocd/apps: bootstrap Applications and four ApplicationSets,
``my-apps/*/*`` less ``my-apps/common/*``, ``monitoring/*``, every destination
https://kubernetes.default.svc). The root was read without the ApplicationSets it deploys
("nothing in-cluster renders names nginx"), and init named an environment per app folder
(``development``, ``frigate``, ...) with promotion questions between them, leaving what only
the other ApplicationSets deploy (monitoring/*) unsaid."""

from __future__ import annotations

from pathlib import Path

from gitops_bot.core.reading import PinStatus
from gitops_bot.engine.discovery import discover
from gitops_bot.manifests import images, workloads
from gitops_bot.render import reader
from gitops_bot.render.settings import RenderSettings
from testkit import kubetools
from testkit.local_git import write
from testkit.small_repos import IN_CLUSTER, REPO_URL, application, deployment

APPSET = """\
apiVersion: argoproj.io/v1alpha1
kind: ApplicationSet
metadata: {name: %(name)s, namespace: argocd}
spec:
  goTemplate: true
  generators:
  - git:
      repoURL: %(url)s
      revision: HEAD
      directories:
      - path: %(glob)s
%(exclude)s  template:
    metadata: {name: '%(name)s-{{ .path.basename }}'}
    spec:
      project: default
      source: {repoURL: %(url)s, targetRevision: HEAD, path: '{{ .path.path }}'}
      destination: {server: %(server)s, namespace: '{{ .path.basename }}'}
"""


def _appset(name: str, glob: str, exclude: str = "") -> str:
    excluded = f"      - path: {exclude}\n        exclude: true\n" if exclude else ""
    return APPSET % {"name": name, "glob": glob, "exclude": excluded, "url": REPO_URL, "server": IN_CLUSTER}


def _files() -> dict[str, str]:
    files = {
        "infrastructure/argocd/root.yaml": application(
            "root", "infrastructure/argocd/apps", namespace="argocd"
        ),
        "infrastructure/argocd/apps/kustomization.yaml": (
            "resources:\n- bootstrap/cert-manager.yaml\n- appsets/my-apps.yaml\n- appsets/monitoring.yaml\n"
        ),
        "infrastructure/argocd/apps/bootstrap/cert-manager.yaml": application(
            "cert-manager", "infrastructure/cert-manager", namespace="cert-manager"
        ),
        "infrastructure/argocd/apps/appsets/my-apps.yaml": _appset(
            "my-apps", "my-apps/*/*", "my-apps/common/*"
        ),
        "infrastructure/argocd/apps/appsets/monitoring.yaml": _appset("monitoring", "monitoring/*"),
        "infrastructure/cert-manager/deploy.yaml": deployment(
            "cert-manager", "quay.io/jetstack/cert-manager:v1.16.0"
        ),
        "monitoring/loki/deploy.yaml": deployment("loki", "grafana/loki:3.4.2"),
        "my-apps/common/backup/kustomization.yaml": "resources: [job.yaml]\n",
        "my-apps/common/backup/job.yaml": deployment("backup", "ghcr.io/acme/backup:1.0.0"),
    }
    for folder, app, image in (
        ("development", "nginx", "nginx:1.27.3"),
        ("home", "frigate", "ghcr.io/blakeblackshear/frigate:0.17.2"),
        ("media", "jellyfin", "ghcr.io/jellyfin/jellyfin:10.11.1"),
    ):
        files[f"my-apps/{folder}/{app}/kustomization.yaml"] = (
            "resources: [deploy.yaml, ../../common/backup]\n"
        )
        files[f"my-apps/{folder}/{app}/deploy.yaml"] = deployment(app, image)
    return files


IMAGES = ("nginx", "ghcr.io/blakeblackshear/frigate", "grafana/loki", "quay.io/jetstack/cert-manager")


def test_the_root_reads_what_the_applicationsets_it_deploys_generate(tmp_path: Path) -> None:
    root = write(tmp_path, _files())
    specs = [images.ImageSpec(n, workloads.repository_key(n), {}) for n in IMAGES]
    # kubectl builds the kustomization of Applications, as Argo CD does
    render = RenderSettings(kubectl=kubetools.kubectl())
    got = reader.Reader(reader.DiskTree(root), root, specs, render=render).read(
        [reader.Source("in-cluster", ("infrastructure/argocd/root.yaml",), IMAGES)]
    )["in-cluster"]
    pinned = {n: (i.effective.place, i.effective.tag) for n in IMAGES if (i := got.image(n)) and i.effective}
    assert pinned == {
        "nginx": ("my-apps/development/nginx/deploy.yaml:9", "1.27.3"),
        "ghcr.io/blakeblackshear/frigate": ("my-apps/home/frigate/deploy.yaml:9", "0.17.2"),
        "grafana/loki": ("monitoring/loki/deploy.yaml:9", "3.4.2"),
        "quay.io/jetstack/cert-manager": ("infrastructure/cert-manager/deploy.yaml:9", "v1.16.0"),
    }, got
    assert all(got.image(n).status is PinStatus.PINNED for n in IMAGES)  # type: ignore[union-attr]


def test_init_finds_one_environment_for_the_cluster_and_every_app_it_deploys(tmp_path: Path) -> None:
    found = discover(write(tmp_path, _files()))
    (env,) = found.environments
    assert env.name == "in-cluster"
    assert env.paths == (
        "infrastructure/argocd/apps/bootstrap/cert-manager.yaml",
        "infrastructure/argocd/apps/appsets/my-apps.yaml",
        "infrastructure/argocd/apps/appsets/monitoring.yaml",
    )
    assert "deployed by the Argo CD app of apps root in infrastructure/argocd/root.yaml" in env.how[0]
    assert "https://kubernetes.default.svc" in env.cluster, env
    assert {i.name for i in found.images} == {*IMAGES, "ghcr.io/jellyfin/jellyfin", "ghcr.io/acme/backup"}
    assert not found.questions  # no promotion between app folders
    assert not [n for n in found.notes if "ApplicationSet" in n], found.notes


def test_two_stages_in_one_cluster_stay_two_environments(tmp_path: Path) -> None:
    """dev and prod overlays the root's ApplicationSet deploys side by side into one cluster are
    two stages, whatever cluster they share: not one environment."""
    files = {
        "root.yaml": application("root", "apps", namespace="argocd"),
        "apps/web.yaml": _appset("web", "web/overlays/*"),
        "web/base/kustomization.yaml": "resources: [deploy.yaml]\n",
        "web/base/deploy.yaml": deployment("web", "ghcr.io/acme/web:1.0.0"),
    }
    for stage, tag in (("dev", "1.1.0"), ("prod", "1.0.0")):
        files[f"web/overlays/{stage}/kustomization.yaml"] = (
            f"resources: [../../base]\nimages:\n- name: ghcr.io/acme/web\n  newTag: {tag}\n"
        )
    found = discover(write(tmp_path, files))
    assert sorted(e.name for e in found.environments) == ["dev", "prod"]
