"""The policy Argo CD Image Updater's annotations state, taken as a Flux ImagePolicy is
(team-project-final/synapse-gitops@8694d71a, found by a newcomer): its ApplicationSets carry
``update-strategy: semver`` and ``allow-tags: regexp:^[0-9]+\\.[0-9]+\\.[0-9]+$``, and Image
Updater writes the same newTag: lines (write-back-method git). init read none of it and guessed
``newest`` for seven services; the second writer was not said."""

from __future__ import annotations

from pathlib import Path

from gitops_bot.engine.discovery import discover
from testkit.local_git import write
from testkit.small_repos import deployment

APPSET = """apiVersion: argoproj.io/v1alpha1
kind: ApplicationSet
metadata:
  name: synapse-dev
  annotations:
    argocd-image-updater.argoproj.io/image-list: app=ghcr.io/acme/app, db=postgres:~16.4, web=ghcr.io/acme/web
    argocd-image-updater.argoproj.io/app.update-strategy: semver
    argocd-image-updater.argoproj.io/app.allow-tags: "regexp:^[0-9]+\\\\.[0-9]+\\\\.[0-9]+$"
    argocd-image-updater.argoproj.io/web.update-strategy: newest-build
    argocd-image-updater.argoproj.io/write-back-method: git
    argocd-image-updater.argoproj.io/write-back-target: kustomization
spec:
  generators: [{list: {elements: [{env: dev}]}}]
  template:
    metadata: {name: "synapse-{{env}}"}
    spec:
      project: default
      source: {repoURL: "https://github.com/acme/gitops", path: "overlays/{{env}}", targetRevision: HEAD}
      destination: {server: "https://kubernetes.default.svc", namespace: synapse}
"""


def test_image_updaters_annotations_are_the_repositorys_own_policy(tmp_path: Path) -> None:
    files = {
        "argocd/applicationset.yaml": APPSET,
        "overlays/dev/kustomization.yaml": "resources: [app.yaml, db.yaml, web.yaml]\n",
        "overlays/dev/app.yaml": deployment("app", "ghcr.io/acme/app:1.0.1"),
        "overlays/dev/db.yaml": deployment("db", "postgres:16.4"),
        "overlays/dev/web.yaml": deployment("web", "ghcr.io/acme/web:local"),
    }
    found = discover(write(tmp_path, files))
    by_name = {i.name: i for i in found.images}
    app, db, web = by_name["ghcr.io/acme/app"], by_name["postgres"], by_name["ghcr.io/acme/web"]
    assert dict(app.guess.keys) == {"policy": "semver", "allow": ["^[0-9]+\\.[0-9]+\\.[0-9]+$"]}, app.guess
    assert (
        "Argo CD Image Updater's annotations on ApplicationSet synapse-dev at argocd/applicationset.yaml:"
        in (app.policy_how)
    ), app.policy_how
    assert dict(db.guess.keys) == {"policy": "semver", "range": "~16.4"}, db.guess
    assert dict(web.guess.keys) == {"policy": "newest"}, web.guess
    two_writers = [n for n in app.notes if "Argo CD Image Updater writes these tags itself" in n]
    assert two_writers and "run one of the two" in two_writers[0], app.notes


def test_an_applicationsets_template_annotations_name_each_generated_repository(tmp_path: Path) -> None:
    """synapse-gitops's own shape: the annotations sit on the ApplicationSet's template (an
    ImageUpdater with useAnnotations reads them off each generated Application), the repository
    written with the generator's {{service}}."""
    template = APPSET.replace("  annotations:\n", "  labels: {}\n", 1).replace(
        '    metadata: {name: "synapse-{{env}}"}\n',
        '    metadata:\n      name: "synapse-{{env}}"\n      annotations:\n'
        '        argocd-image-updater.argoproj.io/image-list: "app=ghcr.io/acme/{{service}}"\n'
        "        argocd-image-updater.argoproj.io/app.update-strategy: semver\n",
    )
    template = (
        "\n".join(ln for ln in template.splitlines() if not ln.startswith("    argocd-image-updater")) + "\n"
    )
    files = {
        "argocd/applicationset.yaml": template,
        "overlays/dev/kustomization.yaml": "resources: [app.yaml]\n",
        "overlays/dev/app.yaml": deployment("gateway", "ghcr.io/acme/gateway:1.0.1"),
    }
    found = discover(write(tmp_path, files))
    (gateway,) = found.images
    assert dict(gateway.guess.keys) == {"policy": "semver"}, gateway.guess
    assert "Argo CD Image Updater's annotations on ApplicationSet synapse-dev" in gateway.policy_how
