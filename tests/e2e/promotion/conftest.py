"""Promotion end to end: the tests here share the promotion example's world."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from testkit import promotion_world
from testkit.argocd_server import FakeArgoCD
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
