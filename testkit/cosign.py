"""Sign images in cosign's exact format and push the signatures to a registry, for tests and
the demo: a simple-signing payload, its signature in the layer annotation of a manifest tagged
``sha256-<hex>.sig`` (cosign's tag convention), or attached by ``subject`` and listed in the
referrers tag schema index ``sha256-<hex>`` (what cosign's OCI 1.1 mode and Sigstore bundles use
on a registry without the referrers API)."""

from __future__ import annotations

import base64
import json
from collections.abc import Sequence
from typing import Any

from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, padding, rsa

from testkit.oci import OCI_INDEX, OCI_MANIFEST, Pusher, digest_of

SIMPLE_SIGNING = "application/vnd.dev.cosign.simplesigning.v1+json"
BUNDLE = "application/vnd.dev.sigstore.bundle.v0.3+json"
EMPTY = "application/vnd.oci.empty.v1+json"
PrivateKey = ec.EllipticCurvePrivateKey | ed25519.Ed25519PrivateKey | rsa.RSAPrivateKey


def new_key(kind: str = "ecdsa") -> PrivateKey:
    if kind == "ed25519":
        return ed25519.Ed25519PrivateKey.generate()
    if kind == "rsa":
        return rsa.generate_private_key(public_exponent=65537, key_size=2048)
    return ec.generate_private_key(ec.SECP256R1())


def public_pem(key: PrivateKey) -> bytes:
    return key.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )


def payload(reference: str, digest: str) -> bytes:
    """The simple-signing payload as cosign writes it (compact JSON, ``optional: null``)."""
    doc = {
        "critical": {
            "identity": {"docker-reference": reference},
            "image": {"docker-manifest-digest": digest},
            "type": "cosign container image signature",
        },
        "optional": None,
    }
    return json.dumps(doc, separators=(",", ":")).encode()


def sign(key: PrivateKey, data: bytes) -> str:
    """Base64 signature as cosign puts it in the annotation."""
    if isinstance(key, ed25519.Ed25519PrivateKey):
        raw = key.sign(data)
    elif isinstance(key, ec.EllipticCurvePrivateKey):
        raw = key.sign(data, ec.ECDSA(hashes.SHA256()))
    else:
        raw = key.sign(data, padding.PKCS1v15(), hashes.SHA256())
    return base64.b64encode(raw).decode()


def _manifest(
    p: Pusher, repo: str, layers: Sequence[tuple[bytes, str, dict[str, str]]], **extra: Any
) -> bytes:
    config = b"{}"
    config_digest = p.blob(repo, config)
    doc: dict[str, Any] = {
        "schemaVersion": 2,
        "mediaType": OCI_MANIFEST,
        "config": {"mediaType": EMPTY, "digest": config_digest, "size": len(config)},
        "layers": [
            {"mediaType": media, "digest": p.blob(repo, data), "size": len(data), "annotations": ann}
            for data, media, ann in layers
        ],
        **extra,
    }
    return json.dumps(doc, sort_keys=True).encode()


def push_signature(p: Pusher, repo: str, digest: str, signatures: Sequence[tuple[bytes, str]]) -> str:
    """Push ``(payload, base64 signature)`` layers as ``sha256-<hex>.sig``; returns its digest."""
    layers = [(data, SIMPLE_SIGNING, {"dev.cosignproject.cosign/signature": sig}) for data, sig in signatures]
    body = _manifest(p, repo, layers)
    return p.manifest(repo, digest.replace(":", "-") + ".sig", body, OCI_MANIFEST)


def sign_image(p: Pusher, repo: str, reference: str, digest: str, key: PrivateKey) -> str:
    """``cosign sign --key``: the payload for ``digest``, signed, pushed by the tag convention."""
    data = payload(reference, digest)
    return push_signature(p, repo, digest, [(data, sign(key, data))])


def attach(
    p: Pusher,
    repo: str,
    digest: str,
    data: bytes,
    media: str,
    artifact_type: str,
    annotations: dict[str, str] | None = None,
) -> str:
    """Attach ``data`` to ``digest`` as an OCI 1.1 referrer and list it in the referrers tag
    schema index ``sha256-<hex>`` (how clients attach artifacts to a registry without the API)."""
    body = _manifest(
        p,
        repo,
        [(data, media, annotations or {})],
        artifactType=artifact_type,
        subject={"mediaType": OCI_MANIFEST, "digest": digest, "size": 0},
    )
    ref_digest = p.manifest(repo, digest_of(body), body, OCI_MANIFEST)
    index = json.dumps(
        {
            "schemaVersion": 2,
            "mediaType": OCI_INDEX,
            "manifests": [
                {
                    "mediaType": OCI_MANIFEST,
                    "digest": ref_digest,
                    "size": len(body),
                    "artifactType": artifact_type,
                }
            ],
        },
        sort_keys=True,
    ).encode()
    p.manifest(repo, digest.replace(":", "-"), index, OCI_INDEX)
    return ref_digest
