"""A Flux cluster fed by an OCI artifact its own repository's CI pushes, shaped as
xunholy/k8s-gitops@c56dc9de (its .github/workflows/oci.yaml step, kubernetes/clusters/cluster-00/ks.yaml,
the flux-instance values' sync, kubernetes/apps/base/flux-system/artifact-generator/artifactgenerator.yaml
and an app's ks.yaml, cut to two apps with plain Deployments)."""

from __future__ import annotations

WORKFLOW = """\
name: "Publish OCI artifact"
on:
  push:
    branches: [main]
    paths: [kubernetes/**]
env:
  OCI_REPO: "oci://ghcr.io/acme/manifests/${{ github.event.repository.name }}"
jobs:
  publish:
    runs-on: ubuntu-latest
    steps:
      - uses: actions/checkout@v4
      - uses: fluxcd/flux2/action@main
      - name: Create OCI artifact
        run: |
          flux push artifact "$OCI_REPO:$(git rev-parse --short HEAD)" \\
            --path="%(path)s" \\
            --source="$(git config --get remote.origin.url)" \\
            --revision="$(git branch --show-current)@sha1:$(git rev-parse HEAD)"
"""

SYNC = """\
instance:
  distribution:
    artifact: oci://ghcr.io/controlplaneio-fluxcd/flux-operator-manifests:v0.53.0
  sync:
    kind: OCIRepository
    url: %(url)s
    ref: main
    path: ./clusters/cluster-00
"""

CLUSTER = """\
apiVersion: kustomize.toolkit.fluxcd.io/v1
kind: Kustomization
metadata:
  name: cluster
  namespace: flux-system
spec:
  interval: 30m
  path: ./apps/overlays/cluster-00
  prune: true
  sourceRef:
    kind: OCIRepository
    name: flux-system
"""

GENERATOR = """\
apiVersion: source.extensions.fluxcd.io/v1beta1
kind: ArtifactGenerator
metadata:
  name: k8s-gitops
  namespace: flux-system
spec:
  sources:
    - alias: repo
      kind: OCIRepository
      name: flux-system
  artifacts:
%(artifacts)s"""

ARTIFACT = """\
    - name: %(app)s
      originRevision: "@repo"
      copy:
        - from: "@repo/apps/base/home-system/%(app)s/app/"
          to: "@artifact/apps/base/home-system/%(app)s/app/"
"""

KS = """\
apiVersion: kustomize.toolkit.fluxcd.io/v1
kind: Kustomization
metadata:
  name: %(app)s
  namespace: home-system
spec:
  path: "./apps/base/home-system/%(app)s/app"
  targetNamespace: home-system
  sourceRef:
    kind: ExternalArtifact
    name: %(app)s
    namespace: flux-system
"""

DEPLOY = """\
apiVersion: apps/v1
kind: Deployment
metadata:
  name: %(app)s
spec:
  template:
    spec:
      containers:
      - name: app
        image: %(image)s:1.0.0
"""

APPS = ("sonarr", "radarr")


def files(
    registry: str, *, url: str = "oci://ghcr.io/acme/manifests/k8s-gitops", path: str = "./kubernetes"
) -> dict[str, str]:
    """The repository's files; ``url``: the OCIRepository's, ``path``: the directory the workflow
    pushes; images under ``registry``."""
    out = {
        ".github/workflows/oci.yaml": WORKFLOW % {"path": path},
        "kubernetes/clusters/cluster-00/ks.yaml": CLUSTER,
        "kubernetes/clusters/cluster-00/flux-system/flux-instance/app/values.yaml": SYNC % {"url": url},
        "kubernetes/apps/overlays/cluster-00/kustomization.yaml": (
            "resources:\n- ../../base/flux-system/artifact-generator\n"
            + "".join(f"- ../../base/home-system/{app}/ks.yaml\n" for app in APPS)
        ),
        "kubernetes/apps/base/flux-system/artifact-generator/kustomization.yaml": (
            "resources:\n- artifactgenerator.yaml\n"
        ),
        "kubernetes/apps/base/flux-system/artifact-generator/artifactgenerator.yaml": GENERATOR
        % {"artifacts": "".join(ARTIFACT % {"app": app} for app in APPS)},
    }
    for app in APPS:
        base = f"kubernetes/apps/base/home-system/{app}"
        out[f"{base}/ks.yaml"] = KS % {"app": app}
        out[f"{base}/app/kustomization.yaml"] = "resources:\n- deployment.yaml\n"
        out[f"{base}/app/deployment.yaml"] = DEPLOY % {
            "app": app,
            "image": f"{registry}/home-operations/{app}",
        }
    return out
