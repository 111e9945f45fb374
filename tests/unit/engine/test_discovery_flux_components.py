"""A component a Flux Kustomization lists in ``spec.components``: kustomize-controller adds it
(relative to ``spec.path``) to the path's build, so what it pins runs as much as the app's own
image does: init makes it a path of the cluster's environment, and a reading that follows the
Kustomization reads it."""

from __future__ import annotations

from pathlib import Path

from gitops_bot.engine.app import open_app
from gitops_bot.engine.discovery import discover
from gitops_bot.manifests import images
from gitops_bot.render import reader
from testkit import small_repos
from testkit.local_git import write

# chaijunkin/home-ops kubernetes/apps/dev/forgejo/ks.yaml: the Flux Kustomization lists
# `spec.components: [../../../../components/anubis]` (Flux resolves them against spec.path) and
# kubernetes/components/anubis/helmrelease.yaml:33 pins ghcr.io/techarohq/anubis v1.26.2 (with
# its chart in ocirepository.yaml:12); init names neither, with no `# not read:` line
FORGEJO_KS = """apiVersion: kustomize.toolkit.fluxcd.io/v1
kind: Kustomization
metadata: {name: forgejo, namespace: dev}
spec:
  components:
    - ../../../../components/anubis
  interval: 1h
  path: ./kubernetes/apps/dev/forgejo/app
  postBuild:
    substitute: {APP: forgejo}
  prune: true
  sourceRef: {kind: GitRepository, name: flux-system, namespace: flux-system}
"""
# the component names its objects after the app Flux substitutes (`${APP}-anubis`)
ANUBIS_RELEASE = """apiVersion: helm.toolkit.fluxcd.io/v2
kind: HelmRelease
metadata: {name: "${APP}-anubis"}
spec:
  chartRef: {kind: OCIRepository, name: "${APP}-anubis"}
  interval: 1h
  values:
    controllers:
      anubis:
        containers:
          app:
            image:
              repository: ghcr.io/techarohq/anubis
              tag: v1.26.2
"""
ANUBIS_CHART = """apiVersion: source.toolkit.fluxcd.io/v1
kind: OCIRepository
metadata: {name: "${APP}-anubis"}
spec:
  interval: 15m
  ref: {tag: 5.0.1}
  url: oci://ghcr.io/bjw-s-labs/helm/app-template
"""


def _components_repo(tmp_path: Path) -> Path:
    return write(
        tmp_path,
        {
            "kubernetes/flux/cluster/ks.yaml": small_repos.flux_kustomization(
                "cluster-apps", "./kubernetes/apps"
            ),
            "kubernetes/apps/kustomization.yaml": "resources: [./dev]\n",
            "kubernetes/apps/dev/kustomization.yaml": "resources: [./forgejo/ks.yaml]\n",
            "kubernetes/apps/dev/forgejo/ks.yaml": FORGEJO_KS,
            "kubernetes/apps/dev/forgejo/app/kustomization.yaml": "resources: [./deployment.yaml]\n",
            "kubernetes/apps/dev/forgejo/app/deployment.yaml": small_repos.deployment(
                "forgejo", "code.forgejo.org/forgejo/forgejo:13.0.2"
            ),
            "kubernetes/components/anubis/kustomization.yaml": (
                "apiVersion: kustomize.config.k8s.io/v1alpha1\nkind: Component\n"
                "resources: [./helmrelease.yaml, ./ocirepository.yaml]\n"
            ),
            "kubernetes/components/anubis/helmrelease.yaml": ANUBIS_RELEASE,
            "kubernetes/components/anubis/ocirepository.yaml": ANUBIS_CHART,
        },
    )


def test_a_component_a_flux_kustomization_lists_is_read(tmp_path: Path) -> None:
    # the component was not followed at all: its HelmRelease silent, and a Deployment in its place
    # said as "a Kustomize directory nothing includes ... that no environment renders"
    found = discover(_components_repo(tmp_path))
    named = {i.name for i in found.images}
    notes = "\n".join(found.notes)
    assert "code.forgejo.org/forgejo/forgejo" in named, (named, notes)
    assert "ghcr.io/techarohq/anubis" in named, (named, notes)
    assert "app-template" in {c.name for c in found.charts}, notes


def test_a_reading_following_the_kustomization_reads_its_component(tmp_path: Path) -> None:
    root = _components_repo(tmp_path)
    key = "controllers.anubis.containers.app.image"
    name = "ghcr.io/techarohq/anubis"
    specs = [images.ImageSpec(name, name, {"repository": f"{key}.repository", "tag": f"{key}.tag"})]
    source = reader.Source("dev", ("kubernetes/apps/dev/forgejo/ks.yaml",), (name,))
    (anubis,) = reader.Reader(reader.DiskTree(root), root, specs).read([source])["dev"].images
    assert (
        anubis.effective is not None
        and anubis.effective.place == "kubernetes/components/anubis/helmrelease.yaml:14"
    )
    assert anubis.effective.tag == "v1.26.2", anubis


POCKETID_SYNC = """apiVersion: kustomize.toolkit.fluxcd.io/v1
kind: Kustomization
metadata:
  name: echo
  namespace: flux-system
spec:
  interval: 1h
  components:
    - ../../../components/envoy-pocketid
  path: ./kubernetes/apps/echo/app
  prune: true
  sourceRef:
    kind: GitRepository
    name: flux-system
  postBuild:
    substitute:
      APP: echo
"""
POCKETID_POLICY = """apiVersion: gateway.envoyproxy.io/v1alpha1
kind: SecurityPolicy
metadata:
  name: ${{APP}}-pocketid
spec:
  oidc:
    redirectURL: https://{host}/oauth2/callback
"""
ECHO = """apiVersion: apps/v1
kind: Deployment
metadata: {name: echo}
spec:
  template:
    spec:
      containers:
        - name: app
          image: ghcr.io/mendhak/http-https-echo:39
"""


# tyriis/home-ops kubernetes/main/apps/default/echo-server: its Flux Kustomization adds
# `spec.components: [../../../../../components/envoy-pocketid]` (a SecurityPolicy `${APP}-pocketid`)
# and its path's own kustomization patches that SecurityPolicy (security-policy.patch.yaml). Flux
# appends the components to the kustomization, so kustomize builds it (checked with kubectl kustomize
# over the appended file). Built alone, kubectl kustomize refused the path ("no resource matches
# strategic merge patch SecurityPolicy…/${APP}-pocketid") and the echo image was `unsupported`.
def test_a_flux_kustomization_s_components_are_built_into_its_path_as_flux_builds_it(tmp_path: Path) -> None:
    root = write(
        tmp_path,
        {
            "kubernetes/flux/cluster/ks.yaml": small_repos.flux_kustomization(
                "cluster-apps", "./kubernetes/apps"
            ),
            "kubernetes/apps/kustomization.yaml": "resources: [./echo/ks.yaml]\n",
            "kubernetes/apps/echo/ks.yaml": POCKETID_SYNC,
            "kubernetes/apps/echo/app/kustomization.yaml": (
                "resources: [./deployment.yaml]\npatches:\n  - path: ./security-policy.patch.yaml\n"
            ),
            "kubernetes/apps/echo/app/deployment.yaml": ECHO,
            "kubernetes/apps/echo/app/security-policy.patch.yaml": POCKETID_POLICY.format(
                host="echo.example.com"
            ),
            "kubernetes/components/envoy-pocketid/kustomization.yaml": (
                "apiVersion: kustomize.config.k8s.io/v1alpha1\nkind: Component\nresources: [./security-policy.yaml]\n"
            ),
            "kubernetes/components/envoy-pocketid/security-policy.yaml": POCKETID_POLICY.format(
                host="pocketid.example.com"
            ),
        },
    )
    (root / "gitops-bot.yaml").write_text(
        'version: 1\nimages:\n- name: "ghcr.io/mendhak/http-https-echo"\n  policy: "semver"\n'
        'environments:\n- name: "cluster"\n  paths:\n  - "kubernetes/apps/echo/app"\n'
        '  - "kubernetes/components/envoy-pocketid"\n'
    )
    app = open_app(root)
    (target,) = app.targets(app.config.environment("cluster"))
    reading = target.reading
    assert target.deployed is not None, (reading.status, reading.reason) if reading else target
    assert target.deployed.tag == "39", target.deployed
