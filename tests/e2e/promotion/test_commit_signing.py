"""Signed commits verified by the real tools: ``git verify-commit`` with an allowed-signers
file for SSH (ssh-keygen -Y verify underneath), and gpg for OpenPGP. The key reaches git for
the commit only: never the repository config, the cache or the output."""

from __future__ import annotations

import os
import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest

from gitops_bot.cli import main
from testkit import forge_world
from testkit.promotion_world import World, add_files, run
from testkit.registry_process import RegistryProcess
from testkit.update_world import git

BOT_EMAIL = "gitops-bot@users.noreply.github.com"


def enable(w: World, signing: str) -> None:
    add_files(w, {}, ("gitops-bot.yaml", "github:\n", f"git:\n  signing: {signing}\ngithub:\n"))


def secrets_left(w: World, secret: str) -> list[str]:
    """Files under the test's directory (remote, cache, clones) holding the key text."""
    hits = []
    for path in w.tmp.rglob("*"):
        if path.is_file() and "hand" not in path.parts and "keys" not in path.parts:
            try:
                if secret in path.read_text(errors="ignore"):
                    hits.append(str(path))
            except OSError:
                continue
    return hits


@pytest.fixture
def signed_update(
    world: World,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> Callable[[str, str], str]:
    """Configure ``git: signing`` with ``method`` and the key in $BOT_KEY, release dev (which
    commits straight to main), and return the commit."""

    def go(method: str, key: str) -> str:
        monkeypatch.setenv("BOT_KEY", key)
        enable(world, f"{{method: {method}, key_env: BOT_KEY}}")
        world.push("app", "1.1.0")
        return str(run(capsys, world, "update", "--env", "dev")["results"][0]["commit"])

    return go


def test_ssh_signed_commit_verifies_with_git_verify_commit(
    signed_update: Callable[[str, str], str],
    world: World,
    tmp_path: Path,
) -> None:
    keydir = tmp_path / "keys"
    keydir.mkdir()
    subprocess.run(
        ["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", "bot", "-f", str(keydir / "bot")], check=True
    )
    private = (keydir / "bot").read_text()
    sha = signed_update("ssh", private)
    allowed = keydir / "allowed_signers"
    allowed.write_text(f'{BOT_EMAIL} namespaces="git" {(keydir / "bot.pub").read_text()}')
    done = subprocess.run(
        ["git", "-c", f"gpg.ssh.allowedSignersFile={allowed}", "verify-commit", sha],
        cwd=world.remote,
        capture_output=True,
        text=True,
    )
    assert done.returncode == 0, done.stderr
    assert f'Good "git" signature for {BOT_EMAIL}' in done.stderr
    assert secrets_left(world, private.splitlines()[2]) == []
    assert "signingkey" not in git(world.remote, "config", "--list")


def test_gpg_signed_commit_verifies_with_gpg(
    signed_update: Callable[[str, str], str],
    world: World,
    tmp_path: Path,
) -> None:
    home = tmp_path / "keys" / "gnupg"
    home.mkdir(parents=True, mode=0o700)
    env = {**os.environ, "GNUPGHOME": str(home)}
    gpg = ["gpg", "--batch", "--quiet", "--passphrase", "", "--pinentry-mode", "loopback"]
    subprocess.run(
        [*gpg, "--quick-gen-key", f"gitops-bot <{BOT_EMAIL}>", "ed25519", "sign", "never"],
        env=env,
        check=True,
    )
    secret = subprocess.run(
        [*gpg, "--armor", "--export-secret-keys"], env=env, check=True, capture_output=True, text=True
    ).stdout
    sha = signed_update("gpg", secret)
    done = subprocess.run(
        ["git", "verify-commit", "--raw", sha], cwd=world.remote, env=env, capture_output=True, text=True
    )
    assert done.returncode == 0, done.stderr
    assert "[GNUPG:] GOODSIG" in done.stderr and "[GNUPG:] VALIDSIG" in done.stderr
    subprocess.run(["gpgconf", "--kill", "gpg-agent"], env=env, check=False)
    assert secrets_left(world, secret.splitlines()[3]) == []


def test_github_api_commits_are_made_and_signed_by_github_and_idempotent(
    world: World,
    capsys: pytest.CaptureFixture[str],
) -> None:
    enable(world, "{method: github-api}")
    world.push("app", "1.1.0")
    app_12 = world.push("app", "1.2.0")

    # dev commits straight to main: the commit on main is the one GitHub created
    sha = run(capsys, world, "update", "--env", "dev")["results"][0]["commit"]
    assert git(world.remote, "rev-parse", "main") == sha and world.github.git_data.api_commits == [sha]
    assert git(world.remote, "show", "-s", "--format=%cn <%ce>", sha) == "GitHub <noreply@github.com>"
    assert f"digest: {app_12}" in world.overlay("dev")
    # staging through a pull request: the PR branch holds a GitHub-made commit too
    world.staging_runs()
    out = run(capsys, world, "promote", "dev", "staging")
    branch = out["results"][0]["branch"]
    head = git(world.remote, "rev-parse", f"refs/heads/{branch}")
    assert head in world.github.git_data.api_commits and len(world.github.git_data.api_commits) == 2
    assert "git/commits" in " ".join(world.github.paths("POST"))
    # idempotent: the second run finds the same trees and makes nothing
    assert run(capsys, world, "update", "--env", "dev")["results"] == []
    assert run(capsys, world, "promote", "dev", "staging")["results"][0]["action"] == "unchanged"
    assert len(world.github.git_data.api_commits) == 2
    # a file the release adds, then deletes (the holds file): both through the API
    run(capsys, world, "hold", "dev", "example/app", "--reason", "incident 42")
    assert "incident 42" in git(world.remote, "show", "main:gitops-bot.holds.yaml")
    run(capsys, world, "unhold", "dev", "example/app")
    assert "gitops-bot.holds.yaml" not in git(world.remote, "ls-tree", "--name-only", "main")
    assert git(world.remote, "rev-parse", "main") == world.github.git_data.api_commits[-1]


BAD_KEYS = [
    ("{method: ssh, key_file: /nonexistent/bot_key}", {}, "cannot read git signing key /nonexistent/bot_key"),
    ("{method: ssh, key_env: BOT_SSH_KEY}", {}, "git signing key $BOT_SSH_KEY is not set"),
    ("{method: ssh, key_env: BOT_SSH_KEY}", {"BOT_SSH_KEY": "garbage"}, "is not a usable SSH private key"),
    ("{method: gpg, key_env: BOT_GPG_KEY}", {"BOT_GPG_KEY": "garbage"}, "is not a usable OpenPGP secret key"),
]


def test_missing_or_unusable_key_is_one_line_exit_2_before_anything_is_pushed(
    world: World,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    world.push("app", "1.1.0")
    previous = "github:\n"
    for signing, env, message in BAD_KEYS:
        for name, value in env.items():
            monkeypatch.setenv(name, value)
        wanted = f"git:\n  signing: {signing}\ngithub:\n"
        if wanted != previous:
            add_files(world, {}, ("gitops-bot.yaml", previous, wanted))
            previous = wanted
        before = git(world.remote, "rev-parse", "main")
        out = run(capsys, world, "update", "--env", "dev", code=2)
        assert message in out["error"]
        assert git(world.remote, "rev-parse", "main") == before
    # a dry run and history never commit, so they work where the key is not set (a PR check)
    assert run(capsys, world, "update", "--env", "dev", "--dry-run")["results"][0]["action"] == "dry_run"
    assert main(["history", "dev", "--repo", f"file://{world.remote}"]) == 0


def test_github_api_signing_on_gitlab_is_one_line_exit_2_before_anything_is_pushed(
    tmp_path: Path,
    registry: RegistryProcess,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    for w in forge_world.make_world(tmp_path, registry, monkeypatch, "gitlab", "environment"):
        add_files(w, {}, ("gitops-bot.yaml", "forge:\n", "git:\n  signing: {method: github-api}\nforge:\n"))  # type: ignore[arg-type]
        w.push("app", "1.1.0")
        before = w.branches()
        code = main(["update", "--repo", f"file://{w.remote}", "--output", "json"])
        err = capsys.readouterr().err
        assert code == 2 and "git signing github-api needs a GitHub repository" in err
        assert len(err.strip().splitlines()) == 1 and w.branches() == before
