"""Signature verification against a real registry: signatures made in cosign's exact format
by the tests themselves, a private Sigstore instance for keyless bundles, and artifacts the
real tools made (tests/data/trust/SOURCES.md)."""

from __future__ import annotations

import base64
import hashlib
from datetime import UTC, datetime
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric import ec

from gitops_bot.config import RegistryConfig
from gitops_bot.core.model import Verification
from gitops_bot.registry.client import RegistryClient, RetryPolicy
from gitops_bot.trust.settings import KeylessConfig, KeyRef, VerifyConfig
from gitops_bot.trust.verifier import Verifier
from testkit import cosign
from testkit.oci import Pusher
from testkit.paths import TEST_DATA
from testkit.referrers_proxy import ReferrersProxy
from testkit.registry_process import RegistryProcess
from testkit.sigstore_root import SigstoreInstance

DATA = TEST_DATA / "trust"


IDENTITY = "https://github.com/acme/app/.github/workflows/release.yml@refs/heads/main"


ISSUER = "https://token.actions.githubusercontent.com"


@pytest.fixture
def client(registry: RegistryProcess) -> RegistryClient:
    return RegistryClient(RegistryConfig(host=registry.host), retry=RetryPolicy(attempts=1))


def key_file(tmp_path: Path, key: cosign.PrivateKey, name: str = "cosign.pub") -> VerifyConfig:
    (tmp_path / name).write_bytes(cosign.public_pem(key))
    return VerifyConfig(keys=(KeyRef(file=name),))


def check(client: RegistryClient, tmp_path: Path, repo: str, digest: str, spec: VerifyConfig) -> Verification:
    return Verifier(tmp_path, {}).verify(client, f"{client.host}/{repo}", repo, digest, spec)


@pytest.mark.parametrize("kind", ["ecdsa", "ed25519", "rsa"])
def test_signed_digest_verifies_for_each_key_type(
    kind: str, pusher: Pusher, client: RegistryClient, tmp_path: Path
) -> None:
    repo = f"trust/{kind}"
    digest = pusher.image(repo, "1.0.0").digest
    key = cosign.new_key(kind)
    cosign.sign_image(pusher, repo, f"{client.host}/{repo}", digest, key)
    got = check(client, tmp_path, repo, digest, key_file(tmp_path, key))
    assert got.verified, got.reason
    (signer,) = got.signers
    assert signer.method == "cosign-key" and signer.signer.startswith("SHA256:") and signer.found_by == "tag"


def test_wrong_key_missing_signature_and_tampered_payload_are_refused(
    pusher: Pusher, client: RegistryClient, tmp_path: Path
) -> None:
    repo = "trust/refused"
    signed, unsigned, tampered = (pusher.image(repo, t).digest for t in ("1", "2", "3"))
    ours, theirs = cosign.new_key(), cosign.new_key()
    spec = key_file(tmp_path, ours)
    cosign.sign_image(pusher, repo, repo, signed, theirs)
    data = cosign.payload(repo, tampered)
    cosign.push_signature(
        pusher, repo, tampered, [(data.replace(b'optional":null', b'optional":{}'), cosign.sign(ours, data))]
    )

    wrong = check(client, tmp_path, repo, signed, spec)
    assert not wrong.verified and wrong.reason.startswith("no signature by key SHA256:")
    assert "(cosign.pub)" in wrong.reason
    missing = check(client, tmp_path, repo, unsigned, spec)
    assert not missing.verified and missing.reason.startswith("no signature found for sha256:")
    bad = check(client, tmp_path, repo, tampered, spec)
    assert not bad.verified and bad.reason.startswith("no signature by key")


def test_payload_naming_another_digest_is_a_digest_mismatch(
    pusher: Pusher, client: RegistryClient, tmp_path: Path
) -> None:
    """A valid signature copied from another image's .sig proves nothing about this one."""
    repo = "trust/mismatch"
    good, evil = pusher.image(repo, "good").digest, pusher.image(repo, "evil").digest
    key = cosign.new_key()
    data = cosign.payload(repo, good)
    cosign.push_signature(pusher, repo, evil, [(data, cosign.sign(key, data))])
    got = check(client, tmp_path, repo, evil, key_file(tmp_path, key))
    assert not got.verified
    assert got.reason.startswith("signature digest mismatch:") and good[:19] in got.reason


def test_index_signature_does_not_cover_the_platform_digest(
    pusher: Pusher, client: RegistryClient, tmp_path: Path
) -> None:
    """Multi-arch: the digest written is what must be signed (index or platform child)."""
    repo = "trust/multi"
    pushed = pusher.image(repo, "1.0.0", platforms=["linux/amd64", "linux/arm64"])
    key = cosign.new_key()
    spec = key_file(tmp_path, key)
    cosign.sign_image(pusher, repo, repo, pushed.digest, key)
    arm = pushed.platforms["linux/arm64"]
    assert check(client, tmp_path, repo, pushed.digest, spec).verified
    assert not check(client, tmp_path, repo, arm, spec).verified
    cosign.sign_image(pusher, repo, repo, arm, key)
    assert Verifier(tmp_path, {}).verify(client, "x", repo, arm, spec).verified


def test_signature_attached_as_a_referrer_is_found_through_the_referrers_tag_schema(
    pusher: Pusher, client: RegistryClient, tmp_path: Path
) -> None:
    """distribution 2.8 has no referrers API (the client sees 404 and falls back)."""
    repo = "trust/referrer"
    digest = pusher.image(repo, "1.0.0").digest
    key = cosign.new_key()
    data = cosign.payload(repo, digest)
    ann = {"dev.cosignproject.cosign/signature": cosign.sign(key, data)}
    cosign.attach(
        pusher,
        repo,
        digest,
        data,
        cosign.SIMPLE_SIGNING,
        "application/vnd.dev.cosign.artifact.sig.v1+json",
        ann,
    )
    assert client.referrers(repo, digest) is None
    got = check(client, tmp_path, repo, digest, key_file(tmp_path, key))
    assert got.verified and got.signers[0].found_by == "referrers-tag"


@pytest.fixture(scope="module")
def sigstore() -> SigstoreInstance:
    return SigstoreInstance()


def keyless_spec(tmp_path: Path, inst: SigstoreInstance, identity: str = IDENTITY) -> VerifyConfig:
    (tmp_path / "trusted_root.json").write_text(inst.trusted_root())
    return VerifyConfig(keyless=KeylessConfig("trusted_root.json", ISSUER, identity=identity))


def test_keyless_bundle_valid_wrong_identity_not_in_log_and_other_digest(
    pusher: Pusher, client: RegistryClient, tmp_path: Path, sigstore: SigstoreInstance
) -> None:
    repo = "trust/keyless"
    good, rogue, other, unsigned = (pusher.image(repo, t).digest for t in ("good", "rogue", "other", "none"))
    for digest, bundle in [
        (good, sigstore.bundle(good, IDENTITY, ISSUER, log_index=1234)),
        (rogue, sigstore.bundle(rogue, IDENTITY, ISSUER, log_key=ec.generate_private_key(ec.SECP256R1()))),
        (other, sigstore.bundle(good, IDENTITY, ISSUER)),
    ]:
        cosign.attach(pusher, repo, digest, bundle, cosign.BUNDLE, cosign.BUNDLE)
    spec = keyless_spec(tmp_path, sigstore)

    ok = check(client, tmp_path, repo, good, spec)
    assert ok.verified, ok.reason
    assert ok.signers[0].describe() == f"keyless {IDENTITY} ({ISSUER}), Rekor log index 1234"
    assert ok.signers[0].logged_at == datetime(2026, 1, 1, tzinfo=UTC)  # the entry's integratedTime
    regexp = VerifyConfig(
        keyless=KeylessConfig("trusted_root.json", ISSUER, identity_regexp=r"https://github\.com/acme/.*")
    )
    assert check(client, tmp_path, repo, good, regexp).verified
    denied = check(
        client, tmp_path, repo, good, keyless_spec(tmp_path, sigstore, "https://github.com/evil/x")
    )
    assert denied.reason.startswith(f"identity not allowed: {IDENTITY} is not https://github.com/evil/x")
    not_logged = check(client, tmp_path, repo, rogue, spec)
    assert not_logged.reason.startswith("keyless bundle does not verify against the trusted root")
    assert check(client, tmp_path, repo, other, spec).reason.startswith("signature digest mismatch")
    assert check(client, tmp_path, repo, unsigned, spec).reason.startswith("no keyless signature")


def test_keys_and_keyless_together_both_must_hold(
    pusher: Pusher, client: RegistryClient, tmp_path: Path, sigstore: SigstoreInstance
) -> None:
    repo = "trust/both"
    digest = pusher.image(repo, "1").digest
    key = cosign.new_key()
    cosign.sign_image(pusher, repo, repo, digest, key)
    spec = VerifyConfig(keys=key_file(tmp_path, key).keys, keyless=keyless_spec(tmp_path, sigstore).keyless)
    assert check(client, tmp_path, repo, digest, spec).reason.startswith("no keyless signature")
    cosign.attach(
        pusher, repo, digest, sigstore.bundle(digest, IDENTITY, ISSUER), cosign.BUNDLE, cosign.BUNDLE
    )
    both = check(client, tmp_path, repo, digest, spec)
    assert both.verified and [s.method for s in both.signers] == ["cosign-key", "keyless"]


def test_real_cosign_signature_verifies_through_the_registry(
    pusher: Pusher, client: RegistryClient, tmp_path: Path
) -> None:
    real = DATA / "cosign-real"
    payload = (real / "payload.json").read_bytes()
    digest = "sha256:7396780b5862cf8b37527854a2a2331e5c746b6a71aa1f424258c3bfaf3a1bd7"
    # the layer digest crane showed, and the hash Rekor logged for the entry
    assert (
        hashlib.sha256(payload).hexdigest()
        == "88b8a2ac5b829f47bd25a5a4d9c2ccb0fccff7f53a17477b6d9b5680436aa80f"
    )
    cosign.push_signature(
        pusher, "trust/real", digest, [(payload, (real / "signature.b64").read_text().strip())]
    )
    spec = VerifyConfig(keys=(KeyRef(file="cosign-real/cosign.pub"),))
    got = Verifier(DATA, {}).verify(
        client, "ghcr.io/freedomofpress/dangerzone/v1", "trust/real", digest, spec
    )
    assert got.verified, got.reason
    sig = base64.b64decode((real / "signature.b64").read_text())
    cosign.push_signature(
        pusher, "trust/real", digest, [(payload.replace(b"v1", b"v2"), base64.b64encode(sig).decode())]
    )
    assert not Verifier(DATA, {}).verify(client, "other", "trust/real", digest, spec).verified


def test_registry_with_the_referrers_api_is_asked_through_it(
    registry: RegistryProcess, pusher: Pusher, tmp_path: Path, sigstore: SigstoreInstance
) -> None:
    repo = "trust/api"
    digest = pusher.image(repo, "1.0.0").digest
    cosign.attach(
        pusher, repo, digest, sigstore.bundle(digest, IDENTITY, ISSUER), cosign.BUNDLE, cosign.BUNDLE
    )
    with ReferrersProxy(registry.url) as front:
        client = RegistryClient(RegistryConfig(host=front.host), retry=RetryPolicy(attempts=1))
        listed = client.referrers(repo, digest)
        assert listed is not None and [d["artifactType"] for d in listed] == [cosign.BUNDLE]
        got = check(client, tmp_path, repo, digest, keyless_spec(tmp_path, sigstore))
        assert got.verified and got.signers[0].found_by == "referrers"
        assert len(front.calls) == 2
        assert client.referrers(repo, pusher.image(repo, "2.0.0").digest) == []
