"""Stopping the line: ``freeze --all`` is one change request for every environment, through the
one delivery, and every environment's decision then reads the one stopped line.

On GitHub (staging by pull request, dev by commit) and on GitLab (production as well): an
update pull request is open with auto-merge requested; ``freeze --all`` (its dry run first,
saying exactly what the run does) opens one pull request, and running it again opens none;
merged, every environment's decision reads frozen by the stopped line, the next ``update``
supersedes the open pull request without auto-merge and marks it, ``unfreeze staging`` says in
one line that staging stays frozen, and ``freeze --all`` is still a no-op; ``unfreeze --all``
lifts exactly the one record, and the next ``update`` requests auto-merge again.

The real registry and git remote, each forge's spec-held fake, the bot's clock set by the test."""

from __future__ import annotations

import html
import re
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from gitops_bot.cli import main
from gitops_bot.commands.status import status as status_of
from gitops_bot.core import instants
from gitops_bot.output import dashboard, status_html
from gitops_bot.release.next_step import FROZEN_MARK
from testkit.forge_story import Story, run, stories
from testkit.markup import shown
from testkit.registry_process import RegistryProcess
from testkit.surfaces import Section, surfaces
from testkit.update_world import git

NOW = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)
UNTIL = "2026-12-28T00:00:00Z"
STOPPED = f"all environments are frozen (stop the line) until {UNTIL}: incident 4711"
RECORD = "gitops-bot.freezes/_all.yaml"


@pytest.fixture(params=["github", "gitlab"])
def story(
    request: pytest.FixtureRequest, tmp_path: Path, registry: RegistryProcess, monkeypatch: pytest.MonkeyPatch
) -> Iterator[Story]:
    """The update example on ``request.param``: staging opens pull requests with auto-merge."""
    yield from stories(request.param, tmp_path, registry, monkeypatch)


def _freezes_on_main(story: Story) -> list[str]:
    listed = git(story.remote, "ls-tree", "-r", "--name-only", "main")
    return [p for p in listed.splitlines() if p.startswith("gitops-bot.freezes")]


def _decisions(capsys: pytest.CaptureFixture[str], story: Story) -> dict[str, set[str]]:
    """Each environment's decisions in their words, once every surface (plan and status, text
    and JSON, the page, the dashboard issue) is checked to show the same ones."""
    out: dict[str, set[str]] = {}
    for (env, _), d in surfaces(story.remote, story.tmp, capsys).items():
        out.setdefault(env, set()).add(f"{d['rule']}: {d['reason']}")
    return out


def _page_and_issue(story: Story) -> tuple[str, str]:
    """The status page and the dashboard issue, as their readers see them."""
    found = status_of(f"file://{story.remote}")
    page = status_html.render([Section(None, NOW, found)], "v1")
    return html.unescape(re.sub(r"<[^>]+>", "", page)), shown(dashboard.markdown(found))


def test_freeze_all_is_one_change_request_every_environment_reads_and_unfreeze_all_lifts(
    story: Story, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(instants, "system_clock", lambda: NOW)  # the surfaces read the story's clock
    story.push("app", "1.1.0")
    run(capsys, story, NOW, "update", "--env", "staging")
    (update_pr,) = story.open_requests()
    assert update_pr["auto_merge"] == "squash"
    environments = set(_decisions(capsys, story))
    assert len(environments) >= 2

    stop = ("freeze", "--all", "--until", UNTIL, "--reason", "incident 4711")
    (dry,) = run(capsys, story, NOW, *stop, "--dry-run")["results"]
    assert dry["action"] == "dry_run" and dry["next_step"]["action"] == "create"
    assert story.open_requests() == [update_pr]  # the dry run wrote nothing

    (done,) = run(capsys, story, NOW, *stop)["results"]
    assert done["next_step"] == dry["next_step"]  # what the dry run said is what the run did
    assert (done["environment"], done["kind"], done["action"]) == (
        "all environments",
        "freeze",
        "pull_request",
    )
    assert done["branch"] == "gitops-bot/freeze/_all"
    assert done["next_step"]["title"] == f"all environments: stop the line until {UNTIL}"
    (stop_pr,) = [r for r in story.open_requests() if r["number"] != update_pr["number"]]
    assert STOPPED in shown(stop_pr["body"]) and RECORD in stop_pr["body"]

    (again,) = run(capsys, story, NOW, *stop)["results"]
    assert again["action"] == "unchanged" and again["next_step"]["action"] == "leave"
    assert len(story.open_requests()) == 2  # no second pull request

    story.merge(stop_pr["number"])
    assert _freezes_on_main(story) == [RECORD]  # one record, not one file per environment
    assert "_all:" in story.show(RECORD) and "reason: incident 4711" in story.show(RECORD)
    decided = _decisions(capsys, story)
    assert set(decided) == environments
    assert all(reasons == {f"freeze: {STOPPED}"} for reasons in decided.values()), decided
    checkout = story.tmp / "plan-stopped"
    git(story.tmp, "clone", "-q", str(story.remote), str(checkout))
    assert main(["plan", "--repo", str(checkout)]) == 0
    said = f"  frozen: all environments (stop the line) until {UNTIL}: incident 4711"
    assert capsys.readouterr().out.count(said + "\n") == len(environments)
    page, issue = _page_and_issue(story)
    assert page.count(f"Frozen: {STOPPED}") == len(environments)  # each environment's header
    assert issue.count(f"blocked (freeze): {STOPPED}") == 2 * len(environments)  # app and worker

    out = run(capsys, story, NOW, "update")["results"]
    staging = [r for r in out if r["environment"] == "staging"]
    assert [r["next_step"]["action"] for r in staging] == ["supersede"]
    assert [c["number"] for c in staging[0]["next_step"]["closes"]] == [update_pr["number"]]
    assert all(r["action"] == "unchanged" for r in out)
    assert {w for r in out for w in r["warnings"] if w.startswith("not updated")} == {
        f"not updated: {STOPPED}"
    }
    (marked,) = [r for r in story.open_requests() if r["head"] == update_pr["head"]]
    assert marked["auto_merge"] is None and marked["number"] != update_pr["number"]
    assert marked["body"].count(FROZEN_MARK) == 1 and STOPPED in shown(marked["body"])

    # staging has no freeze of its own: lifting it changes nothing, and says why in one line
    (lift_one,) = run(capsys, story, NOW, "unfreeze", "staging")["results"]
    assert lift_one["action"] == "unchanged"
    assert lift_one["warnings"] == [
        f"staging has no freeze of its own to lift; it stays frozen while the line is stopped ({STOPPED}): "
        "'gitops-bot unfreeze --all' restarts the line"
    ]
    (after_merge,) = run(capsys, story, NOW, *stop)["results"]
    assert after_merge["action"] == "unchanged"
    assert sorted(r["number"] for r in story.open_requests()) == [marked["number"]]

    (lifted,) = run(capsys, story, NOW, "unfreeze", "--all")["results"]
    assert lifted["next_step"]["title"] == "all environments: restart the line"
    (restart_pr,) = [r for r in story.open_requests() if r["number"] != marked["number"]]
    story.merge(restart_pr["number"])
    assert _freezes_on_main(story) == []
    assert not any(r.startswith("freeze") for rs in _decisions(capsys, story).values() for r in rs)

    run(capsys, story, NOW, "update")
    (requested,) = story.open_requests()
    assert requested["auto_merge"] == "squash" and FROZEN_MARK not in requested["body"]
    assert story.unexpected() == []


@pytest.mark.parametrize("command", ["freeze", "unfreeze"])
def test_all_with_an_environment_is_one_usage_line(command: str, capsys: pytest.CaptureFixture[str]) -> None:
    extra = ["--until", "3d", "--reason", "incident"] if command == "freeze" else []
    assert main([command, "staging", "--all", *extra]) == 2
    out, err = capsys.readouterr()
    assert out == ""
    assert err == (
        f"gitops-bot: error: {command} takes ENV or --all, not both; 'gitops-bot {command} staging' for one "
        f"environment, 'gitops-bot {command} --all' for every environment\n"
    )
    assert main([command, *extra]) == 2
    assert capsys.readouterr().err.startswith(f"gitops-bot: error: {command} needs ENV or --all; ")
