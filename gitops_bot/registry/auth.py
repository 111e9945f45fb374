"""Registry authentication as a flow of requests (the shape of httpx's ``Auth.auth_flow``).

Send; on a 401 read the ``WWW-Authenticate`` challenge; for ``Basic`` resend with the
credential; for ``Bearer realm=,service=,scope=`` fetch a token from the realm (with the
credential, or an OAuth2 refresh-token grant for an ``identitytoken``), cache it per
(registry, scope) until it expires, and resend. Later requests with the same scope go out with
the cached token at once, so a steady state costs one request per API call.
"""

from __future__ import annotations

import base64
import re
import threading
import time
from collections.abc import Generator
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import unquote, urlencode

import httpx

from gitops_bot.core import numbers
from gitops_bot.core.errors import RegistryAccessError
from gitops_bot.core.log import get_logger, register_secret
from gitops_bot.core.model import is_loopback_host
from gitops_bot.net.limits import loads
from gitops_bot.net.transport import Reply
from gitops_bot.registry.credentials import Secrets

log = get_logger(__name__)
# a challenge starts with its scheme (a token not followed by "="); then auth-params
_SCHEME = re.compile(r"[ ,]*([!#$%&'*+\-.^_`|~0-9A-Za-z]++)(?![ \t]*=)[ \t]*")
_PARAM_AT = re.compile(
    r'[ \t,]*([!#$%&\'*+\-.^_`|~0-9A-Za-z]+)[ \t]*=[ \t]*(?:"((?:[^"\\]|\\.)*)"|([^\s,"]+))'
)
_REPO_PATH = re.compile(r"^/v2/(?P<repo>.+?)/(?:tags|manifests|blobs)/")


@dataclass
class Request:
    """What the registry client sends: headers as given (one value a name), body whole."""

    method: str
    url: str  # absolute
    headers: dict[str, str] = field(default_factory=dict)
    body: bytes = b""


@dataclass(frozen=True, slots=True)
class Challenge:
    scheme: str
    params: dict[str, str]


def parse_challenges(headers: list[str]) -> list[Challenge]:
    """Every challenge of ``WWW-Authenticate`` (RFC 9110 11.6.1): a header may be repeated and
    one value may hold several challenges (``Bearer realm="a",scope="b", Basic realm="c"``);
    each challenge's parameters are its own, never another's."""
    found: list[Challenge] = []
    for header in headers:
        rest = header.strip()
        while rest:
            m = _SCHEME.match(rest)
            if not m:
                break
            scheme, rest = m.group(1).lower(), rest[m.end() :]
            params: dict[str, str] = {}
            while True:
                p = _PARAM_AT.match(rest)
                if not p:
                    break
                params.setdefault(p.group(1).lower(), p.group(2) if p.group(2) is not None else p.group(3))
                rest = rest[p.end() :]
            found.append(Challenge(scheme, params))
            rest = rest.lstrip(" ,")
    return found


def _preferred(challenges: list[Challenge]) -> Challenge | None:
    for c in challenges:
        if c.scheme == "bearer" and "realm" in c.params:
            return c
    return challenges[0] if challenges else None


def scope_for(path: str) -> str | None:
    """The pull scope a request path needs (``path`` percent-decoded)."""
    m = _REPO_PATH.match(path)
    return f"repository:{m.group('repo')}:pull" if m else None


class TokenCache:
    def __init__(self) -> None:
        self._tokens: dict[tuple[str, str], tuple[str, float]] = {}
        self._lock = threading.Lock()

    def get(self, key: tuple[str, str]) -> str | None:
        with self._lock:
            found = self._tokens.get(key)
        if found and found[1] > time.monotonic():
            return found[0]
        return None

    def put(self, key: tuple[str, str], token: str, expires_in: float) -> None:
        with self._lock:
            self._tokens[key] = (token, time.monotonic() + max(expires_in - 10, 1))


class RegistryAuth:
    def __init__(
        self,
        host: str,
        credential: Secrets | None,
        cache: TokenCache | None = None,
        scheme: str | None = None,
    ) -> None:
        """``scheme``: the one the registry is reached with; a request in the other one (a
        redirect from https to plain http on the same host) carries no credential or token."""
        self.host = host
        self.schemes = ("http:", "https:") if scheme is None else (f"{scheme}:",)
        self.credential = credential
        self.cache = cache or TokenCache()
        self._basic = False

    def _basic_header(self) -> str | None:
        c = self.credential
        if c is None or c.username is None or c.password is None:
            return None
        return "Basic " + base64.b64encode(f"{c.username}:{c.password}".encode()).decode()

    def flow(self, request: Request) -> Generator[Request, Reply, None]:
        """Yields the requests to send for ``request``, receiving each one's reply: the request
        (with a cached token or Basic credential), then on a 401 the token request and the
        request again. The last reply sent in is the answer."""
        scheme, _, netloc, path = [*request.url.split("/", 3), "", "", ""][:4]
        if netloc != self.host or scheme not in self.schemes:
            yield request  # credentials and tokens belong to their registry host, never another
            return
        scope = scope_for(unquote("/" + path.partition("?")[0].partition("#")[0])) or ""
        token = self.cache.get((self.host, scope))
        if token:
            request.headers["Authorization"] = f"Bearer {token}"
        elif self._basic and (basic := self._basic_header()):
            request.headers["Authorization"] = basic
        response = yield request
        if response.status != 401 or response.url.split("/", 3)[:3] != [scheme, "", netloc]:
            return  # a challenge from where a redirect led (another host, or plain http) is not answered
        challenge = _preferred(parse_challenges(response.all("WWW-Authenticate")))
        if challenge is None:
            return
        if challenge.scheme == "basic":
            basic = self._basic_header()
            if basic is None or request.headers.get("Authorization") == basic:
                return
            self._basic = True
            request.headers["Authorization"] = basic
            yield request
            return
        if challenge.scheme != "bearer" or "realm" not in challenge.params:
            return
        scope = challenge.params.get("scope") or scope
        token_request = self._token_request(challenge, scope, scheme.rstrip(":"))
        token_response = yield token_request
        token = self._read_token(token_response, scope)
        if token is None:
            return
        request.headers["Authorization"] = f"Bearer {token}"
        yield request

    def _token_request(self, challenge: Challenge, scope: str, scheme: str) -> Request:
        realm = _realm(self.host, challenge.params["realm"], scheme)
        service = challenge.params.get("service")
        cred = self.credential
        if cred is not None and cred.identity_token:
            form = {
                "grant_type": "refresh_token",
                "refresh_token": cred.identity_token,
                "client_id": "gitops-bot",
            }
            if service:
                form["service"] = service
            if scope:
                form["scope"] = scope
            headers = {"Content-Type": "application/x-www-form-urlencoded"}
            return Request("POST", str(realm), headers, urlencode(form).encode("ascii"))
        params = {k: v for k, v in (("service", service), ("scope", scope)) if v}
        headers = {}
        if basic := self._basic_header():
            headers["Authorization"] = basic
        return Request("GET", str(realm.copy_merge_params(params)), headers)

    def _read_token(self, response: Reply, scope: str) -> str | None:
        if response.status != 200:
            log.warning("registry_token_refused", registry=self.host, status=response.status, scope=scope)
            return None
        try:
            body: Any = loads(response.body)
            token = body.get("token") or body.get("access_token")
        except (ValueError, AttributeError, TypeError):
            log.warning("registry_token_unreadable", registry=self.host)
            return None
        if not isinstance(token, str) or not token:
            return None
        try:
            expires_in = numbers.seconds(body.get("expires_in") or 60, "the token's expires_in")
        except numbers.OutOfRange as exc:
            # the token is good; only its lifetime is unreadable: the spec's default (60 s)
            log.debug("registry_token_lifetime_unreadable", registry=self.host, why=str(exc))
            expires_in = 60.0
        register_secret(token)
        self.cache.put((self.host, scope), token, expires_in)
        return token


def _realm(host: str, realm: str, scheme: str) -> httpx.URL:
    """The token endpoint a challenge names, if it is a usable one: an absolute http(s) URL,
    not plain http behind an https registry unless on loopback (credentials are sent there).
    Otherwise the registry's images are skipped with this reason."""
    try:
        url = httpx.URL(realm)
    except (httpx.InvalidURL, TypeError, ValueError):
        url = None
    if url is None or url.scheme not in ("http", "https") or not url.host:
        raise RegistryAccessError(f"{host}: unusable token realm {realm[:80]!r} in WWW-Authenticate")
    if url.scheme == "http" and scheme == "https" and not is_loopback_host(url.host):
        raise RegistryAccessError(f"{host}: token realm {realm[:80]!r} is plain http; credentials not sent")
    return url
