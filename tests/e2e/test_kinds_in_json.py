"""Every delivering command says in its JSON which kind of release it is, when it has nothing to
do as well: an unhold of an image nobody held is a "hold" outcome, not an "update"."""

from __future__ import annotations

import json

import pytest

from gitops_bot.cli import main
from testkit.update_world import World


@pytest.mark.parametrize(
    ("argv", "kind"),
    [
        (["unhold", "staging", "example/app"], "hold"),
        (["hold", "staging", "example/app", "--reason", "x", "--dry-run"], "hold"),
        (["freeze", "staging", "--until", "3d", "--reason", "x", "--dry-run"], "freeze"),
        (["unfreeze", "staging", "--dry-run"], "freeze"),
    ],
)
def test_the_kind_is_the_commands_own(
    world: World, capsys: pytest.CaptureFixture[str], argv: list[str], kind: str
) -> None:
    code = main([*argv, "--repo", f"file://{world.remote}", "--output", "json"])
    out, err = capsys.readouterr()
    assert code == 0, err
    (result,) = json.loads(out)["results"]
    assert result["kind"] == kind, result
