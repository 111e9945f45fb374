"""A Flux HelmRelease of a chart at a path of the repository's own GitRepository, among the
resources a kustomization builds (ekenheim/home-ops-upgrade's seldon-core): its chart's values
are read under the release, and an image its template builds from a values block's
``registry:``, ``repository:`` and ``tag:`` is found under the name the two join to."""

from __future__ import annotations

from pathlib import Path

from gitops_bot.engine.app import open_app
from gitops_bot.engine.discovery import discover
from gitops_bot.engine.init_config import config_text
from testkit import small_repos
from testkit.local_git import write

OWN_CHART_RELEASE = """apiVersion: helm.toolkit.fluxcd.io/v2
kind: HelmRelease
metadata:
  name: seldon-core-v2-setup
spec:
  interval: 30m
  chart:
    spec:
      chart: kubernetes/apps/datasci/seldon-core/chart/seldon-core-v2-setup
      reconcileStrategy: Revision
      sourceRef:
        kind: GitRepository
        name: flux-system
        namespace: flux-system
  values:
    controller:
      clusterwide: true
"""
OWN_CHART_TEMPLATE = """apiVersion: apps/v1
kind: Deployment
metadata:
  name: seldon-v2-controller-manager
spec:
  template:
    spec:
      containers:
        - name: manager
          image: "{{ .Values.controller.image.registry }}/{{ .Values.controller.image.repository }}:{{ .Values.controller.image.tag }}"
"""


# ekenheim/home-ops-upgrade kubernetes/apps/datasci/seldon-core/app/helmrelease-setup.yaml: a Flux
# HelmRelease of a chart in the repository's own GitRepository
# (`chart: kubernetes/apps/datasci/seldon-core/chart/seldon-core-v2-setup`), whose values.yaml
# writes each image as `registry: docker.io` + `repository:` + `tag:` (chart/…/values.yaml:100-319,
# 11 images). init names none of them and writes no line about them. The same chart without the
# `registry:` keys (template `{{ repository }}:{{ tag }}`) gives the image (checked).
def test_an_own_chart_s_image_written_as_registry_repository_and_tag_is_read(
    tmp_path: Path,
) -> None:
    chart = "kubernetes/apps/datasci/seldon-core/chart/seldon-core-v2-setup"
    root = write(
        tmp_path,
        {
            "kubernetes/flux/cluster/ks.yaml": small_repos.flux_kustomization(
                "cluster-apps", "./kubernetes/apps"
            ),
            "kubernetes/apps/kustomization.yaml": "resources: [./datasci/seldon-core/ks.yaml]\n",
            "kubernetes/apps/datasci/seldon-core/ks.yaml": small_repos.flux_kustomization(
                "seldon-core", "./kubernetes/apps/datasci/seldon-core/app"
            ),
            "kubernetes/apps/datasci/seldon-core/app/kustomization.yaml": "resources: [./helmrelease-setup.yaml]\n",
            "kubernetes/apps/datasci/seldon-core/app/helmrelease-setup.yaml": OWN_CHART_RELEASE,
            f"{chart}/Chart.yaml": "apiVersion: v2\nname: seldon-core-v2-setup\nversion: 2.10.2\n",
            f"{chart}/values.yaml": (
                "controller:\n  image:\n    registry: docker.io\n"
                "    repository: seldonio/seldonv2-controller\n    tag: 2.10.2\n"
            ),
            f"{chart}/templates/deployment.yaml": OWN_CHART_TEMPLATE,
        },
    )
    found = discover(root)
    (image,) = found.images
    assert image.name == "docker.io/seldonio/seldonv2-controller", image
    assert (image.environments, image.tags) == (("cluster",), ("2.10.2",)), image
    assert image.helm == {"repository": "controller.image.repository", "tag": "controller.image.tag"}


OWN_APP_RELEASE = """apiVersion: helm.toolkit.fluxcd.io/v2
kind: HelmRelease
metadata:
  name: cool-app
  namespace: apps
spec:
  interval: 10m
  chart:
    spec:
      chart: ./infrastructure/charts/app-template
      sourceRef:
        kind: GitRepository
        name: flux-system
        namespace: flux-system
  values:
    app:
      name: cool-app
      image: nginx
      tag: "1.25"
"""


# abaas-madscience/home-k8s-gitops-flux apps/cool-app/deployment.yaml:18-19 (and
# apps/ubuntu-app/deployment.yaml, `image: ubuntu`, `tag: "22.04"`): a Flux HelmRelease of the
# repository's own chart infrastructure/charts/app-template, whose template writes
# `image: "{{ .Values.app.image }}:{{ .Values.app.tag }}"`; the release sets app.image and app.tag.
# init names neither image and writes no line about them (2 silent). newcomer19's F4 is the same
# family (an own chart's image as registry + repository + tag).
def test_an_own_chart_s_image_and_tag_keys_set_by_the_release_are_read_or_said(tmp_path: Path) -> None:
    chart = "infrastructure/charts/app-template"
    root = write(
        tmp_path,
        {
            "clusters/lab/apps-cool-app.yaml": small_repos.flux_kustomization("cool-app", "./apps/cool-app"),
            "apps/cool-app/deployment.yaml": OWN_APP_RELEASE,
            f"{chart}/Chart.yaml": "apiVersion: v2\nname: app-template\nversion: 0.1.0\n",
            f"{chart}/values.yaml": 'app:\n  name: ""\n  image: ""\n  tag: "latest"\n',
            f"{chart}/templates/deployment.yaml": (
                "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: {{ .Values.app.name }}\n"
                "spec:\n  template:\n    spec:\n      containers:\n        - name: app\n"
                '          image: "{{ .Values.app.image }}:{{ .Values.app.tag }}"\n'
            ),
        },
    )
    found = discover(root)
    by_name = {i.name: i for i in found.images}
    assert dict(by_name["nginx"].helm) == {"repository": "app.image", "tag": "app.tag"}, by_name
    # and the plan under what init writes pins it at the release's tag line
    (root / "gitops-bot.yaml").write_text(config_text(found))
    app = open_app(root)
    (target,) = app.targets(app.config.environment("lab"))
    assert target.deployed is not None and target.deployed.tag == "1.25", target
    assert [(p.file, p.line) for p in target.reading.pins] == [("apps/cool-app/deployment.yaml", 19)]
