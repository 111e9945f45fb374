"""One image at several key paths of a values file (a Vault chart's ``server.image`` and
``injector.agentImage``, both ``hashicorp/vault``; iamenr0s/gitops-argocd vault/values.yml): an
entry's ``helm:`` takes one set of keys, so a release would leave the others; init says each on
the entry it writes, with the entry that would release it, where it chose one and said nothing."""

from __future__ import annotations

from pathlib import Path

from gitops_bot.engine.discovery import discover
from testkit.local_git import write

VALUES = """injector:
  agentImage:
    repository: hashicorp/vault
    tag: 1.21.2
server:
  image:
    repository: hashicorp/vault
    tag: 1.21.2
"""


def test_the_other_keys_setting_the_image_are_said_with_their_own_entry(tmp_path: Path) -> None:
    found = discover(write(tmp_path, {"vault/values-prod.yaml": VALUES}))
    (image,) = found.images
    assert image.name == "hashicorp/vault" and image.helm == {
        "repository": "injector.agentImage.repository",
        "tag": "injector.agentImage.tag",
    }
    assert image.notes == (
        "Helm values server.image in vault/values-prod.yaml sets hashicorp/vault too, which this entry's "
        "helm: keys do not name, so a release leaves it; to release it too, add an entry of its own: "
        "{name: <another name>, repository: hashicorp/vault, helm: {repository: server.image.repository, "
        "tag: server.image.tag}}",
    )
