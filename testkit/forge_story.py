"""One story on GitHub or another forge: what a story test reads of either world (its remote,
its images, its change requests with the auto-merge requested on each), and the bot run on
its remote with its clock set by the test."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest

from gitops_bot.cli import main
from gitops_bot.core import instants
from testkit import update_world
from testkit.update_world import git


@dataclass
class Story:
    """What the story reads of either world: its remote, its images and its change requests."""

    remote: Path
    tmp: Path
    world: Any

    def push(self, repo: str, tag: str) -> str:
        return str(self.world.push(repo, tag))

    def show(self, path: str) -> str:
        """``path`` on main ("" when main has no such file)."""
        if not git(self.remote, "ls-tree", "--name-only", "main", "--", path):
            return ""
        return git(self.remote, "show", f"main:{path}")

    def open_requests(self) -> list[dict[str, Any]]:
        """The open change requests: number, head branch, body and the auto-merge method
        requested (None: not requested)."""
        if isinstance(self.world, update_world.World):
            return [
                {
                    "number": p["number"],
                    "head": p["head"]["ref"],
                    "body": p["body"],
                    "auto_merge": (p["auto_merge"] or {}).get("merge_method"),
                }
                for p in self.world.github.open_pulls()
            ]
        return [
            {"number": v["number"], "head": v["head"], "body": v["body"], "auto_merge": v["auto_merge"]}
            for v in self.world.forge.open_views()
        ]

    def merge(self, number: int) -> None:
        if isinstance(self.world, update_world.World):
            self.world.github.merge(number)
        else:
            self.world.forge.merge(number)

    def unexpected(self) -> list[Any]:
        forge = self.world.github if isinstance(self.world, update_world.World) else self.world.forge
        return list(forge.unexpected)


def run(capsys: pytest.CaptureFixture[str], story: Story, when: datetime, *argv: str) -> dict[str, Any]:
    """``gitops-bot ARGV`` on the story's remote with the bot's clock at ``when``; its JSON."""
    with pytest.MonkeyPatch.context() as m:
        m.setattr(instants, "system_clock", lambda: when)
        code = main([*argv, "--repo", f"file://{story.remote}", "--output", "json"])
    out, err = capsys.readouterr()
    assert code == 0, err
    return json.loads(out)  # type: ignore[no-any-return]
