"""Public keys for cosign key-based verification: PEM from a file or an environment variable,
checked with ``cryptography`` the way cosign signs (ECDSA P-256/P-384 with SHA-256/384 over the
payload, Ed25519 over the raw payload, RSA PKCS#1 v1.5 with SHA-256)."""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from pathlib import Path

from cryptography.exceptions import InvalidSignature, UnsupportedAlgorithm
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, padding, rsa

from gitops_bot.core import files
from gitops_bot.core.errors import UsageError
from gitops_bot.core.record import record

MAX_KEY_BYTES = 64 * 1024
PublicKey = ec.EllipticCurvePublicKey | ed25519.Ed25519PublicKey | rsa.RSAPublicKey


@record
class VerifyingKey:
    """One trusted public key; ``key_id`` is what the plan and PR body name it by."""

    key: PublicKey
    key_id: str  # "SHA256:<first 16 hex of the SubjectPublicKeyInfo digest>"
    source: str  # "keys/ci.pub" or "$COSIGN_PUBLIC_KEY": never the key itself

    def verify(self, signature: bytes, payload: bytes) -> bool:
        try:
            if isinstance(self.key, ed25519.Ed25519PublicKey):
                self.key.verify(signature, payload)
            elif isinstance(self.key, ec.EllipticCurvePublicKey):
                algo = hashes.SHA384() if self.key.curve.key_size == 384 else hashes.SHA256()
                self.key.verify(signature, payload, ec.ECDSA(algo))
            else:
                self.key.verify(signature, payload, padding.PKCS1v15(), hashes.SHA256())
        except (InvalidSignature, ValueError):
            return False
        return True


def parse_key(pem: bytes, source: str) -> VerifyingKey:
    try:
        key = serialization.load_pem_public_key(pem)
    except (ValueError, UnsupportedAlgorithm):
        raise UsageError(
            f"verify key {source} is not a PEM public key",
            hint="give the cosign.pub file (-----BEGIN PUBLIC KEY-----)",
        ) from None
    if not isinstance(key, ec.EllipticCurvePublicKey | ed25519.Ed25519PublicKey | rsa.RSAPublicKey):
        raise UsageError(f"verify key {source}: {type(key).__name__} keys are not supported")
    der = key.public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)
    return VerifyingKey(key, "SHA256:" + hashlib.sha256(der).hexdigest()[:16], source)


def load_key(*, file: str | None, env: str | None, root: Path, environ: Mapping[str, str]) -> VerifyingKey:
    """Read one key; a missing or unreadable one is a usage error (exit 2) naming where."""
    if env is not None:
        value = environ.get(env)
        if not value:
            raise UsageError(f"verify key ${env} is not set", hint=f"export {env} with the PEM public key")
        return parse_key(value.encode(), f"${env}")
    assert file is not None
    path = files.from_config(root, file)
    try:
        with path.open("rb") as f:
            data = f.read(MAX_KEY_BYTES + 1)
    except OSError as exc:
        raise UsageError(
            f"cannot read verify key {file}: {exc.strerror}", hint="fix its path in gitops-bot.yaml"
        ) from None
    if len(data) > MAX_KEY_BYTES:
        raise UsageError(f"verify key {file} is larger than {MAX_KEY_BYTES} bytes; it is not a public key")
    return parse_key(data, file)
