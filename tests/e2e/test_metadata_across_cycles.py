"""An image's labels and created time are read once per digest across ``watch`` cycles: the bytes
under a digest never change, so a fleet whose release is still pending does not read its
manifest and config blob again every cycle (two of the four requests an image took there). A
tag may move: its metadata is read again each cycle."""

from __future__ import annotations

from typing import Any

import pytest

from gitops_bot.registry.client import RegistryClient, RetryPolicy
from gitops_bot.registry.memo import MemoClient
from gitops_bot.registry.retrying import Requests
from gitops_bot.registry.settings import RegistryConfig
from testkit.oci import Pusher
from testkit.registry_process import RegistryProcess

FAST = RetryPolicy(attempts=2, initial_wait=0.01, max_wait=0.05)


def _counted(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The registry requests the clients send (method and URL)."""
    sent: list[str] = []
    real = Requests._request

    def spy(self: RegistryClient, method: str, url: str, *args: Any, **kwargs: Any) -> Any:
        sent.append(f"{method} {url}")
        return real(self, method, url, *args, **kwargs)

    monkeypatch.setattr(Requests, "_request", spy)
    return sent


def test_metadata_of_a_digest_is_read_once_across_cycles(
    registry: RegistryProcess, pusher: Pusher, monkeypatch: pytest.MonkeyPatch
) -> None:
    pushed = pusher.image("meta/app", "1.0.0", labels={"org.opencontainers.image.revision": "abc"}, salt="m")
    sent = _counted(monkeypatch)
    with MemoClient(RegistryConfig(host=registry.host), retry=FAST) as c:
        first = c.get_metadata("meta/app", pushed.digest)
        c.forget()  # a new watch cycle
        second = c.get_metadata("meta/app", pushed.digest)
    assert first == second and first.labels == {"org.opencontainers.image.revision": "abc"}
    assert len(sent) == 2, sent  # the manifest and the config blob, once


def test_metadata_of_a_tag_is_read_again_each_cycle(
    registry: RegistryProcess, pusher: Pusher, monkeypatch: pytest.MonkeyPatch
) -> None:
    pusher.image("meta/moving", "1.0.0", labels={"v": "1"}, salt="one")
    with MemoClient(RegistryConfig(host=registry.host), retry=FAST) as c:
        first = c.get_metadata("meta/moving", "1.0.0")
        pusher.image("meta/moving", "1.0.0", labels={"v": "2"}, salt="two")  # the tag moved
        c.forget()
        second = c.get_metadata("meta/moving", "1.0.0")
    assert (first.labels, second.labels) == ({"v": "1"}, {"v": "2"})


def test_an_image_s_metadata_past_its_share_of_the_bound_is_read_again_each_cycle(
    registry: RegistryProcess, pusher: Pusher, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A config blob may hold 4 MB of labels: kept by the thousand, they would be gigabytes."""
    pushed = pusher.image("meta/big", "1.0.0", labels={"big": "x" * 200_000}, salt="big")
    sent = _counted(monkeypatch)
    with MemoClient(RegistryConfig(host=registry.host), retry=FAST) as c:
        c.get_metadata("meta/big", pushed.digest)
        c.forget()
        again = c.get_metadata("meta/big", pushed.digest)
    assert len(again.labels["big"]) == 200_000
    assert len(sent) == 4, sent
