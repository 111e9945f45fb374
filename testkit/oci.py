"""Push images over the Distribution API: blobs (monolithic POST), manifests, OCI indexes.

Good enough to seed a registry for tests, benchmarks and the demo; not a general pusher.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import httpx

OCI_MANIFEST = "application/vnd.oci.image.manifest.v1+json"
OCI_INDEX = "application/vnd.oci.image.index.v1+json"
OCI_CONFIG = "application/vnd.oci.image.config.v1+json"
OCI_LAYER = "application/vnd.oci.image.layer.v1.tar+gzip"


def digest_of(data: bytes) -> str:
    return "sha256:" + hashlib.sha256(data).hexdigest()


@dataclass(frozen=True)
class Pushed:
    """What a push made: the digest the tag points at, and per platform the child digest."""

    digest: str
    platforms: dict[str, str]
    media_type: str


class Pusher:
    def __init__(self, client: httpx.Client) -> None:
        self.client = client

    @classmethod
    def to(cls, base_url: str, **kwargs: Any) -> Pusher:
        return cls(httpx.Client(base_url=base_url, timeout=30, **kwargs))

    def close(self) -> None:
        self.client.close()

    def blob(self, repo: str, data: bytes) -> str:
        # uploaded without asking first whether the registry holds it (a HEAD a blob): the
        # tests' blobs are salted apart, so the answer was almost always no, and an upload of a
        # blob the registry holds stores the same bytes under the same digest
        digest = digest_of(data)
        r = self.client.post(
            f"/v2/{repo}/blobs/uploads/",
            params={"digest": digest},
            content=data,
            headers={"Content-Type": "application/octet-stream"},
        )
        if r.status_code == 202:  # registry wanted a two-step upload
            location = r.headers["Location"]  # carries a _state query that must be kept
            sep = "&" if "?" in location else "?"
            r = self.client.put(
                f"{location}{sep}digest={digest}",
                content=data,
                headers={"Content-Type": "application/octet-stream"},
            )
        r.raise_for_status()
        return digest

    def manifest(self, repo: str, reference: str, body: bytes, media_type: str) -> str:
        r = self.client.put(
            f"/v2/{repo}/manifests/{reference}", content=body, headers={"Content-Type": media_type}
        )
        r.raise_for_status()
        digest = r.headers["Docker-Content-Digest"]
        assert digest == digest_of(body), (digest, digest_of(body))
        return digest

    def single(
        self,
        repo: str,
        *,
        created: str,
        labels: dict[str, str] | None = None,
        platform: str = "linux/amd64",
        salt: str = "",
    ) -> tuple[str, bytes]:
        """Push one platform image (config + one layer) by digest; returns its digest and the
        manifest's bytes (what a tag of it is pushed as, never read back from the registry)."""
        os_, arch, *variant = platform.split("/")
        layer = f"layer {repo} {platform} {salt}".encode()
        layer_digest = self.blob(repo, layer)
        config: dict[str, Any] = {
            "architecture": arch,
            "os": os_,
            "created": created,
            "config": {"Labels": labels or {}},
            "rootfs": {"type": "layers", "diff_ids": [layer_digest]},
        }
        if variant:
            config["variant"] = variant[0]
        config_bytes = json.dumps(config, sort_keys=True).encode()
        config_digest = self.blob(repo, config_bytes)
        manifest = json.dumps(
            {
                "schemaVersion": 2,
                "mediaType": OCI_MANIFEST,
                "config": {"mediaType": OCI_CONFIG, "digest": config_digest, "size": len(config_bytes)},
                "layers": [{"mediaType": OCI_LAYER, "digest": layer_digest, "size": len(layer)}],
            },
            sort_keys=True,
        ).encode()
        return self.manifest(repo, digest_of(manifest), manifest, OCI_MANIFEST), manifest

    def image(
        self,
        repo: str,
        tags: str | Sequence[str],
        *,
        created: str = "2026-01-01T00:00:00Z",
        labels: dict[str, str] | None = None,
        platforms: Sequence[str] = ("linux/amd64",),
        index: bool | None = None,
        salt: str = "",
    ) -> Pushed:
        """Push an image under ``tags``. Several platforms (or ``index=True``) make an OCI index."""
        tags = [tags] if isinstance(tags, str) else list(tags)
        salt = salt or ",".join(tags)
        pushed = {
            p: self.single(repo, created=created, labels=labels, platform=p, salt=salt) for p in platforms
        }
        children = {p: (d, len(body)) for p, (d, body) in pushed.items()}
        if index is None:
            index = len(platforms) > 1
        if not index:
            ((digest, manifest),) = pushed.values()
            for tag in tags:
                self.manifest(repo, tag, manifest, OCI_MANIFEST)
            return Pushed(digest, {p: d for p, (d, _) in children.items()}, OCI_MANIFEST)
        body = json.dumps(
            {
                "schemaVersion": 2,
                "mediaType": OCI_INDEX,
                "manifests": [
                    {
                        "mediaType": OCI_MANIFEST,
                        "digest": d,
                        "size": size,
                        "platform": dict(zip(("os", "architecture", "variant"), p.split("/"), strict=False)),
                    }
                    for p, (d, size) in children.items()
                ],
            },
            sort_keys=True,
        ).encode()
        digest = ""
        for tag in tags:
            digest = self.manifest(repo, tag, body, OCI_INDEX)
        return Pushed(digest, {p: d for p, (d, _) in children.items()}, OCI_INDEX)
