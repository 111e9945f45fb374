"""Promotion end to end: the tests here share the promotion example's world."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from testkit import promotion_world
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
