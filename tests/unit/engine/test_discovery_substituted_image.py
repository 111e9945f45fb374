"""An image whose name holds a variable Flux's postBuild substitutes (``registry.${ROOT_DOMAIN}/...``)
is said, with the fix, never dropped without a word (newcomer17 F14: deedee-ops/home-ops,
tscibilia/home-ops)."""

from __future__ import annotations

from pathlib import Path

from gitops_bot.engine.discovery import discover
from testkit.local_git import write

FLUX_KS = """apiVersion: kustomize.toolkit.fluxcd.io/v1
kind: Kustomization
metadata: {{name: {name}, namespace: flux-system}}
spec:
  interval: 1h
  path: {path}
  prune: true
  sourceRef: {{kind: GitRepository, name: flux-system}}
"""
CHART_REPO = """apiVersion: source.toolkit.fluxcd.io/v1
kind: HelmRepository
metadata: {{name: {name}, namespace: flux-system}}
spec: {{url: {url}}}
"""
RELEASE = """apiVersion: helm.toolkit.fluxcd.io/v2
kind: HelmRelease
metadata: {{name: {name}}}
spec:
  chart:
    spec:
      chart: {name}
      version: "{version}"
      sourceRef: {{kind: HelmRepository, name: {name}, namespace: flux-system}}
  values:
    image:
{image}
"""


# deedee-ops/home-ops kubernetes/apps/default/crypt/helmrelease.yaml:23,56,79: three images whose
# registry is a Flux postBuild substitution (`registry.${ROOT_DOMAIN}/crypt/crypt-base`); init
# dropped them with no line (a name holding `$` is skipped where images are collected)
SUBSTITUTED = RELEASE.format(
    name="crypt",
    version="1.0.0",
    image="      repository: registry.${ROOT_DOMAIN}/crypt/crypt-base\n      tag: 1.0.0",
)


def test_an_image_named_through_a_flux_substitution_is_said(tmp_path: Path) -> None:
    files = {
        "clusters/home/apps.yaml": FLUX_KS.format(name="cluster-apps", path="./apps"),
        "apps/kustomization.yaml": "resources: [repo.yaml, crypt.yaml]\n",
        "apps/repo.yaml": CHART_REPO.format(name="crypt", url="https://example.com/charts"),
        "apps/crypt.yaml": SUBSTITUTED,
    }
    found = discover(write(tmp_path, files))
    said = "\n".join(found.notes)
    assert any("crypt-base" in i.name for i in found.images) or "crypt-base" in said, said
    assert any(
        n.startswith(
            "Helm values image in apps/crypt.yaml: registry.${ROOT_DOMAIN}/crypt/crypt-base names a variable"
        )
        for n in found.notes
    ), said
