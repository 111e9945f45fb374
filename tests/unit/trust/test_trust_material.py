"""Trust material read by the verifier without a registry: a missing or unreadable key and an
unreadable trusted root are one usage error, a relative trust file may not leave the config
directory through a symlink, and a real Sigstore bundle verifies offline against its trusted
root (tests/data/trust/SOURCES.md)."""

from __future__ import annotations

from pathlib import Path

import pytest

from gitops_bot.core.errors import UsageError
from gitops_bot.trust import keyless
from gitops_bot.trust.settings import KeylessConfig, KeyRef, VerifyConfig
from gitops_bot.trust.verifier import Verifier
from testkit import cosign
from testkit.paths import TEST_DATA
from testkit.sigstore_root import SigstoreInstance

DATA = TEST_DATA / "trust"


IDENTITY = "https://github.com/acme/app/.github/workflows/release.yml@refs/heads/main"


ISSUER = "https://token.actions.githubusercontent.com"


def test_missing_or_unreadable_key_is_a_usage_error(tmp_path: Path) -> None:
    v = Verifier(tmp_path, {})
    with pytest.raises(UsageError, match=r"cannot read verify key keys/ci\.pub"):
        v.prepare(VerifyConfig(keys=(KeyRef(file="keys/ci.pub"),)))
    (tmp_path / "bad.pub").write_text("not a key\n")
    with pytest.raises(UsageError, match="is not a PEM public key"):
        v.prepare(VerifyConfig(keys=(KeyRef(file="bad.pub"),)))
    with pytest.raises(UsageError, match=r"\$COSIGN_PUBLIC_KEY is not set"):
        v.prepare(VerifyConfig(keys=(KeyRef(env="COSIGN_PUBLIC_KEY"),)))
    pem = cosign.public_pem(cosign.new_key()).decode()
    Verifier(tmp_path, {"COSIGN_PUBLIC_KEY": pem}).prepare(
        VerifyConfig(keys=(KeyRef(env="COSIGN_PUBLIC_KEY"),))
    )


@pytest.fixture(scope="module")
def sigstore() -> SigstoreInstance:
    return SigstoreInstance()


def test_real_sigstore_bundle_verifies_offline_against_its_trusted_root() -> None:
    real = DATA / "keyless-real"
    verifier = keyless.load_root(real / "staging_trusted_root.json", "staging_trusted_root.json")
    raw = (real / "bundle.txt.sigstore").read_bytes()
    digest = "sha256:802dd60ff88333802f2585e73043bd21c341285e1992fe5b31755e1cadeae30e"
    policy = keyless.IdentityPolicy("a@tny.town", None, "https://github.com/login/oauth")
    got = keyless.check(verifier, raw, digest, policy, "tag")
    assert not isinstance(got, str) and got.log_index == 7390977
    wrong = keyless.check(
        verifier, raw, digest, keyless.IdentityPolicy("b@tny.town", None, policy.issuer), "tag"
    )
    assert wrong == "identity not allowed: a@tny.town is not b@tny.town (https://github.com/login/oauth)"
    forged = raw.replace(b'"integratedTime": "1682468469"', b'"integratedTime": "1682468470"')
    assert str(keyless.check(verifier, forged, digest, policy, "tag")).startswith(
        "keyless bundle does not verify"
    )
    assert str(keyless.check(verifier, raw, "sha256:" + "0" * 64, policy, "tag")).startswith(
        "signature digest mismatch"
    )


def test_unreadable_trusted_root_is_a_usage_error(tmp_path: Path) -> None:
    (tmp_path / "root.json").write_text("{}")
    spec = VerifyConfig(keyless=KeylessConfig("root.json", ISSUER, identity=IDENTITY))
    with pytest.raises(UsageError, match=r"cannot load the Sigstore trusted root root\.json"):
        Verifier(tmp_path, {}).prepare(spec)


@pytest.mark.parametrize("link", ["keys/ci.pub", "sigstore/trusted_root.json"])
def test_a_relative_trust_file_may_not_leave_the_config_directory_through_a_symlink(
    tmp_path: Path, link: str
) -> None:
    """Keys and trusted roots named by gitops-bot.yaml obey the repository's containment rule:
    a committed symlink pointing outside is exit 2 naming it, never read."""
    outside = tmp_path / "outside.pem"
    outside.write_text("not a key\n")
    repo = tmp_path / "repo"
    (repo / link).parent.mkdir(parents=True)
    (repo / link).symlink_to(outside)
    verifier = Verifier(repo, {})
    spec = (
        VerifyConfig(keys=(KeyRef(file=link),))
        if link.endswith(".pub")
        else VerifyConfig(keyless=KeylessConfig(trusted_root=link, issuer="y", identity="x"))
    )
    with pytest.raises(UsageError, match="outside the repository"):
        verifier.prepare(spec)
