"""The other key paths setting one image past the ones said one by one are counted with their
files, never dropped without a word (newcomer17 F3: rwlove/home-ops's eleven app-template
HelmReleases each pinning postgres-init at a key path of its own)."""

from __future__ import annotations

from pathlib import Path

from gitops_bot.engine.discovery import discover
from testkit.local_git import write

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

# rwlove/home-ops kubernetes/apps/*/*/app/helmrelease.yaml: eleven app-template HelmReleases
# whose init-db initContainer pins ghcr.io/home-operations/postgres-init, each at its own key
# path; the entry takes the first, eight more are said ("sets ... too"), and romm's and
# videodupfinder's (the ninth and tenth) are dropped with no word and no count
APP_TEMPLATE_RELEASE = """apiVersion: helm.toolkit.fluxcd.io/v2
kind: HelmRelease
metadata: {{name: {app}}}
spec:
  chart:
    spec:
      chart: app-template
      version: 4.4.0
      sourceRef: {{kind: HelmRepository, name: bjw-s, namespace: flux-system}}
  values:
    controllers:
      {app}:
        initContainers:
          init-db:
            image:
              repository: ghcr.io/home-operations/postgres-init
              tag: 18.6.0
"""
APPS = (
    "authelia",
    "lldap",
    "atuin",
    "medikeep",
    "nametag",
    "paperless",
    "pump",
    "hass",
    "av1",
    "romm",
    "vdf",
)


def test_every_other_key_path_of_one_image_is_said_or_counted(tmp_path: Path) -> None:
    files = {
        "clusters/home/apps.yaml": FLUX_SYNC,
        "apps/kustomization.yaml": "resources: [repo.yaml, " + ", ".join(f"{a}.yaml" for a in APPS) + "]\n",
        "apps/repo.yaml": HELM_REPOSITORY.replace("headlamp", "bjw-s").replace(
            "https://kubernetes-sigs.github.io/bjw-s", "https://bjw-s-labs.github.io/helm-charts"
        ),
    }
    files |= {f"apps/{a}.yaml": APP_TEMPLATE_RELEASE.format(app=a) for a in APPS}
    found = discover(write(tmp_path, files))
    (image,) = [i for i in found.images if i.name == "ghcr.io/home-operations/postgres-init"]
    said = "\n".join((*image.notes, *found.notes))
    unsaid = [a for a in APPS[1:] if f"apps/{a}.yaml" not in said]
    # each other place is named, or the ones left unnamed are at least counted
    assert not unsaid or f"{len(unsaid)} more" in said, (unsaid, said)
