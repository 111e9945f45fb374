"""A Flux cluster whose OCIRepository is an artifact this repository's own CI pushes
(``flux push artifact oci://…:TAG --path=./kubernetes``), and ExternalArtifacts an
ArtifactGenerator cuts from it: the Kustomizations read their paths inside ./kubernetes, as Flux
does once the artifact is pushed; one environment, the cluster. An OCIRepository nobody here
pushes stays not read, said with why."""

from __future__ import annotations

from pathlib import Path

from gitops_bot.engine.candidates import FoundEnvironment
from gitops_bot.engine.discovered_clusters import cluster_order
from gitops_bot.engine.discovery import discover
from testkit import pushed_artifact
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
