"""``newTag: TAG@DIGEST`` overlays in promote and history: read as tag + digest, and a
promotion writes the target in the form it already uses."""

from __future__ import annotations

import pytest

from tests import test_promote_e2e as pe

world = pe.world  # the promotion example's world: dev -> staging -> production


def test_promotion_keeps_the_targets_tag_at_digest_form_and_history_splits_it(
    world: pe.World, capsys: pytest.CaptureFixture[str]
) -> None:
    old = world.push("app", "1.0.0")
    new = world.push("app", "1.1.0")
    pe.release_dev(capsys, world)
    staging = pe.OVERLAY_FILE.format("staging")
    world.hand_commit(staging, 'newTag: "1.0.0"', f"newTag: 1.0.0@{old}", "staging: pin app by hand")

    (by_hand, _) = pe.run(capsys, world, "history", "staging")["releases"]
    assert by_hand["images"]["example/app"]["tag"] == "1.0.0"
    assert by_hand["images"]["example/app"]["digest"] == old

    (res,) = pe.run(capsys, world, "promote", "dev", "staging")["results"]
    app = next(i for i in res["images"] if i["image"] == "example/app")
    assert app["from"] == {"tag": "1.0.0", "digest": old} and app["to"] == {"tag": "1.1.0", "digest": new}
    text = world.overlay("staging", res["branch"])
    assert f"    newTag: 1.1.0@{new}\n" in text and f"digest: {new}" not in text
