"""Promotion end to end: the tests here share the promotion example's world."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from testkit import promotion_world
from testkit.argocd_server import FakeArgoCD
from testkit.forge_story import Story, stories
from testkit.hook_server import HookServer
from testkit.registry_process import RegistryProcess


@pytest.fixture
def world(
    tmp_path: Path, registry: RegistryProcess, monkeypatch: pytest.MonkeyPatch
) -> Iterator[promotion_world.World]:
    """dev -> staging -> production, with Argo CD gating production on staging."""
    yield from promotion_world.make_world(tmp_path, registry, monkeypatch)


@pytest.fixture
def hooks() -> Iterator[HookServer]:
    """A local notification endpoint recording what it receives."""
    with HookServer() as server:
        yield server


@pytest.fixture
def argocd(monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeArgoCD]:
    """The spec-held Argo CD, its token in the environment the bot reads it from."""
    with FakeArgoCD() as argo:
        monkeypatch.setenv("ARGOCD_AUTH_TOKEN", argo.token)
        yield argo


@pytest.fixture(params=["github", "gitlab"])
def forge_story(
    request: pytest.FixtureRequest, tmp_path: Path, registry: RegistryProcess, monkeypatch: pytest.MonkeyPatch
) -> Iterator[Story]:
    """The update example on GitHub, then on GitLab (testkit/forge_story.py); a story's own
    fixture adds what it needs."""
    yield from stories(request.param, tmp_path, registry, monkeypatch)
