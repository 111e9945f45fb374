"""Where init's guess puts a release's digest for an image its Helm values pin by a tag key
alone: init never writes a guess its own first plan refuses ("latest stays tag-only ... none of
them a digest")."""

from __future__ import annotations

from pathlib import Path

from gitops_bot.engine.discovery import discover
from testkit.local_git import write

_KS = """apiVersion: kustomize.toolkit.fluxcd.io/v1
kind: Kustomization
metadata: {name: apps, namespace: flux-system}
spec:
  interval: 10m
  path: ./apps
  prune: true
  sourceRef: {kind: GitRepository, name: flux-system}
"""
# a chart of another repository: its templates are not here to show how the tag is written
_RELEASE = """apiVersion: helm.toolkit.fluxcd.io/v2
kind: HelmRelease
metadata: {name: web, namespace: web}
spec:
  interval: 1h
  chart:
    spec:
      chart: web
      version: "1.2.0"
      sourceRef: {kind: HelmRepository, name: acme, namespace: flux-system}
  values:
    image:
      repository: ghcr.io/acme/web
      tag: latest
"""


def test_a_moving_tag_whose_digest_has_no_place_is_said_not_configured(tmp_path: Path) -> None:
    found = discover(
        write(
            tmp_path,
            {
                "clusters/main/apps.yaml": _KS,
                "apps/kustomization.yaml": "resources: [web.yaml]\n",
                "apps/web.yaml": _RELEASE,
            },
        )
    )
    assert [i.name for i in found.images] == []
    notes = "\n".join(found.notes)
    assert (
        "ghcr.io/acme/web: pinned latest, a moving tag, whose digest has no place: its Helm keys "
        "image.repository, image.tag name none, and no chart template here shows the image written as "
        "repository:tag; not configured"
    ) in notes, notes


def test_a_plain_manifest_beside_such_helm_values_keeps_the_entry(tmp_path: Path) -> None:
    """ondrejsika/argocd-apps-public (rescore22 R2): a plain Deployment writes the image whole with
    latest, and Helm values elsewhere write it with the tag key alone. The image was one line "whose
    digest has no place", the Deployment's file named nowhere (found -> said): a site writing the
    image whole holds its digest, so the entry stays, pinned there."""
    files = {
        "clusters/main/apps.yaml": _KS,
        "apps/kustomization.yaml": "resources: [web.yaml, backend.yaml]\n",
        "apps/web.yaml": _RELEASE,
        "apps/backend.yaml": (
            "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: backend}\nspec:\n  template:\n    spec:\n"
            "      containers:\n      - {name: backend, image: 'ghcr.io/acme/web:latest'}\n"
        ),
    }
    found = discover(write(tmp_path, files))
    assert [(i.name, i.guess.policy) for i in found.images] == [("ghcr.io/acme/web", "digest")], found.notes
    assert not any("whose digest has no place" in n for n in found.notes), found.notes


# ZackZhouHB/zack-gitops-project@fcb0f91d: the Application renders branch editing, which a fresh clone
# of main does not hold; the chart's template writes "{{ .Values.image.repository }}:{{ .Values.image.tag }}"
_TEMPLATE = """apiVersion: apps/v1
kind: Deployment
metadata: {name: web}
spec:
  template:
    spec:
      containers:
      - name: web
        image: "{{ .Values.image.repository }}:{{ .Values.image.tag | default .Chart.AppVersion }}"
"""
_APP = """apiVersion: argoproj.io/v1alpha1
kind: Application
metadata: {name: zack-web, namespace: argocd}
spec:
  project: default
  source: {repoURL: 'https://github.com/ZackZhouHB/zack-gitops-project.git', targetRevision: editing, path: chart}
  destination: {server: 'https://kubernetes.default.svc', namespace: web}
"""


def test_a_chart_read_on_a_branch_not_fetched_still_takes_its_digest_in_the_tag(tmp_path: Path) -> None:
    files = {
        "chart/Chart.yaml": "apiVersion: v2\nname: web\nversion: 0.1.0\n",
        "chart/values.yaml": "image:\n  repository: zackz001/gitops-jekyll\n  tag: latest\n",
        "chart/templates/deployment.yaml": _TEMPLATE,
        "apps/web.yaml": _APP,
    }
    found = discover(write(tmp_path, files), base="main", has_branch=lambda b: False)
    (image,) = found.images
    assert image.guess.digest_in_tag, image.guess
