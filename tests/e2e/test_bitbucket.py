"""Bitbucket's own end-to-end promises beyond the shared forge scenarios: a token Bitbucket
refuses fails the run with exit 3 and one line naming the token, leaking nothing and leaving no
branch; ``auto_merge`` on Bitbucket Cloud (whose API cannot set it) is a usage error before
anything is pushed; Bitbucket Pipelines' variables name the repository; on Data Center the
pull request is set to auto-merge and merges when the merge checks pass, then production's
promotion merges through the same request. Against the local Bitbucket servers, a real bare remote and the real registry."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from gitops_bot.cli import main
from testkit.forge_world import World, make_world
from testkit.registry_process import RegistryProcess

KINDS = ["bitbucket-cloud", "bitbucket-data-center"]


@pytest.mark.parametrize("kind", KINDS)
def test_a_refused_token_is_exit_3_one_line_naming_it_and_nothing_is_left_or_leaked(
    kind: str,
    tmp_path: Path,
    registry: RegistryProcess,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    for world in make_world(tmp_path, registry, monkeypatch, kind, "environment"):
        world.push("app", "1.1.0")
        wrong = "bitbucket_wrong_token_0123456789"
        monkeypatch.setenv("BITBUCKET_TOKEN", wrong)
        code = main(["update", "--repo", f"file://{world.remote}", "--env", "staging", "-vv"])
        out, err = capsys.readouterr()
        assert code == 3
        last = err.strip().splitlines()[-1]
        assert "HTTP 401" in last and "BITBUCKET_TOKEN" in last and "Traceback" not in err
        assert wrong not in out + err and world.forge.token not in out + err
        assert world.branches() == ["main"] and world.forge.pulls == []


def test_auto_merge_on_bitbucket_cloud_is_a_usage_error_before_anything_is_pushed(
    tmp_path: Path,
    registry: RegistryProcess,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    for world in make_world(tmp_path, registry, monkeypatch, "bitbucket-cloud", "environment"):
        world.edit_config("pull_request:\n", "pull_request:\n  auto_merge: true\n")
        world.push("app", "1.1.0")
        # the dry run fails where the real run fails, with the same line
        errors = []
        for dry in (["--dry-run"], []):
            code = main(["update", "--repo", f"file://{world.remote}", "--env", "staging", *dry])
            err = capsys.readouterr().err
            assert code == 2 and err.count("\n") == 1 and "Traceback" not in err
            assert "auto_merge" in err and "Bitbucket Cloud" in err
            errors.append(err)
        assert errors[0] == errors[1]
        assert world.branches() == ["main"] and world.forge.requests == []


def test_bitbucket_pipelines_variables_name_the_repository(
    tmp_path: Path,
    registry: RegistryProcess,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """In a pipeline the clone's remote may not say the workspace; BITBUCKET_WORKSPACE and
    BITBUCKET_REPO_SLUG do."""
    for world in make_world(tmp_path, registry, monkeypatch, "bitbucket-cloud", "environment"):
        world.edit_config("  repository: acme/gitops\n", "")
        monkeypatch.setenv("BITBUCKET_WORKSPACE", "acme")
        monkeypatch.setenv("BITBUCKET_REPO_SLUG", "gitops")
        world.push("app", "1.1.0")
        (res,) = world.run(capsys, "update", "--env", "staging")["results"]
        assert res["action"] == "pull_request" and world.only_open()["head"] == "gitops-bot/staging"


@pytest.fixture
def data_center(
    tmp_path: Path, registry: RegistryProcess, monkeypatch: pytest.MonkeyPatch
) -> Iterator[World]:
    yield from make_world(tmp_path, registry, monkeypatch, "bitbucket-data-center", "environment")


def test_data_center_auto_merges_when_the_checks_pass_and_history_reads_its_merges(
    data_center: World, capsys: pytest.CaptureFixture[str]
) -> None:
    world = data_center
    digest = world.push("app", "1.1.0")
    (res,) = world.run(capsys, "update", "--env", "staging")["results"]
    assert world.only_open()["auto_merge"] == "squash" and res["warnings"]  # labels, assignees
    world.forge.finish_checks("success")  # type: ignore[attr-defined]
    assert world.forge.open_pulls() == [] and world.branches() == ["main"]
    assert digest in world.show("main")
    world.run(capsys, "promote", "staging", "production")
    # the checks pass already: asking for auto-merge merges the promotion at once
    (promotion,) = [world.forge.view(p) for p in world.forge.pulls[1:]]
    assert (promotion["head"], promotion["state"]) == ("gitops-bot/promotion/production", "merged")
    assert digest in world.show("main", "overlays/production/kustomization.yaml")
    history = world.run(capsys, "history", "staging")["releases"]
    assert history[0]["pull_request"] == 1  # read from the server's merge subject
