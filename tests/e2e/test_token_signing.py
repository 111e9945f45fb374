"""The real distribution registry (``auth: token``) reads both ways the test token service names
its signing key: a ``kid`` it looks up among ``rootcertbundle``'s certificates' keys (Harbor's
and GitLab's form) and an ``x5c`` chain it verifies against the bundle. A ``kid`` naming any
other key is refused, so the acceptance is the lookup's, not a fall-through."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest

from testkit.certs import make_self_signed
from testkit.registry_process import RegistryProcess
from testkit.token_issuer import SIGNINGS, Signing, TokenIssuer

SCOPE = ["repository:sig/app:pull"]


@pytest.fixture(scope="module")
def trusted(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[RegistryProcess, TokenIssuer]]:
    root = tmp_path_factory.mktemp("token-signing")
    issuer = TokenIssuer()  # never started: its tokens are minted here, its bundle read by the registry
    with RegistryProcess(
        root / "registry", auth=issuer.registry_auth(root / "auth", realm="http://127.0.0.1:9/token")
    ) as reg:
        yield reg, issuer


def _status(reg: RegistryProcess, token: str) -> int:
    return httpx.get(
        f"{reg.url}/v2/sig/app/tags/list", headers={"Authorization": f"Bearer {token}"}
    ).status_code


@pytest.mark.parametrize("signing", SIGNINGS)
def test_registry_accepts_the_signing_mode(
    trusted: tuple[RegistryProcess, TokenIssuer], signing: Signing
) -> None:
    reg, issuer = trusted
    same_key = TokenIssuer(signer=issuer.signer, signing=signing)
    assert _status(reg, same_key.mint("bob", SCOPE)) == 404  # authorised: the repository is empty


def test_registry_refuses_a_kid_it_does_not_hold(trusted: tuple[RegistryProcess, TokenIssuer]) -> None:
    reg, issuer = trusted
    stranger = TokenIssuer(signer=make_self_signed())
    assert stranger.key_id != issuer.key_id
    assert _status(reg, stranger.mint("bob", SCOPE)) == 401
