"""Keyless (Fulcio certificate + Rekor entry) verification of Sigstore bundles, offline.

sigstore-python does the cryptography: the certificate chain to the Fulcio roots in the
user's trusted root, the SCT, the Rekor inclusion proof/promise and checkpoint, and the
signature. The bundle is checked in two steps so the reason says which part failed: first
against the trust root with no identity policy ("not in the log", "bad signature"), then the
certificate's identity and issuer against the configured ones ("identity not allowed").

Cosign's Sigstore bundle for an image is a DSSE envelope holding an in-toto statement whose
subject names the image digest; that digest must equal the one being verified.
"""

from __future__ import annotations

import base64
import json
from datetime import datetime
from pathlib import Path
from typing import Any

from cryptography import x509

from gitops_bot.core.errors import UsageError
from gitops_bot.core.extras import install_hint
from gitops_bot.core.goregexp import compiled
from gitops_bot.core.instants import epoch_instant
from gitops_bot.core.record import record

# sigstore-python is the `keyless` extra (it brings ~27 distributions that key-signed and
# unsigned images never need). This module is imported only when a `verify:` policy asks for
# keyless, so its absence is that configuration's error: one line naming what to install.
try:
    from sigstore.errors import Error as SigstoreError
    from sigstore.errors import VerificationError
    from sigstore.hashes import Hashed
    from sigstore.models import Bundle, TrustedRoot
    from sigstore.verify import Verifier
    from sigstore.verify.policy import OIDCIssuer, VerificationPolicy
    from sigstore_models.common.v1 import HashAlgorithm
except ImportError as exc:  # only the missing extra; a broken sigstore install says so itself
    if (exc.name or "").partition(".")[0] not in ("sigstore", "sigstore_models"):
        raise
    raise UsageError(
        "keyless signature verification (verify: keyless) needs sigstore, which is not installed",
        hint=install_hint("keyless"),
    ) from None
from gitops_bot.core.model import FoundBy, SignatureKind, Signer, short_digest

_OTHERNAME = x509.ObjectIdentifier("1.3.6.1.4.1.57264.1.7")


class _IdentityCheckedAfter(VerificationPolicy):
    """sigstore's own no-op policy logs a warning per call; the identity is checked right after
    the cryptographic verification, by :func:`check`, so the reason can say which part failed."""

    def verify(self, cert: x509.Certificate) -> None:
        return None


_IDENTITY_LATER = _IdentityCheckedAfter()


@record
class IdentityPolicy:
    identity: str | None
    identity_regexp: str | None
    issuer: str

    def allows(self, san: set[str]) -> bool:
        if self.identity is not None:
            return self.identity in san
        assert self.identity_regexp is not None
        # matched as cosign reads it: Go's syntax, in linear time
        return any(compiled(self.identity_regexp).group(s, 0, True) is not None for s in san)

    def describe(self) -> str:
        return self.identity or f"/{self.identity_regexp}/"


def load_root(path: Path, label: str) -> Verifier:
    """A verifier over the user's trusted root; nothing is fetched (no TUF, no network)."""
    try:
        return Verifier(trusted_root=TrustedRoot.from_file(str(path)))
    except (OSError, ValueError, SigstoreError) as exc:
        raise UsageError(
            f"cannot load the Sigstore trusted root {label}: {exc}",
            hint="give a trusted_root.json (e.g. from 'cosign trusted-root create' or the TUF repository)",
        ) from None


def sans(cert: x509.Certificate) -> set[str]:
    try:
        ext = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    except x509.ExtensionNotFound:
        return set()
    out = set(ext.get_values_for_type(x509.RFC822Name)) | set(
        ext.get_values_for_type(x509.UniformResourceIdentifier)
    )
    out |= {
        o.value.decode(errors="replace")
        for o in ext.get_values_for_type(x509.OtherName)
        if o.type_id == _OTHERNAME
    }
    return out


def check(
    verifier: Verifier, raw: bytes, digest: str, policy: IdentityPolicy, found_by: FoundBy
) -> Signer | str:
    """A :class:`Signer` when the bundle holds for ``digest`` under ``policy``, else the reason.

    Two bundle shapes bind a signature to a digest: a DSSE in-toto statement whose subject names
    it (cosign's image bundles), or a message signature over the digest itself (``sign-blob`` of
    the manifest); the message digest is compared first so a bundle for another image says so.
    """
    try:
        bundle = Bundle.from_json(raw)
        doc = json.loads(raw)
    except RecursionError:
        return "not a Sigstore bundle (nested too deeply)"
    except (ValueError, SigstoreError) as exc:
        return f"not a Sigstore bundle ({str(exc)[:120]})"
    try:
        if "dsseEnvelope" in doc:
            payload_type, payload = verifier.verify_dsse(bundle, _IDENTITY_LATER)
            named = statement_digests(payload_type, payload)
        else:
            named = {_message_digest(doc)}
            if digest in named:
                hashed = Hashed(algorithm=HashAlgorithm.SHA2_256, digest=bytes.fromhex(digest[7:]))
                verifier.verify_artifact(hashed, bundle, _IDENTITY_LATER)
    except VerificationError as exc:
        return f"keyless bundle does not verify against the trusted root: {str(exc)[:200]}"
    except SigstoreError as exc:
        return f"keyless bundle is not usable: {str(exc)[:200]}"
    if digest not in named:
        return (
            f"signature digest mismatch: the bundle signs {', '.join(sorted(short_digest(n) for n in named))}"
        )
    cert = bundle.signing_certificate
    names = sans(cert)
    if not _issuer_ok(cert, policy.issuer) or not policy.allows(names):
        signed_by = ", ".join(sorted(names)) or "(none)"
        return f"identity not allowed: {signed_by} is not {policy.describe()} ({policy.issuer})"
    signer = policy.identity or next(n for n in sorted(names) if policy.allows({n}))
    return Signer(SignatureKind.KEYLESS, signer, policy.issuer, _log_index(doc), found_by, _logged_at(doc))


def _issuer_ok(cert: x509.Certificate, issuer: str) -> bool:
    try:
        OIDCIssuer(issuer).verify(cert)
    except VerificationError:
        return False
    return True


def _message_digest(doc: dict[str, Any]) -> str:
    try:
        sig = doc["messageSignature"]
        return "sha256:" + base64.b64decode(sig["messageDigest"]["digest"]).hex()
    except (KeyError, TypeError, ValueError):
        return "(no digest)"


def _log_index(doc: dict[str, Any]) -> int | None:
    try:
        return int(doc["verificationMaterial"]["tlogEntries"][0]["logIndex"])
    except (ValueError, KeyError, IndexError, TypeError):
        return None


def _logged_at(doc: dict[str, Any]) -> datetime | None:
    """The log entry's integratedTime (Unix seconds), only where the log signed it: an
    inclusion promise (the signed entry timestamp) covers it, and sigstore verified that promise
    with the bundle. A bundle proving inclusion without a promise leaves the field unsigned
    (the publisher could write any time there; Rekor v2 writes 0): None then, as when absent
    or unreadable."""
    try:
        entry = doc["verificationMaterial"]["tlogEntries"][0]
        if not entry.get("inclusionPromise", {}).get("signedEntryTimestamp"):
            return None
        return epoch_instant(str(entry["integratedTime"]))
    except (KeyError, IndexError, TypeError, AttributeError):
        return None


def statement_digests(payload_type: str, payload: bytes) -> set[str]:
    """``sha256:<hex>`` of every subject of an in-toto statement."""
    if payload_type != "application/vnd.in-toto+json":
        return set()
    try:
        subjects = json.loads(payload).get("subject") or []
        return {
            f"sha256:{s['digest']['sha256']}"
            for s in subjects
            if isinstance(s, dict) and "sha256" in (s.get("digest") or {})
        }
    except (ValueError, AttributeError, TypeError, RecursionError):
        return set()
