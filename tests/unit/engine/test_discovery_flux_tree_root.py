"""A Flux tree applied by hand (the cluster templates: kubernetes/<cluster>/flux/config/cluster.yaml
renders kubernetes/<cluster>/flux, whose apps.yaml renders the apps folder of per-app ks.yaml files) is
one environment per cluster, named by its folder: the per-app Kustomizations are units Flux applies
within that cluster, not environments of their own."""

from __future__ import annotations

from pathlib import Path

from gitops_bot.engine.discovery import discover
from gitops_bot.manifests import may_name
from testkit import small_repos
from testkit.local_git import write
from testkit.small_repos import deployment


def _flux_ks(name: str, path: str) -> str:
    return (
        "apiVersion: kustomize.toolkit.fluxcd.io/v1\nkind: Kustomization\n"
        f"metadata: {{name: {name}, namespace: flux-system}}\nspec:\n  interval: 10m\n"
        f"  path: {path}\n  sourceRef: {{kind: GitRepository, name: home-infra}}\n"
    )


def _cluster(cluster: str, apps: dict[str, str]) -> dict[str, str]:
    base = f"kubernetes/{cluster}"
    files = {
        f"{base}/flux/config/kustomization.yaml": "resources:\n- ./cluster.yaml\n",
        f"{base}/flux/config/cluster.yaml": _flux_ks("cluster", f"./{base}/flux"),
        f"{base}/flux/apps.yaml": _flux_ks("cluster-apps", f"./{base}/apps"),
        f"{base}/apps/home/kustomization.yaml": "resources:\n" + "".join(f"- ./{a}/ks.yaml\n" for a in apps),
    }
    for app, image in apps.items():
        files |= {
            f"{base}/apps/home/{app}/ks.yaml": _flux_ks(app, f"./{base}/apps/home/{app}/app"),
            f"{base}/apps/home/{app}/app/kustomization.yaml": "resources:\n- deploy.yaml\n",
            f"{base}/apps/home/{app}/app/deploy.yaml": deployment(app, image),
        }
    return files


def test_a_flux_tree_applied_by_hand_is_one_environment_per_cluster(tmp_path: Path) -> None:
    """Liana64/k8s-gitops@HEAD (newcomer16 N21): init wrote 58 environments, one per app's ks.yaml,
    and one more, `default`, for kubernetes/main/flux; the repository deploys one cluster, main."""
    files = _cluster("main", {"echo": "ghcr.io/acme/echo:1.2.3", "zot": "ghcr.io/acme/zot:2.0.0"})
    # a ks.yaml the namespace's kustomization no longer lists: applied by nothing
    files |= {
        "kubernetes/main/apps/home/old/ks.yaml": _flux_ks("old", "./kubernetes/main/apps/home/old/app"),
        "kubernetes/main/apps/home/old/app/kustomization.yaml": "resources:\n- deploy.yaml\n",
        "kubernetes/main/apps/home/old/app/deploy.yaml": deployment("old", "ghcr.io/acme/old:1.0.0"),
    }
    found = discover(write(tmp_path, files))
    assert [e.name for e in found.environments] == ["main"], found.environments
    names = sorted(i.name for i in found.images)
    assert names == ["ghcr.io/acme/echo", "ghcr.io/acme/zot"], (names, found.notes)
    assert any("kubernetes/main/apps/home/old/app" in n and "no Flux cluster" in n for n in found.notes)


def test_two_flux_trees_are_two_clusters(tmp_path: Path) -> None:
    files = _cluster("main", {"echo": "ghcr.io/acme/echo:1.2.3"})
    files |= _cluster("storage", {"zot": "ghcr.io/acme/zot:2.0.0"})
    found = discover(write(tmp_path, files))
    assert sorted(e.name for e in found.environments) == ["main", "storage"], found.environments


def test_a_values_file_with_a_regex_is_no_argo_cd_object() -> None:
    """Liana64/k8s-gitops's kubelet-csr-approver/app/helm-values.yaml (`providerRegex: ^n\\d+$`)
    was read as a kustomization of Argo CD Applications applied by hand: a backslash outside a
    double-quoted scalar escapes nothing, so it cannot spell a kind."""
    assert not may_name("providerRegex: ^n\\d+$\nbypassDnsResolution: true\n", "ApplicationSet")
    assert not may_name("pattern: '^n\\d+$'\n", "Application")
    assert may_name('kind: "Appl\\u0069cationSet"\n', "ApplicationSet")
    assert may_name('kind: "x" \n note: "a\n  \\u0041"\n', "ApplicationSet")


def test_the_flux_operator_layout_is_one_cluster_and_its_flux_system_apps_are_no_bootstrap(
    tmp_path: Path,
) -> None:
    """onedr0p/home-ops@HEAD: the FluxInstance (in its chart's values) syncs kubernetes/flux/cluster,
    whose ks.yaml renders kubernetes/apps; kubernetes/apps/flux-system is the namespace of the Flux
    Operator's own apps (their ks.yaml are Flux objects), no `flux bootstrap` folder. init named
    the cluster `apps` after that folder, said kubernetes/apps reached by no cluster, and said each
    namespace folder "a cluster's bootstrap"."""
    files = {
        "kubernetes/flux/cluster/ks.yaml": _flux_ks("cluster-apps", "./kubernetes/apps"),
        "kubernetes/apps/flux-system/kustomization.yaml": "resources:\n- ./flux-operator/ks.yaml\n",
        "kubernetes/apps/flux-system/flux-operator/ks.yaml": _flux_ks(
            "flux-operator", "./kubernetes/apps/flux-system/flux-operator/app"
        ),
        "kubernetes/apps/flux-system/flux-operator/app/kustomization.yaml": "resources:\n- deploy.yaml\n",
        "kubernetes/apps/flux-system/flux-operator/app/deploy.yaml": deployment(
            "flux-operator", "ghcr.io/controlplaneio-fluxcd/flux-operator:v0.30.0"
        ),
        "kubernetes/apps/home/kustomization.yaml": "resources:\n- ./echo/ks.yaml\n",
        "kubernetes/apps/home/echo/ks.yaml": _flux_ks("echo", "./kubernetes/apps/home/echo/app"),
        "kubernetes/apps/home/echo/app/kustomization.yaml": "resources:\n- deploy.yaml\n",
        "kubernetes/apps/home/echo/app/deploy.yaml": deployment("echo", "ghcr.io/acme/echo:1.2.3"),
    }
    found = discover(write(tmp_path, files))
    assert [e.name for e in found.environments] == ["cluster"], (found.environments, found.notes)
    assert sorted(i.name for i in found.images) == [
        "ghcr.io/acme/echo",
        "ghcr.io/controlplaneio-fluxcd/flux-operator",
    ]
    assert not [n for n in found.notes if "bootstrap" in n or "no Flux cluster" in n], found.notes


def test_a_namespace_named_dev_among_a_clusters_apps_is_the_clusters(tmp_path: Path) -> None:
    """bjw-s-labs/home-ops@HEAD: kubernetes/apps/dev is the namespace of forgejo; init split it off
    as an environment `dev` of its own, beside `cluster`."""
    files = _cluster("main", {"echo": "ghcr.io/acme/echo:1.2.3"})
    files["kubernetes/main/apps/dev/kustomization.yaml"] = "resources:\n- ./forgejo/ks.yaml\n"
    files["kubernetes/main/apps/dev/forgejo/ks.yaml"] = _flux_ks(
        "forgejo", "./kubernetes/main/apps/dev/forgejo/app"
    )
    files["kubernetes/main/apps/dev/forgejo/app/kustomization.yaml"] = "resources:\n- deploy.yaml\n"
    files["kubernetes/main/apps/dev/forgejo/app/deploy.yaml"] = deployment(
        "forgejo", "codeberg.org/forgejo/forgejo:11.0"
    )
    files["kubernetes/main/flux/apps.yaml"] = _flux_ks("cluster-apps", "./kubernetes/main/apps")
    found = discover(write(tmp_path, files))
    assert [e.name for e in found.environments] == ["main"], (found.environments, found.notes)
    assert "codeberg.org/forgejo/forgejo" in [i.name for i in found.images]


def test_a_kustomization_of_another_git_repository_is_not_this_ones_folder(tmp_path: Path) -> None:
    """d4rkfella/home-ops@HEAD: keycloak-operator's ks.yaml builds `./kubernetes` of GitRepository
    keycloak-k8s-resources (github.com/keycloak), beside the cluster's own sync (the FluxInstance
    in the flux-instance chart's values: github.com/d4rkfella/home-ops). Read as this repository's
    kubernetes/, it seemed to render kubernetes/flux/cluster, so no tree root was left and init
    wrote 52 environments, one per app's ks.yaml; the cluster is one."""
    instance = (
        "apiVersion: helm.toolkit.fluxcd.io/v2\nkind: HelmRelease\nmetadata: {name: flux-instance}\n"
        "spec:\n  chartRef: {kind: OCIRepository, name: flux-instance}\n  values:\n    instance:\n"
        "      sync: {kind: GitRepository, url: 'https://github.com/acme/home-ops', ref: refs/heads/main,"
        " path: kubernetes/flux/cluster}\n"
    )
    other = (
        "apiVersion: source.toolkit.fluxcd.io/v1\nkind: GitRepository\nmetadata: {name: keycloak-k8s}\n"
        "spec:\n  interval: 1h\n  url: https://github.com/keycloak/keycloak-k8s-resources\n"
        "  ref: {tag: 26.7.2}\n---\n"
        "apiVersion: kustomize.toolkit.fluxcd.io/v1\nkind: Kustomization\nmetadata: {name: keycloak-operator}\n"
        "spec:\n  interval: 1h\n  path: ./kubernetes\n  sourceRef: {kind: GitRepository, name: keycloak-k8s}\n"
    )
    files = {
        "kubernetes/flux/cluster/ks.yaml": _flux_ks("cluster-apps", "./kubernetes/apps"),
        "kubernetes/apps/flux-system/kustomization.yaml": "resources:\n- ./flux-instance/ks.yaml\n",
        "kubernetes/apps/flux-system/flux-instance/ks.yaml": _flux_ks(
            "flux-instance", "./kubernetes/apps/flux-system/flux-instance/app"
        ),
        "kubernetes/apps/flux-system/flux-instance/app/kustomization.yaml": "resources:\n- release.yaml\n",
        "kubernetes/apps/flux-system/flux-instance/app/release.yaml": instance,
        "kubernetes/apps/keycloak/kustomization.yaml": "resources:\n- ./operator/ks.yaml\n",
        "kubernetes/apps/keycloak/operator/ks.yaml": other,
    }
    for app in ("echo", "zot"):
        files |= {
            f"kubernetes/apps/home/{app}/ks.yaml": _flux_ks(app, f"./kubernetes/apps/home/{app}/app"),
            f"kubernetes/apps/home/{app}/app/kustomization.yaml": "resources:\n- deploy.yaml\n",
            f"kubernetes/apps/home/{app}/app/deploy.yaml": deployment(app, f"ghcr.io/acme/{app}:1.2.3"),
        }
    files["kubernetes/apps/home/kustomization.yaml"] = "resources:\n- ./echo/ks.yaml\n- ./zot/ks.yaml\n"
    found = discover(write(tmp_path, files))
    assert [e.name for e in found.environments] == ["cluster"], (found.environments, found.notes)
    said = [n for n in found.notes if "keycloak-operator" in n]
    assert said and "https://github.com/keycloak/keycloak-k8s-resources" in said[0], found.notes


FLUX_INSTANCE_RELEASE = """apiVersion: helm.toolkit.fluxcd.io/v2
kind: HelmRelease
metadata:
  name: flux-instance
spec:
  interval: 30m
  chartRef:
    kind: OCIRepository
    name: flux-instance
  values:
    instance:
      sync:
        kind: GitRepository
        url: https://github.com/acme/home-ops.git
        ref: refs/heads/main
        path: apps/
"""
DEPLOYMENT = """apiVersion: apps/v1
kind: Deployment
metadata: {{name: {name}}}
spec:
  template:
    spec:
      containers:
        - name: app
          image: ghcr.io/acme/{name}:1.0.0
"""


def _flux_app_folder(namespace: str, name: str) -> dict[str, str]:
    folder = f"apps/{namespace}/{name}"
    return {
        f"{folder}/kustomization.yaml": "resources: [./app.ks.yaml]\n",
        f"{folder}/app.ks.yaml": small_repos.flux_kustomization(name, f"./{folder}/app"),
        f"{folder}/app/kustomization.yaml": "resources: [./deployment.yaml]\n",
        f"{folder}/app/deployment.yaml": DEPLOYMENT.format(name=name),
    }


# mirceanton/home-ops@HEAD (rescore20's W4, a regression of 20ab425a): the one cluster's sync is a FluxInstance written as the values of the
# flux-instance chart (apps/flux-system/flux-instance/app/helm-release.yaml:27, `instance.sync.path:
# apps/`); `apps/` holds no kustomization.yaml (Flux builds every folder under it). On 3802c4ec init
# wrote one environment `apps` ("deployed by Flux Kustomization … of cluster apps"); on 25f8061a it
# writes 82, one per app Flux Kustomization with no cluster (plan: 6309 `not_rendered` rows), and
# three app-template OCIRepositories (e.g. apps/media/immich/app/oci-repository.yaml:11) pinned then
# are named nowhere. This reduction: one environment on 3802c4ec, two on 25f8061a; the first commit
# giving two is 20ab425a ("a flux-system folder is a bootstrap only where it holds gotk-components.yaml
# or a sync … applying the folder above it"), which does not read the chart-values FluxInstance.
def test_a_flux_instance_written_as_chart_values_makes_one_cluster(tmp_path: Path) -> None:
    root = write(
        tmp_path,
        {
            "apps/flux-system/kustomization.yaml": "resources: [./flux-instance]\n",
            "apps/flux-system/flux-instance/kustomization.yaml": "resources: [./app.ks.yaml]\n",
            "apps/flux-system/flux-instance/app.ks.yaml": small_repos.flux_kustomization(
                "flux-instance", "./apps/flux-system/flux-instance/app"
            ),
            "apps/flux-system/flux-instance/app/kustomization.yaml": "resources: [./helm-release.yaml]\n",
            "apps/flux-system/flux-instance/app/helm-release.yaml": FLUX_INSTANCE_RELEASE,
            "apps/media/kustomization.yaml": "resources: [./sonarr, ./radarr]\n",
            **_flux_app_folder("media", "sonarr"),
            **_flux_app_folder("media", "radarr"),
        },
    )
    environments = discover(root).environments
    assert [e.name for e in environments] == ["apps"], [(e.name, e.paths) for e in environments]
