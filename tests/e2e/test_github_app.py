"""`gitops-bot update` as a GitHub App, end to end: the App's JWT asks the local GitHub (its
answers and the bot's requests held to GitHub's REST description) for the repository's
installation and a token, and the run goes on with that token alone, as with a personal one:
the pull request opened, labelled, reviewers asked, auto-merge on; the same run again changes
nothing. The App's key never reaches any output."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from gitops_bot.cli import main
from testkit.registry_process import RegistryProcess
from testkit.update_world import World, make_world


@pytest.fixture
def app_key() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


@pytest.fixture
def world(
    tmp_path: Path, registry: RegistryProcess, monkeypatch: pytest.MonkeyPatch, app_key: rsa.RSAPrivateKey
) -> Iterator[World]:
    pem = app_key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    ).decode()
    monkeypatch.delenv("GITHUB_TOKEN", raising=False)
    monkeypatch.setenv("GITHUB_APP_ID", "7")
    # as a CI secret often holds it: one line, its newlines written as \n
    monkeypatch.setenv("GITHUB_APP_PRIVATE_KEY", pem.replace("\n", "\\n"))
    monkeypatch.setenv("GITOPS_BOT_CACHE", str(tmp_path / "cache"))
    for w in make_world(tmp_path, registry):
        w.github.app_id = "7"
        w.github.app_public_key = (
            app_key.public_key()
            .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
            .decode()
        )
        w.github.identity = "acme-release[bot]"  # what the installation's token writes as
        yield w


def _update(capsys: pytest.CaptureFixture[str], world: World) -> tuple[dict[str, object], str]:
    code = main(["update", "--repo", f"file://{world.remote}", "--output", "json", "--env", "staging"])
    out, err = capsys.readouterr()
    assert code == 0, err
    return json.loads(out), out + err


def test_an_app_opens_the_pull_request_with_its_installation_token_and_a_rerun_changes_nothing(
    world: World, capsys: pytest.CaptureFixture[str]
) -> None:
    world.push("app", "1.1.0")
    result, said = _update(capsys, world)
    assert result["changed"] is True
    gh = world.github
    (pr,) = gh.open_pulls()
    assert pr["head"]["ref"] == "gitops-bot/staging"
    assert [lb["name"] for lb in pr["labels"]] == ["gitops-bot", "release"]
    assert pr["auto_merge"]["merge_method"] == "squash"
    # the JWT asked for the installation and one token; everything after went with that token
    asked = gh.paths()
    assert asked[:2] == ["GET /repos/acme/gitops/installation", "POST /app/installations/42/access_tokens"]
    (token,) = gh.installation_tokens
    assert gh.unexpected == []
    assert token not in said and "PRIVATE KEY" not in said and token not in pr["body"]

    writes = gh.writes()
    again, _ = _update(capsys, world)
    assert again["changed"] is False and len(gh.pulls) == 1
    # a new run asks for a new token (a write to GitHub's App API), and writes nothing else
    assert gh.writes() == writes + 1 and len(gh.installation_tokens) == 2


def test_a_key_the_app_does_not_hold_is_refused_in_one_line(
    world: World, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    other = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    pem = other.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    ).decode()
    monkeypatch.setenv("GITHUB_APP_PRIVATE_KEY", pem)
    world.push("app", "1.1.0")
    code = main(["update", "--repo", f"file://{world.remote}", "--env", "staging"])
    out, err = capsys.readouterr()
    assert code == 3
    (line,) = [x for x in err.splitlines() if "HTTP 401" in x]
    assert "GitHub refused the request (HTTP 401)" in line
    assert "check GITHUB_APP_ID and that GITHUB_APP_PRIVATE_KEY is that App's private key" in line
    assert "PRIVATE KEY" not in out + err
    assert world.github.pulls == [] and world.branches() == ["main"]


def test_an_app_not_installed_on_the_repository_says_so(
    world: World, capsys: pytest.CaptureFixture[str]
) -> None:
    world.github.fail["GET /repos/acme/gitops/installation"] = (404, {"message": "Not Found"}, {})
    code = main(["update", "--repo", f"file://{world.remote}", "--env", "staging"])
    _, err = capsys.readouterr()
    assert code == 3
    assert "install the GitHub App on acme/gitops" in err
    assert world.github.pulls == []
