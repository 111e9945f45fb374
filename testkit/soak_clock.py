"""Helpers for the automatic-release tests (soak-then-promote, automatic rollback): the bot's
clock set by the test, instants written as Argo CD writes them, an environment's keys
added to the promotion example's ``gitops-bot.yaml`` by a commit on main, and the release
every one of them starts from (app 1.1.0 promoted to staging), and Argo CD's record of staging
running it."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from gitops_bot.core import instants
from testkit.argocd_server import application
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


def staging_deployed(
    world: World, t0: datetime, read_at: datetime, *, history: tuple[datetime, ...] | None = None
) -> None:
    """Argo CD's record: staging Healthy and Synced since ``t0``, running what its overlay pins,
    last read at ``read_at``; ``history``: the instants it was deployed at, oldest first
    (``t0`` alone unless given)."""
    world.argocd.apps["app-staging"] = application(
        "app-staging",
        running(world, "staging"),
        health_since=rfc3339(t0),
        finished=rfc3339(t0),
        deployed=tuple(rfc3339(d) for d in ((t0,) if history is None else history)),
        reconciled=rfc3339(read_at),
    )
