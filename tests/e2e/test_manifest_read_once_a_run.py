"""A changing image's manifest is read once a run: ``update`` resolves its tag's digest from the
bytes a GET served, then reads the labels under that digest for the pull request's body; the
second read takes the bytes the first GET served (hashed then, so a digest is still pinned only
from the registry's own bytes), not a second GET of the same manifest. A run keeps them, a new
one (a ``watch`` cycle) reads again, and the bytes kept are bounded."""

from __future__ import annotations

from typing import Any

import pytest

from gitops_bot.registry import client as client_module
from gitops_bot.registry.client import RegistryClient, RetryPolicy
from gitops_bot.registry.memo import MemoClient
from gitops_bot.registry.retrying import Requests
from gitops_bot.registry.settings import RegistryConfig
from testkit.oci import Pusher
from testkit.registry_process import RegistryProcess

FAST = RetryPolicy(attempts=2, initial_wait=0.01, max_wait=0.05)


def _counted(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The registry requests the clients send (method and the URL's path)."""
    sent: list[str] = []
    real = Requests._request

    def spy(self: RegistryClient, method: str, url: str, *args: Any, **kwargs: Any) -> Any:
        sent.append(f"{method} {url.split('/v2/', 1)[1]}")
        return real(self, method, url, *args, **kwargs)

    monkeypatch.setattr(Requests, "_request", spy)
    return sent


def test_a_tag_s_manifest_gives_its_digest_and_its_labels_with_one_get(
    registry: RegistryProcess, pusher: Pusher, monkeypatch: pytest.MonkeyPatch
) -> None:
    pushed = pusher.image("once/app", "1.0.0", labels={"org.opencontainers.image.revision": "abc"}, salt="o")
    sent = _counted(monkeypatch)
    with RegistryClient(RegistryConfig(host=registry.host), retry=FAST) as c:
        digest = c.resolve_digest("once/app", "1.0.0")
        meta = c.get_metadata("once/app", digest)
    assert digest == pushed.digest
    assert meta.labels == {"org.opencontainers.image.revision": "abc"}
    assert [s.split(" ")[0] + " " + s.split("/")[-2] for s in sent] == ["GET manifests", "GET blobs"], sent


@pytest.mark.parametrize("platform", [None, "linux/arm64"])
def test_an_index_and_its_platform_s_manifest_are_read_once_each(
    registry: RegistryProcess, pusher: Pusher, monkeypatch: pytest.MonkeyPatch, platform: str | None
) -> None:
    pushed = pusher.image(
        "once/multi", "2.0.0", labels={"v": "2"}, platforms=("linux/amd64", "linux/arm64"), salt="m"
    )
    sent = _counted(monkeypatch)
    with RegistryClient(RegistryConfig(host=registry.host), retry=FAST) as c:
        digest = c.resolve_digest("once/multi", "2.0.0", platform)
        meta = c.get_metadata("once/multi", digest, platform)
    assert digest == (pushed.platforms[platform] if platform else pushed.digest)
    assert meta.labels == {"v": "2"}
    manifests = [s for s in sent if "/manifests/" in s]
    # the index by tag, and one platform's manifest by digest (linux/amd64's when none is named)
    assert len(manifests) == 2 and len(set(manifests)) == 2, sent
    assert len(sent) == 3, sent


def test_a_new_run_reads_the_manifest_again(
    registry: RegistryProcess, pusher: Pusher, monkeypatch: pytest.MonkeyPatch
) -> None:
    pushed = pusher.image("once/cycle", "1.0.0", labels={"v": "1"}, salt="c")
    with MemoClient(RegistryConfig(host=registry.host), retry=FAST) as c:
        c.resolve_digest("once/cycle", "1.0.0")
        c.forget()  # a new watch cycle
        sent = _counted(monkeypatch)
        c.get_metadata("once/cycle", pushed.digest)
    assert [s.split("/")[-2] for s in sent] == ["manifests", "blobs"], sent


def test_the_bytes_a_run_keeps_are_bounded_oldest_out_first(
    registry: RegistryProcess, pusher: Pusher, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Manifests may be 4 MB each: a run over thousands of images keeps a bounded share."""
    first = pusher.image("once/first", "1.0.0", labels={"v": "1"}, salt="f")
    second = pusher.image("once/second", "1.0.0", labels={"v": "2"}, salt="s")
    with RegistryClient(RegistryConfig(host=registry.host), retry=FAST) as c:
        c.resolve_digest("once/first", "1.0.0")
        size = len(c.manifest("once/first", first.digest)[1])  # type: ignore[index]
        monkeypatch.setattr(client_module, "KEPT_MANIFEST_BYTES", size * 3 // 2, raising=False)
        c.resolve_digest("once/second", "1.0.0")  # pushes the first out
        sent = _counted(monkeypatch)
        c.get_metadata("once/second", second.digest)
        kept = list(sent)
        c.get_metadata("once/first", first.digest)
    assert [s.split("/")[-2] for s in kept] == ["blobs"], kept
    assert [s.split("/")[-2] for s in sent[len(kept) :]] == ["manifests", "blobs"], sent
