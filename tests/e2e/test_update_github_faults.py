"""Fault suite, `update` end to end against GitHub faults (the local GitHub server's ``fail``):
the run ends with its exit code and one line, leaves no branch without a PR, and a rerun never
duplicates a PR."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from gitops_bot.cli import main
from gitops_bot.forges import kit as forge
from testkit.github_server import FakeGitHub
from testkit.registry_process import RegistryProcess
from testkit.update_world import World, git, make_world

PULLS = "POST /repos/acme/gitops/pulls"
LABELS = r"POST /repos/acme/gitops/issues/\d+/labels"


@pytest.fixture
def world(tmp_path: Path, registry: RegistryProcess, monkeypatch: pytest.MonkeyPatch) -> Iterator[World]:
    monkeypatch.setenv("GITHUB_TOKEN", FakeGitHub.token)
    monkeypatch.setenv("GITOPS_BOT_CACHE", str(tmp_path / "cache"))
    monkeypatch.setattr(forge, "_sleep", lambda seconds: None)  # the back-off, not slept
    yield from make_world(tmp_path, registry)


FAULTS = [
    ("429-retry-after-an-hour", PULLS, (429, {"message": "slow down"}, {"Retry-After": "3600"}), "resets at"),
    (
        "403-secondary-limit",
        PULLS,
        (403, {"message": "secondary rate limit"}, {"Retry-After": "99999"}),
        "rate",
    ),
    ("401", PULLS, (401, {"message": "Bad credentials"}, {}), "Bad credentials"),
    (
        "422",
        PULLS,
        (422, {"message": "Validation Failed", "errors": [{"message": "no commits"}]}, {}),
        "no commits",
    ),
]


@pytest.mark.parametrize(("key", "answer", "match"), [f[1:] for f in FAULTS], ids=[f[0] for f in FAULTS])
def test_pr_creation_fault_exits_3_and_leaves_no_branch(
    key: str,
    answer: tuple[int, dict[str, Any], dict[str, str]],
    match: str,
    world: World,
    capsys: pytest.CaptureFixture[str],
) -> None:
    world.push("app", "1.1.0")
    world.github.fail[key] = answer
    code = main(["update", "--repo", f"file://{world.remote}", "--env", "staging"])
    err = capsys.readouterr().err
    assert code == 3, err
    assert len(err.splitlines()) == 1 and match in err and "Traceback" not in err
    assert world.branches() == ["main"], "a branch without a PR was left behind"


def test_label_failure_is_a_warning_and_reruns_never_duplicate(
    world: World, capsys: pytest.CaptureFixture[str]
) -> None:
    world.push("app", "1.1.0")
    world.github.fail[LABELS] = (502, {"message": "Bad Gateway"}, {})
    for _ in range(2):
        assert main(["update", "--repo", f"file://{world.remote}", "--env", "staging"]) == 0
    capsys.readouterr()
    assert len(world.github.open_pulls()) == 1


def test_a_secret_typed_into_hold_reason_is_never_published(
    world: World, capsys: pytest.CaptureFixture[str]
) -> None:
    token = FakeGitHub.token
    code = main(
        ["hold", "staging", "example/app", "--reason", f"see {token}", "--repo", f"file://{world.remote}"]
    )
    out, err = capsys.readouterr()
    assert code == 0, err
    (branch,) = [b for b in world.branches() if b != "main"]
    (pr,) = world.github.open_pulls()
    published = [
        out,
        err,
        pr["title"],
        pr["body"],
        git(world.remote, "log", "--format=%B", "-1", branch),
        world.show(branch, "gitops-bot.holds.yaml").decode(),
    ]
    assert all(token not in text for text in published)
    assert "see ***" in world.show(branch, "gitops-bot.holds.yaml").decode()
