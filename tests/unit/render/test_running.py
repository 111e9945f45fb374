"""The images a rendered stream runs: every container list of every kind holding a Pod
template, each with its object and container, one image at two versions kept as two."""

from __future__ import annotations

import pytest
import yaml

from gitops_bot.render.running import running

STREAM = """apiVersion: apps/v1
kind: Deployment
metadata: {name: web}
spec:
  template:
    spec:
      initContainers: [{name: migrate, image: "ghcr.io/acme/app:1.0"}]
      containers: [{name: app, image: "ghcr.io/acme/app:1.1"}]
---
apiVersion: batch/v1
kind: CronJob
metadata: {name: nightly}
spec:
  jobTemplate:
    spec:
      template:
        spec:
          containers: [{name: run, image: "localhost:5000/acme/job@sha256:%s"}]
---
apiVersion: argoproj.io/v1alpha1
kind: Rollout
metadata: {name: canary}
spec:
  template:
    spec:
      containers: [{name: app, image: nginx}]
      ephemeralContainers: [{name: debug, image: "busybox:1.36"}]
---
apiVersion: v1
kind: Pod
metadata: {name: p}
spec:
  containers: [{name: c, image: "redis:7"}]
---
apiVersion: v1
kind: ConfigMap
metadata: {name: not-a-workload}
data: {image: "evil:1"}
""" % ("a" * 64)


def test_every_container_list_of_every_workload_kind() -> None:
    got = [(r.kind, r.name, r.container, r.field, r.repository, r.tag, r.digest) for r in running(STREAM)]
    assert got == [
        ("Deployment", "web", "app", "containers", "ghcr.io/acme/app", "1.1", None),
        ("Deployment", "web", "migrate", "initContainers", "ghcr.io/acme/app", "1.0", None),
        ("CronJob", "nightly", "run", "containers", "localhost:5000/acme/job", None, "sha256:" + "a" * 64),
        ("Rollout", "canary", "app", "containers", "nginx", None, None),
        ("Rollout", "canary", "debug", "ephemeralContainers", "busybox", "1.36", None),
        ("Pod", "p", "c", "containers", "redis", "7", None),
    ]


def test_a_stream_that_is_not_yaml_runs_nothing() -> None:
    assert running("a: [\n") == ()
    assert running("") == ()


CRD = """---
# Source: operator/crds/argocds.yaml
apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata: {name: argocds.argoproj.io}
spec:
  names: {kind: ArgoCD}
  versions: [{name: v1beta1, schema: {openAPIV3Schema: {properties: {image: {type: string}}}}}]
"""


def test_the_definitions_helm_prints_with_the_chart_are_not_parsed(monkeypatch: pytest.MonkeyPatch) -> None:
    """helm template --include-crds prints a chart's crds/ first: an operator's 4 MB of schema
    was 0.46 s of PyYAML in one update over open-cluster-management-io/argocd-pull-integration."""
    parsed: list[str] = []
    load_all = yaml.load_all
    monkeypatch.setattr(yaml, "load_all", lambda text, **kw: parsed.append(text) or load_all(text, **kw))
    shown = running(CRD * 3 + "---\n" + STREAM.split("---\n")[0] + CRD)
    assert [(r.kind, r.container) for r in shown] == [("Deployment", "app"), ("Deployment", "migrate")]
    assert parsed and not any("CustomResourceDefinition" in t for t in parsed)


def test_a_helm_test_hook_runs_nothing() -> None:
    """helm template prints a chart's tests (``helm create``'s test-connection Pod, annotated
    helm.sh/hook: test): only helm test runs them, neither an install nor Argo CD. A hook named
    beside another phase's runs with that phase."""

    def pod(name: str, hook: str) -> str:
        return (
            f"apiVersion: v1\nkind: Pod\nmetadata:\n  name: {name}\n  annotations:\n"
            f'    "helm.sh/hook": {hook}\nspec:\n  containers: [{{name: c, image: "busybox:1.36"}}]\n'
        )

    stream = "---\n".join(
        [
            pod("test-connection", "test"),
            pod("test-ok", '"test-success"'),
            pod("test-both", "test-success, test-failure"),
            pod("migrate", "pre-install,test"),
            "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: web}\nspec:\n  template:\n    spec:\n"
            "      containers: [{name: app, image: nginx:1.27}]\n",
        ]
    )
    assert [(r.name, r.image) for r in running(stream)] == [
        ("migrate", "busybox:1.36"),
        ("web", "nginx:1.27"),
    ]
