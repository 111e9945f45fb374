"""An ``images:`` entry that only renames (``newName:``, no ``newTag:`` or ``digest:``) keeps the
tag the manifest writes, as kustomize's image transformer does: that tag is what it pins."""

from __future__ import annotations

from pathlib import Path

from gitops_bot.engine.discovery import discover
from testkit.local_git import write
from testkit.small_repos import deployment


def test_an_images_entry_renaming_only_keeps_the_tag_the_manifest_pins(tmp_path: Path) -> None:
    # utilitywarehouse/shared-kustomize-bases@9dafad1a elasticsearch/manifests (found by a
    # newcomer): the entry renames docker.io/bitnami/elasticsearch to bitnamilegacy; kustomize
    # renders the manifest's 8.11.4-debian-11-r1. init guessed "no tag is pinned ... tag latest",
    # and update wrote newTag: latest (a new major of a data store)
    found = discover(
        write(
            tmp_path,
            {
                "manifests/es.yaml": deployment("es", "docker.io/bitnami/elasticsearch:8.11.4-debian-11-r1"),
                "manifests/kustomization.yaml": (
                    "resources:\n- es.yaml\nimages:\n- name: docker.io/bitnami/elasticsearch\n"
                    "  newName: docker.io/bitnamilegacy/elasticsearch\n"
                ),
                "example/kustomization.yaml": "resources:\n- ../manifests\n",
            },
        )
    )
    (es,) = found.images
    assert es.tags == ("8.11.4-debian-11-r1",), es
    assert es.guess.keys.get("tag") != "latest" and "8.11.4" in es.guess.why, es.guess
    assert es.repository == "docker.io/bitnamilegacy/elasticsearch"
