"""The test token service's ``kid``: the key ID docker/libtrust computes, which is the only one
the distribution registry resolves a ``kid`` by. Checked against a value another token
service publishes for a fixed key (GitLab's ``spec/lib/json_web_token/rsa_token_spec.rb``,
whose registry tokens carry the same libtrust ID), so the test holds without the registry."""

from __future__ import annotations

import base64
import json
import re

import jwt
from cryptography.hazmat.primitives.serialization import load_pem_private_key

from testkit.token_issuer import TokenIssuer, libtrust_key_id

# GitLab's test key (512-bit RSA, a fixture, not a secret) and the kid its spec expects
GITLAB_KEY = b"""-----BEGIN RSA PRIVATE KEY-----
MIIBOgIBAAJBAMA5sXIBE0HwgIB40iNidN4PGWzOyLQK0bsdOBNgpEXkDlZBvnak
OUgAPF+rME4PB0Yl415DabUI40T5UNmlwxcCAwEAAQJAZtY2pSwIFm3JAXIh0cZZ
iXcAfiJ+YzuqinUOS+eW2sBCAEzjcARlU/o6sFQgtsOi4FOMczAd1Yx8UDMXMmrw
2QIhAPBgVhJiTF09pdmeFWutCvTJDlFFAQNbrbo2X2x/9WF9AiEAzLgqMKeStSRu
H9N16TuDrUoO8R+DPqriCwkKrSHaWyMCIFzMhE4inuKcSywBaLmiG4m3GQzs++Al
A6PRG/PSTpQtAiBxtBg6zdf+JC3GH3zt/dA0/10tL4OF2wORfYQghRzyYQIhAL2l
0ZQW+yLIZAGrdBFWYEAa52GZosncmzBNlsoTgwE4
-----END RSA PRIVATE KEY-----
"""
GITLAB_KID = "OGXY:4TR7:FAVO:WEM2:XXEW:E4FP:TKL7:7ACK:TZAF:D54P:SUIA:P3B2"


def test_key_id_is_libtrusts_for_a_published_key() -> None:
    key = load_pem_private_key(GITLAB_KEY, password=None)
    assert libtrust_key_id(key.public_key()) == GITLAB_KID


def _header(token: str) -> dict[str, object]:
    raw = token.split(".")[0]
    return json.loads(base64.urlsafe_b64decode(raw + "=" * (-len(raw) % 4)))  # type: ignore[no-any-return]


def test_kid_tokens_name_the_signers_key_and_carry_no_certificate() -> None:
    issuer = TokenIssuer()
    header = _header(issuer.mint("bob", ["repository:a/b:pull"]))
    assert header == {"alg": "RS256", "typ": "JWT", "kid": issuer.key_id}
    assert re.fullmatch(r"[A-Z2-7]{4}(:[A-Z2-7]{4}){11}", issuer.key_id)


def test_x5c_tokens_carry_the_signers_certificate() -> None:
    issuer = TokenIssuer(signing="x5c")
    token = issuer.mint("bob", ["repository:a/b:pull"])
    header = _header(token)
    assert "kid" not in header and header["x5c"] == [base64.b64encode(issuer.signer.cert_der).decode()]
    key = load_pem_private_key(issuer.signer.key_pem, password=None).public_key()
    claims = jwt.decode(token, key, algorithms=["RS256"], audience="gitops-bot-test-registry")  # type: ignore[arg-type]
    assert claims["access"] == [{"type": "repository", "name": "a/b", "actions": ["pull"]}]
