"""A kustomization of Argo CD Applications that nothing of the repository builds or renders is
the root of an app of apps applied by hand (``kubectl apply -k``): one environment, its cluster,
read as Argo CD applies it. jomcgi/homelab@e5fce248: projects/home-cluster builds each app's
folder, whose kustomization lists its own Application (an explicit ``helm:`` source rendering
that same folder as its chart); init wrote one environment per app folder, another of every
values-prod.yaml and a third of the Application files, 15 environments for one cluster."""

from __future__ import annotations

from pathlib import Path

from gitops_bot.engine.discovery import discover
from testkit.local_git import write
from testkit.small_repos import deployment

APPLICATION = """\
apiVersion: argoproj.io/v1alpha1
kind: Application
metadata: {{name: {name}, namespace: argocd}}
spec:
  project: default
  source:
    repoURL: https://github.com/acme/homelab.git
    path: {path}
    targetRevision: HEAD
    helm: {{valueFiles: [values.yaml, values-prod.yaml]}}
  destination: {{server: 'https://kubernetes.default.svc', namespace: {name}}}
"""


def _app(name: str, image: str, folder: str) -> dict[str, str]:
    repo, tag = image.split(":")
    return {
        f"{folder}/kustomization.yaml": "resources: [application.yaml]\n",
        f"{folder}/application.yaml": APPLICATION.format(name=name, path=folder),
        f"{folder}/Chart.yaml": f"apiVersion: v2\nname: {name}\nversion: 0.1.0\n",
        f"{folder}/values.yaml": f"image:\n  repository: {repo}\n  tag: {tag}\n",
        f"{folder}/values-prod.yaml": "replicas: 2\n",
        f"{folder}/templates/deployment.yaml": deployment(
            name, "{{ .Values.image.repository }}:{{ .Values.image.tag }}"
        ),
    }


FILES = {
    "cluster/kustomization.yaml": "resources: [../platform]\n",
    "platform/kustomization.yaml": "resources: [./web, ./api]\n",
    **_app("web", "ghcr.io/acme/web:1.0.0", "platform/web"),
    **_app("api", "ghcr.io/acme/api:2.0.0", "platform/api"),
    # an app the root does not build: applied by nothing here
    **_app("old", "ghcr.io/acme/old:0.1.0", "attic/old"),
}


def test_a_kustomization_of_applications_nothing_builds_is_one_environment(tmp_path: Path) -> None:
    found = discover(write(tmp_path, FILES))
    assert [(e.name, e.paths) for e in found.environments] == [("in-cluster", ("cluster",))]
    assert sorted(i.name for i in found.images) == ["ghcr.io/acme/api", "ghcr.io/acme/web"]
    said = (
        "attic/old/application.yaml: an Application no kustomization applied by hand builds (cluster build "
    )
    assert any(n.startswith(said) for n in found.notes), found.notes


def test_a_kustomization_of_application_sets_per_cluster_is_one_environment_each(tmp_path: Path) -> None:
    """soerenschneider/k8s-gitops@HEAD: clusters/<name>/kustomization.yaml lists the ApplicationSets
    of that cluster's Argo CD (a git directories generator over clusters/<name>/apps/*). init
    wrote one environment per app, each the overlays of both clusters."""
    files: dict[str, str] = {}
    for cluster in ("dd.example.org", "ez.example.org"):
        files[f"clusters/{cluster}/kustomization.yaml"] = "resources: [appset.yaml]\n"
        files[f"clusters/{cluster}/appset.yaml"] = APPSET.format(cluster=cluster)
        for app, tag in (("web", "1.0.0"), ("api", "2.0.0")):
            files[f"clusters/{cluster}/apps/{app}/kustomization.yaml"] = (
                f"resources: [../../../../apps/{app}]\n"
            )
            files[f"apps/{app}/kustomization.yaml"] = "resources: [deploy.yaml]\n"
            files[f"apps/{app}/deploy.yaml"] = deployment(app, f"ghcr.io/acme/{app}:{tag}")
    found = discover(write(tmp_path, files))
    assert [(e.name, e.paths) for e in found.environments] == [
        ("dd.example.org", ("clusters/dd.example.org",)),
        ("ez.example.org", ("clusters/ez.example.org",)),
    ]
    # each read through its ApplicationSet's generated Applications, as Argo CD applies them
    for env, cluster in (("dd.example.org", "dd.example.org"), ("ez.example.org", "ez.example.org")):
        rendered = set(found.readings[env].rendered)
        assert {"apps/api/deploy.yaml", f"clusters/{cluster}/apps/web/kustomization.yaml"} <= rendered, (
            rendered
        )


APPSET = """\
apiVersion: argoproj.io/v1alpha1
kind: ApplicationSet
metadata: {{name: apps, namespace: argocd}}
spec:
  goTemplate: true
  generators:
  - git:
      repoURL: https://github.com/acme/homelab.git
      revision: HEAD
      directories:
      - path: clusters/{cluster}/apps/*
  template:
    metadata: {{name: 'apps-{{{{.path.basename}}}}'}}
    spec:
      project: default
      source: {{repoURL: https://github.com/acme/homelab.git, targetRevision: HEAD, path: '{{{{.path.path}}}}'}}
      destination: {{server: https://kubernetes.default.svc, namespace: '{{{{.path.basename}}}}'}}
"""


def test_two_stages_under_the_root_are_left_as_they_are(tmp_path: Path) -> None:
    # its Applications named as two stages are two environments, whatever cluster they share
    files = {
        **FILES,
        "platform/kustomization.yaml": "resources: [./dev, ./prod]\n",
        **_app("web-dev", "ghcr.io/acme/web:1.0.0", "platform/dev"),
        **_app("web-prod", "ghcr.io/acme/web:0.9.0", "platform/prod"),
    }
    found = discover(write(tmp_path, files))
    envs = {e.name: e.paths for e in found.environments}
    assert (envs["dev"], envs["prod"]) == (
        ("platform/dev/application.yaml",),
        ("platform/prod/application.yaml",),
    )
    assert not [p for paths in envs.values() for p in paths if p == "cluster"], envs


REMOTE_CHART = """\
apiVersion: argoproj.io/v1alpha1
kind: Application
metadata: {{name: {name}, namespace: argocd}}
spec:
  project: default
  source: {{repoURL: 'https://charts.example.org', chart: {name}, targetRevision: 1.0.0}}
  destination: {{server: 'https://kubernetes.default.svc', namespace: web}}
"""


def test_an_apps_folder_building_its_own_applications_is_no_root(tmp_path: Path) -> None:
    """radar/k3s app/k3s-system/fission builds its two Applications of published charts (the
    CRDs' and the app's) beside its namespace, and nothing builds the folder: an app's, not the
    cluster's root, and the cluster's Application files stay one environment."""
    files = {
        "apps/web/kustomization.yaml": "resources: [web.yaml, crds.yaml]\n",
        "apps/web/web.yaml": REMOTE_CHART.format(name="web"),
        "apps/web/crds.yaml": REMOTE_CHART.format(name="web-crds"),
        "apps/api/api.yaml": REMOTE_CHART.format(name="api"),
    }
    found = discover(write(tmp_path, files))
    paths = [p for e in found.environments for p in e.paths]
    assert "apps/web" not in paths and "apps/api/api.yaml" in paths, found.environments


def test_no_root_is_guessed_applied_by_hand_where_an_application_here_renders_the_apps(
    tmp_path: Path,
) -> None:
    """HowDiggy/k8s-gitops@b3d39c2b (newcomer16 N17): clusters/home-dev/infra-root.yaml renders
    infrastructure/overlays/home-dev, a folder of Applications. infrastructure/base, a kustomization
    of Applications nothing renders, was taken as a root applied by hand, and home-dev's
    Applications were said as built by no root and dropped."""
    root_app = APPLICATION.format(name="infra-root", path="overlays/home-dev").replace(
        "    helm: {valueFiles: [values.yaml, values-prod.yaml]}\n", ""
    )
    files = {
        "clusters/home-dev/infra-root.yaml": root_app,
        "overlays/home-dev/kustomization.yaml": "resources: [web.yaml]\n",
        "overlays/home-dev/web.yaml": APPLICATION.format(name="web", path="apps/web").replace(
            "    helm: {valueFiles: [values.yaml, values-prod.yaml]}\n", ""
        ),
        "apps/web/deploy.yaml": deployment("web", "ghcr.io/acme/web:1.0.0"),
        "base/kustomization.yaml": "resources: [one/api.yaml, two/db.yaml]\n",
        "base/one/api.yaml": REMOTE_CHART.format(name="api"),
        "base/two/db.yaml": REMOTE_CHART.format(name="db"),
    }
    found = discover(write(tmp_path, files))
    assert not [n for n in found.notes if "applied by hand" in n], found.notes
    assert "base" not in [p for e in found.environments for p in e.paths], found.environments
