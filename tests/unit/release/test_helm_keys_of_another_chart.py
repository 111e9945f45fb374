"""One environment of several Argo CD Applications, each a remote chart with its values file in
this repository (iamenr0s/gitops-argocd: karpor, authentik, vault, ... on one cluster). An
image's helm keys (karpor's ``server.image.repo``/``server.image.tag``) are read in the values
of the Application that deploys it, never in another chart's values where a key of the same
path exists (authentik's ``server.image.tag: ""``): a release written there would run
authentik's server at karpor's tag and digest."""

from __future__ import annotations

from pathlib import Path

import pytest

from gitops_bot import cli
from gitops_bot.output.as_json import document
from testkit.kubetools import helm
from testkit.local_git import committed
from testkit.small_repos import deployment

APP = """\
apiVersion: argoproj.io/v1alpha1
kind: Application
metadata: {{name: {name}, namespace: argocd}}
spec:
  project: default
  sources:
    - repoURL: https://charts.example.com/{name}
      chart: {name}
      targetRevision: 1.0.0
      helm:
        valueFiles:
          - $values/{name}/values.yml
    - repoURL: https://github.com/acme/homelab.git
      targetRevision: main
      ref: values
  destination: {{server: https://kubernetes.default.svc, namespace: {name}}}
"""
CONFIG = """\
version: 1
images:
  - name: 127.0.0.1:1/kusionstack/karpor
    policy: semver
    helm: {repository: server.image.repo, tag: server.image.tag}
environments:
  - name: in-cluster
    paths: [authentik/application.yml, karpor/application.yml]
"""


def test_an_images_helm_keys_are_not_read_in_another_charts_values(tmp_path: Path) -> None:
    files = {
        "authentik/application.yml": APP.format(name="authentik"),
        "authentik/values.yml": 'server:\n  image:\n    repository: ""\n    tag: ""\n    digest: ""\n',
        "karpor/application.yml": APP.format(name="karpor"),
        "karpor/values.yml": 'server:\n  image:\n    repo: 127.0.0.1:1/kusionstack/karpor\n    tag: "0.7.6"\n',
        "gitops-bot.yaml": CONFIG,
    }
    committed(tmp_path, files)
    doc = document(cli.execute(["plan", "--repo", str(tmp_path), "--output", "json"]))
    assert doc is not None
    (reading,) = [r for r in doc["reading"] if r["image"] == "127.0.0.1:1/kusionstack/karpor"]
    assert [(p["file"], p["line"]) for p in reading["pins"]] == [("karpor/values.yml", 4)], reading


def test_a_values_file_sets_no_image_of_another_chart(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Roxxas96/gitops-demo f3d663e: frontend/containers/helm/local.values.yaml sets the frontend chart's `image: {repository:
        gitops-demo-frontend, tag: local}`; infrastructure/helm/jaeger/chart/charts/elasticsearch (a
        dependency jaeger switches off) writes `{{ .Values.image }}:{{ .Values.imageTag }}`. init tied
        the frontend's `image:` to elasticsearch's keys: here a `not read: …local.values.yaml:2:
        docker.elastic.co/elasticsearch/elasticsearch: the tag is left empty` line; on the whole
        repository an entry `docker.elastic.co/elasticsearch/elasticsearch` (`helm: {repository: image,
        tag: imageTag}`, "pinned 0.1.0-rc77", the frontend's appVersion, "rendered by local, prod")
        that every environment's first plan refuses (`Helm values key imageTag is not in the file (fix:
        add 'imageTag' to the values file)`), with notes telling to rewrite the frontend's correct
        `image:` mapping "as one quoted string". A block holding a repository of its own is the image
    it names, never the image of a chart that prints the block's key as one string."""
    monkeypatch.setenv("GITOPS_BOT_HELM", helm())
    es = "jaeger/chart/charts/elasticsearch"
    front = "{{ .Values.image.repository }}:{{ .Values.image.tag | default .Chart.AppVersion }}"
    body = cli.execute(
        [
            "init",
            "--repo",
            str(
                committed(
                    tmp_path / "repo",
                    {
                        "front/chart/Chart.yaml": "apiVersion: v2\nname: front\nversion: 0.1.0\nappVersion: '0.1.0-rc77'\n",
                        "front/chart/values.yaml": 'image:\n  repository: ghcr.io/acme/front\n  tag: ""\n',
                        "front/chart/templates/deployment.yaml": deployment("front", front),
                        "front/local.values.yaml": 'image:\n  repository: front\n  tag: "local"\n',
                        "front/prod.values.yaml": "replicaCount: 2\n",
                        "jaeger/chart/Chart.yaml": (
                            "apiVersion: v2\nname: jaeger\nversion: 0.71.0\ndependencies:\n- name: elasticsearch\n"
                            "  version: 7.17.3\n  repository: https://helm.elastic.co\n"
                            "  condition: provisionDataStore.elasticsearch\n"
                        ),
                        "jaeger/chart/values.yaml": "provisionDataStore:\n  elasticsearch: false\n",
                        f"{es}/Chart.yaml": "apiVersion: v2\nname: elasticsearch\nversion: 7.17.3\nappVersion: 7.17.3\n",
                        f"{es}/values.yaml": 'image: "docker.elastic.co/elasticsearch/elasticsearch"\nimageTag: "7.17.3"\n',
                        f"{es}/templates/statefulset.yaml": deployment(
                            "es", "{{ .Values.image }}:{{ .Values.imageTag }}"
                        ),
                    },
                )
            ),
        ]
    ).body
    config = body.init.config  # type: ignore[attr-defined]
    tied = [line for line in config.splitlines() if "docker.elastic.co" in line and "front/" in line]
    assert not tied, tied
    assert '- name: "front"' in config, config
