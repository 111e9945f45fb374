"""The fleet's arguments: a repository's shard is stable across processes and however its URL is
spelt, and bad fleet arguments or repositories files exit 2 with one line."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from gitops_bot.cli import main
from gitops_bot.commands import fleet
from testkit.github_server import FakeGitHub


@pytest.fixture(autouse=True)
def _env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GITHUB_TOKEN", FakeGitHub.token)
    monkeypatch.setenv("GITOPS_BOT_CACHE", str(tmp_path / "cache"))


def update(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, dict]:  # type: ignore[type-arg]
    code = main(["update", "--output", "json", *argv])
    return code, json.loads(capsys.readouterr().out)


def test_shard_of_is_stable_across_processes_and_spellings() -> None:
    urls = [f"https://github.com/acme/gitops-{i}" for i in range(60)]
    shards = [fleet.shard_of(u, 4) for u in urls]
    assert shards[:6] == [1, 2, 2, 4, 1, 1]  # a fixed hash, not Python's per-process hash()
    assert set(shards) == {1, 2, 3, 4}
    assert fleet.shard_of("https://GitHub.com/acme/gitops-0.git/", 4) == shards[0]
    whole = fleet.Fleet(tuple(fleet.Repository(u) for u in urls))
    parts = [fleet.only_shard(whole, f"{i}/4").repositories for i in range(1, 5)]
    assert sorted(r.url for p in parts for r in p) == sorted(urls)


@pytest.mark.parametrize(
    ("argv", "words"),
    [
        (["--shard", "3/2"], "--shard '3/2' must be I/N"),
        (["--shard", "1/2", "--parallel", "0"], "argument --parallel: 0 is below 1"),
        (["--repositories", "LISTING"], "LISTING:2: unknown key 'ur1' in a repository"),
    ],
)
def test_bad_fleet_arguments_and_files_exit_2_with_one_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], argv: list[str], words: str
) -> None:
    listing = tmp_path / "repositories.yaml"
    listing.write_text("repositories:\n  - {url: file:///x.git, ur1: y}\n")
    argv = [str(listing) if a == "LISTING" else a for a in argv]
    assert main(["update", "--repo", "file:///a.git", *argv]) == 2
    err = capsys.readouterr().err
    assert words.replace("LISTING", str(listing)) in err and "Traceback" not in err
