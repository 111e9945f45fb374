"""What cannot be read is said: a ``min_age`` whose clock could not be read decides nothing,
and every surface says "unknown" with why, on GitHub and on GitLab.

- The registry's push-time API (GitHub Packages, ``push_time: github``) answers something that
  is not an answer: ``plan`` (by pull request and by commit) and ``status`` say the image's age
  is unknown and why, instead of letting the image's own creation time (which its publisher
  sets) or the forge's "seen now" decide; ``update`` leaves the open pull request as it is and
  says why, and a dry run says the same step first.
- The forge cannot list its pull requests where the forge's record of first sightings is the
  age's clock: ``status`` says the age is unknown and why, not "propose" as if seen now.

The real registry and git remote, each forge's spec-held fake, GitHub Packages' spec-held
fake, and the bot's clock set by the test."""

from __future__ import annotations

import json
import tempfile
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from gitops_bot.cli import main
from gitops_bot.core import instants
from testkit.forge_story import Story, run, stories
from testkit.github_server import FakeGitHub
from testkit.pushtime_servers import Canned, FakeGitHubPackages
from testkit.registry_process import RegistryProcess
from testkit.update_world import git

NOW = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)
APP = '    range: "^1"\n'


@pytest.fixture(params=["github", "gitlab"])
def story(
    request: pytest.FixtureRequest, tmp_path: Path, registry: RegistryProcess, monkeypatch: pytest.MonkeyPatch
) -> Iterator[Story]:
    yield from stories(request.param, tmp_path, registry, monkeypatch)


@pytest.fixture
def packages(monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeGitHubPackages]:
    """The Packages API takes GitHub's token (read:packages), whichever forge the repository is on."""
    with FakeGitHubPackages(token=FakeGitHub.token) as api:
        monkeypatch.setenv("GITHUB_TOKEN", FakeGitHub.token)
        yield api


def _app(out: dict[str, Any], environment: str) -> dict[str, Any]:
    (env,) = [e for e in out["environments"] if e["name"] == environment]
    (item,) = [i for i in env["images"] if i["image"] == "example/app"]
    return item  # type: ignore[no-any-return]


def _plan(story: Story, capsys: pytest.CaptureFixture[str]) -> dict[str, Any]:
    """``plan`` in a checkout of main (it reads a working tree, not a remote)."""
    checkout = Path(tempfile.mkdtemp(dir=story.tmp)) / "plan"
    git(story.tmp, "clone", "-q", str(story.remote), str(checkout))
    with pytest.MonkeyPatch.context() as m:
        m.setattr(instants, "system_clock", lambda: NOW)
        code = main(["plan", "--repo", str(checkout), "--output", "json"])
    out, err = capsys.readouterr()
    assert code == 0, err
    return json.loads(out)  # type: ignore[no-any-return]


def _status(story: Story, capsys: pytest.CaptureFixture[str], code: int) -> dict[str, Any]:
    with pytest.MonkeyPatch.context() as m:
        m.setattr(instants, "system_clock", lambda: NOW)
        assert main(["status", "--repo", f"file://{story.remote}", "--output", "json"]) == code
    rows = json.loads(capsys.readouterr().out)["rows"]
    (row,) = [r for r in rows if r["environment"] == "staging" and r["image"] == "example/app"]
    return row["decision"]  # type: ignore[no-any-return]


def test_a_push_time_api_that_answers_garbage_makes_the_age_unknown_on_every_surface(
    story: Story, packages: FakeGitHubPackages, capsys: pytest.CaptureFixture[str]
) -> None:
    host = story.world.pusher.client.base_url.netloc.decode()
    story.edit_config(APP, APP + "    min_age: 1h\n")
    story.edit_config("  group: environment\n", "  group: image\n")  # the app's own pull request
    story.edit_config(
        "pull_request:",
        f"registries:\n  {host}:\n    push_time: github\n    push_time_url: {packages.url}\npull_request:",
    )
    ns = story.world.ns
    packages.push(f"{ns}/app", "1.1.0", story.push("app", "1.1.0"), NOW - timedelta(days=2))
    run(capsys, story, NOW, "update", "--env", "staging")
    (opened,) = [r for r in story.open_requests() if r["head"].endswith("/example-app")]
    assert "1.1.0" in opened["body"]

    story.push("app", "1.2.0")  # its own creation time says it is old: only its push may tell
    packages.canned = [Canned(200, b"<html>Service Unavailable</html>") for _ in range(40)]
    said = "1.2.0's push time could not be read: GitHub Packages:"
    planned = _plan(story, capsys)
    for environment in ("staging", "dev"):  # by pull request and by commit
        item = _app(planned, environment)
        decision = item["decision"]
        assert (decision["action"], decision["rule"]) == ("unknown", "min_age"), item
        assert said in decision["reason"] and item["waiting"]["unread"].startswith(
            "push time could not be read"
        )
    decision = _status(story, capsys, 0)
    assert (decision["action"], decision["rule"]) == ("unknown", "min_age") and said in decision["reason"]

    dry = run(capsys, story, NOW, "update", "--env", "staging", "--dry-run")
    (left,) = [r for r in dry["results"] if r["branch"] == opened["head"]]
    assert left["next_step"]["action"] == "leave" and left["warnings"][0].startswith(
        "left open: example/app: "
    )
    done = run(capsys, story, NOW, "update", "--env", "staging")
    assert [r["next_step"] for r in done["results"] if r["branch"] == opened["head"]] == [left["next_step"]]
    assert opened in story.open_requests()  # neither closed nor moved to 1.2.0
    assert story.unexpected() == []


def test_a_forge_that_cannot_list_its_pull_requests_makes_a_forge_aged_image_unknown(
    story: Story, capsys: pytest.CaptureFixture[str]
) -> None:
    """No push-time API: by pull request the forge's record of first sightings ages the image,
    and the forge refuses the listing."""
    story.edit_config(APP, APP + "    min_age: 1h\n")
    story.push("app", "1.1.0")
    story.fail_listing(403)
    decision = _status(story, capsys, 3)
    assert (decision["action"], decision["rule"]) == ("unknown", "min_age"), decision
    assert "1.1.0's first sighting, which its pull request records, could not be read" in decision["reason"]
