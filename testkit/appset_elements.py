"""An ApplicationSet whose ``list`` elements hold each environment's tag (dev's ``2.0.0`` with a
comment, prod's quoted ``"1.0.0"``) over the chart ``chart/``: its template takes the element's
value whole through ``helm.parameters`` (:data:`APPSET`) or its own ``helm.valuesObject``
(:data:`OBJECT`) or ``helm.values`` string (:data:`VALUES`), each Application's pin the
element's line (dev's 10, prod's 12)."""

from __future__ import annotations

APPSET = """apiVersion: argoproj.io/v1alpha1
kind: ApplicationSet
metadata:
  name: app
spec:
  generators:
  - list:
      elements:
      - env: dev
        tag: 2.0.0   # dev's
      - env: prod
        tag: "1.0.0"
  template:
    metadata:
      name: 'app-{{env}}'
    spec:
      project: default
      source:
        repoURL: https://github.com/acme/deploy.git
        targetRevision: HEAD
        path: chart
        helm:
          parameters:
          - name: image.tag
            value: '{{tag}}'
      destination:
        server: https://kubernetes.default.svc
        namespace: '{{env}}'
"""
# the same list elements taken by the template's own Helm values, which Argo CD layers over the
# chart's value files (and the parameters over them)
OBJECT = APPSET.replace(
    "          parameters:\n          - name: image.tag\n            value: '{{tag}}'\n",
    "          valuesObject:\n            replicas: 2\n            image:\n              tag: '{{tag}}'\n",
)
# the same list elements taken by the template's own Helm values written as a string, which Argo CD
# fills as text before helm reads it
VALUES = APPSET.replace(
    "          parameters:\n          - name: image.tag\n            value: '{{tag}}'\n",
    "          values: |\n            replicas: 2\n            image:\n              tag: '{{tag}}'\n",
)
