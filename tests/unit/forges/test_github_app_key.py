"""A GitHub App's private key is read and checked once a process: cryptography checks an RSA key's
consistency each time it loads one (about 0.1 s of CPU), and the App signs a JWT for the
installation, for its token and for every renewal of it. What the check refuses is still one
usage line naming the variable, whenever it is found."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import jwt.algorithms
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa

from gitops_bot.core.errors import UsageError
from gitops_bot.forges.github.adapter import GitHub
from testkit.github_responses import CFG, REPO, Planned

BASE = REPO.removesuffix("/repos/acme/gitops")


def _pem(key: Any) -> str:
    return str(
        key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        ).decode()
    )


def test_the_apps_key_is_loaded_once_for_every_jwt_it_signs(
    rsps: Planned, monkeypatch: pytest.MonkeyPatch
) -> None:
    loads: list[bytes] = []
    load = jwt.algorithms.load_pem_private_key

    def counted(data: bytes, *args: Any, **kwargs: Any) -> Any:
        loads.append(data)
        return load(data, *args, **kwargs)

    monkeypatch.setattr(jwt.algorithms, "load_pem_private_key", counted)
    # a token that expires inside the renewal margin: the next request renews it (a third JWT)
    soon = (datetime.now(UTC) + timedelta(seconds=120)).strftime("%Y-%m-%dT%H:%M:%SZ")
    rsps.get(f"{REPO}/installation", json={"id": 7, "app_id": 1, "app_slug": "acme-release"})
    rsps.post(f"{BASE}/app/installations/7/access_tokens", json={"token": "ghs_first", "expires_at": soon})
    rsps.post(
        f"{BASE}/app/installations/7/access_tokens",
        json={"token": "ghs_second", "expires_at": "2099-01-01T00:00:00Z"},
    )
    rsps.get(f"{REPO}/pulls", json=[])
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    forge = GitHub.connect(CFG, "acme/gitops", {CFG.app_id_env: "1", CFG.app_key_env: _pem(key)})
    assert forge.open_pulls("gitops-bot") == {}

    signed = [c.request.headers["Authorization"] for c in rsps.calls if "/pulls" not in str(c.request.url)]
    assert len(signed) == 3 and all(h.startswith("Bearer ") for h in signed)
    for header in signed:  # each JWT is the App's, signed with its key
        claims = jwt.decode(header.removeprefix("Bearer "), key.public_key(), algorithms=["RS256"])
        assert claims["iss"] == "1"
    assert rsps.calls[-1].request.headers["Authorization"] == "token ghs_second"
    assert len(loads) == 1
    # a connection again with the same key (a watch cycle's) checks it no more
    rsps.get(f"{REPO}/installation", json={"id": 7, "app_id": 1, "app_slug": "acme-release"})
    rsps.post(
        f"{BASE}/app/installations/7/access_tokens",
        json={"token": "ghs_third", "expires_at": "2099-01-01T00:00:00Z"},
    )
    again = GitHub.connect(CFG, "acme/gitops", {CFG.app_id_env: "1", CFG.app_key_env: _pem(key)})
    assert again.git_token == "ghs_third"
    assert len(loads) == 1


@pytest.mark.parametrize(
    "key",
    [
        pytest.param("not a key at all", id="text"),
        pytest.param("-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n", id="a broken PEM"),
        pytest.param(_pem(ec.generate_private_key(ec.SECP256R1())), id="an EC key"),
        pytest.param(
            rsa.generate_private_key(public_exponent=65537, key_size=2048)
            .public_key()
            .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
            .decode(),
            id="the public key",
        ),
    ],
)
def test_a_key_the_check_refuses_is_one_usage_line_naming_its_variable(key: str) -> None:
    with pytest.raises(UsageError, match=f"private key in {CFG.app_key_env} is unusable") as err:
        GitHub.connect(CFG, "acme/gitops", {CFG.app_id_env: "1", CFG.app_key_env: key})
    assert "\n" not in str(err.value)
