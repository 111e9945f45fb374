"""A multi-cluster Flux repository: each cluster (``clusters/<c>``, what Flux bootstraps) is an
environment, its Flux Kustomizations' paths its parts; the namespaces those paths are named
after are not environments, and no environment mixes two clusters."""

from __future__ import annotations

from pathlib import Path

from gitops_bot.engine.discovery import discover
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


def test_what_two_clusters_deploy_is_no_one_clusters(tmp_path: Path) -> None:
    """infrastructure/ deployed by both clusters' Kustomizations is not named after either."""
    files = _repo(NAMESPACES)
    for cluster in NAMESPACES:
        files[f"clusters/{cluster}/infrastructure.yaml"] = FLUX.format(name="infra", path="infrastructure")
    files["infrastructure/kustomization.yaml"] = "resources: [proxy.yaml]\n"
    files["infrastructure/proxy.yaml"] = DEPLOY.format(app="proxy")
    found = discover(write(tmp_path, files))
    by_name = {e.name: e.paths for e in found.environments}
    assert by_name["main"] == ("apps/main/monitoring", "apps/main/web")
    assert by_name["utility"] == ("apps/utility/db", "apps/utility/monitoring")
    assert not [n for n, paths in by_name.items() if "infrastructure" in paths and n in NAMESPACES]


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
