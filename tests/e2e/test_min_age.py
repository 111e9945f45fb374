"""min_age end to end over the real registry process (which keeps no push time): by commit, an
image younger than the rule by its creation time is not committed (the plan and its JSON say
until when it waits), and once old enough, by the controlled clock, it is. By pull request the
forge is the clock the publisher cannot set: the pull request opens when the bot first sees the
image, says until when it must not be merged, requests auto-merge only then, and a restarted
bot reads the same time from it; a newer image seen meanwhile waits its own min_age without
resetting the first's. Every update run twice changes nothing the second time."""

from __future__ import annotations

import json
import tempfile
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from gitops_bot.cli import main
from gitops_bot.core import instants
from testkit.github_server import FakeGitHub
from testkit.markup import shown
from testkit.registry_process import RegistryProcess
from testkit.update_world import World, git, make_world, update

PUSHED = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)  # the new image's config ``created``
UNTIL = "2026-11-23T10:00:00Z"  # PUSHED + min_age 1h


def set_min_age(world: World) -> Path:
    """The app image gets ``min_age: 1h`` in gitops-bot.yaml (a commit on main); the checkout
    that made it, where ``plan`` runs."""
    work = Path(tempfile.mkdtemp(dir=world.tmp)) / "edit"
    git(world.tmp, "clone", "-q", str(world.remote), str(work))
    path = work / "gitops-bot.yaml"
    text = path.read_text()
    assert '    range: "^1"\n' in text
    path.write_text(text.replace('    range: "^1"\n', '    range: "^1"\n    min_age: 1h\n'))
    git(work, "-c", "user.name=dev", "-c", "user.email=dev@example.com", "commit", "-qam", "min_age")
    git(work, "push", "-q", "origin", "main")
    return work


def at(monkeypatch: pytest.MonkeyPatch, minutes_after_push: int) -> None:
    """The bot's clock reads this time (no sleeping)."""
    when = PUSHED + timedelta(minutes=minutes_after_push)
    monkeypatch.setattr(instants, "system_clock", lambda: when)


def young_app(world: World) -> tuple[Path, str]:
    """``min_age: 1h`` set (the checkout that made it) and app 1.1.0 pushed, created at PUSHED
    (its digest)."""
    checkout = set_min_age(world)
    new = world.pusher.image(
        f"{world.ns}/app", "1.1.0", created=instants.format_instant(PUSHED), salt="young"
    )
    return checkout, new.digest


def clocked(world: World, monkeypatch: pytest.MonkeyPatch) -> Callable[[int], None]:
    """One controlled clock for the bot and the forge (which stamps a pull request's creation
    by it): ``at_minute(m)`` sets both to ``m`` minutes after the push."""
    now = [PUSHED]
    world.github.clock = lambda: now[0]

    def at_minute(m: int) -> None:
        now[0] = PUSHED + timedelta(minutes=m)
        monkeypatch.setattr(instants, "system_clock", lambda: now[0])

    return at_minute


def plan(capsys: pytest.CaptureFixture[str], checkout: Path, *extra: str) -> str:
    code = main(["plan", "--repo", str(checkout), "--env", "staging", *extra])
    out, err = capsys.readouterr()
    assert code == 0, err
    return out


def app_item(result: dict[str, Any]) -> dict[str, Any]:
    (env,) = result["environments"]
    (item,) = [i for i in env["images"] if i["image"] == "example/app"]
    return item  # type: ignore[no-any-return]


def dev_item(result: dict[str, Any]) -> dict[str, Any]:
    (env,) = result["environments"]
    (item,) = [i for i in env["images"] if i["image"] == "example/app"]
    return item  # type: ignore[no-any-return]


def test_by_commit_a_young_image_waits_for_min_age_then_lands_and_updates_are_idempotent(
    world: World, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    checkout, new = young_app(world)
    dev = ["--env", "dev"]

    # 10 minutes after the push: 1.1.0 is not committed; the deployed 1.0.0 is pinned to its digest
    at(monkeypatch, 10)
    code = main(["plan", "--repo", str(checkout), *dev])
    text = capsys.readouterr().out
    assert code == 0 and f"1.1.0 waiting until {UNTIL} (min_age 1h)" in text, text
    assert text.rstrip().endswith("2 to propose; 0 blocked; 0 skipped"), text  # the decisions' words
    code = main(["plan", "--repo", str(checkout), *dev, "--output", "json"])
    item = dev_item(json.loads(capsys.readouterr().out))
    assert item["candidate"]["tag"] == "1.0.0"
    assert item["waiting"] == {
        "tag": "1.1.0",
        "digest": new,
        "until": UNTIL,
        "rule": "min_age",
        "min_age": "1h",
    }
    first = update(capsys, world, *dev)
    assert first["changed"] is True
    head = world.sha("main")
    assert update(capsys, world, *dev)["changed"] is False and world.sha("main") == head

    # 61 minutes after the push: old enough, committed; nothing waits any more
    at(monkeypatch, 61)
    third = update(capsys, world, *dev)
    assert third["changed"] is True
    overlay = git(world.tmp, "--git-dir", str(world.remote), "show", "main:overlays/dev/kustomization.yaml")
    assert new in overlay
    head = world.sha("main")
    assert update(capsys, world, *dev)["changed"] is False and world.sha("main") == head
    assert world.github.unexpected == []


def test_by_pull_request_the_forge_is_the_clock_and_a_restarted_bot_reads_it(
    world: World, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    checkout, new = young_app(world)
    at_minute = clocked(world, monkeypatch)

    # 10 minutes after the push, first seen: plan (which reads no forge) previews the proposal
    at_minute(10)
    text = plan(capsys, checkout)
    assert "propose (min_age)" in text and "merge waiting until 2026-11-23T10:10:00Z" in text, text
    item = app_item(json.loads(plan(capsys, checkout, "--output", "json")))
    assert item["candidate"]["tag"] == "1.1.0" and item["waiting"]["proposed"] is True
    assert item["decision"]["until"] == "2026-11-23T10:10:00Z"

    first = update(capsys, world, "--env", "staging")
    assert first["changed"] is True
    (pr,) = world.github.open_pulls()
    assert pr["created_at"] == "2026-11-23T09:10:00Z"
    assert "Do not merge before 2026-11-23T10:10:00Z" in pr["body"]
    assert f"<!-- gitops-bot:seen example/app {new} 2026-11-23T09:10:00Z -->" in pr["body"]
    assert pr["auto_merge"] is None  # nothing merges it by itself before min_age
    head = world.sha("gitops-bot/staging")
    # and nobody merges it by hand where branch protection requires the bot's status
    assert world.github.statuses[head] == [("gitops-bot/min-age", "pending")]
    posted = [r for r in world.github.requests if r.method == "POST" and "/statuses/" in r.path]
    assert posted[0].body["description"] == "min_age: do not merge before 2026-11-23T10:10:00Z"
    again = update(capsys, world, "--env", "staging")
    assert again["changed"] is False and world.sha("gitops-bot/staging") == head
    assert len([r for r in world.github.requests if r.method == "POST" and "/statuses/" in r.path]) == 1

    # 30 minutes: a newer image is first seen; the first keeps its own clock, the PR stays on it
    at_minute(30)
    newer = world.pusher.image(
        f"{world.ns}/app", "1.2.0", created=instants.format_instant(instants.system_clock()), salt="newer"
    ).digest
    update(capsys, world, "--env", "staging")
    (pr,) = world.github.open_pulls()
    assert f"`{new}`" in pr["body"] and "Do not merge before 2026-11-23T10:10:00Z" in pr["body"]
    assert f"<!-- gitops-bot:seen example/app {newer} 2026-11-23T09:30:00Z -->" in pr["body"]
    assert "1.2.0 waiting until 2026-11-23T10:30:00Z" in shown(pr["body"])
    assert pr["auto_merge"] is None
    status = main(["status", "--repo", f"file://{world.remote}", "--output", "json"])
    rows = json.loads(capsys.readouterr().out)["rows"]
    assert status == 0
    (row,) = [r for r in rows if r["environment"] == "staging" and r["image"] == "example/app"]
    assert row["decision"]["rule"] == "min_age" and row["decision"]["until"] == "2026-11-23T10:10:00Z", row
    assert "first seen by the bot 2026-11-23T09:10:00Z" in row["decision"]["evidence"]["age_from"]

    # 71 minutes, a restarted bot: 1.1.0 has been seen for an hour by the PR's clock: auto-merge
    at_minute(71)
    update(capsys, world, "--env", "staging")
    (pr,) = world.github.open_pulls()
    assert f"| `1.0.0` | `1.1.0` | `{new}` |" in pr["body"] and "Do not merge before" not in pr["body"]
    assert pr["auto_merge"] is not None and pr["auto_merge"]["merge_method"] == "squash"
    assert world.github.statuses[world.sha("gitops-bot/staging")] == [("gitops-bot/min-age", "success")]
    head = world.sha("gitops-bot/staging")
    assert update(capsys, world, "--env", "staging")["changed"] is False
    assert world.sha("gitops-bot/staging") == head

    # 91 minutes (1.1.0 not merged yet): 1.2.0 has aged by its own sighting and replaces it
    at_minute(91)
    update(capsys, world, "--env", "staging")
    (pr,) = world.github.open_pulls()
    assert f"| `1.0.0` | `1.2.0` | `{newer}` |" in pr["body"], pr["body"]
    assert len(world.github.pulls) == 1 and world.github.unexpected == []


def test_the_forge_clock_crosses_a_window_a_dry_run_and_status(
    world: World, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """The PR's clock beside the features already there: a dry run writes the body the real run
    wrote (it reads the same record), status shows the same decision, and a deny window that
    starts before min_age ends keeps auto-merge off until the window opens, whichever is later."""
    checkout = set_min_age(world)
    add_config_text = '    windows:\n      timezone: UTC\n      deny:\n        - {days: [mon], from: "10:00", to: "12:00"}\n'
    work = checkout
    git(work, "pull", "-q", "origin", "main")
    path = work / "gitops-bot.yaml"
    text = path.read_text()
    assert "    path: overlays/staging\n" in text
    path.write_text(
        text.replace("    path: overlays/staging\n", "    path: overlays/staging\n" + add_config_text)
    )
    git(work, "-c", "user.name=dev", "-c", "user.email=dev@example.com", "commit", "-qam", "window")
    git(work, "push", "-q", "origin", "main")
    new = world.pusher.image(
        f"{world.ns}/app", "1.1.0", created=instants.format_instant(PUSHED), salt="young"
    ).digest
    at_minute = clocked(world, monkeypatch)

    at_minute(10)  # Monday 09:10 UTC, first seen
    update(capsys, world, "--env", "staging")
    (pr,) = world.github.open_pulls()
    assert pr["auto_merge"] is None and "Do not merge before 2026-11-23T10:10:00Z" in pr["body"]
    at_minute(20)  # a dry run reads the record: the body it would write is the one there
    dry = update(capsys, world, "--env", "staging", "--dry-run")
    (res,) = dry["results"]
    assert res["action"] == "dry_run" and res["body"] == pr["body"], res
    assert main(["status", "--repo", f"file://{world.remote}", "--output", "json"]) == 0
    rows = json.loads(capsys.readouterr().out)["rows"]
    (row,) = [r for r in rows if r["environment"] == "staging" and r["image"] == "example/app"]
    assert (row["decision"]["action"], row["decision"]["rule"]) == ("propose", "min_age"), row
    assert row["decision"]["until"] == "2026-11-23T10:10:00Z"

    at_minute(75)  # 10:15: min_age has passed, the deny window (10:00-12:00) has not
    update(capsys, world, "--env", "staging")
    (pr,) = world.github.open_pulls()
    assert "Do not merge before" not in pr["body"] and "auto-merge deferred:" in pr["body"]
    assert pr["auto_merge"] is None
    assert f"`{new}`" in pr["body"]

    at_minute(181)  # 12:01: the window is open
    update(capsys, world, "--env", "staging")
    (pr,) = world.github.open_pulls()
    assert pr["auto_merge"] is not None and "auto-merge deferred:" not in pr["body"]
    assert len(world.github.pulls) == 1 and world.github.unexpected == []


def test_with_one_pull_request_per_image_each_keeps_its_own_clock_and_a_hold_starts_none(
    tmp_path: Path,
    registry: RegistryProcess,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """``group: image``: app seen at 09:10, worker at 09:40, each PR waits for its own hour; a
    held image opens no PR, so no clock starts for it while held."""
    monkeypatch.setenv("GITHUB_TOKEN", FakeGitHub.token)
    monkeypatch.setenv("GITOPS_BOT_CACHE", str(tmp_path / "cache"))
    for w in make_world(tmp_path, registry, group="image"):
        work = set_min_age(w)
        path = work / "gitops-bot.yaml"
        path.write_text(
            path.read_text().replace(
                "  - name: staging\n    path: overlays/staging\n",
                "  - name: staging\n    path: overlays/staging\n    min_age: 1h\n",
            )
        )
        git(work, "-c", "user.name=dev", "-c", "user.email=dev@example.com", "commit", "-qam", "env min_age")
        git(work, "push", "-q", "origin", "main")
        at_minute = clocked(w, monkeypatch)

        at_minute(10)
        w.pusher.image(f"{w.ns}/app", "1.1.0", created=instants.format_instant(PUSHED), salt="a")
        update(capsys, w, "--env", "staging")
        at_minute(40)
        w.pusher.image(f"{w.ns}/worker", "2.1", created=instants.format_instant(PUSHED), salt="w")
        update(capsys, w, "--env", "staging")
        by_branch = {p["head"]["ref"]: p for p in w.github.open_pulls()}
        app = by_branch["gitops-bot/staging/example-app"]
        worker = by_branch["gitops-bot/staging/example-worker"]
        assert "Do not merge before 2026-11-23T10:10:00Z" in app["body"]
        assert "Do not merge before 2026-11-23T10:40:00Z" in worker["body"]
        # worker's first PR only pinned 2.0 (what runs), with auto-merge: superseded by a new one,
        # whose creation is 2.1's clock, rather than left to merge an image that must wait
        (closed,) = [p for p in w.github.pulls if p["state"] == "closed"]
        assert closed["head"]["ref"] == "gitops-bot/staging/example-worker" and worker["auto_merge"] is None
        assert worker["created_at"] == "2026-11-23T09:40:00Z"

        at_minute(71)  # app's hour is over, worker's is not
        update(capsys, w, "--env", "staging")
        by_branch = {p["head"]["ref"]: p for p in w.github.open_pulls()}
        assert by_branch["gitops-bot/staging/example-app"]["auto_merge"] is not None
        assert by_branch["gitops-bot/staging/example-worker"]["auto_merge"] is None
        assert update(capsys, w, "--env", "staging")["changed"] is False
        assert w.github.unexpected == []


def test_a_forge_that_cannot_list_its_pull_requests_leaves_the_age_unknown_with_why(
    world: World, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """The record is not read (the forge refuses the listing): the pull request may record an
    earlier sighting than "now", so the image's age is unknown, and the decision says so with
    why, rather than proposing it as seen now; the pull request column is unknown too (exit 3:
    a source could not answer)."""
    young_app(world)
    at_minute = clocked(world, monkeypatch)
    at_minute(10)
    world.github.fail["GET /repos/acme/gitops/pulls"] = (403, {"message": "Resource not accessible"}, {})
    assert main(["status", "--repo", f"file://{world.remote}", "--output", "json"]) == 3
    rows = json.loads(capsys.readouterr().out)["rows"]
    (row,) = [r for r in rows if r["environment"] == "staging" and r["image"] == "example/app"]
    assert (row["decision"]["action"], row["decision"]["rule"]) == ("unknown", "min_age"), row
    assert "first sighting, which its pull request records, could not be read" in row["decision"]["reason"]


def test_a_token_without_the_status_permission_leaves_a_warning_not_a_failure(
    world: World, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """GitHub refuses the status (a GITHUB_TOKEN without ``statuses: write``): the pull request
    still opens and waits, and the run says, once, what was not set."""
    young_app(world)
    clocked(world, monkeypatch)(10)
    world.github.fail[r"POST /repos/acme/gitops/statuses/[0-9a-f]{40}"] = (
        403,
        {"message": "Resource not accessible by integration"},
        {},
    )
    result = update(capsys, world, "--env", "staging")
    (pr,) = world.github.open_pulls()
    assert "Do not merge before 2026-11-23T10:10:00Z" in pr["body"]
    warnings = [w for r in result["results"] for w in r.get("warnings", [])]
    assert any(
        w.startswith("status gitops-bot/min-age not set:") and "not accessible" in w for w in warnings
    ), warnings
