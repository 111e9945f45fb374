"""Nesting past any real document (signature bundles, referrers indexes, simple-signing
payloads) is that one image's failure with a clear reason, never a RecursionError that aborts
the whole plan."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from gitops_bot.trust import cosign, keyless
from gitops_bot.trust.cosign import FoundBy
from gitops_bot.trust.settings import VerifyConfig
from gitops_bot.trust.verifier import Verifier

DIGEST = "sha256:" + "ab" * 32
DEEP = b"[" * 200_000 + b"]" * 200_000
DEEP_OBJECT = b'{"a":' * 100_000 + b"1" + b"}" * 100_000


class DeepRegistry:
    """Every manifest and blob it serves is nested 100,000 levels deep."""

    def __init__(self) -> None:
        self.asked: list[str] = []

    def manifest(self, repository: str, reference: str) -> tuple[str, bytes, str] | None:
        self.asked.append(reference)
        return "application/vnd.oci.image.index.v1+json", DEEP_OBJECT, DIGEST

    def blob(self, repository: str, digest: str, max_bytes: int) -> bytes:
        return DEEP

    def referrers(self, repository: str, digest: str) -> list[dict[str, Any]] | None:
        return None  # no referrers API: the tag schema's index is read


@pytest.mark.parametrize("doc", [DEEP, DEEP_OBJECT])
def test_deep_simple_signing_payloads_and_statements_name_no_digest(doc: bytes) -> None:
    assert cosign.payload_digest(doc) is None
    assert keyless.statement_digests("application/vnd.in-toto+json", doc) == set()


@pytest.mark.parametrize("doc", [DEEP, DEEP_OBJECT])
def test_a_deep_bundle_is_not_a_sigstore_bundle(doc: bytes) -> None:
    got = keyless.check(None, doc, DIGEST, keyless.IdentityPolicy(None, None, None), FoundBy.REFERRERS)  # type: ignore[arg-type]
    assert isinstance(got, str) and got.startswith("not a Sigstore bundle")


def test_deep_referrers_indexes_and_signature_manifests_are_no_signatures() -> None:
    reg = DeepRegistry()
    simple, bundles = cosign.find(reg, "acme/app", DIGEST)
    assert (simple, bundles) == ([], [])
    assert reg.asked  # the deep documents were really read


def test_a_recursion_error_while_verifying_fails_that_image_only(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def deep_find(*_: Any, **__: Any) -> Any:
        raise RecursionError("maximum recursion depth exceeded")

    monkeypatch.setattr(cosign, "find", deep_find)
    result = Verifier(tmp_path, {}).verify(DeepRegistry(), "r/acme/app", "acme/app", DIGEST, VerifyConfig())
    assert not result.verified and "nested too deeply" in result.reason
