"""`update` against a real registry and git remote, where every candidate is skipped, says so
(how many images and why) instead of "nothing to do"."""

from __future__ import annotations

import json
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from gitops_bot.cli import main
from testkit.github_server import FakeGitHub
from testkit.registry_process import RegistryProcess
from testkit.update_world import World, git, make_world


@pytest.fixture
def world(tmp_path: Path, registry: RegistryProcess, monkeypatch: pytest.MonkeyPatch) -> Iterator[World]:
    monkeypatch.setenv("GITHUB_TOKEN", FakeGitHub.token)
    monkeypatch.setenv("GITOPS_BOT_CACHE", str(tmp_path / "cache"))
    yield from make_world(tmp_path, registry)


def test_update_with_only_skips_says_so_instead_of_nothing_to_do(
    world: World, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    edit = tmp_path / "edit"
    subprocess.run(["git", "clone", "-q", str(world.remote), str(edit)], check=True)
    cfg = edit / "gitops-bot.yaml"
    text = cfg.read_text().replace('range: "^1"', 'range: "^5"')  # no tag of either image matches
    cfg.write_text(text.replace(f"{world.ns}/worker\n", f'{world.ns}/worker\n    range: "^9"\n'))
    git(edit, "-c", "user.name=dev", "-c", "user.email=dev@example.com", "commit", "-qam", "range")
    git(edit, "push", "-q", "origin", "main")

    assert main(["update", "--repo", f"file://{world.remote}", "--env", "staging"]) == 0
    out = capsys.readouterr().out
    assert out == (
        "Nothing to change; 2 skipped (staging example/app: no tag among 1 matches semver ^5 "
        "with 3 version parts; pinned 1.0.0 is outside range ^5: widen the range; staging "
        "example/worker: no tag among 1 matches semver ^9 with 2 version parts; pinned 2.0 is "
        "outside range ^9: widen the range); see `gitops-bot plan`\n"
    )
    assert out.count("\n") == 1 and world.github.open_pulls() == []
    assert main(["update", "--repo", f"file://{world.remote}", "--env", "staging", "--output", "json"]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert doc["results"] == [] and [i["image"] for i in doc["skipped"]] == ["example/app", "example/worker"]
