"""End-to-end tests: whole commands against the real registry process, real git remotes and
the local forge servers; processes of the CLI, ``watch``, kubectl and helm."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from testkit.chart_repo import ChartRepo
from testkit.chart_world import charted_world
from testkit.registry_process import RegistryProcess
from testkit.update_world import World, world_with_token


@pytest.fixture
def world(tmp_path: Path, registry: RegistryProcess, monkeypatch: pytest.MonkeyPatch) -> Iterator[World]:
    """The update example (staging by pull request, dev by commit) with the token set."""
    yield from world_with_token(tmp_path, registry, monkeypatch)


@pytest.fixture
def charted(
    world: World, registry: RegistryProcess, tmp_path: Path
) -> Iterator[tuple[World, ChartRepo, Path]]:
    """The update example with charts (``testkit.chart_world``): the world, the chart repository
    and a clone of main."""
    yield from charted_world(world, registry, tmp_path)
