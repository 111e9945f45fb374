"""A cloud credential's expiry is a number an outside answer gave (Google's ``expires_in``,
ECR's ``expiresAt``, a refresh token's ``exp``): bounded for every cloud alike by the one
credential that keeps it (registry/cloud/base.py). One that had already expired, or is not
a number, is a refusal kept for FAILURE_TTL (used, it was asked for again on every read, one
login each); one years away, or none, is read as MAX_LIFE."""

from __future__ import annotations

import math
from collections.abc import Mapping

import pytest

from gitops_bot.core.errors import RegistryAccessError
from gitops_bot.registry.cloud.base import MARGIN, MAX_LIFE, CloudCredential, Issued
from gitops_bot.registry.settings import RegistryConfig

NOW = 1_800_000_000.0


class OneLogin:
    kind: str = "gcp"
    extra: str | None = None
    anonymous_ok: bool = False

    def __init__(self, expires: float) -> None:
        self.expires = expires

    def recognises(self, host: str) -> bool:
        return True

    def available(self) -> bool:
        return True

    def present(self, env: Mapping[str, str]) -> bool:
        return True

    def login(self, config: RegistryConfig, env: Mapping[str, str]) -> Issued:
        return Issued("the test identity", self.expires, username="u", password="a-password-1234")


def credential(expires: float, clock: list[float]) -> CloudCredential:
    return CloudCredential(
        OneLogin(expires), RegistryConfig(host="gcr.io"), {}, explicit=True, clock=lambda: clock[0]
    )


@pytest.mark.parametrize("expires", [NOW - 5, NOW, -math.inf, math.nan])
def test_a_credential_expired_or_without_an_expiry_that_is_a_number_is_refused_once(expires: float) -> None:
    clock = [NOW]
    cred = credential(expires, clock)
    for _ in range(5):
        with pytest.raises(RegistryAccessError, match="had already expired"):
            _ = cred.password
        clock[0] += 1
    assert cred.logins == 1


@pytest.mark.parametrize("expires", [NOW + 1e9, math.inf])
def test_a_credential_years_away_is_kept_no_longer_than_the_longest_a_cloud_issues(expires: float) -> None:
    clock = [NOW]
    cred = credential(expires, clock)
    assert cred.password == "a-password-1234"
    clock[0] = NOW + MAX_LIFE - MARGIN - 1
    assert cred.password and cred.logins == 1
    clock[0] = NOW + MAX_LIFE - MARGIN
    assert cred.password and cred.logins == 2
