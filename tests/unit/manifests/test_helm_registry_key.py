"""Helm values splitting an image's registry out (``image: {registry: quay.io, repository:
keycloak/keycloak, tag: 26.0.0}``): the chart pulls quay.io/keycloak/keycloak, so the site reads
as that repository, the registry joined. Read as ``keycloak/keycloak`` (Docker Hub's), a release
of the image configured as quay.io/keycloak/keycloak took the file for pulling another
repository and wrote the whole name into ``repository:``: quay.io/quay.io/keycloak/keycloak
once the chart joins them."""

from __future__ import annotations

import pytest

from gitops_bot.core.errors import ManifestError
from gitops_bot.manifests import images
from gitops_bot.manifests.file_sites import ImageSpec
from gitops_bot.manifests.workloads import repository_key

NAME = "quay.io/keycloak/keycloak"
SPEC = ImageSpec(NAME, repository_key(NAME), {"repository": "image.repository", "tag": "image.tag"})
VALUES = "image:\n  registry: quay.io\n  repository: keycloak/keycloak\n  tag: 26.0.0\n"


def test_the_site_reads_as_the_registry_and_repository_joined() -> None:
    (site,) = images.read(VALUES, "values.yaml", [SPEC], values=True)
    assert (site.repository, site.tag) == (NAME, "26.0.0")


def test_a_repository_written_there_leaves_the_registry_key_to_name_its_registry() -> None:
    moved = images.Update(NAME, repository="quay.io/keycloak/keycloak-x", tag="26.1.0")
    assert images.write(VALUES, "values.yaml", [SPEC], [moved]) == VALUES.replace(
        "keycloak/keycloak", "keycloak/keycloak-x"
    ).replace("26.0.0", "26.1.0")


def test_a_repository_of_another_registry_is_refused_with_the_fix() -> None:
    moved = images.Update(NAME, repository="ghcr.io/acme/keycloak", tag="26.1.0")
    with pytest.raises(ManifestError, match=r"registry: quay\.io"):
        images.write(VALUES, "values.yaml", [SPEC], [moved])


def test_a_bare_name_another_image_pulls_is_not_this_registry_joined_one() -> None:
    """fluxninja/aperture: the operator's kustomization renames ``controller`` to the bare
    ``aperture-operator`` (Docker Hub's library), and its chart's values pull
    ``docker.io/fluxninja`` joined to ``aperture-operator``. The block was taken for the
    library image's, so the chart's image read as rendered nowhere."""
    operator = "docker.io/fluxninja/aperture-operator"
    spec = ImageSpec(
        operator,
        repository_key(operator),
        {"repository": "operator.image.repository", "tag": "operator.image.tag"},
    )
    bare = ImageSpec("controller", repository_key("aperture-operator"), {})
    values = "operator:\n  image:\n    registry: docker.io/fluxninja\n    repository: aperture-operator\n    tag: 1.0.0\n"
    (site,) = images.read(values, "values.yaml", [bare, spec], values=True)
    assert (site.image, site.repository, site.tag) == (operator, operator, "1.0.0")
