"""A repository whose test environment Argo CD renders from a branch of its own, as HAM-gitops
keeps it: the shared base's one Deployment and the Applications file, test's tracking branch
``test`` and production's ``main`` (the texts the reader's and the engine's branch tests read)."""

from __future__ import annotations

APP = "ghcr.io/acme/app"
DEPLOYMENT = (  # one kubectl kustomize builds: the reading is held to its render
    "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: app\nspec:\n  template:\n    spec:\n"
    "      containers:\n      - name: app\n        image: ghcr.io/acme/app:1.0\n"
)
APPS = """apiVersion: argoproj.io/v1alpha1
kind: Application
metadata:
  name: app-test
spec:
  source:
    repoURL: https://github.com/acme/deploy.git
    targetRevision: test
    path: overlays/test
---
apiVersion: argoproj.io/v1alpha1
kind: Application
metadata:
  name: app-prod
spec:
  source:
    repoURL: https://github.com/acme/deploy.git
    targetRevision: main
    path: overlays/production
"""
