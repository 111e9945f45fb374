"""Reading an image's age from the real registry process: the created annotation first (no
config blob read), else the config blob's ``created``, read once per config digest across
``watch`` cycles; an image that says nothing has no age."""

from __future__ import annotations

import json
from typing import Any

import pytest

from gitops_bot.config import RegistryConfig
from gitops_bot.core.instants import format_instant
from gitops_bot.core.model import AgeSource
from gitops_bot.registry.client import RegistryClient, RetryPolicy
from gitops_bot.registry.memo import MemoClient
from testkit.oci import OCI_CONFIG, OCI_INDEX, OCI_LAYER, OCI_MANIFEST, Pusher
from testkit.registry_process import RegistryProcess

FAST = RetryPolicy(attempts=2, initial_wait=0.01, max_wait=0.05)


def push_manifest(
    pusher: Pusher, repo: str, tag: str, config: dict[str, Any], annotations: dict[str, str] | None = None
) -> str:
    """An image whose config and manifest annotations are exactly these."""
    layer = f"layer {repo} {tag}".encode()
    layer_digest = pusher.blob(repo, layer)
    config_bytes = json.dumps(config).encode()
    config_digest = pusher.blob(repo, config_bytes)
    manifest: dict[str, Any] = {
        "schemaVersion": 2,
        "mediaType": OCI_MANIFEST,
        "config": {"mediaType": OCI_CONFIG, "digest": config_digest, "size": len(config_bytes)},
        "layers": [{"mediaType": OCI_LAYER, "digest": layer_digest, "size": len(layer)}],
    }
    if annotations:
        manifest["annotations"] = annotations
    return pusher.manifest(repo, tag, json.dumps(manifest).encode(), OCI_MANIFEST)


def counting(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Config blobs the clients read from the registry."""
    read: list[str] = []
    real = RegistryClient.config_created

    def spy(self: RegistryClient, repository: str, config_digest: str, deadline: float) -> Any:
        read.append(config_digest)
        return real(self, repository, config_digest, deadline)

    monkeypatch.setattr(RegistryClient, "config_created", spy)
    return read


def test_created_annotation_is_read_without_the_config_blob(
    registry: RegistryProcess, pusher: Pusher, monkeypatch: pytest.MonkeyPatch
) -> None:
    read = counting(monkeypatch)
    digest = push_manifest(
        pusher,
        "age/annotated",
        "1.0.0",
        {"architecture": "amd64", "os": "linux", "created": "2020-01-01T00:00:00Z"},
        {"org.opencontainers.image.created": "2026-05-01T10:00:00Z"},
    )
    with RegistryClient(RegistryConfig(host=registry.host), retry=FAST) as c:
        age = c.get_age("age/annotated", "1.0.0")
    assert (age.digest, age.source) == (digest, AgeSource.ANNOTATION)
    assert age.created is not None and format_instant(age.created) == "2026-05-01T10:00:00Z"
    assert read == []


def test_config_created_is_read_once_per_digest_across_cycles(
    registry: RegistryProcess, pusher: Pusher, monkeypatch: pytest.MonkeyPatch
) -> None:
    read = counting(monkeypatch)
    pushed = pusher.image("age/plain", "1.0.0", created="2026-05-02T08:30:00.5Z", salt="age-plain")
    with MemoClient(RegistryConfig(host=registry.host), retry=FAST) as c:
        first = c.get_age("age/plain", "1.0.0")
        c.forget()  # a new watch cycle: tags and digests are asked again, the blob's time is kept
        second = c.get_age("age/plain", "1.0.0")
    assert first == second and first.source is AgeSource.CONFIG and first.digest == pushed.digest
    assert first.created is not None and format_instant(first.created) == "2026-05-02T08:30:00.5Z"
    assert len(read) == 1


def test_platform_image_in_an_index_has_its_own_digest_and_age(
    registry: RegistryProcess, pusher: Pusher
) -> None:
    pushed = pusher.image(
        "age/multi", "2.0", created="2026-05-03T00:00:00Z", platforms=("linux/amd64", "linux/arm64")
    )
    assert pushed.media_type == OCI_INDEX
    with RegistryClient(RegistryConfig(host=registry.host), retry=FAST) as c:
        arm = c.get_age("age/multi", "2.0", "linux/arm64")
        whole = c.get_age("age/multi", "2.0")
    assert arm.digest == pushed.platforms["linux/arm64"] and whole.digest == pushed.digest
    assert arm.source is AgeSource.CONFIG and arm.created == whole.created


def test_an_image_without_creation_time_has_no_age(registry: RegistryProcess, pusher: Pusher) -> None:
    digest = push_manifest(pusher, "age/none", "1", {"architecture": "amd64", "os": "linux"})
    with RegistryClient(RegistryConfig(host=registry.host), retry=FAST) as c:
        age = c.get_age("age/none", "1")
    assert (age.digest, age.created, age.source) == (digest, None, AgeSource.NONE)
