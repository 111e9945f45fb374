"""A Helm values key written as a whole image reference (``instance.spec.image:
ghcr.io/pocket-id/pocket-id:v2.13.0``) is the image's ``helm.reference``; one written whole in a
list (``initContainers[0].image``), which no key path reaches, is said with the marker comment
(newcomer17 F1: rcdailey/home-ops, rwlove/home-ops). Both were silent."""

from __future__ import annotations

from pathlib import Path

from gitops_bot.engine.app import open_app
from gitops_bot.engine.discovery import discover
from gitops_bot.engine.init_config import config_text
from testkit import small_repos
from testkit.local_git import write

# rcdailey/home-ops kubernetes/apps/default/headlamp/helmrelease.yaml (an initContainer of a
# chart from a Helm repository, written whole) and kubernetes/apps/default/pocket-id/operator/
# helmrelease.yaml (a chart's instance spec naming its image whole)
FLUX_SYNC = """apiVersion: kustomize.toolkit.fluxcd.io/v1
kind: Kustomization
metadata: {name: apps, namespace: flux-system}
spec:
  interval: 1h
  path: ./apps
  prune: true
  sourceRef: {kind: GitRepository, name: flux-system}
"""
HELM_REPOSITORY = """apiVersion: source.toolkit.fluxcd.io/v1
kind: HelmRepository
metadata: {name: headlamp, namespace: flux-system}
spec: {url: https://kubernetes-sigs.github.io/headlamp}
"""
WHOLE_IN_A_LIST = """apiVersion: helm.toolkit.fluxcd.io/v2
kind: HelmRelease
metadata: {name: headlamp}
spec:
  chart:
    spec:
      chart: headlamp
      version: 0.39.0
      sourceRef: {kind: HelmRepository, name: headlamp, namespace: flux-system}
  values:
    initContainers:
    - name: headlamp-flux-plugin
      image: ghcr.io/headlamp-k8s/headlamp-plugin-flux:v0.7.0
      command: [/bin/sh, -c]
"""
WHOLE_IN_A_MAPPING = """apiVersion: helm.toolkit.fluxcd.io/v2
kind: HelmRelease
metadata: {name: pocket-id}
spec:
  chart:
    spec:
      chart: headlamp
      version: 0.39.0
      sourceRef: {kind: HelmRepository, name: headlamp, namespace: flux-system}
  values:
    instance:
      spec:
        image: ghcr.io/pocket-id/pocket-id:v2.13.0
"""


def _flux_repo(tmp_path: Path) -> Path:
    return write(
        tmp_path,
        {
            "clusters/home/apps.yaml": FLUX_SYNC,
            "apps/kustomization.yaml": "resources: [repo.yaml, headlamp.yaml, pocket-id.yaml]\n",
            "apps/repo.yaml": HELM_REPOSITORY,
            "apps/headlamp.yaml": WHOLE_IN_A_LIST,
            "apps/pocket-id.yaml": WHOLE_IN_A_MAPPING,
        },
    )


def test_a_helmrelease_values_image_written_whole_is_read_or_said(tmp_path: Path) -> None:
    # init found the chart headlamp 0.39.0 and said nothing of either image: a values
    # `image: repo:tag` string is what helm.reference addresses, and one under a list a
    # dotted key cannot reach deserves a `# not read:` line
    found = discover(_flux_repo(tmp_path))
    named = {i.name for i in found.images}
    notes = "\n".join(found.notes)
    for image in ("ghcr.io/pocket-id/pocket-id", "ghcr.io/headlamp-k8s/headlamp-plugin-flux"):
        assert image in named or image in notes, (image, named, notes)


def test_a_mapping_image_string_gets_its_reference_key(tmp_path: Path) -> None:
    found = discover(_flux_repo(tmp_path))
    by_name = {i.name: i for i in found.images}
    assert "ghcr.io/pocket-id/pocket-id" in by_name, sorted(by_name)
    assert dict(by_name["ghcr.io/pocket-id/pocket-id"].helm) == {"reference": "instance.spec.image"}


KEYS_IN_A_LIST = WHOLE_IN_A_LIST.replace(
    "      image: ghcr.io/headlamp-k8s/headlamp-plugin-flux:v0.7.0\n",
    "      image:\n        repository: busybox\n        tag: 1.36.1\n",
)


def test_an_image_s_keys_in_a_list_are_said_with_the_marker_that_reads_them(tmp_path: Path) -> None:
    # `initContainers: [{image: {repository, tag}}]`: no dotted key path reaches into a list, so an
    # entry with helm: keys would name keys that are not there
    root = write(
        tmp_path,
        {
            "clusters/home/apps.yaml": FLUX_SYNC,
            "apps/kustomization.yaml": "resources: [repo.yaml, headlamp.yaml]\n",
            "apps/repo.yaml": HELM_REPOSITORY,
            "apps/headlamp.yaml": KEYS_IN_A_LIST,
        },
    )
    found = discover(root)
    assert "busybox" not in {i.name for i in found.images}
    (note,) = [n for n in found.notes if "busybox" in n]
    assert note.startswith("apps/headlamp.yaml:14: busybox is set in a list of Helm values"), note
    assert '# {"gitops-bot": "busybox:tag"} at the end of its tag line (15)' in note, note
    # the fix as the line gives it reads the tag there
    (root / "apps/headlamp.yaml").write_text(
        KEYS_IN_A_LIST.replace("tag: 1.36.1", 'tag: 1.36.1 # {"gitops-bot": "busybox:tag"}')
    )
    (root / "gitops-bot.yaml").write_text(
        "version: 1\nimages: [{name: busybox, policy: semver}]\nenvironments: [{name: home, path: apps}]\n"
    )
    app = open_app(root)
    (target,) = app.targets(app.config.environment("home"))
    assert target.deployed is not None and target.deployed.tag == "1.36.1", target
    assert [(p.file, p.line) for p in target.reading.pins] == [("apps/headlamp.yaml", 15)], target


RUNNER_RELEASE = """apiVersion: helm.toolkit.fluxcd.io/v2
kind: HelmRelease
metadata: {name: runner}
spec:
  chartRef: {kind: OCIRepository, name: gha-runner-scale-set}
  values:
    template:
      spec:
        initContainers:
          - name: dockerconfigwriter
            image: busybox@sha256:dc2d74b28e4cf8984fa52af1f39bc7c3d9c73760b41a74d629f5d11b1ab28616
"""
RING_RELEASE = """apiVersion: helm.toolkit.fluxcd.io/v2
kind: HelmRelease
metadata: {name: ring-mqtt}
spec:
  chartRef: {kind: OCIRepository, name: app-template}
  values:
    controllers:
      ring-mqtt:
        initContainers:
          copy-config:
            image:
              repository: busybox
              tag: 1.38.0@sha256:dc2d74b28e4cf8984fa52af1f39bc7c3d9c73760b41a74d629f5d11b1ab28616
"""


def _flux_release_folder(name: str, release: str, chart: str, url: str, tag: str) -> dict[str, str]:
    folder = f"kubernetes/apps/{name}"
    return {
        f"{folder}/ks.yaml": small_repos.flux_kustomization(name, f"./{folder}/app"),
        f"{folder}/app/kustomization.yaml": "resources: [./helm-release.yaml, ./ocirepository.yaml]\n",
        f"{folder}/app/helm-release.yaml": release,
        f"{folder}/app/ocirepository.yaml": small_repos.oci_repository(chart, url, tag),
    }


# tyriis/home-ops: kubernetes/main/apps/home-automation/ring-mqtt/app/helm-release.yaml:34-35 sets
# busybox as `repository: busybox` + `tag: 1.38.0@sha256:…` (an app-template init container); the ARC
# runner sets of kubernetes/main/apps/github/… write `image: busybox@sha256:…` whole in a list
# (gh-actions-demo.yaml:53). Read first (github/ sorts before home-automation/), the list item made
# busybox's entry with a key path that names no key (`template.spec.initContainers.image`), and the
# release ring-mqtt's keys set was left with none: pinned before, silent after (rescore20 W5).
def test_an_image_said_in_a_list_keeps_its_entry_where_keys_set_it(tmp_path: Path) -> None:
    root = write(
        tmp_path,
        {
            "kubernetes/flux/cluster/ks.yaml": small_repos.flux_kustomization(
                "cluster-apps", "./kubernetes/apps"
            ),
            "kubernetes/apps/kustomization.yaml": "resources: [./arunner/ks.yaml, ./ring-mqtt/ks.yaml]\n",
            **_flux_release_folder(
                "arunner",
                RUNNER_RELEASE,
                "gha-runner-scale-set",
                "oci://ghcr.io/actions/actions-runner-controller-charts/gha-runner-scale-set",
                "0.14.2",
            ),
            **_flux_release_folder(
                "ring-mqtt",
                RING_RELEASE,
                "app-template",
                "oci://ghcr.io/bjw-s-labs/helm/app-template",
                "5.1.0",
            ),
        },
    )
    found = discover(root)
    by_name = {i.name: i for i in found.images}
    assert dict(by_name["busybox"].helm) == {
        "repository": "controllers.ring-mqtt.initContainers.copy-config.image.repository",
        "tag": "controllers.ring-mqtt.initContainers.copy-config.image.tag",
    }, by_name.get("busybox")
    assert any(
        n.startswith("kubernetes/apps/arunner/app/helm-release.yaml:11: busybox@") for n in found.notes
    )


INGRESS_NGINX_APP = """apiVersion: argoproj.io/v1alpha1
kind: Application
metadata:
  name: ingress-nginx
  namespace: argocd
spec:
  project: default
  destination:
    namespace: ingress-nginx
    server: https://kubernetes.default.svc
  source:
    repoURL: https://kubernetes.github.io/ingress-nginx
    chart: ingress-nginx
    targetRevision: 4.12.0
    helm:
      valuesObject:
        defaultBackend:
          enabled: true
          image:
            registry: ghcr.io
            image: sikalabs/sikalabs-kubernetes-homepage
            tag: v1.2.3
"""


# ondrejsika/argocd-apps-public clusters/kdev1/_system/ingress_nginx.yaml:49 (and the same Application
# in 8 more clusters): ingress-nginx's default backend image in the chart's own key shape
# defaultBackend.image.{registry, image, tag}, where `image` names the repository. init wrote no
# entry and no line (newcomer21 F9: 9 silent).
def test_a_values_block_of_registry_image_and_tag_is_the_image_with_its_registry(tmp_path: Path) -> None:
    root = write(tmp_path, {"clusters/kdev1/_system/ingress_nginx.yaml": INGRESS_NGINX_APP})
    found = discover(root)
    by_name = {i.name: i for i in found.images}
    image = by_name["ghcr.io/sikalabs/sikalabs-kubernetes-homepage"]
    assert dict(image.helm) == {"repository": "defaultBackend.image.image", "tag": "defaultBackend.image.tag"}
    (root / "gitops-bot.yaml").write_text(config_text(found))
    app = open_app(root)
    (env,) = app.config.environments
    (target,) = [t for t in app.targets(env) if t.image.name == image.name]
    assert target.deployed is not None and target.deployed.tag == "v1.2.3", target


OPENEBS = """apiVersion: source.toolkit.fluxcd.io/v1
kind: HelmRepository
metadata:
  name: openebs
  namespace: openebs-system
spec:
  interval: 15m
  url: https://openebs.github.io/openebs
---
apiVersion: helm.toolkit.fluxcd.io/v2
kind: HelmRelease
metadata:
  name: openebs
  namespace: openebs-system
spec:
  interval: 1h
  chart:
    spec:
      chart: openebs
      version: 4.3.3
      sourceRef: {kind: HelmRepository, name: openebs, namespace: openebs-system}
  values:
    helper:
      image: "busybox"
      imageTag: "1.36.1"
"""


# monosense-io/k8s-gitops kubernetes/infrastructure/storage/openebs/app/helmrelease.yaml:91-92 sets
# helper: {image: busybox, imageTag: latest}, the image's name and tag as sibling keys image and
# imageTag (openebs', elastic's charts): neither read nor said (rescore21's reduction).
def test_an_image_and_image_tag_pair_of_helm_values_is_the_image(tmp_path: Path) -> None:
    root = write(
        tmp_path,
        {
            "clusters/c/kustomization.yaml": "resources: [apps.yaml]\n",
            "clusters/c/apps.yaml": small_repos.flux_kustomization("apps", "./apps/openebs"),
            "apps/openebs/kustomization.yaml": "resources: [helmrelease.yaml]\n",
            "apps/openebs/helmrelease.yaml": OPENEBS,
        },
    )
    found = discover(root)
    by_name = {i.name: i for i in found.images}
    assert dict(by_name["busybox"].helm) == {"repository": "helper.image", "tag": "helper.imageTag"}, by_name
    (root / "gitops-bot.yaml").write_text(config_text(found))
    app = open_app(root)
    (env,) = app.config.environments
    (target,) = [t for t in app.targets(env) if t.image.name == "busybox"]
    assert target.deployed is not None and target.deployed.tag == "1.36.1", target


RUNNER = """apiVersion: helm.toolkit.fluxcd.io/v2
kind: HelmRelease
metadata:
  name: {name}-runner
spec:
  chartRef:
    kind: OCIRepository
    name: gha-runner-scale-set
  interval: 1h
  values:
    githubConfigUrl: https://github.com/buroa/{name}
    template:
      spec:
        containers:
          - name: runner
            image: ghcr.io/home-operations/actions-runner:2.336.0
            command: [/home/runner/run.sh]
"""


RUNNER_SOURCE = """apiVersion: source.toolkit.fluxcd.io/v1
kind: OCIRepository
metadata:
  name: gha-runner-scale-set
spec:
  interval: 5m
  ref:
    tag: 0.13.0
  url: oci://ghcr.io/actions/actions-runner-controller-charts/gha-runner-scale-set
"""


# buroa/k8s-gitops kubernetes/apps/actions-runner-system/actions-runner-controller/runners/{home-ops,govcon}/helmrelease.yaml:43:
# two runner sets write the same image whole in a list of Helm values (template.spec.containers[].image).
# init's one line names only home-ops's file ("… is written whole in a list of Helm values …: add the
# marker comment … at the end of that line"); following it leaves govcon's line unreleased, and
# nothing names it. Each site the fix must touch is named (or both read).
def test_every_list_site_of_an_image_said_in_a_list_is_named(tmp_path: Path) -> None:
    found = discover(
        write(
            tmp_path,
            {
                "clusters/c/kustomization.yaml": "resources: [apps.yaml]\n",
                "clusters/c/apps.yaml": small_repos.flux_kustomization("runners", "./runners"),
                "runners/kustomization.yaml": "resources: [./ocirepository.yaml, ./home-ops, ./govcon]\n",
                "runners/ocirepository.yaml": RUNNER_SOURCE,
                "runners/home-ops/kustomization.yaml": "resources: [./helmrelease.yaml]\n",
                "runners/home-ops/helmrelease.yaml": RUNNER.format(name="home-ops"),
                "runners/govcon/kustomization.yaml": "resources: [./helmrelease.yaml]\n",
                "runners/govcon/helmrelease.yaml": RUNNER.format(name="govcon"),
            },
        )
    )
    said = " ".join(found.notes)
    assert "runners/home-ops/helmrelease.yaml" in said, found.notes
    assert "runners/govcon/helmrelease.yaml" in said, found.notes


GPU_OPERATOR_APP = """apiVersion: argoproj.io/v1alpha1
kind: Application
metadata: {name: gpu-operator, namespace: argocd}
spec:
  project: default
  destination: {server: "https://kubernetes.default.svc", namespace: gpu-operator}
  sources:
    - repoURL: https://helm.ngc.nvidia.com/nvidia
      chart: gpu-operator
      targetRevision: v23.6.0
      helm:
        valueFiles: [$values/apps/gpu-operator/values.yaml]
    - repoURL: https://github.com/buildstar-online/argocd-apps.git
      targetRevision: main
      ref: values
"""
GPU_OPERATOR_VALUES = """driver:
  enabled: true
  repository: nvcr.io/nvidia
  image: driver
  version: "525.125.06"
toolkit:
  repository: nvcr.io/nvidia/k8s
  image: container-toolkit
  version: v1.13.4-ubuntu20.04
"""


# buildstar-online/argocd-apps apps/gpu-operator/values.yaml (newcomer21 F9b): NVIDIA's gpu-operator
# chart names each of its 17 images {repository: nvcr.io/nvidia, image: driver, version: ...}, the two
# joined. Neither read nor said; no key path names the image whole, so each is said with the marker
# comment that reads it, and the marker, as the line gives it, does.
def test_an_image_joined_from_repository_and_image_keys_is_said_with_the_marker(tmp_path: Path) -> None:
    url = "https://github.com/buildstar-online/argocd-apps.git"
    root = write(
        tmp_path,
        {
            "apps/gpu-operator/argo-app.yaml": GPU_OPERATOR_APP,
            "apps/gpu-operator/values.yaml": GPU_OPERATOR_VALUES,
        },
    )
    found = discover(root, origin=url)
    said = [n for n in found.notes if "joined" in n]
    assert [n.split(" is ")[0] for n in said] == [
        "apps/gpu-operator/values.yaml:5: nvcr.io/nvidia/driver:525.125.06",
        "apps/gpu-operator/values.yaml:9: nvcr.io/nvidia/k8s/container-toolkit:v1.13.4-ubuntu20.04",
    ], found.notes
    assert '# {"gitops-bot": "nvcr.io/nvidia/driver:tag"} at the end of that line' in said[0], said
    (root / "apps/gpu-operator/values.yaml").write_text(
        GPU_OPERATOR_VALUES.replace(
            '"525.125.06"', '"525.125.06" # {"gitops-bot": "nvcr.io/nvidia/driver:tag"}'
        )
    )
    (root / "gitops-bot.yaml").write_text(config_text(found))
    config = (root / "gitops-bot.yaml").read_text()
    (root / "gitops-bot.yaml").write_text(
        config.replace("images: []", "images: [{name: nvcr.io/nvidia/driver, policy: semver}]", 1)
    )
    app = open_app(root)
    (env,) = app.config.environments
    (target,) = [t for t in app.targets(env) if t.image.name == "nvcr.io/nvidia/driver"]
    assert target.deployed is not None and target.deployed.tag == "525.125.06", target
    assert [(p.file, p.line) for p in target.reading.pins] == [("apps/gpu-operator/values.yaml", 5)], target


ALERTMANAGER = (
    "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: alertmanager}\nspec:\n  template:\n"
    "    spec:\n      containers:\n        - name: alertmanager\n"
    "{{- if .Values.alertmanager.image.sha }}\n"
    '          image: "{{ .Values.alertmanager.image.repository }}:{{ .Values.alertmanager.image.tag }}'
    '@sha256:{{ .Values.alertmanager.image.sha }}"\n'
    "{{- else }}\n"
    '          image: "{{ .Values.alertmanager.image.repository }}:{{ .Values.alertmanager.image.tag }}"\n'
    "{{- end }}\n"
)


# zhangtao1994hk/argocd-apps infrastructure/kube-prometheus-stack (rescore22 R1, 4 wrong): a chart
# template writing repository:tag@sha256:sha made (tag, sha) a sibling key pair like (image, tag), and
# init wrote images named after tags (v0.31.1) with helm: {repository: ….tag, tag: ….sha}. @sha256:
# closes the tag: what follows is a digest.
def test_a_template_s_tag_before_a_digest_is_no_image_s_repository(tmp_path: Path) -> None:
    chart = "charts/monitoring"
    root = write(
        tmp_path,
        {
            "clusters/lab/monitoring.yaml": small_repos.flux_kustomization("monitoring", "./apps/monitoring"),
            "apps/monitoring/kustomization.yaml": "resources: [release.yaml]\n",
            "apps/monitoring/release.yaml": (
                "apiVersion: helm.toolkit.fluxcd.io/v2\nkind: HelmRelease\nmetadata: {name: monitoring}\n"
                "spec:\n  chart:\n    spec:\n      chart: ./charts/monitoring\n"
                "      sourceRef: {kind: GitRepository, name: flux-system, namespace: flux-system}\n"
            ),
            f"{chart}/Chart.yaml": "apiVersion: v2\nname: monitoring\nversion: 0.1.0\n",
            f"{chart}/values.yaml": (
                'alertmanager:\n  image:\n    repository: quay.io/prometheus/alertmanager\n    tag: v0.31.1\n    sha: ""\n'
            ),
            f"{chart}/templates/alertmanager.yaml": ALERTMANAGER,
        },
    )
    found = discover(root)
    assert [(i.name, dict(i.helm)) for i in found.images] == [
        (
            "quay.io/prometheus/alertmanager",
            {"repository": "alertmanager.image.repository", "tag": "alertmanager.image.tag"},
        )
    ], found.notes
    assert not [n for n in found.notes if "v0.31.1: " in n], found.notes
