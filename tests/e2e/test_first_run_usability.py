"""What a first-time user meets in whole runs against a real registry, git remote and the local
GitHub API: --dry-run shows the real pull request body and folds a repeated --env, --config
means the same path for every command, and `update` writes newName when the configured
repository moved."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest

from gitops_bot.cli import main
from testkit.update_world import World, git


def cli(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_dry_run_shows_the_real_body_and_repeated_envs_are_folded(
    world: World, capsys: pytest.CaptureFixture[str]
) -> None:
    world.push("app", "1.1.0")
    remote = f"file://{world.remote}"
    code, out, err = cli(
        capsys,
        "update",
        "--repo",
        remote,
        "--env",
        "staging",
        "--env",
        "staging",
        "--dry-run",
        "--output",
        "json",
    )
    assert code == 0, err
    (dry,) = json.loads(out)["results"]  # staging once
    assert dry["action"] == "dry_run" and "2026-01-01T00:00:00Z" in dry["body"]  # the created time

    code, out, err = cli(capsys, "update", "--repo", remote, "--env", "dev", "--dry-run")
    # the subject of the commit the run makes (git.message's), not a pull request's title
    assert code == 0 and "== dev: would commit 'chore(dev): update 2 images' to main" in out, out

    code, out, err = cli(
        capsys, "update", "--repo", remote, "--env", "staging", "-vv", "--log-format", "json"
    )
    assert code == 0, err
    (pr,) = world.github.open_pulls()
    assert pr["body"] == dry["body"]  # the dry run showed exactly what was published
    assert '"level": "debug"' in err and '"event": "git"' in err and '"event": "listing_tags"' in err

    code, _, err = cli(capsys, "update", "--repo", remote, "--env", "staging", "-v", "--log-format", "json")
    assert code == 0 and '"level": "debug"' not in err and '"level": "info"' in err


def test_config_means_the_same_path_for_every_command(
    world: World, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    checkout = tmp_path / "checkout"
    subprocess.run(["git", "clone", "-q", str(world.remote), str(checkout)], check=True)
    absolute = str(checkout / "gitops-bot.yaml")
    for argv in (["history", "staging"], ["update", "--dry-run"], ["plan"]):
        code, _, err = cli(capsys, *argv, "--repo", str(checkout), "--config", absolute)
        assert code == 0, (argv, err)
        code, _, err = cli(capsys, *argv, "--repo", str(checkout), "--config", "gitops-bot.yaml")
        assert code == 0, (argv, err)

    code, _, err = cli(capsys, "history", "staging", "--repo", str(checkout), "--config", "/etc/hostname")
    assert code == 2 and "--config /etc/hostname is outside the repository" in err
    code, _, err = cli(capsys, "history", "staging", "--repo", f"file://{world.remote}", "--config", absolute)
    assert code == 2 and "with a URL --repo" in err
    code, _, err = cli(capsys, "update", "--repo", str(checkout), "--config", "deploy/missing.yaml")
    assert code == 2 and "deploy/missing.yaml" in err
    assert "gitops-bot-wt-" not in err, err


def test_update_writes_new_name_when_the_configured_repository_moved(
    world: World, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    seed = tmp_path / "edit"
    subprocess.run(["git", "clone", "-q", str(world.remote), str(seed)], check=True)
    config = seed / "gitops-bot.yaml"
    config.write_text(config.read_text().replace(f"/{world.ns}/app\n", f"/{world.ns}/app-moved\n", 1))
    git(seed, "-c", "user.name=dev", "-c", "user.email=dev@example.com", "commit", "-qam", "move app")
    git(seed, "push", "-q", "origin", "main")
    digest = world.push("app-moved", "1.1.0")
    code, _, err = cli(capsys, "update", "--repo", f"file://{world.remote}", "--env", "staging")
    assert code == 0, err
    text = world.show("gitops-bot/staging", "overlays/staging/kustomization.yaml").decode()
    assert f"/{world.ns}/app-moved\n    newTag: 1.1.0" in text and digest in text
    assert f"/{world.ns}/worker\n" in text  # the worker's repository did not move
