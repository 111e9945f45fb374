"""A values block whose tag sits at an image's configured tag path while the block names
another repository (karpor's ``server.image.repo``/``server.image.tag`` against a Vault chart's
``server.image: {repository: hashicorp/vault, tag: 1.21.2}`` in another values file): helm renders
Vault's image there, so it is no site of karpor's. Read as one, the plan took karpor's pin for
1.21.2 and a release would have written karpor's tag into Vault's values."""

from __future__ import annotations

from gitops_bot.manifests import images
from gitops_bot.manifests.file_sites import ImageSpec
from gitops_bot.manifests.workloads import repository_key

KARPOR = ImageSpec(
    "kusionstack/karpor",
    repository_key("kusionstack/karpor"),
    {"repository": "server.image.repo", "tag": "server.image.tag"},
)
VAULT = "server:\n  image:\n    repository: hashicorp/vault\n    tag: 1.21.2\n"


def test_a_tag_beside_another_repository_is_not_the_images_site() -> None:
    assert images.read(VAULT, "vault/values.yml", [KARPOR], values=True) == []


def test_a_tag_beside_its_own_repository_or_alone_is() -> None:
    own = "server:\n  image:\n    repo: kusionstack/karpor\n    tag: v0.7.6\n"
    (site,) = images.read(own, "karpor/values.yml", [KARPOR], values=True)
    assert site.tag == "v0.7.6"
    alone = "server:\n  image:\n    tag: v0.7.6\n"
    (site,) = images.read(alone, "karpor/values-prod.yml", [KARPOR], values=True)
    assert site.tag == "v0.7.6"
    # the same repository written beside it under the other key is this image's
    beside = "server:\n  image:\n    repository: docker.io/kusionstack/karpor\n    tag: v0.7.6\n"
    (site,) = images.read(beside, "karpor/values-dev.yml", [KARPOR], values=True)
    assert site.tag == "v0.7.6"
