"""Helm values without a digest key: with ``helm.digestInTag`` the bot writes ``tag@sha256:...``
into the tag key, reads it back as tag and digest, and the real ``helm template`` judges what
each kind of chart renders from it."""

from __future__ import annotations

import pytest

from gitops_bot import config
from gitops_bot.core.errors import UsageError
from gitops_bot.manifests import images

DIGEST = "sha256:" + "ab" * 32


OTHER = "sha256:" + "cd" * 32


IN_TAG = images.ImageSpec(
    "app", None, {"repository": "image.repository", "tag": "image.tag", "digest": "image.tag"}
)


TAG_ONLY = images.ImageSpec("app", None, {"repository": "image.repository", "tag": "image.tag"})


VALUES = "image:\n  repository: registry.example.com/team/app  # where\n  tag: v1.2.3\n"


def _config(helm: str) -> config.Config:
    return config.parse(f"images:\n  - name: app\n    helm: {helm}\nenvironments: []\n", "gitops-bot.yaml")


def test_digest_in_tag_option_maps_the_digest_onto_the_tag_key() -> None:
    cfg = _config("{tag: image.tag, digestInTag: true}")
    assert dict(cfg.images[0].helm) == {"tag": "image.tag", "digest": "image.tag"}


@pytest.mark.parametrize(
    "helm",
    [
        "{tag: image.tag, digest: image.digest, digestInTag: true}",
        "{reference: image.ref, digestInTag: true}",
    ],
)
def test_digest_in_tag_needs_a_tag_path_and_no_digest_path(helm: str) -> None:
    with pytest.raises(UsageError, match="digestInTag of image 'app' needs a 'tag' path"):
        _config(helm)


def test_without_the_option_a_digest_still_has_no_place() -> None:
    result = images.edit(
        VALUES, "values.yaml", [TAG_ONLY], [images.Update("app", tag="v1.3.0", digest=DIGEST)]
    )
    assert [u.field for u in result.unwritten] == ["digest"]
    assert "v1.3.0\n" in result.text


def test_tag_and_digest_are_written_into_the_tag_key_and_only_there() -> None:
    result = images.edit(VALUES, "values.yaml", [IN_TAG], [images.Update("app", tag="v1.3.0", digest=DIGEST)])
    assert result.text == VALUES.replace("v1.2.3", f"v1.3.0@{DIGEST}")
    assert not result.unwritten
    [change] = result.changes
    assert (change.field, change.old, change.new) == ("tag", "v1.2.3", f"v1.3.0@{DIGEST}")
    assert change.site == "helm (digest written in the tag field)"


def test_tag_at_digest_in_the_tag_key_reads_back_as_tag_and_digest_and_a_rerun_changes_nothing() -> None:
    text = images.write(VALUES, "values.yaml", [IN_TAG], [images.Update("app", tag="v1.3.0", digest=DIGEST)])
    [site] = images.read(text, "values.yaml", [IN_TAG])
    assert (site.repository, site.tag, site.digest) == ("registry.example.com/team/app", "v1.3.0", DIGEST)
    again = images.edit(text, "values.yaml", [IN_TAG], [images.Update("app", tag="v1.3.0", digest=DIGEST)])
    assert again.text == text and not again.changes


def test_a_digest_alone_keeps_the_tag_and_a_tag_alone_drops_the_stale_digest() -> None:
    pinned = VALUES.replace("v1.2.3", f"v1.2.3@{DIGEST}")
    promoted = images.write(pinned, "values.yaml", [IN_TAG], [images.Update("app", digest=OTHER)])
    assert f"tag: v1.2.3@{OTHER}\n" in promoted
    retagged = images.write(pinned, "values.yaml", [IN_TAG], [images.Update("app", tag="v2.0.0")])
    assert "tag: v2.0.0\n" in retagged
    kept = images.write(
        pinned, "values.yaml", [IN_TAG], [images.Update("app", tag="v2.0.0", keep_digest=True)]
    )
    assert f"tag: v2.0.0@{DIGEST}\n" in kept
