"""Wrapper charts (a Chart.yaml whose dependencies pin upstream charts) and the ApplicationSets
that deploy them, read as Argo CD and helm read them."""

from __future__ import annotations

from pathlib import Path

import pytest

from gitops_bot.cli import main
from gitops_bot.engine.app import open_app
from gitops_bot.engine.discovery import discover
from gitops_bot.engine.init_config import config_text
from testkit.local_git import committed


def test_a_list_generator_naming_chart_directories_deploys_them(tmp_path: Path) -> None:
    # cterence/homelab-gitops: an app of apps deploys an ApplicationSet whose list elements name
    # the wrapper charts it renders (path: k8s-apps/{{ .name }}); init said "nothing for
    # gitops-bot to release here" and called each chart deployed by nothing
    app_of_apps = (
        "apiVersion: argoproj.io/v1alpha1\nkind: Application\nmetadata: {name: app-of-apps, namespace: argocd}\n"
        "spec:\n  project: default\n  source:\n    repoURL: git@github.com:acme/homelab.git\n"
        "    path: argocd-apps/\n    targetRevision: HEAD\n  destination: {name: in-cluster, namespace: argocd}\n"
    )
    appset = (
        "apiVersion: argoproj.io/v1alpha1\nkind: ApplicationSet\nmetadata: {name: applications}\nspec:\n"
        "  goTemplate: true\n  generators:\n    - list:\n        elements:\n          - name: httpbin\n"
        "          - name: whoami\n          - name: builds\n  template:\n    metadata: {name: '{{ .name }}'}\n    spec:\n"
        "      project: default\n      source:\n        repoURL: git@github.com:acme/homelab.git\n"
        "        targetRevision: HEAD\n        path: 'k8s-apps/{{ .name }}'\n"
        "      destination: {name: in-cluster, namespace: '{{ .name }}'}\n"
    )
    files = {"argocd-apps/app-of-apps.yaml": app_of_apps, "argocd-apps/applicationset.yaml": appset}
    for name, tag in (("httpbin", "41"), ("whoami", "1.10.1")):
        # a wrapper chart: its workload comes from the app-template dependency, set under its key
        files[f"k8s-apps/{name}/Chart.yaml"] = (
            f"apiVersion: v2\nname: {name}\nversion: 0.1.0\ndependencies:\n  - name: app-template\n"
            "    repository: https://bjw-s-labs.github.io/helm-charts\n    version: 5.1.0\n"
        )
        files[f"k8s-apps/{name}/values.yaml"] = (
            "app-template:\n  controllers:\n    main:\n      containers:\n        main:\n"
            f"          image:\n            repository: ghcr.io/acme/{name}\n            tag: {tag}\n"
        )
    # one element's chart renders an ApplicationSet of its own (a build per folder, the chart again
    # with each folder's values): with it in the list, none of the 45 was read
    files["k8s-apps/builds/Chart.yaml"] = "apiVersion: v2\nname: builds\nversion: 0.1.0\n"
    files["k8s-apps/builds/values.yaml"] = 'image: ""\ntag: ""\n'
    files["k8s-apps/builds/templates/applicationset.yaml"] = (
        "{{- if not .Values.image }}\napiVersion: argoproj.io/v1alpha1\nkind: ApplicationSet\n"
        "metadata: {name: builds, namespace: argocd}\nspec:\n  goTemplate: true\n  generators:\n"
        "    - git:\n        repoURL: git@github.com:acme/homelab.git\n        revision: HEAD\n"
        "        directories: [{path: builds/*}]\n  template:\n"
        "    metadata: {name: 'build-{{ `{{ .path.basename }}` }}'}\n    spec:\n      project: default\n"
        "      source:\n        repoURL: git@github.com:acme/homelab.git\n        targetRevision: HEAD\n"
        "        path: k8s-apps/builds\n      destination: {name: in-cluster, namespace: builds}\n{{- end }}\n"
    )
    work = committed(tmp_path / "repo", files)
    found = discover(work)
    # the chart's own ApplicationSet is applied by the Application generated for it
    unread = [n for n in found.notes if "nothing in this repository deploys" in n or "no Application" in n]
    assert not unread, unread
    assert [e.name for e in found.environments] == ["in-cluster"], found.environments
    assert [c.name for c in found.charts] == ["app-template"], (found.charts, found.environments, found.notes)
    # and the plan of what init wrote reads each wrapper chart's pins
    (work / "gitops-bot.yaml").write_text(config_text(found))
    app = open_app(work)
    env = app.config.environment("in-cluster")
    assert [t.place for t in app.chart_targets(env)] == ["k8s-apps/httpbin/Chart.yaml:7"]
    read = {t.image.name: (t.file, t.deployed and t.deployed.tag) for t in app.targets(env)}
    assert read == {
        "ghcr.io/acme/httpbin": ("k8s-apps/httpbin/values.yaml", "41"),
        "ghcr.io/acme/whoami": ("k8s-apps/whoami/values.yaml", "1.10.1"),
    }


def test_a_list_of_apps_one_named_with_a_stage_word_is_one_environment(tmp_path: Path) -> None:
    # cterence/homelab-gitops: among the 45 elements, local-path-provisioner and
    # cnpg-restore-test hold a stage word by chance; each became an environment of its own,
    # whose plan then refused the values in-cluster renders too
    appset = (
        "apiVersion: argoproj.io/v1alpha1\nkind: ApplicationSet\nmetadata: {name: applications}\nspec:\n"
        "  goTemplate: true\n  generators:\n    - list:\n        elements:\n          - name: httpbin\n"
        "          - name: local-path-provisioner\n          - name: cnpg-restore-test\n"
        "  template:\n    metadata: {name: '{{ .name }}'}\n    spec:\n"
        "      project: default\n      source:\n        repoURL: git@github.com:acme/homelab.git\n"
        "        targetRevision: HEAD\n        path: 'k8s-apps/{{ .name }}'\n"
        "      destination: {name: in-cluster, namespace: '{{ .name }}'}\n"
    )
    files = {"argocd-apps/applicationset.yaml": appset}
    for name in ("httpbin", "local-path-provisioner", "cnpg-restore-test"):
        files[f"k8s-apps/{name}/Chart.yaml"] = (
            f"apiVersion: v2\nname: {name}\nversion: 0.1.0\ndependencies:\n  - name: app-template\n"
            "    repository: https://bjw-s-labs.github.io/helm-charts\n    version: 5.1.0\n"
        )
        files[f"k8s-apps/{name}/values.yaml"] = (
            "app-template:\n  controllers:\n    main:\n      containers:\n        main:\n"
            f"          image:\n            repository: ghcr.io/acme/{name}\n            tag: 1.0.0\n"
        )
    found = discover(committed(tmp_path / "repo", files))
    assert [e.name for e in found.environments] == ["in-cluster"], found.environments


# PrabakarNallamuthu/OpsCD-GitOps opsera-infra/charts/minio: a wrapper chart pinning its upstream
# chart by dependencies[].version, rendered with a values file per environment, one template of
# its own writing an image whole (templates/buckets-init-job.yaml: image: minio/mc:latest)
WRAPPER = {
    "charts/minio/Chart.yaml": (
        "apiVersion: v2\nname: opsera-minio\nversion: 0.1.0\ndependencies:\n"
        '  - name: minio\n    version: "5.2.0"\n    repository: "https://charts.min.io"\n'
    ),
    "charts/minio/values.yaml": "minio:\n  replicas: 1\n",
    "charts/minio/values-dev.yaml": "minio:\n  replicas: 1\n",
    "charts/minio/values-staging.yaml": "minio:\n  replicas: 2\n",
    "charts/minio/values-prod.yaml": "minio:\n  replicas: 4\n",
    "charts/minio/templates/buckets-init-job.yaml": (
        "apiVersion: batch/v1\nkind: Job\nmetadata: {name: buckets-init}\nspec:\n  template:\n"
        "    spec:\n      containers:\n        - name: mc-init\n          image: minio/mc:RELEASE.2024-06-01\n"
    ),
}


def test_a_wrapper_charts_dependency_version_is_a_chart_its_environments_pin(tmp_path: Path) -> None:
    # no chart was found and no line said why; staging, whose values set no image, was dropped
    found = discover(committed(tmp_path / "repo", WRAPPER))
    assert [e.name for e in found.environments] == ["dev", "staging", "prod"], (
        found.environments,
        found.notes,
    )
    assert [(c.name, c.versions, c.environments) for c in found.charts] == [
        ("minio", ("5.2.0",), ("dev", "staging", "prod"))
    ], (found.charts, found.notes)


def test_init_s_first_plan_over_wrapper_charts_says_each_pin(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # the first plan failed (exit 2: no environment pins any configured image) and offered a
    # kustomization as the fix for an image a chart's template writes whole
    work = committed(tmp_path / "repo", WRAPPER)
    code = main(["init", "--repo", str(work)])
    out, err = capsys.readouterr()
    assert code == 0, err
    assert "chart minio" in out and "charts/minio/Chart.yaml:6" in out, out
    mc = [line for line in out.splitlines() if line.strip().startswith("minio/mc ")]
    assert mc and all("the chart's template writes the image whole" in line for line in mc), mc
    assert "kustomization.yaml" not in out, out
