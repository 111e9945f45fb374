"""A signed JWT bearer, verified against its issuer's published keys (JWKS).

One mechanism for every sender that presents one: Pub/Sub push's OIDC ID token (Google's
keys, ``email`` = the push service account), an EventBridge API destination's OAuth
client-credentials access token (the operator's authorization server), Event Grid's Entra
ID token. Only asymmetric signatures are accepted, and the key's type must fit the token's
``alg``: a token cannot pick ``none`` or an HMAC keyed with the public key.

The key set is fetched through :mod:`gitops_bot.net` (deadline, size cap, no redirects
followed), kept for its ``Cache-Control`` max-age (clamped), and fetched again early when a
token names an unknown ``kid`` (the issuer rotated its keys). Whatever requests arrive, one key
set is fetched at most once per :data:`REFETCH_INTERVAL`: an attacker inventing ``kid``\\ s
cannot make the listener hammer the issuer (or itself wait on it). Token values never appear
in a message.
"""

from __future__ import annotations

import re
import threading
import time
from collections.abc import Callable, Mapping
from typing import Any

import jwt

from gitops_bot.core.log import get_logger
from gitops_bot.events.settings import GOOGLE_ISSUER, JwtSettings
from gitops_bot.net import retry
from gitops_bot.net.limits import loads
from gitops_bot.net.service import Answer, Refused, Service, Unavailable

log = get_logger("gitops_bot.events")

MAX_TOKEN = 16 * 1024  # bytes: Google's and Entra's tokens are 1-3 KiB
LEEWAY = 60  # seconds of clock difference tolerated on exp, iat and nbf
JWKS_DEADLINE = 5.0  # seconds for one key set fetch, all in
JWKS_LIMIT = 256 * 1024  # bytes: Google's key set is ~1.5 KiB, Entra's ~10 KiB
MIN_AGE, DEFAULT_AGE, MAX_AGE = 60.0, 3600.0, 86400.0  # seconds a key set is kept
REFETCH_INTERVAL = 60.0  # seconds between two fetches of one key set, at the least
# asymmetric only: the key type each family of algorithms needs
ALGORITHMS = {
    **{f"RS{n}": "RSA" for n in (256, 384, 512)},
    **{f"PS{n}": "RSA" for n in (256, 384, 512)},
    **{f"ES{n}": "EC" for n in (256, 384, 512)},
}
_MAX_AGE = re.compile(r"(?:^|[,\s])max-age\s*=\s*\"?(\d{1,10})")

# url -> (HTTP status, body, Cache-Control)
Fetch = Callable[[str], tuple[int, bytes, str]]


class BadToken(Exception):
    """The bearer is refused: the message says why (never the token)."""


class KeysUnavailable(Exception):
    """The issuer's key set could not be had (and none is cached): nothing can be verified."""


def net_fetch(url: str) -> tuple[int, bytes, str]:
    """GET ``url`` through the one client of outside services (proxies, trust, a total
    deadline, a cap, redirects only within the issuer's origin); asked once: a webhook waits
    for it, and a failure keeps the keys there are."""
    with Service(
        "the key set",
        url,
        timeout=JWKS_DEADLINE,
        total=JWKS_DEADLINE,
        limit=JWKS_LIMIT,
        policy=retry.RetryPolicy(attempts=1),
    ) as issuer:
        match issuer.get(url, parse=False):
            case Answer(status=status, body=body) as answer:
                return status, body, answer.header("cache-control")
            case Refused(status=status):
                return status, b"", ""
            case Unavailable(why=why):
                raise KeysUnavailable(why)


def max_age(cache_control: str) -> float:
    found = _MAX_AGE.search(cache_control.lower())
    age = float(found.group(1)) if found else DEFAULT_AGE
    return min(max(age, MIN_AGE), MAX_AGE)


class KeySet:
    """One JWKS URL's keys by ``kid``."""

    def __init__(self, url: str, fetch: Fetch, clock: Callable[[], float]) -> None:
        self.url = url
        self._fetch = fetch
        self._clock = clock
        self._keys: dict[str, tuple[jwt.PyJWK, Mapping[str, Any]]] = {}
        self._expires = 0.0
        self._fetched: float | None = None
        self.fetches = 0  # how many times the set was fetched (the bound above is observable)
        self._lock = threading.Lock()

    def key(self, kid: str | None) -> tuple[jwt.PyJWK, Mapping[str, Any]]:
        with self._lock:
            now = self._clock()
            wanted = kid is not None and kid not in self._keys
            if (now >= self._expires or wanted) and (
                self._fetched is None or now - self._fetched >= REFETCH_INTERVAL
            ):
                self._refresh(now)
            if not self._keys and self._fetched is not None and self._expires == 0.0:
                raise KeysUnavailable(f"the key set {self.url} could not be fetched")
            if kid is None:
                if len(self._keys) != 1:
                    raise BadToken("the JWT names no key ('kid') and the issuer has several")
                return next(iter(self._keys.values()))
            found = self._keys.get(kid)
        if found is None:
            raise BadToken("the JWT is signed by a key ('kid') the issuer does not publish")
        return found

    def _refresh(self, now: float) -> None:
        """Fetch the set; a failure keeps the keys there are (an issuer's outage must not
        refuse tokens it signed with a key we know) and is logged once per attempt."""
        self._fetched = now
        self.fetches += 1
        try:
            status, body, cache_control = self._fetch(self.url)
            if status != 200:
                raise ValueError(f"HTTP {status}")
            doc = loads(body)
            if not isinstance(doc, dict) or not isinstance(doc.get("keys"), list):
                raise ValueError("not a JWK set (no 'keys' list)")
        except Exception as exc:
            log.warning("jwks_unavailable", url=self.url, error=f"{type(exc).__name__}: {exc}"[:200])
            return
        keys: dict[str, tuple[jwt.PyJWK, Mapping[str, Any]]] = {}
        for entry in doc["keys"][:100]:
            # signature keys of an asymmetric type only: an "oct" (HMAC) key in the set would
            # let a token signed with a published secret through
            if not isinstance(entry, dict) or entry.get("kty") not in ("RSA", "EC"):
                continue
            if entry.get("use", "sig") != "sig":
                continue
            try:
                keys[str(entry.get("kid", ""))] = (jwt.PyJWK(entry), entry)
            except (jwt.PyJWTError, ValueError, TypeError):
                continue
        self._keys = keys
        self._expires = now + max_age(cache_control)


class JwtVerifier:
    """Bearer JWTs for every source that takes one; one :class:`KeySet` per JWKS URL (the
    URLs come from the config, so their number is the operator's, never a sender's)."""

    def __init__(self, fetch: Fetch | None = None, clock: Callable[[], float] = time.monotonic) -> None:
        self._fetch = fetch or net_fetch
        self._clock = clock
        self._sets: dict[str, KeySet] = {}
        self._lock = threading.Lock()

    def keyset(self, url: str) -> KeySet:
        with self._lock:
            found = self._sets.get(url)
            if found is None:
                found = self._sets[url] = KeySet(url, self._fetch, self._clock)
            return found

    def verify(self, token: str, settings: JwtSettings) -> dict[str, Any]:
        """The token's claims, or :class:`BadToken` / :class:`KeysUnavailable`."""
        if len(token) > MAX_TOKEN:
            raise BadToken(f"the bearer token is over {MAX_TOKEN} bytes")
        try:
            header = jwt.get_unverified_header(token)
        except jwt.PyJWTError:
            raise BadToken("the bearer token is not a JWT (opaque tokens cannot be verified)") from None
        alg = header.get("alg")
        kind = ALGORITHMS.get(alg) if isinstance(alg, str) else None
        if kind is None:
            raise BadToken(f"JWT algorithm {str(alg)[:20]!r} is refused (asymmetric signatures only)")
        kid = header.get("kid")
        if kid is not None and not isinstance(kid, str):
            raise BadToken("the JWT's 'kid' is not a string")
        key, jwk = self.keyset(settings.jwks_url).key(kid)
        if jwk.get("kty") != kind or jwk.get("alg", alg) != alg:
            raise BadToken(f"the issuer's key {str(kid)[:60]!r} is not for {alg}")
        _numeric_dates(token)
        issuers = [settings.issuer]
        if settings.issuer == GOOGLE_ISSUER:
            issuers.append("accounts.google.com")  # Google's ID tokens carry either form
        try:
            claims: dict[str, Any] = jwt.decode(
                token,
                key.key,
                algorithms=[alg],
                audience=settings.audience,
                issuer=issuers,
                leeway=LEEWAY,
                options={"require": ["exp", "iat", "iss", "aud"]},
            )
        except jwt.ExpiredSignatureError:
            raise BadToken("the JWT has expired") from None
        except jwt.ImmatureSignatureError:
            raise BadToken("the JWT is not valid yet (iat or nbf in the future)") from None
        except jwt.InvalidAudienceError:
            raise BadToken("the JWT is for another audience than the configured one") from None
        except jwt.InvalidIssuerError:
            raise BadToken("the JWT is from another issuer than the configured one") from None
        except jwt.MissingRequiredClaimError as exc:
            raise BadToken(f"the JWT has no {exc.claim!r} claim") from None
        except jwt.InvalidSignatureError:
            raise BadToken("the JWT's signature does not verify with the issuer's key") from None
        except jwt.PyJWTError as exc:
            raise BadToken(f"invalid JWT ({type(exc).__name__})") from None
        if settings.email is not None:
            if claims.get("email") != settings.email:
                raise BadToken("the JWT's 'email' is not the configured service account")
            if claims.get("email_verified") is not True:
                raise BadToken("the JWT's 'email' is not verified")
        return claims


def _numeric_dates(token: str) -> None:
    """Refuse date claims that are not JSON numbers, before PyJWT reads them: it converts with
    ``int()``, so ``"9999999999"`` would pass as a date and ``true`` as the second 1. RFC 7519
    §2 makes a NumericDate a JSON number. Only a refusal is drawn from the unverified claims."""
    try:
        claims = jwt.decode(token, options={"verify_signature": False})
    except jwt.PyJWTError:
        return  # not readable: the verifying decode says why
    for name in ("exp", "nbf", "iat"):
        value = claims.get(name)
        if name in claims and (isinstance(value, bool) or not isinstance(value, (int, float))):
            raise BadToken(f"the JWT's {name!r} is not a NumericDate (a JSON number)")
