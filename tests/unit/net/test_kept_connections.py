"""Connections kept across services (a ``watch``'s cycles): one set per origin, taken by the
services that ask to keep theirs; a credential still goes to its own origin only, and the
connections close with their keeper."""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any

import pytest

from gitops_bot.commands import fleet
from gitops_bot.net.service import Answer, Credential, Service, Unavailable
from gitops_bot.net.transport import KeptConnections, keeping
from testkit.jsonapi import JSONServer


class Origin(JSONServer):
    """A loopback JSON service recording the Authorization header of each request."""

    def __init__(self) -> None:
        self.authorizations: list[str | None] = []
        self._serve(self._handle)
        self.keep_alive()

    def _handle(
        self, method: str, path: str, body: Any, headers: dict[str, str]
    ) -> tuple[int, Any, dict[str, str]]:
        self.authorizations.append(headers.get("Authorization"))
        return 200, {"ok": True}, {}


@pytest.fixture
def origins() -> Iterator[tuple[Origin, Origin]]:
    with Origin() as a, Origin() as b:
        yield a, b


def _ended(server: Origin) -> int:
    wait = time.monotonic() + 10
    while server.server.ended < server.server.accepted and time.monotonic() < wait:
        time.sleep(0.02)
    return server.server.ended


def test_services_made_anew_each_cycle_share_their_origins_kept_connection(
    origins: tuple[Origin, Origin],
) -> None:
    a, b = origins
    kept = KeptConnections()
    with keeping(kept):
        for _ in range(3):  # a cycle: each repository's run makes its forge's service anew
            forge = Service("A", a.url, credential=Credential.bearer("tok-of-A-0123456789"), keep=True)
            other = Service("B", b.url, keep=True)
            assert isinstance(forge.get("/pulls"), Answer)
            assert isinstance(other.get("/pulls"), Answer)
            assert isinstance(forge.get(f"{b.url}/pulls"), Unavailable)  # another origin: never asked
            forge.close()
            other.close()
    assert (a.server.accepted, b.server.accepted) == (1, 1)
    assert a.authorizations == ["Bearer tok-of-A-0123456789"] * 3
    assert b.authorizations == [None] * 3  # B's connections are kept beside A's, never its token
    kept.close()
    assert (_ended(a), _ended(b)) == (1, 1)


def test_outside_a_keeper_or_without_asking_a_service_has_connections_of_its_own(
    origins: tuple[Origin, Origin],
) -> None:
    a, _ = origins
    kept = KeptConnections()
    for _ in range(2):
        own = Service("A", a.url, keep=True)  # no keeper in force
        assert isinstance(own.get("/x"), Answer)
        own.close()
        with keeping(kept):
            mine = Service("A", a.url)  # not asking to keep
            assert isinstance(mine.get("/x"), Answer)
            mine.close()
    assert a.server.accepted == 4
    assert _ended(a) == 4
    kept.close()


def test_a_fleets_repositories_on_new_threads_each_cycle_reuse_the_kept_connection(
    origins: tuple[Origin, Origin],
) -> None:
    """A fleet's cycle runs its repositories on threads of its own (commands.fleet.each), new
    each cycle: they still take the kept connections, whichever thread kept them."""
    a, _ = origins
    kept = KeptConnections()

    def run(repository: str) -> bool:
        forge = Service("A", a.url, credential=Credential.bearer(f"tok-{repository}-0123456789"), keep=True)
        try:
            return isinstance(forge.get("/pulls"), Answer)
        finally:
            forge.close()

    with keeping(kept):
        for _ in range(4):
            assert fleet.each(["r1"], run, 1, str) == [True]
    assert a.server.accepted == 1
    assert a.authorizations == ["Bearer tok-r1-0123456789"] * 4
    kept.close()
