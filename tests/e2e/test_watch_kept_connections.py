"""A ``watch`` connects each repository's forge anew every cycle (a run reads its config
first), yet asks it over the connections it keeps for the forge's origin: an unchanged
repository's cycle costs no new client, pool or connection (a TLS handshake with a real forge).
The connections are closed when the watch ends.

Counted at the loopback stand-in of GitHub's API, which answers as GitHub does, keeping a
connection open for the client's next request."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from gitops_bot.commands.update import Updater
from gitops_bot.watch import Watcher
from testkit.registry_process import RegistryProcess
from testkit.update_world import World, world_with_token

CYCLES = 3


@pytest.fixture
def world(tmp_path: Path, registry: RegistryProcess, monkeypatch: pytest.MonkeyPatch) -> Iterator[World]:
    yield from world_with_token(tmp_path, registry, monkeypatch)


def _ended(world: World) -> int:
    """The connections the stand-in has seen closed, once those open have had time to end."""
    server = world.github.server
    wait = time.monotonic() + 10
    while server.ended < server.accepted and time.monotonic() < wait:
        time.sleep(0.02)
    return server.ended


def test_a_watchs_cycles_ask_the_forge_over_one_kept_connection(world: World) -> None:
    world.github.keep_alive()
    world.push("app", "1.1.0")
    watcher = Watcher(lambda: Updater(f"file://{world.remote}"), interval=3600, envs=["staging"])
    try:
        for _ in range(CYCLES):
            assert watcher.cycle() == (True, False)
        server = world.github.server
        asked = len(world.github.requests)
        assert asked >= CYCLES  # each cycle listed the open pull requests at least
        assert server.accepted == 1, (
            f"{server.accepted} connections for {asked} requests over {CYCLES} cycles"
        )
        assert [p["title"] for p in world.github.open_pulls()] != []  # the release was proposed once
        assert len(world.github.open_pulls()) == 1
    finally:
        watcher.close()
    assert _ended(world) == 1  # closed with the watch
