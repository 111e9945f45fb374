"""A values block splitting the image's registry from its repository (``image: {registry:
quay.io, repository: keycloak/keycloak, tag: 26.0.0}``, as Bitnami-style and Traefik's charts
write it): the chart pulls ``quay.io/keycloak/keycloak``, so that is the image's name. Named by
the repository key alone, init configured ``keycloak/keycloak``: Docker Hub's image, another one,
whose tags a plan would have read."""

from __future__ import annotations

from pathlib import Path

from gitops_bot.engine.discovery import discover
from testkit.local_git import write

VALUES = """image:
  registry: quay.io
  repository: keycloak/keycloak
  tag: 26.0.0
proxy:
  image:
    registry: docker.io
    repository: traefik
    tag: v3.6
global:
  imageRegistry: ""
sidecar:
  image:
    registry: ""
    repository: ghcr.io/acme/sidecar
    tag: 1.0.0
"""


def test_the_registry_key_is_joined_to_the_name(tmp_path: Path) -> None:
    found = discover(write(tmp_path, {"app/values-prod.yaml": VALUES}))
    helm = {i.name: dict(i.helm) for i in found.images}
    assert helm == {
        "quay.io/keycloak/keycloak": {"repository": "image.repository", "tag": "image.tag"},
        "docker.io/traefik": {"repository": "proxy.image.repository", "tag": "proxy.image.tag"},
        "ghcr.io/acme/sidecar": {"repository": "sidecar.image.repository", "tag": "sidecar.image.tag"},
    }
    keycloak = next(i for i in found.images if i.name == "quay.io/keycloak/keycloak")
    assert keycloak.registry == "quay.io" and keycloak.tags == ("26.0.0",)
