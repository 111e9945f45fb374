"""End-to-end tests: whole commands against the real registry process, real git remotes and
the local forge servers; processes of the CLI, ``watch``, kubectl and helm."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from testkit import kubetools
from testkit.chart_repo import ChartRepo
from testkit.chart_world import charted_world
from testkit.registry_process import RegistryProcess
from testkit.update_world import World, world_with_token


@pytest.fixture(scope="session", autouse=True)
def _judges_kept(tmp_path_factory: pytest.TempPathFactory) -> None:
    """The judges' renders kept for the session in one folder every worker shares
    (:func:`testkit.kubetools.kept`)."""
    base = tmp_path_factory.getbasetemp()
    kubetools.KEPT[:] = [(base.parent if os.environ.get("PYTEST_XDIST_WORKER") else base) / "judged"]


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


@pytest.fixture
def corpus_renderer(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The renderer as the whole-repository corpus tests run it: kubectl and helm from
    .tools/bin, and one render cache for the session (every worker's). Renders are kept by the
    content of the tree, the tools and what was asked, so a repository's newcomer plan and its
    rules-against-renderer reading render it once between them."""
    base = tmp_path_factory.getbasetemp()
    cache = (base.parent if os.environ.get("PYTEST_XDIST_WORKER") else base) / "corpus-render-cache"
    monkeypatch.setenv("GITOPS_BOT_KUBECTL", kubetools.kubectl())
    monkeypatch.setenv("GITOPS_BOT_HELM", kubetools.helm())
    monkeypatch.setenv("GITOPS_BOT_CACHE", str(cache))
    return cache
