"""A multi-cluster Flux repository: each cluster (``clusters/<c>``, what Flux bootstraps) is an
environment, its Flux Kustomizations' paths its parts; the namespaces those paths are named
after are not environments, and no environment mixes two clusters."""

from __future__ import annotations

from pathlib import Path

from gitops_bot.engine.discovered_clusters import _cluster_parts
from gitops_bot.engine.discovery import discover
from testkit import small_repos
from testkit.local_git import write

DEPLOY = """\
apiVersion: apps/v1
kind: Deployment
metadata: {{name: {app}}}
spec:
  template:
    spec:
      containers:
      - name: {app}
        image: ghcr.io/acme/{app}:1.0.0
"""

FLUX = """\
---
apiVersion: kustomize.toolkit.fluxcd.io/v1
kind: Kustomization
metadata:
  name: {name}
  namespace: flux-system
spec:
  interval: 10m
  path: ./{path}
  prune: true
  sourceRef:
    kind: GitRepository
    name: flux-system
"""

NAMESPACES = {"main": ("monitoring", "web"), "utility": ("monitoring", "db")}


def _repo(namespaces: dict[str, tuple[str, ...]], clusters_dir: str = "clusters") -> dict[str, str]:
    files = {}
    for cluster, spaces in namespaces.items():
        files[f"{clusters_dir}/{cluster}/flux-system/kustomization.yaml"] = "resources: [gotk-sync.yaml]\n"
        files[f"{clusters_dir}/{cluster}/flux-system/gotk-sync.yaml"] = FLUX.format(
            name="flux-system", path=f"{clusters_dir}/{cluster}"
        )
        files[f"{clusters_dir}/{cluster}/apps.yaml"] = (
            "".join(FLUX.format(name=ns, path=f"apps/{cluster}/{ns}") for ns in spaces) + "---\n"
        )
        for i, ns in enumerate(spaces):
            files[f"apps/base/{ns}/kustomization.yaml"] = "resources: [deploy.yaml]\n"
            files[f"apps/base/{ns}/deploy.yaml"] = DEPLOY.format(app=ns)
            files[f"apps/{cluster}/{ns}/kustomization.yaml"] = (
                f"resources: [../../base/{ns}]\nimages:\n- name: ghcr.io/acme/{ns}\n  newTag: 1.{i}.0\n"
            )
    return files


def test_each_cluster_is_an_environment_and_namespaces_are_not(tmp_path: Path) -> None:
    found = discover(write(tmp_path, _repo(NAMESPACES)))
    assert sorted((e.name, e.paths) for e in found.environments) == [
        ("main", ("apps/main/monitoring", "apps/main/web")),
        ("utility", ("apps/utility/db", "apps/utility/monitoring")),
    ]
    assert all("Flux" in h and "cluster" in h for e in found.environments for h in e.how)


def test_environment_words_under_clusters_are_kept_per_cluster(tmp_path: Path) -> None:
    """Two clusters each deploying a dev and a prod: four environments, none mixing clusters."""
    found = discover(write(tmp_path, _repo({"eu": ("dev", "prod"), "us": ("dev", "prod")})))
    by_name = {e.name: e.paths for e in found.environments}
    assert by_name == {
        "eu-dev": ("apps/eu/dev",),
        "us-dev": ("apps/us/dev",),
        "eu-prod": ("apps/eu/prod",),
        "us-prod": ("apps/us/prod",),
    }
    order = {e.name: e.promote_from for e in found.environments}
    assert order == {"eu-dev": None, "us-dev": None, "eu-prod": "eu-dev", "us-prod": "us-dev"}


def test_one_cluster_per_environment_keeps_the_names(tmp_path: Path) -> None:
    """clusters/staging and clusters/production (Flux's example): the names stay."""
    found = discover(write(tmp_path, _repo({"staging": ("web",), "production": ("web",)})))
    assert [(e.name, e.paths) for e in found.environments] == [
        ("staging", ("apps/staging/web",)),
        ("production", ("apps/production/web",)),
    ]
    assert {e.name: e.promote_from for e in found.environments}["production"] == "staging"


def test_what_two_clusters_deploy_is_a_path_of_each(tmp_path: Path) -> None:
    """infrastructure/ deployed by both clusters' Kustomizations runs in both: a path of each
    cluster's environment (the reader says its pins are shared), never an environment named after
    its folder."""
    files = _repo(NAMESPACES)
    for cluster in NAMESPACES:
        files[f"clusters/{cluster}/infrastructure.yaml"] = FLUX.format(name="infra", path="infrastructure")
    files["infrastructure/kustomization.yaml"] = "resources: [proxy.yaml]\n"
    files["infrastructure/proxy.yaml"] = DEPLOY.format(app="proxy")
    found = discover(write(tmp_path, files))
    by_name = {e.name: e.paths for e in found.environments}
    assert by_name == {
        "main": ("apps/main/monitoring", "apps/main/web", "infrastructure"),
        "utility": ("apps/utility/db", "apps/utility/monitoring", "infrastructure"),
    }
    (main,) = [e for e in found.environments if e.name == "main"]
    assert main.how[-1].endswith("; so does cluster utility"), main.how


# monosense-io/k8s-gitops@33abfe94: kubernetes/clusters/{apps,infra}/flux-system/gotk-sync.yaml sync
# kubernetes/clusters/<c>, whose infrastructure.yaml both build ./kubernetes/infrastructure, a tree
# of more Kustomizations (ks.yaml) over shared directories; apps adds messaging-kafka.yaml. Some
# ks.yaml no cluster reaches (workloads/platform/cicd/actions-runner-system, being built), and a
# flux-system folder of the namespace's network policies is no cluster. init read 8 environments
# named after folders (app, apps, cluster, controller, networkpolicy, ...), app spanning both.
_SYNC = (
    """\
apiVersion: source.toolkit.fluxcd.io/v1
kind: GitRepository
metadata: {{name: flux-system, namespace: flux-system}}
spec: {{interval: 1m, ref: {{branch: main}}, url: https://github.com/monosense-io/k8s-gitops}}
"""
    + FLUX
)


def _monosense() -> dict[str, str]:
    k = "kubernetes"
    files = {}
    for c in ("apps", "infra"):
        files[f"{k}/clusters/{c}/flux-system/kustomization.yaml"] = "resources: [gotk-sync.yaml]\n"
        files[f"{k}/clusters/{c}/flux-system/gotk-sync.yaml"] = _SYNC.format(
            name=f"cluster-{c}-config", path=f"{k}/clusters/{c}"
        )
        files[f"{k}/clusters/{c}/infrastructure.yaml"] = FLUX.format(
            name=f"cluster-{c}-infrastructure", path=f"{k}/infrastructure"
        )
    files[f"{k}/clusters/apps/messaging-kafka.yaml"] = FLUX.format(
        name="cluster-apps-messaging-kafka", path=f"{k}/workloads/platform/messaging/kafka"
    )
    files[f"{k}/infrastructure/kustomization.yaml"] = "resources: [networking/coredns/ks.yaml, security]\n"
    files[f"{k}/infrastructure/networking/coredns/ks.yaml"] = FLUX.format(
        name="coredns", path=f"{k}/infrastructure/networking/coredns/app"
    )
    files[f"{k}/infrastructure/networking/coredns/app/kustomization.yaml"] = "resources: [deploy.yaml]\n"
    files[f"{k}/infrastructure/networking/coredns/app/deploy.yaml"] = DEPLOY.format(app="coredns")
    files[f"{k}/infrastructure/security/kustomization.yaml"] = "resources: [networkpolicy/ks.yaml]\n"
    files[f"{k}/infrastructure/security/networkpolicy/ks.yaml"] = FLUX.format(
        name="cluster-networkpolicy-baseline", path=f"{k}/infrastructure/security/networkpolicy"
    )
    files[f"{k}/infrastructure/security/networkpolicy/kustomization.yaml"] = "resources: [flux-system]\n"
    files[f"{k}/infrastructure/security/networkpolicy/flux-system/kustomization.yaml"] = (
        "namespace: flux-system\nresources: [deny-all.yaml]\n"
    )
    files[f"{k}/infrastructure/security/networkpolicy/flux-system/deny-all.yaml"] = (
        "apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {name: deny-all}\n"
        "spec: {podSelector: {}}\n"
    )
    kafka = f"{k}/workloads/platform/messaging/kafka"
    files[f"{kafka}/kustomization.yaml"] = "resources: [deploy.yaml]\n"
    files[f"{kafka}/deploy.yaml"] = DEPLOY.format(app="kafka")
    runners = f"{k}/workloads/platform/cicd/actions-runner-system"
    files[f"{runners}/kustomization.yaml"] = "resources: [controller]\n"
    files[f"{runners}/controller/kustomization.yaml"] = "resources: [ks.yaml]\n"
    files[f"{runners}/controller/ks.yaml"] = FLUX.format(
        name="cluster-apps-actions-runner-controller", path=f"{runners}/controller/app"
    )
    files[f"{runners}/controller/app/kustomization.yaml"] = "resources: [deploy.yaml]\n"
    files[f"{runners}/controller/app/deploy.yaml"] = DEPLOY.format(app="runner-controller")
    return files


def test_each_flux_cluster_is_one_environment_over_what_its_sync_reaches(tmp_path: Path) -> None:
    found = discover(write(tmp_path, _monosense()))
    shared = [
        "kubernetes/infrastructure/networking/coredns/app",
        "kubernetes/infrastructure/security/networkpolicy",
    ]
    assert {e.name: sorted(e.paths) for e in found.environments} == {
        "apps": [*shared, "kubernetes/workloads/platform/messaging/kafka"],
        "infra": shared,
    }
    assert {i.name: i.environments for i in found.images} == {
        "ghcr.io/acme/coredns": ("apps", "infra"),
        "ghcr.io/acme/kafka": ("apps",),
    }
    notes = "\n".join(found.notes)
    assert (
        "kubernetes/workloads/platform/cicd/actions-runner-system/controller/app: no Flux cluster's sync reaches it "
        "(clusters apps, infra); not an environment"
    ) in notes, notes


_SOURCES_KS = """\
---
apiVersion: kustomize.toolkit.fluxcd.io/v1
kind: Kustomization
metadata: {{name: {name}, namespace: flux-system}}
spec:
  interval: 10m
  path: ./{path}
  prune: true
  sourceRef: {{kind: GitRepository, name: flux-system}}
"""

_SEALED_RELEASE = """\
apiVersion: helm.toolkit.fluxcd.io/v2
kind: HelmRelease
metadata: {name: sealed-secrets, namespace: kube-system}
spec:
  interval: 1h
  chart:
    spec:
      chart: sealed-secrets
      version: "2.17.7"
      sourceRef: {kind: HelmRepository, name: sealed-secrets, namespace: flux-system}
"""

_SEALED_REPOSITORY = """\
apiVersion: source.toolkit.fluxcd.io/v1
kind: HelmRepository
metadata: {name: sealed-secrets, namespace: flux-system}
spec:
  interval: 1h
  url: https://bitnami-labs.github.io/sealed-secrets
"""

_APP = """\
apiVersion: apps/v1
kind: Deployment
metadata: {name: app}
spec:
  template:
    spec:
      containers:
      - name: app
        image: ghcr.io/acme/app:1.0.0
"""


def test_the_sources_a_cluster_applies_are_of_its_environment(tmp_path: Path) -> None:
    # bokristoffersson/homelab-k12n-gitops: the cluster's infrastructure-sources Kustomization
    # applies every HelmRepository; init left its path out (it renders no workload: taken for a
    # bootstrap) and said six exactly pinned charts not read, their HelmRepository "in no file
    # the environment renders"
    root = write(
        tmp_path,
        {
            "clusters/homelab/infrastructure.yaml": _SOURCES_KS.format(
                name="sources", path="infrastructure/sources"
            )
            + _SOURCES_KS.format(name="controllers", path="infrastructure/controllers")
            + _SOURCES_KS.format(name="apps", path="apps/homelab"),
            "infrastructure/sources/kustomization.yaml": "resources: [sealed-secrets.yaml]\n",
            "infrastructure/sources/sealed-secrets.yaml": _SEALED_REPOSITORY,
            "infrastructure/controllers/kustomization.yaml": "resources: [sealed-secrets.yaml]\n",
            "infrastructure/controllers/sealed-secrets.yaml": _SEALED_RELEASE,
            "apps/base/kustomization.yaml": "resources: [deploy.yaml]\n",
            "apps/base/deploy.yaml": _APP,
            "apps/homelab/kustomization.yaml": "resources: [../base]\n",
        },
    )
    found = discover(root)
    assert [(c.name, c.repository, c.versions) for c in found.charts] == [
        ("sealed-secrets", "https://bitnami-labs.github.io/sealed-secrets", ("2.17.7",))
    ], found.notes
    (env,) = found.environments
    assert env.name == "homelab" and "infrastructure/sources" in env.paths, found.environments


def test_a_usual_word_inside_a_folders_name_is_no_stage_of_its_cluster(tmp_path: Path) -> None:
    # bokristoffersson/homelab-k12n-gitops@2e505e4c: gitops/clusters/local/infrastructure.yaml deploys
    # infrastructure/controllers-local beside apps/local/*; init made it an environment
    # controllers-local (the word local), apart from local (and wahooli/gitops-repo@e42e0ee9's
    # node-local-dns and livingroom-pi-ci-excluded apart from livingroom-pi)
    files = _repo({"local": ("monitoring",), "homelab": ("monitoring",)})
    for cluster, folder in (("local", "controllers-local"), ("homelab", "controllers")):
        files[f"clusters/{cluster}/infrastructure.yaml"] = FLUX.format(
            name="infrastructure-controllers", path=f"infrastructure/{folder}"
        )
        files[f"infrastructure/{folder}/kustomization.yaml"] = "resources: [deploy.yaml]\n"
        files[f"infrastructure/{folder}/deploy.yaml"] = DEPLOY.format(app=f"mosquitto-{cluster}")
    found = discover(write(tmp_path, files))
    assert {e.name: sorted(e.paths) for e in found.environments} == {
        "local": ["apps/local/monitoring", "infrastructure/controllers-local"],
        "homelab": ["apps/homelab/monitoring", "infrastructure/controllers"],
    }


# mthorley/k8s-gitops@beb1c33a: two Flux clusters named staging and production, each with
# Kustomizations in clusters/<c>/ over its own apps/<c> and shared infrastructure/common/<x>;
# production's infrastructure/production also lists ../common/falco, which staging syncs on its
# own. init crossed the cluster and stage names into six environments (production-staging,
# staging-production, ...) and guessed promotions inside one cluster.
def test_clusters_named_by_stages_are_those_stages(tmp_path: Path) -> None:
    files = _repo({"staging": ("web",), "production": ("web",)})
    for c in ("staging", "production"):
        files[f"clusters/{c}/proxy.yaml"] = FLUX.format(name="proxy", path="infrastructure/common/proxy")
    files["clusters/staging/falco.yaml"] = FLUX.format(name="falco", path="infrastructure/common/falco")
    files["clusters/production/infrastructure.yaml"] = FLUX.format(
        name="infrastructure", path="infrastructure/production"
    )
    files["infrastructure/production/kustomization.yaml"] = "resources: [../common/falco]\n"
    for app in ("proxy", "falco"):
        files[f"infrastructure/common/{app}/kustomization.yaml"] = "resources: [deploy.yaml]\n"
        files[f"infrastructure/common/{app}/deploy.yaml"] = DEPLOY.format(app=app)
    found = discover(write(tmp_path, files))
    by_name = {e.name: e.paths for e in found.environments}
    assert sorted(by_name) == ["production", "staging"], by_name
    assert set(by_name["staging"]) >= {
        "apps/staging/web",
        "infrastructure/common/falco",
        "infrastructure/common/proxy",
    }
    assert set(by_name["production"]) >= {
        "apps/production/web",
        "infrastructure/common/proxy",
        "infrastructure/production",
    }
    assert {e.name: e.promote_from for e in found.environments}["production"] == "staging"


# gi8lino/k8s-gitops@677ff7b8: the Flux Kustomization 'cluster' syncs ./cluster/flux, which holds
# the cluster's Kustomizations (config/) and its HelmRepositories (repositories/), and an overlay of
# its own below it (runtime/, synced by another Kustomization). The overlay found below made
# cluster/flux no path, so every HelmRelease's repository was 'in no file the environment renders':
# 24 charts not read.
def test_a_synced_folder_holding_the_chart_sources_is_a_path_though_an_overlay_is_found_below(
    tmp_path: Path,
) -> None:
    flux = "cluster/flux"
    files = {
        f"{flux}/kustomization.yaml": "resources: [config/, repositories/]\n",
        f"{flux}/config/kustomization.yaml": "resources: [cluster.yaml, infra.yaml, runtime.yaml]\n",
        f"{flux}/config/cluster.yaml": _SYNC.format(name="cluster", path=flux).replace(
            "url: https://github.com/monosense-io/k8s-gitops", "url: https://github.com/acme/k8s-gitops"
        ),
        f"{flux}/config/infra.yaml": FLUX.format(name="infra", path="cluster/infra"),
        f"{flux}/config/runtime.yaml": FLUX.format(name="flux-runtime", path=f"{flux}/runtime"),
        f"{flux}/repositories/kustomization.yaml": "resources: [jetstack.yaml]\n",
        f"{flux}/repositories/jetstack.yaml": (
            "apiVersion: source.toolkit.fluxcd.io/v1\nkind: HelmRepository\n"
            "metadata: {name: jetstack, namespace: flux-system}\nspec: {url: https://charts.jetstack.io}\n"
        ),
        f"{flux}/runtime/kustomization.yaml": "resources: [hook.yaml]\n",
        f"{flux}/runtime/hook.yaml": DEPLOY.format(app="hook"),
        "cluster/infra/kustomization.yaml": "resources: [cert-manager.yaml, web.yaml]\n",
        "cluster/infra/web.yaml": DEPLOY.format(app="web"),
        "cluster/infra/cert-manager.yaml": (
            "apiVersion: helm.toolkit.fluxcd.io/v2\nkind: HelmRelease\n"
            "metadata: {name: cert-manager, namespace: cert-manager}\n"
            "spec:\n  chart:\n    spec:\n      chart: cert-manager\n      version: v1.21.1\n"
            "      sourceRef: {kind: HelmRepository, name: jetstack, namespace: flux-system}\n"
        ),
    }
    found = discover(write(tmp_path, files))
    assert [c.name for c in found.charts] == ["cert-manager"], found.notes
    (env,) = found.environments
    assert flux in env.paths, env.paths


def test_application_files_of_one_folder_are_no_clusters() -> None:
    """teststuffstash/homelab@5e057c82 (trial16 T1): argocd/platform/<app>.yaml, 36 Applications
    of one cluster, were read as 36 host-named clusters ('in-cluster is deployed by 36 clusters')."""
    assert _cluster_parts(["argocd/platform/agent-coordinator.yaml", "argocd/platform/garage.yaml"]) is None
    assert _cluster_parts(["envs/aws.cluster/dev", "envs/local.home/dev"]) is not None


# isning/k8s-gitops@HEAD (newcomer20 F8) clusters/kubevirt-lab-1/apps.yaml: the cluster's one Flux Kustomization `apps`
# applies apps/overlays/kubevirt-lab-1, whose kustomization lists ./prod/ (namespace: prod, ten
# apps) and ./staging/ (namespace: staging, an echo server): namespaces of one cluster. init makes
# `prod` (path apps/overlays/kubevirt-lab-1/prod, "namespace prod: applied on its own") an
# environment beside `kubevirt-lab-1`, whose path holds it too, so each of prod's 8 images is
# "unsupported: set only in …, which kubevirt-lab-1 renders too". Issue 74: a cluster is an
# environment; namespaces are not.
def test_a_namespace_overlay_the_cluster_s_own_overlay_lists_is_no_environment_of_its_own(
    tmp_path: Path,
) -> None:
    overlay = "apps/overlays/kubevirt-lab-1"
    root = write(
        tmp_path,
        {
            "clusters/kubevirt-lab-1/apps.yaml": small_repos.flux_kustomization("apps", f"./{overlay}"),
            f"{overlay}/kustomization.yaml": "resources:\n  - ./prod/\n  - ./staging/\n",
            f"{overlay}/prod/kustomization.yaml": (
                "namespace: prod\ncommonLabels:\n  app.kubernetes.io/env: prod\nresources:\n"
                "  - ./../../../base/siyuan/\n"
            ),
            f"{overlay}/staging/kustomization.yaml": (
                "namespace: staging\nresources:\n  - ./../../../base/echo/\n"
            ),
            "apps/base/siyuan/kustomization.yaml": "resources: [deployment.yaml]\n",
            "apps/base/siyuan/deployment.yaml": small_repos.deployment("siyuan", "b3log/siyuan:v3.1.0"),
            "apps/base/echo/kustomization.yaml": "resources: [deployment.yaml]\n",
            "apps/base/echo/deployment.yaml": small_repos.deployment("echo", "ealen/echo-server:0.9.2"),
        },
    )
    found = discover(root)
    assert [e.name for e in found.environments] == ["kubevirt-lab-1"], [
        (e.name, e.paths) for e in found.environments
    ]


GOTK_SYNC = """apiVersion: source.toolkit.fluxcd.io/v1
kind: GitRepository
metadata:
  name: flux-system
  namespace: flux-system
spec:
  interval: 1m0s
  ref:
    branch: main
  url: ssh://git@github.com/zacheryph/k8s-gitops
---
apiVersion: kustomize.toolkit.fluxcd.io/v1
kind: Kustomization
metadata:
  name: flux-system
  namespace: flux-system
spec:
  interval: 10m0s
  path: ./{folder}
  prune: true
  sourceRef:
    kind: GitRepository
    name: flux-system
"""
PLEX = """apiVersion: apps/v1
kind: Deployment
metadata:
  name: plex
spec:
  template:
    spec:
      containers:
      - name: plex
        image: ghcr.io/home-operations/plex:1.41.0
"""


# zacheryph/k8s-gitops: `flux bootstrap --path ./bootstrap` wrote bootstrap/flux-system/gotk-sync.yaml,
# whose Kustomization flux-system applies ./bootstrap, and bootstrap/ holds one Flux Kustomization
# per folder (bootstrap/services-media.yaml -> ./services/media, services-general, services-immich,
# core, platform, …). init reads none of bootstrap/'s Flux objects: "no Argo CD, Flux or Kargo object
# in the repository says what deploys it", environments `development`, `automation`, `core`,
# `platform` by folder shape, and the images of services/media, general, immich and mattermost's
# chart (12 pins) neither read nor said. The same repository with bootstrap/ renamed (and the sync's
# path with it) is one cluster rendering every folder. A sync folder named bootstrap is common
# (`flux bootstrap --path`); a folder of templates by that name is not a Flux sync path.
def test_a_flux_sync_folder_named_bootstrap_is_the_cluster_its_kustomizations_deploy(
    tmp_path: Path,
) -> None:
    folder = "bootstrap"
    found = discover(
        write(
            tmp_path,
            {
                f"{folder}/flux-system/gotk-sync.yaml": GOTK_SYNC.format(folder=folder),
                f"{folder}/flux-system/kustomization.yaml": "resources: [gotk-sync.yaml]\n",
                f"{folder}/services-media.yaml": small_repos.flux_kustomization(
                    "services-media", "./services/media"
                ),
                "services/media/kustomization.yaml": "resources: [deploy.yaml]\n",
                "services/media/deploy.yaml": PLEX,
            },
        )
    )
    (env,) = found.environments
    assert "services/media" in env.paths and any("Flux" in h for h in env.how), found.environments


# meysam81/gitops-demo kubernetes/gitops/kustomize.yml (trial21 MY1): Flux Kustomizations wrapped
# in `kind: List` (`items:`), which kubectl, kustomize and Flux apply item by item. init read none
# of them and said the folders they deploy were included by nothing.
def test_flux_kustomizations_in_a_list_deploy_their_folders(tmp_path: Path) -> None:
    items = [small_repos.flux_kustomization(app, f"./apps/{app}") for app in ("web", "api")]
    listed = "apiVersion: v1\nkind: List\nitems:\n" + "".join(
        "".join(f"    {line}\n" if i else f"  - {line}\n" for i, line in enumerate(item.splitlines()))
        for item in items
    )
    files = {
        "clusters/kind/kustomization.yaml": "resources: [apps.yaml]\n",
        "clusters/kind/apps.yaml": listed,
    }
    for app in ("web", "api"):
        files[f"apps/{app}/kustomization.yaml"] = "resources: [deploy.yaml]\n"
        files[f"apps/{app}/deploy.yaml"] = DEPLOY.format(app=app)
    found = discover(write(tmp_path, files))
    assert [(e.name, tuple(sorted(e.paths))) for e in found.environments] == [
        ("kind", ("apps/api", "apps/web"))
    ], found.notes
    assert sorted(i.name for i in found.images) == ["ghcr.io/acme/api", "ghcr.io/acme/web"]
