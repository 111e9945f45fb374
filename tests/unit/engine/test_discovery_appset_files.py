"""An Argo CD ApplicationSet whose git files generator makes an Application per values file of a
chart (``values-*.yaml``): a deployer, an environment per generated Application, its path that
file, never "a Helm chart that nothing in this repository deploys". A tenant's name another app's
overlay holds too stays apart (the chart's directory before it); Applications the template names
alike, which Argo CD refuses to generate, are said with the fix."""

from __future__ import annotations

from pathlib import Path

from gitops_bot.engine.discovery import discover
from gitops_bot.manifests import argocd_appsets
from testkit.local_git import write

DEPLOY = """\
apiVersion: apps/v1
kind: Deployment
metadata: {name: web}
spec:
  template:
    spec:
      containers:
      - name: web
        image: "{{ .Values.image.repository }}:{{ .Values.image.tag }}"
"""

FILES_APPSET = """\
apiVersion: argoproj.io/v1alpha1
kind: ApplicationSet
metadata: {name: tenants, namespace: argocd}
spec:
  generators:
  - git:
      repoURL: https://github.com/acme/demo
      revision: HEAD
      files:
      - path: "charts/web/values-*.yaml"
  template:
    metadata:
      name: '%s'
    spec:
      project: default
      source:
        repoURL: https://github.com/acme/demo
        path: charts/web
        targetRevision: HEAD
        helm:
          valueFiles:
          - '{{path.filename}}'
      destination:
        server: https://kubernetes.default.svc
        namespace: '{{tenant}}'
"""

OVERLAY = "resources:\n- ../../base\nnamePrefix: %s-\n"
BASE_DEPLOY = DEPLOY.replace('"{{ .Values.image.repository }}:{{ .Values.image.tag }}"', "nginx:1.25-alpine")


def _repo(tmp_path: Path, name: str) -> Path:
    return write(
        tmp_path,
        {
            "examples/appset.yaml": FILES_APPSET % name,
            "charts/web/Chart.yaml": "apiVersion: v2\nname: web\nversion: 0.1.0\n",
            "charts/web/values.yaml": "image:\n  repository: nginx\n  tag: 1.25-alpine\n",
            "charts/web/values-tenant-a.yaml": "tenant: tenant-a\nreplicas: 2\n",
            "charts/web/values-tenant-b.yaml": "tenant: tenant-b\nreplicas: 3\n",
            "charts/web/templates/deploy.yaml": DEPLOY,
            "kustomize/base/kustomization.yaml": "resources:\n- deploy.yaml\n",
            "kustomize/base/deploy.yaml": BASE_DEPLOY,
            "kustomize/overlays/tenant-a/kustomization.yaml": OVERLAY % "a",
            "kustomize/overlays/tenant-b/kustomization.yaml": OVERLAY % "b",
        },
    )


def test_each_values_file_a_git_files_generator_reads_is_an_environment(tmp_path: Path) -> None:
    found = discover(_repo(tmp_path, "web-{{path.filenameNormalized}}"))
    envs = {e.name: e.paths for e in found.environments}
    assert envs == {
        "web-tenant-a": ("charts/web/values-tenant-a.yaml",),
        "web-tenant-b": ("charts/web/values-tenant-b.yaml",),
        "tenant-a": ("kustomize/overlays/tenant-a",),
        "tenant-b": ("kustomize/overlays/tenant-b",),
    }
    (nginx,) = found.images
    assert set(nginx.environments) == set(envs)
    assert not [n for n in found.notes if "nothing in this repository deploys" in n], found.notes
    assert not [n for n in found.notes if "duplicate" in n or "share a name" in n], found.notes


def test_applications_named_alike_are_said_with_the_fix(tmp_path: Path) -> None:
    found = discover(_repo(tmp_path, "{{path.basename}}-app"))
    assert {e.name for e in found.environments} >= {"web-tenant-a", "web-tenant-b"}
    (said,) = [n for n in found.notes if "share a name" in n]
    assert said.startswith("examples/appset.yaml: ApplicationSet tenants names 2 Applications web-app")
    assert "metadata.name" in said


def test_the_files_generator_fills_each_files_keys_and_path() -> None:
    text = (FILES_APPSET % "{{tenant}}-{{path.basename}}").replace("charts/web/values-*.yaml", "t/*.json")
    files = {"t/*.json": [("t/a.json", {"tenant": "a", "deep": {"k": 1}}), ("t/b.json", {"tenant": "b"})]}
    out = [app for _, app in argocd_appsets.generate(text, "x.yaml", lambda g: [], files.__getitem__)]
    assert [(a.name, a.sources[0].value_files) for a in out if not isinstance(a, str)] == [
        ("a-t", ("a.json",)),
        ("b-t", ("b.json",)),
    ]
    # without the files read, the generator is said as not expanded, as before
    (why,) = [app for _, app in argocd_appsets.generate(text, "x.yaml", lambda g: [])]
    assert isinstance(why, str) and "reads files' contents" in why


def test_plain_manifests_beside_example_deployers_are_an_environment_said_as_a_guess(tmp_path: Path) -> None:
    root = _repo(tmp_path, "web-{{path.filenameNormalized}}")
    write(root, {"demo-app/k8s/deployment.yaml": BASE_DEPLOY.replace("nginx:1.25-alpine", "busybox:1.36")})
    found = discover(root)
    (demo,) = [e for e in found.environments if e.paths == ("demo-app/k8s",)]
    assert demo.name == "demo-app"
    assert "a guess" in demo.how[0] and "examples/" in demo.how[0]
    busybox = next(i for i in found.images if i.name == "busybox")
    assert busybox.environments == ("demo-app",)


def test_plain_manifests_no_deployer_renders_stay_out_where_deployers_are_not_examples(
    tmp_path: Path,
) -> None:
    root = _repo(tmp_path, "web-{{path.filenameNormalized}}")
    (root / "examples").rename(root / "argocd")
    write(root, {"demo-app/k8s/deployment.yaml": BASE_DEPLOY.replace("nginx:1.25-alpine", "busybox:1.36")})
    found = discover(root)
    assert "demo-app/k8s" not in [p for e in found.environments for p in e.paths]


def test_generated_applications_reading_values_files_not_held_are_said(tmp_path: Path) -> None:
    listed = FILES_APPSET.replace(
        "  - git:\n      repoURL: https://github.com/acme/demo\n      revision: HEAD\n      files:\n"
        '      - path: "charts/web/values-*.yaml"\n',
        "  - list:\n      elements:\n      - tenant: customer-1\n      - tenant: customer-2\n",
    ).replace("'{{path.filename}}'", "'values-{{tenant}}.yaml'")
    root = _repo(tmp_path, "{{tenant}}-app")
    write(root, {"examples/appset.yaml": listed % "{{tenant}}-app"})
    found = discover(root)
    (said,) = [n for n in found.notes if "does not hold" in n]
    assert "customer-1-app (charts/web/values-customer-1.yaml)" in said and "helm fails" in said
    assert not [n for n in found.notes if "the Applications it generates are not read" in n]


def test_names_only_argo_cd_fills_are_not_said_alike(tmp_path: Path) -> None:
    """A name the repository cannot fill (a value only Argo CD holds) is kept as written, the
    same for every Application: no duplicate to say."""
    found = discover(_repo(tmp_path, "{{path.basename}}-{{cluster.name}}"))
    assert {"web-tenant-a", "web-tenant-b"} <= {e.name for e in found.environments}
    assert not [n for n in found.notes if "share a name" in n], found.notes
