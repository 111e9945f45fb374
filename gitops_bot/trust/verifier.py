"""The verifier: is a digest signed as the image's ``verify:`` policy demands?

The app asks :class:`Verifier` about each digest it is about to write; the verifier reads the
signatures from the registry (:mod:`.cosign`), checks them against the image's ``verify:``
policy (:mod:`.keys`, :mod:`.keyless`) and answers a :class:`~gitops_bot.core.model.Verification`.
Keys and trusted roots are loaded once per run, before anything is planned, so a missing key is
one line and exit 2, never a skipped image.

Semantics: every kind the policy lists must hold (``keys``: a signature by any one of the keys;
``keyless``: a bundle whose certificate matches the identity and issuer).
"""

from __future__ import annotations

import threading
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING

from gitops_bot.core import files
from gitops_bot.core.errors import RegistryAccessError, RegistryProtocolError
from gitops_bot.core.model import SignatureKind, Signer, Verification, short_digest
from gitops_bot.trust import cosign
from gitops_bot.trust.keys import VerifyingKey, load_key
from gitops_bot.trust.settings import KeylessConfig, KeyRef, VerifyConfig

if TYPE_CHECKING:
    from sigstore.verify import Verifier as SigstoreVerifier

__all__ = ["Verifier"]


class Verifier:
    def __init__(self, root: Path, environ: Mapping[str, str]) -> None:
        self.root = root
        self.environ = environ
        self._keys: dict[KeyRef, VerifyingKey] = {}
        self._roots: dict[str, SigstoreVerifier] = {}
        self._results: dict[tuple[str, str, VerifyConfig], Verification] = {}
        self._lock = threading.Lock()

    def prepare(self, spec: VerifyConfig) -> None:
        """Load the policy's keys and trusted root now (UsageError, exit 2, when one is bad)."""
        for ref in spec.keys:
            if ref not in self._keys:
                self._keys[ref] = load_key(file=ref.file, env=ref.env, root=self.root, environ=self.environ)
        if spec.keyless and spec.keyless.trusted_root not in self._roots:
            # sigstore (the keyless extra: not installed without it) costs ~0.5 s to import
            from gitops_bot.trust import keyless

            path = files.from_config(self.root, spec.keyless.trusted_root)
            self._roots[spec.keyless.trusted_root] = keyless.load_root(path, spec.keyless.trusted_root)

    def verify(
        self, reg: cosign.RegistryReader, location: str, repository: str, digest: str, spec: VerifyConfig
    ) -> Verification:
        """Verify ``digest`` of ``repository`` (``location`` is registry/path, the cache key)."""
        key = (location, digest, spec)
        with self._lock:
            if key in self._results:
                return self._results[key]
        self.prepare(spec)
        try:
            simple, bundles = cosign.find(
                reg, repository, digest, keys=bool(spec.keys), keyless=spec.keyless is not None
            )
        except (RegistryAccessError, RegistryProtocolError) as exc:
            result = Verification(False, f"cannot read signatures: {exc}")
        except RecursionError:  # nesting past any real document: this image fails, not the plan
            result = Verification(False, "cannot read signatures: a signature document is nested too deeply")
        else:
            try:
                result = self._judge(spec, digest, simple, bundles)
            except RecursionError:
                result = Verification(False, "a signature document is nested too deeply to verify")
        with self._lock:
            self._results[key] = result
        return result

    def _judge(
        self,
        spec: VerifyConfig,
        digest: str,
        simple: list[cosign.SimpleSignature],
        bundles: list[cosign.BundleBlob],
    ) -> Verification:
        signers: list[Signer] = []
        if spec.keys:
            found = _by_key([self._keys[k] for k in spec.keys], simple, digest)
            if isinstance(found, str):
                return Verification(False, found)
            signers.append(found)
        if spec.keyless:
            got = self._keyless(spec.keyless, bundles, digest)
            if isinstance(got, str):
                return Verification(False, got)
            signers.append(got)
        return Verification(True, "signed: " + "; ".join(s.describe() for s in signers), tuple(signers))

    def _keyless(self, cfg: KeylessConfig, bundles: list[cosign.BundleBlob], digest: str) -> Signer | str:
        from gitops_bot.trust import keyless  # the keyless extra (see prepare)

        if not bundles:
            return f"no keyless signature (Sigstore bundle) for {short_digest(digest)}"
        policy = keyless.IdentityPolicy(cfg.identity, cfg.identity_regexp, cfg.issuer)
        reasons = []
        for b in bundles:
            got = keyless.check(self._roots[cfg.trusted_root], b.data, digest, policy, b.found_by)
            if isinstance(got, Signer):
                return got
            reasons.append(got)
        return _most_telling(reasons)


def _by_key(keys: list[VerifyingKey], sigs: list[cosign.SimpleSignature], digest: str) -> Signer | str:
    """A signer when one of ``keys`` signed a payload naming ``digest``; else the reason."""
    if not sigs:
        tag = cosign.sig_tag(digest)[:20]
        return f"no signature found for {short_digest(digest)} (no {tag}… tag, no referrers)"
    mismatch = None
    for sig in sigs:
        for key in keys:
            if not key.verify(sig.signature, sig.payload):
                continue
            named = cosign.payload_digest(sig.payload)
            if named == digest:
                return Signer(SignatureKind.COSIGN_KEY, key.key_id, found_by=sig.found_by)
            signed, wanted = short_digest(str(named)), short_digest(digest)
            mismatch = f"signature digest mismatch: key {key.key_id} signed {signed}, not {wanted}"
    return mismatch or "no signature by key " + ", ".join(f"{k.key_id} ({k.source})" for k in keys)


def _most_telling(reasons: list[str]) -> str:
    """Of several bundles' failures, the one that says most (identity before generic)."""
    for prefix in ("identity not allowed", "signature digest mismatch", "keyless bundle does not verify"):
        for r in reasons:
            if r.startswith(prefix):
                return r
    return reasons[0]
