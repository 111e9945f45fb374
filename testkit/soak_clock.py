"""Helpers for the automatic-release tests (soak-then-promote, automatic rollback): the bot's
clock set by the test, instants written as Argo CD writes them, an environment's keys
added to the promotion example's ``gitops-bot.yaml`` by a commit on main, and the release
every one of them starts from (app 1.1.0 promoted to staging)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from gitops_bot.core import instants
from testkit.promotion_world import World, add_files, release_dev, run


def start() -> datetime:
    """A minute boundary after every commit the test made so far (git records real time), so
    the instants the test gives Argo CD come after the releases they follow."""
    now = datetime.now(UTC).replace(second=0, microsecond=0)
    return now + timedelta(minutes=2)


def at(monkeypatch: pytest.MonkeyPatch, when: datetime) -> None:
    """The bot's clock (``instants.system_clock``, read by each run's App) says ``when``."""
    monkeypatch.setattr(instants, "system_clock", lambda: when)


def rfc3339(when: datetime) -> str:
    """An instant as Argo CD's ``v1Time`` writes it (seconds, ``Z``)."""
    return when.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def configure(world: World, environment: str, lines: str) -> None:
    """Add ``lines`` (already indented as keys of an environment) under ``environment`` in
    ``gitops-bot.yaml``, by a commit on main."""
    anchor = f"  - name: {environment}\n    path: overlays/{environment}\n"
    add_files(world, {}, ("gitops-bot.yaml", anchor, anchor + lines))


def promoted_to_staging(capsys: pytest.CaptureFixture[str], world: World) -> None:
    """app 1.1.0 pushed, released to dev and promoted to staging: the promotion pull request is
    open (the test merges it, when and as it needs)."""
    world.push("app", "1.1.0")
    release_dev(capsys, world)
    run(capsys, world, "promote", "dev", "staging")


def running(world: World, environment: str) -> list[str]:
    """What Argo CD reports running (``status.summary.images``) when ``environment`` runs
    exactly the images its overlay pins by digest."""
    out, name, tag = [], "", ""
    for line in world.overlay(environment).splitlines():
        key, _, value = line.strip().partition(": ")
        if key == "newName":
            name = value
        elif key == "newTag":
            tag = value.strip('"')
        elif key == "digest":
            out.append(f"{name}:{tag}@{value}")
    return out
