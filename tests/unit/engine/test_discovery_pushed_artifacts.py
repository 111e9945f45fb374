"""A Flux cluster whose OCIRepository is an artifact this repository's own CI pushes
(``flux push artifact oci://…:TAG --path=./kubernetes``), and ExternalArtifacts an
ArtifactGenerator cuts from it: the Kustomizations read their paths inside ./kubernetes, as Flux
does once the artifact is pushed; one environment, the cluster. An OCIRepository nobody here
pushes stays not read, said with why."""

from __future__ import annotations

from pathlib import Path

import pytest

from gitops_bot.engine.app import open_app
from gitops_bot.engine.candidates import FoundEnvironment
from gitops_bot.engine.discovered_clusters import cluster_order
from gitops_bot.engine.discovery import discover
from testkit import pushed_artifact, small_repos
from testkit.kubetools import kubectl
from testkit.local_git import write

REGISTRY = "ghcr.io"
PUSHED = (
    "; read ./kubernetes as OCIRepository flux-system, which .github/workflows/oci.yaml:16 pushes as "
    "oci://ghcr.io/acme/manifests/k8s-gitops (flux push artifact; a release is a commit here, and the "
    "workflow pushes it)"
)


def test_an_artifact_this_repositorys_ci_pushes_is_read_as_its_directory(tmp_path: Path) -> None:
    found = discover(write(tmp_path, pushed_artifact.files(REGISTRY)))
    (env,) = found.environments
    assert (env.name, env.paths) == (
        "cluster-00",
        ("kubernetes/apps/base/home-system/radarr/app", "kubernetes/apps/base/home-system/sonarr/app"),
    )
    assert sorted(i.name for i in found.images) == [
        f"{REGISTRY}/home-operations/{a}" for a in ("radarr", "sonarr")
    ]
    # where the path comes from, on each; how the artifact is this repository's, once
    assert all("of ExternalArtifact" in h and "ArtifactGenerator k8s-gitops" in h for h in env.how), env.how
    assert sum(PUSHED in h for h in env.how) == 1, env.how
    assert not [n for n in found.notes if "not in the repository" in n or "built outside" in n], found.notes


def test_an_app_the_clusters_overlay_lists_no_longer_is_no_environment(tmp_path: Path) -> None:
    """xunholy's overlay comments out ~20 apps' ks.yaml (tetragon, loki): their Kustomizations stay
    in the repository and the artifact, applied by no cluster. They were an environment 'base',
    named after the folder beside apps/base/flux-system."""
    files = pushed_artifact.files(REGISTRY)
    overlay = "kubernetes/apps/overlays/cluster-00/kustomization.yaml"
    files[overlay] = files[overlay].replace(
        "- ../../base/home-system/radarr/ks.yaml", "# - ../../base/home-system/radarr/ks.yaml"
    )
    found = discover(write(tmp_path, files))
    (env,) = found.environments
    assert (env.name, env.paths) == ("cluster-00", ("kubernetes/apps/base/home-system/sonarr/app",))
    assert PUSHED in env.how[0]  # said on a path that stays, once
    assert (
        "kubernetes/apps/base/home-system/radarr/app: no Flux cluster's sync reaches it (cluster cluster-00); "
        "not an environment (add it by hand if something outside the repository deploys it)"
    ) in found.notes, found.notes


def test_an_oci_repository_nobody_here_pushes_stays_not_read_and_says_why(tmp_path: Path) -> None:
    files = pushed_artifact.files(REGISTRY, url="oci://ghcr.io/acme/other/k8s-gitops")
    found = discover(write(tmp_path, files))
    assert found.environments == ()
    (said,) = [n for n in found.notes if n.startswith("kubernetes/clusters/cluster-00/ks.yaml:")]
    assert said == (
        "kubernetes/clusters/cluster-00/ks.yaml: Flux Kustomization cluster reads apps/overlays/cluster-00 from "
        "OCIRepository flux-system (oci://ghcr.io/acme/other/k8s-gitops); no workflow of this repository pushes "
        "it (flux push artifact): an artifact built outside this repository's files; not read as this "
        "repository's apps/overlays/cluster-00 (release it where the artifact is built, or push it from this "
        "repository with flux push artifact)"
    )
    assert any("(it reads ExternalArtifact sonarr; ArtifactGenerator k8s-gitops" in n for n in found.notes)


def test_a_push_from_a_directory_this_repository_does_not_hold_is_said(tmp_path: Path) -> None:
    found = discover(write(tmp_path, pushed_artifact.files(REGISTRY, path="./deploy")))
    assert found.environments == ()
    assert any(
        "pushed by .github/workflows/oci.yaml:16 from ./deploy, a directory this repository does not hold"
        in n
        for n in found.notes
    ), found.notes


def test_a_clusters_split_names_that_render_nothing_leave_the_order_as_it_is() -> None:
    """A cluster's stage-named directory (apps/base/development, a namespace's folder) split by
    cluster and then dropped (it renders no image): the order is the environments' own."""
    envs = [FoundEnvironment("cluster-00", ("kubernetes/apps/base/home-system/sonarr/app",), ("found",))]
    clusters = {
        "cluster-00-development": ("cluster-00", "development"),
        "base-development": ("base", "development"),
    }
    assert cluster_order(envs, clusters, []) == envs


def test_an_artifact_oras_pushes_is_said_not_read_as_its_directory(tmp_path: Path) -> None:
    files = pushed_artifact.files(REGISTRY)
    workflow = files[".github/workflows/oci.yaml"].replace("flux push artifact", "oras push")
    found = discover(
        write(tmp_path, {**files, ".github/workflows/oci.yaml": workflow.replace("--path=", "")})
    )
    assert found.environments == ()
    assert any(
        "(oci://ghcr.io/acme/manifests/k8s-gitops), pushed by .github/workflows/oci.yaml:16 with oras push, whose "
        "artifact keeps ./kubernetes's own name and a layer per file: not read as a directory here" in n
        for n in found.notes
    ), found.notes


def test_a_push_under_the_workspace_is_read_and_one_from_the_runners_root_is_said(tmp_path: Path) -> None:
    """``--path="${{ github.workspace }}/kubernetes"`` was no push at all (the expression's spaces
    hid it), and ``--path=/`` was read as the repository's root."""
    spelled = pushed_artifact.files(REGISTRY, path="${{ github.workspace }}/kubernetes")
    (env,) = discover(write(tmp_path / "a", spelled)).environments
    assert env.paths == (
        "kubernetes/apps/base/home-system/radarr/app",
        "kubernetes/apps/base/home-system/sonarr/app",
    )
    found = discover(write(tmp_path / "b", pushed_artifact.files(REGISTRY, path="/")))
    assert found.environments == ()
    assert any(
        "pushed by .github/workflows/oci.yaml:16 from /, a path out of this repository's checkout" in n
        for n in found.notes
    ), found.notes


ARTIFACT_GENERATOR = """apiVersion: source.extensions.fluxcd.io/v1beta1
kind: ArtifactGenerator
metadata:
  name: flux-system
  namespace: flux-system
spec:
  sources:
    - alias: monorepo
      kind: GitRepository
      name: flux-system
  artifacts:
    - name: apps
      originRevision: "@monorepo"
      copy:
        - from: "@monorepo/apps/base/**"
          to: "@artifact/base/"
        - from: "@monorepo/apps/{cluster}/**"
          to: "@artifact/{cluster}/"
"""
EXTERNAL_APPS = """apiVersion: kustomize.toolkit.fluxcd.io/v1
kind: Kustomization
metadata:
  name: apps
  namespace: flux-system
spec:
  interval: 1h
  sourceRef:
    kind: ExternalArtifact
    name: apps
  path: ./{cluster}
  prune: true
"""


def _artifact_cluster(cluster: str, tag: str) -> dict[str, str]:
    return {
        f"clusters/{cluster}/kustomization.yaml": "resources: [./artifacts.yaml, ./apps.yaml]\n",
        f"clusters/{cluster}/artifacts.yaml": ARTIFACT_GENERATOR.format(cluster=cluster),
        f"clusters/{cluster}/apps.yaml": EXTERNAL_APPS.format(cluster=cluster),
        f"clusters/{cluster}/flux-system/gotk-sync.yaml": small_repos.flux_kustomization(
            "flux-system", f"./clusters/{cluster}"
        ),
        f"apps/{cluster}/kustomization.yaml": (
            f"resources: [../base/podinfo]\nimages:\n- name: ghcr.io/stefanprodan/podinfo\n  newTag: {tag}\n"
        ),
    }


# Constellera/flux-fleet clusters/{staging,production}/artifacts.yaml: each cluster has its own
# ArtifactGenerator, both named `flux-system` in namespace flux-system (as every cluster's would be),
# each copying `apps/base` and `apps/<its cluster>` into ExternalArtifact `apps`; each cluster's
# Kustomization `apps` reads `./<cluster>` of it. init finds production only, and says of staging
# "clusters/staging/apps.yaml: Flux Kustomization's path staging is not in the repository (it reads
# ExternalArtifact apps; no copy rule of ArtifactGenerator flux-system (clusters/production/artifacts.yaml)
# takes it from a directory)" and "apps/staging: no Flux cluster's sync reaches it": staging's
# ExternalArtifact was looked up in production's generator.
def test_each_cluster_s_external_artifact_is_cut_by_its_own_cluster_s_artifact_generator(
    tmp_path: Path,
) -> None:
    root = write(
        tmp_path,
        {
            "apps/base/podinfo/kustomization.yaml": "resources: [./deployment.yaml]\n",
            "apps/base/podinfo/deployment.yaml": small_repos.deployment(
                "podinfo", "ghcr.io/stefanprodan/podinfo:6.9.0"
            ),
            **_artifact_cluster("production", "6.9.0"),
            **_artifact_cluster("staging", "6.9.2"),
        },
    )
    found = discover(root)
    paths = {e.name: e.paths for e in found.environments}
    assert sorted(paths) == ["production", "staging"], (paths, found.notes)
    assert "apps/staging" in paths["staging"], (paths, found.notes)


APP_TEMPLATE_RELEASE = """apiVersion: helm.toolkit.fluxcd.io/v2
kind: HelmRelease
metadata:
  name: echo
spec:
  interval: 1h
  chartRef:
    kind: OCIRepository
    name: app-template
    namespace: flux-system
  values:
    controllers:
      echo:
        containers:
          app:
            image:
              repository: ghcr.io/mendhak/http-https-echo
              tag: "38"
"""


# xunholy/k8s-gitops kubernetes/apps/overlays/cluster-00/kustomization.yaml: the path of the
# cluster's Flux Kustomization (read from the OCI artifact the repository's CI pushes) lists each
# app's `../../base/<ns>/<app>/ks.yaml` (files outside it) and `../../base/flux-system/repositories`,
# which holds the app-template OCIRepository (`repositories/oci/bjw-charts.yaml:14`, tag 5.0.1).
# Flux's kustomize-controller builds it with no load restrictor; plan builds it with kustomize's
# default one and says "chart app-template (not deployed) skip (error):
# kubernetes/apps/overlays/cluster-00: kubectl kustomize failed: … security; file
# '…/n8n/ks.yaml' is not in or below 'kubernetes/apps/overlays/cluster-00'". A Flux Kustomization
# reading a GitRepository is built loose (render/tools.py flux_built); one reading an OCIRepository
# this repository pushes is not.
def test_a_flux_path_read_from_the_repository_s_own_pushed_artifact_is_built_as_flux_builds_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("GITOPS_BOT_KUBECTL", kubectl())
    files = pushed_artifact.files("ghcr.io")
    overlay = "kubernetes/apps/overlays/cluster-00/kustomization.yaml"
    files[overlay] += "- ../../base/flux-system/repositories\n"
    files["kubernetes/apps/base/flux-system/repositories/kustomization.yaml"] = (
        "namespace: flux-system\nresources: [./bjw-charts.yaml]\n"
    )
    files["kubernetes/apps/base/flux-system/repositories/bjw-charts.yaml"] = small_repos.oci_repository(
        "app-template", "oci://ghcr.io/bjw-s-labs/helm/app-template", "5.0.1"
    )
    sonarr = "kubernetes/apps/base/home-system/sonarr/app"
    files[f"{sonarr}/kustomization.yaml"] = "resources:\n- deployment.yaml\n- echo.yaml\n"
    files[f"{sonarr}/echo.yaml"] = APP_TEMPLATE_RELEASE
    root = write(tmp_path, files)
    found = discover(root)
    assert [c.name for c in found.charts] == ["app-template"], found.notes
    (env,) = found.environments
    paths = ", ".join([*env.paths, "kubernetes/apps/overlays/cluster-00"])
    (root / "gitops-bot.yaml").write_text(
        "version: 1\nimages: []\ncharts:\n- name: app-template\n  repository: oci://ghcr.io/bjw-s-labs/helm\n"
        f"environments:\n- name: {env.name}\n  paths: [{paths}]\n"
    )
    app = open_app(root)
    (target,) = app.chart_targets(app.config.environment(env.name))
    assert target.version == "5.0.1", target
