"""The dry run is the run: ``update``, ``promote`` and ``rollback`` with ``--dry-run --output
json`` and then without give the same documents but for what only a write makes (the action
word, the pull request's URL, the commit): the same next step, branch, title, body bytes,
commit message and what it closes; and the pull request or commit the run makes holds exactly
those bytes.

Stories: a promotion and a rollback forced with a reason into frozen environments (the body's
"freeze overridden" line), ``write: commit``'s real commit message, a closed window deferring a
commit, and an open pull request whose images are all held (the dry run says it would close
it); on GitHub and on GitLab, with the real registry and git remote, each forge's spec-held
fake and the bot's clock set by the test. The automatic rollback's paragraph, on the promotion
example (GitHub and Argo CD)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from gitops_bot.cli import main
from gitops_bot.core import instants
from testkit import forge_world, promotion_world, update_world
from testkit.argocd_server import application
from testkit.markup import shown
from testkit.promotion_world import add_files
from testkit.registry_process import RegistryProcess
from testkit.soak_clock import at, configure, promoted_to_staging, rfc3339, start
from testkit.update_world import git

NOW = datetime(2026, 11, 18, 13, 0, tzinfo=UTC)  # a Wednesday afternoon
MORNING = datetime(2026, 11, 19, 10, 0, tzinfo=UTC)  # the window below is closed until noon
AFTERNOON = datetime(2026, 11, 19, 13, 0, tzinfo=UTC)
UNTIL = "2026-12-28T00:00:00Z"
WINDOW = """    windows:
      timezone: UTC
      deny:
        - {days: [mon, tue, wed, thu, fri, sat, sun], to: "12:00"}
"""
PRODUCTION = """  - name: production
    path: overlays/production
    promote_from: staging
"""
# what only a write makes, and what a dry run prints besides its step
WRITTEN = ("action", "pull_request", "commit")
PRINTED = ("title", "body", "diff")


@dataclass
class Story:
    """What the stories read of either world: its remote, its images and change requests."""

    remote: Path
    world: Any

    def push(self, repo: str, tag: str) -> str:
        return str(self.world.push(repo, tag))

    def run(self, capsys: pytest.CaptureFixture[str], when: datetime, *argv: str) -> dict[str, Any]:
        with pytest.MonkeyPatch.context() as m:
            m.setattr(instants, "system_clock", lambda: when)
            code = main([*argv, "--repo", f"file://{self.remote}", "--output", "json"])
        out, err = capsys.readouterr()
        assert code == 0, err
        return json.loads(out)  # type: ignore[no-any-return]

    def both(self, capsys: pytest.CaptureFixture[str], when: datetime, *argv: str) -> tuple[Any, Any]:
        """``argv`` with ``--dry-run``, then without; the dry run changed nothing."""
        refs, requests = self.refs(), self.open_requests()
        dry = self.run(capsys, when, *argv, "--dry-run")
        assert (self.refs(), self.open_requests()) == (refs, requests), "the dry run wrote"
        real = self.run(capsys, when, *argv)
        assert dry["results"], dry
        assert all(r["action"] == "dry_run" for r in dry["results"]), dry
        assert _written_away(dry) == _written_away(real)
        return dry, real

    def refs(self) -> str:
        return git(self.remote, "for-each-ref", "--format=%(refname) %(objectname)")

    def open_requests(self) -> list[dict[str, Any]]:
        """number, head, title, body of each open change request."""
        if isinstance(self.world, forge_world.World):
            views = self.world.forge.open_views()
            return [{k: v[k] for k in ("number", "head", "title", "body")} for v in views]
        return [
            {"number": p["number"], "head": p["head"]["ref"], "title": p["title"], "body": p["body"]}
            for p in self.world.github.open_pulls()
        ]

    def merge_all(self) -> None:
        for pr in self.open_requests():
            if isinstance(self.world, forge_world.World):
                self.world.forge.merge(pr["number"])
            else:
                self.world.github.merge(pr["number"])

    def unexpected(self) -> list[Any]:
        forge = self.world.forge if isinstance(self.world, forge_world.World) else self.world.github
        return list(forge.unexpected)


def _written_away(doc: dict[str, Any]) -> list[dict[str, Any]]:
    return [{k: v for k, v in r.items() if k not in WRITTEN + PRINTED} for r in doc["results"]]


@pytest.fixture(params=["github", "gitlab"])
def story(
    request: pytest.FixtureRequest, tmp_path: Path, registry: RegistryProcess, monkeypatch: pytest.MonkeyPatch
) -> Iterator[Story]:
    """The update example on ``request.param``, production promoted from staging, and a
    window closed every morning on dev."""
    if request.param == "github":
        worlds: Iterator[Any] = update_world.world_with_token(tmp_path, registry, monkeypatch)
    else:
        worlds = forge_world.make_world(tmp_path, registry, monkeypatch, request.param, "environment")
    for world in worlds:
        if isinstance(world, update_world.World):  # the GitHub example has no production yet
            overlay = git(world.remote, "show", "main:overlays/staging/kustomization.yaml")
            files = {"overlays/production/kustomization.yaml": overlay + "\n"}
            add_files(world, files, ("gitops-bot.yaml", "pull_request:\n", PRODUCTION + "pull_request:\n"))
        anchor = "    path: overlays/dev\n"
        add_files(world, {}, ("gitops-bot.yaml", anchor, anchor + WINDOW))
        yield Story(world.remote, world)


def _step(doc: dict[str, Any], environment: str) -> dict[str, Any]:
    (found,) = [r["next_step"] for r in doc["results"] if r["environment"] == environment]
    return found  # type: ignore[no-any-return]


def test_forced_into_a_freeze_the_dry_run_shows_the_override_the_pull_request_gets(
    story: Story, capsys: pytest.CaptureFixture[str]
) -> None:
    story.push("app", "1.1.0")
    story.run(capsys, NOW, "update", "--env", "staging")
    story.merge_all()
    for env in ("staging", "production"):
        story.run(capsys, NOW, "freeze", env, "--until", UNTIL, "--reason", "year-end freeze")
    story.merge_all()

    reason = ("--force", "--reason", "CVE-2026-1 hotfix")
    dry, _ = story.both(capsys, NOW, "promote", "staging", "production", *reason)
    step = _step(dry, "production")
    assert step["action"] == "create" and step["branch"] == "gitops-bot/promotion/production"
    assert "freeze overridden" in shown(step["body"]) and "CVE-2026-1 hotfix" in shown(step["body"])
    (pr,) = story.open_requests()
    assert (pr["head"], pr["title"], pr["body"]) == (step["branch"], step["title"], step["body"])
    assert dry["results"][0]["body"] == step["body"]  # what the dry run prints is its step's
    story.merge_all()

    dry, _ = story.both(capsys, NOW, "rollback", "staging", *reason)
    step = _step(dry, "staging")
    assert step["action"] == "create" and step["branch"] == "gitops-bot/rollback/staging"
    assert "freeze overridden" in shown(step["body"])
    (pr,) = story.open_requests()
    assert (pr["head"], pr["title"], pr["body"]) == (step["branch"], step["title"], step["body"])
    assert story.unexpected() == []


def test_write_commit_the_dry_run_defers_in_a_closed_window_and_names_the_real_commit_message(
    story: Story, capsys: pytest.CaptureFixture[str]
) -> None:
    story.push("app", "1.1.0")
    head = git(story.remote, "rev-parse", "main")

    dry, real = story.both(capsys, MORNING, "update", "--env", "dev")
    step = _step(dry, "dev")
    assert step["action"] == "defer" and step["branch"] == "main"
    (said,) = dry["results"][0]["warnings"]
    assert said.startswith("deferred by window until") and real["results"][0]["action"] == "unchanged"
    assert git(story.remote, "rev-parse", "main") == head

    dry, real = story.both(capsys, AFTERNOON, "update", "--env", "dev")
    step = _step(dry, "dev")
    assert step["action"] == "commit" and real["results"][0]["action"] == "commit"
    message = git(story.remote, "log", "-1", "--format=%B", "main")
    assert message == step["commit_message"].strip()
    assert message.startswith("chore(dev): update 2 images\n\n- example/app 1.0.0 -> 1.1.0 (sha256:")
    assert step["title"] not in message  # the pull-request title is not what a commit says

    # the text dry run prints the same message
    story.push("app", "1.2.0")
    with pytest.MonkeyPatch.context() as m:
        m.setattr(instants, "system_clock", lambda: AFTERNOON)
        assert main(["update", "--env", "dev", "--dry-run", "--repo", f"file://{story.remote}"]) == 0
    text = capsys.readouterr().out
    assert "would commit 'chore(dev): example/app 1.1.0 -> 1.2.0' to main" in text
    assert story.unexpected() == []


def test_an_open_pull_request_whose_images_are_all_held_the_dry_run_says_it_would_close(
    story: Story, capsys: pytest.CaptureFixture[str]
) -> None:
    story.push("app", "1.1.0")
    story.run(capsys, NOW, "update", "--env", "staging")
    (release,) = story.open_requests()
    for image in ("example/app", "example/worker"):  # the release pins both
        story.run(capsys, NOW, "hold", "staging", image, "--reason", "incident 42")
    (hold,) = [p for p in story.open_requests() if p["head"] == "gitops-bot/hold/staging"]
    if isinstance(story.world, forge_world.World):
        story.world.forge.merge(hold["number"])
    else:
        story.world.github.merge(hold["number"])

    dry, real = story.both(capsys, NOW, "update", "--env", "staging")
    step = _step(dry, "staging")
    assert step["action"] == "close" and step["branch"] == "gitops-bot/staging"
    (closes,) = step["closes"]
    assert closes["number"] == release["number"]
    assert [r["action"] for r in real["results"]] == ["closed"]
    assert story.open_requests() == []
    assert "gitops-bot/staging" not in story.refs()
    assert story.unexpected() == []


@pytest.fixture
def promoted(
    tmp_path: Path, registry: RegistryProcess, monkeypatch: pytest.MonkeyPatch
) -> Iterator[promotion_world.World]:
    yield from promotion_world.make_world(tmp_path, registry, monkeypatch)


def test_the_automatic_rollbacks_paragraph_is_in_the_dry_run_as_in_the_pull_request(
    promoted: promotion_world.World, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    world = promoted
    configure(world, "staging", "    auto_rollback: {after: 10m}\n")
    promoted_to_staging(capsys, world)
    world.merge_only_pr()
    t0 = start()
    world.argocd.apps["app-staging"] = application(
        "app-staging",
        [],
        health="Degraded",
        health_since=rfc3339(t0 + timedelta(minutes=2)),
        health_message="Deployment app exceeded its progress deadline",
        finished=rfc3339(t0 + timedelta(minutes=1)),
    )
    at(monkeypatch, t0 + timedelta(minutes=13))
    story = Story(world.remote, world)

    def run(*argv: str) -> dict[str, Any]:
        return promotion_world.run(capsys, world, *argv)

    dry, real = run("update", "--env", "staging", "--dry-run"), run("update", "--env", "staging")
    assert _written_away(dry) == _written_away(real)
    step = _step(dry, "staging")
    assert step["action"] == "create" and "Rolled back automatically:" in shown(step["body"])
    (pr,) = story.open_requests()
    assert (pr["head"], pr["title"], pr["body"]) == (step["branch"], step["title"], step["body"])
    assert world.github.unexpected == []
