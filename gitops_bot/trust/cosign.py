"""Where cosign keeps signatures in a registry, and what a simple-signing payload must say.

Signatures for ``repo@sha256:<hex>`` are found, in this order:

* the OCI 1.1 referrers API (``GET /v2/<repo>/referrers/<digest>``) where the registry offers
  it, else the referrers tag schema (an index tagged ``sha256-<hex>``): manifests whose
  ``subject`` is the digest (cosign's OCI 1.1 mode, Sigstore bundles);
* cosign's tag convention, ``sha256-<hex>.sig`` in the same repository: a manifest whose
  layers are ``application/vnd.dev.cosign.simplesigning.v1+json`` blobs, each with its base64
  signature in the ``dev.cosignproject.cosign/signature`` annotation.

The simple-signing payload is JSON whose ``critical.image.docker-manifest-digest`` must equal the
digest being verified: a valid signature over a payload naming another digest proves nothing.
"""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Iterator
from typing import Any, Protocol

from gitops_bot.core.model import FoundBy, is_digest
from gitops_bot.core.record import record

SIMPLE_SIGNING = "application/vnd.dev.cosign.simplesigning.v1+json"
SIGNATURE_ANNOTATION = "dev.cosignproject.cosign/signature"
BUNDLE_TYPES = ("application/vnd.dev.sigstore.bundle.v0.3+json",)
PAYLOAD_TYPE = "cosign container image signature"
MAX_PAYLOAD = 64 * 1024
MAX_BUNDLE = 1024 * 1024
MAX_LAYERS = 32
MAX_REFERRERS = 64


class RegistryReader(Protocol):
    """What verification needs of :class:`gitops_bot.registry.client.RegistryClient`."""

    def manifest(self, repository: str, reference: str) -> tuple[str, bytes, str] | None: ...

    def blob(self, repository: str, digest: str, max_bytes: int) -> bytes: ...

    def referrers(self, repository: str, digest: str) -> list[dict[str, Any]] | None: ...


@record
class SimpleSignature:
    payload: bytes
    signature: bytes
    found_by: FoundBy


@record
class BundleBlob:
    data: bytes
    found_by: FoundBy


def sig_tag(digest: str) -> str:
    return digest.replace(":", "-") + ".sig"


def payload_digest(payload: bytes) -> str | None:
    """The digest a simple-signing payload names, or None when it is not one."""
    try:
        doc = json.loads(payload)
        critical = doc["critical"]
        if critical.get("type") != PAYLOAD_TYPE:
            return None
        digest = critical["image"]["docker-manifest-digest"]
    except (ValueError, KeyError, TypeError, AttributeError, RecursionError):
        return None
    return digest if isinstance(digest, str) else None


def _layers(body: bytes) -> list[dict[str, Any]]:
    try:
        doc = json.loads(body)
    except (ValueError, RecursionError):  # deep nesting: not a manifest this bot reads
        return []
    layers = doc.get("layers") if isinstance(doc, dict) else None
    return [x for x in layers[:MAX_LAYERS] if isinstance(x, dict)] if isinstance(layers, list) else []


def _referrer_descriptors(
    reg: RegistryReader, repository: str, digest: str
) -> tuple[list[dict[str, Any]], FoundBy]:
    found = reg.referrers(repository, digest)
    if found is not None:
        return found[:MAX_REFERRERS], FoundBy.REFERRERS
    index = reg.manifest(repository, digest.replace(":", "-"))
    if index is None:
        return [], FoundBy.REFERRERS_TAG
    try:
        manifests = json.loads(index[1]).get("manifests")
    except (ValueError, AttributeError, RecursionError):
        return [], FoundBy.REFERRERS_TAG
    items = [m for m in manifests if isinstance(m, dict)] if isinstance(manifests, list) else []
    return items[:MAX_REFERRERS], FoundBy.REFERRERS_TAG


def _signature_manifests(
    reg: RegistryReader, repository: str, digest: str, legacy: bool
) -> Iterator[tuple[bytes, FoundBy]]:
    """Manifest bodies that may carry signatures for ``digest``, with how each was found
    (``legacy``: also cosign's ``.sig`` tag, which only ever holds simple signatures)."""
    descriptors, how = _referrer_descriptors(reg, repository, digest)
    for d in descriptors:
        ref = d.get("digest")
        if isinstance(ref, str) and is_digest(ref):
            got = reg.manifest(repository, ref)
            if got is not None:
                yield got[1], how
    found = reg.manifest(repository, sig_tag(digest)) if legacy else None
    if found is not None:
        yield found[1], FoundBy.TAG


def find(
    reg: RegistryReader, repository: str, digest: str, *, keys: bool = True, keyless: bool = True
) -> tuple[list[SimpleSignature], list[BundleBlob]]:
    """The simple-signing signatures (``keys``) and Sigstore bundles (``keyless``) attached to
    ``digest``; blobs of the kind not asked for are not downloaded."""
    simple: list[SimpleSignature] = []
    bundles: list[BundleBlob] = []
    for body, how in _signature_manifests(reg, repository, digest, keys):
        for layer in _layers(body):
            media, blob = layer.get("mediaType"), layer.get("digest")
            if not isinstance(blob, str) or not is_digest(blob):
                continue
            if media == SIMPLE_SIGNING and keys:
                sig = _b64((layer.get("annotations") or {}).get(SIGNATURE_ANNOTATION))
                if sig is not None:
                    simple.append(SimpleSignature(reg.blob(repository, blob, MAX_PAYLOAD), sig, how))
            elif media in BUNDLE_TYPES and keyless:
                bundles.append(BundleBlob(reg.blob(repository, blob, MAX_BUNDLE), how))
    return simple, bundles


def _b64(value: object) -> bytes | None:
    if not isinstance(value, str) or len(value) > 16 * 1024:
        return None
    try:
        return base64.b64decode(value, validate=True)
    except (binascii.Error, ValueError):
        return None
