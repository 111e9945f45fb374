"""One environment of several Argo CD Applications, each a remote chart with its values file in
this repository (iamenr0s/gitops-argocd: karpor, authentik, vault, ... on one cluster). An
image's helm keys (karpor's ``server.image.repo``/``server.image.tag``) are read in the values
of the Application that deploys it, never in another chart's values where a key of the same
path exists (authentik's ``server.image.tag: ""``): a release written there would run
authentik's server at karpor's tag and digest."""

from __future__ import annotations

from pathlib import Path

from gitops_bot import cli
from gitops_bot.output.as_json import document
from testkit.local_git import committed

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
