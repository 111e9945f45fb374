"""Registry authentication as a flow of requests (the shape of httpx's ``Auth.auth_flow``).

Send; on a 401 read the ``WWW-Authenticate`` challenge; for ``Basic`` resend with the
credential; for ``Bearer realm=,service=,scope=`` fetch a token from the realm (with the
credential, or an OAuth2 refresh-token grant for an ``identitytoken``), cache it per
(registry, scope) until it expires, and resend. Later requests with the same scope go out with
the cached token at once; once the realm is known, a request with a new scope goes out after
its token, and the scopes a run announces (:meth:`RegistryAuth.expect`) are asked for several
a token request: a run costs about one request per API call (:class:`RegistryAuth`). What a
token service's answer is (a token, or which failure) is :func:`~.answers.token_answer`'s say.
"""

from __future__ import annotations

import base64
import functools
import re
import threading
import time
from collections.abc import Callable, Generator, Iterable
from dataclasses import field
from urllib.parse import unquote, urlencode

from gitops_bot.core.errors import RegistryAccessError, TokenServiceError
from gitops_bot.core.log import get_logger, register_secret
from gitops_bot.core.record import record
from gitops_bot.core.secret import is_loopback_host
from gitops_bot.net.limits import TooLarge
from gitops_bot.net.origins import plain_url
from gitops_bot.net.retry import Retryable
from gitops_bot.net.transport import Reply
from gitops_bot.registry.answers import CREDENTIALS_HINT, TOKEN_LIMIT, Token, token_answer
from gitops_bot.registry.credentials import Secrets

log = get_logger(__name__)


# compiled at its first use, not at import: a plan's start-up does not use it
# a challenge starts with its scheme (a token not followed by "="); then auth-params
@functools.cache
def _scheme() -> re.Pattern[str]:
    return re.compile(r"[ ,]*([!#$%&'*+\-.^_`|~0-9A-Za-z]++)(?![ \t]*=)[ \t]*")


@functools.cache
def _param_at() -> re.Pattern[str]:
    return re.compile(
        r'[ \t,]*([!#$%&\'*+\-.^_`|~0-9A-Za-z]+)[ \t]*=[ \t]*(?:"((?:[^"\\]|\\.)*)"|([^\s,"]+))'
    )


_REPO_PATH = re.compile(r"^/v2/(?P<repo>.+?)/(?:tags|manifests|blobs|referrers)/")
# scopes one token request asks for at most: a JWT granting 32 is a few kB, under the 8 kB a
# header line may be behind common proxies (nginx's default, in front of Harbor)
BATCH = 32
# expected scopes past the furthest one read that have a token or one on its way; a thread
# finding fewer asks for the next batch before its own request. Six batches: about six round
# trips of a plan's reads at 64 requests in flight, so a token service slower than the
# registry (a new TLS connection, signing) is asked well before the reads reach its scopes
RUNWAY = 6 * BATCH
LONGEST_WAIT = 600.0  # seconds a request waits for another's token, at most
# seconds the other requests wait for the first one's answer, at most. A registry that
# challenges answers before it reads anything (auth comes first), within a few round trips
# even on a new TLS connection; a first answer slower than this is a registry at work on it,
# one that most likely does not challenge, and one slow repository must not hold the others
PROBE_WAIT = 1.0


@record(frozen=False, slots=False)
class RegistryRequest:
    """What the registry client sends: headers as given (one value a name), body whole."""

    method: str
    url: str  # absolute
    headers: dict[str, str] = field(default_factory=dict)
    body: bytes = b""
    token: bool = False  # a token request (to the token service)


@record
class Challenge:
    """One ``WWW-Authenticate`` challenge: its scheme and parameters."""

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
            m = _scheme().match(rest)
            if not m:
                break
            scheme, rest = m.group(1).lower(), rest[m.end() :]
            params: dict[str, str] = {}
            while True:
                p = _param_at().match(rest)
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

    def live(self, host: str) -> set[str]:
        """The tokens of ``host`` not yet expired."""
        now = time.monotonic()
        with self._lock:
            return {t for (h, _), (t, until) in self._tokens.items() if h == host and until > now}

    def forget(self, host: str, tokens: set[str]) -> None:
        """Forget these tokens of ``host`` whatever scope they were kept for."""
        with self._lock:
            for key in [k for k, (t, _) in self._tokens.items() if k[0] == host and t in tokens]:
                del self._tokens[key]

    def drop(self, key: tuple[str, str], token: str) -> None:
        """Forget ``token`` for ``key`` (the registry refused it there), not a newer one."""
        with self._lock:
            if self._tokens.get(key, ("",))[0] == token:
                del self._tokens[key]


class RegistryAuth:
    """One registry host's credentials and tokens.

    Tokens are asked for as the distribution token spec allows, so a run costs about one
    request per API call: once the registry's Bearer realm is known (from the first 401), a
    request goes out after its token, never to be refused first; told the repositories a run
    will read (:meth:`expect`), a token request asks for up to :data:`BATCH` of their pull
    scopes at once (``scope`` repeated, as docker's client does), and the furthest read so far
    keeps :data:`RUNWAY` scopes ahead of it covered, so the threads reading them rarely wait. A
    run of several repositories sends its first request alone and the others after its answer:
    a registry that challenges them all would otherwise answer a window of 401s. A token
    service that refuses several scopes, or a token that does not cover one it was asked for,
    makes this registry's tokens one scope a request from then on."""

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
        self._lock = threading.Lock()
        self._bearer: Challenge | None = None  # the registry's Bearer challenge, once seen
        self._multi = True  # its token service honours several scopes a request, until shown not to
        self._shared: set[str] = set()  # tokens asked for several scopes
        self._answered = False  # the registry has said whether and how it challenges
        self._probe: threading.Event | None = None  # set when the first request's answer is in
        self._probe_until = 0.0  # monotonic instant the others stop waiting for it
        self._queue: list[str] = []  # the scopes a run will read, in the order it reads them
        self._index: dict[str, int] = {}
        self._next = 0  # the scopes before it have a token or one on its way
        self._read = -1  # the furthest scope read with a token
        self._asking: dict[str, threading.Event] = {}  # scope -> set when its token request ends

    def expect(self, repositories: Iterable[str]) -> None:
        """The repositories this run will read, in about the order it reads them."""
        scopes = list(dict.fromkeys(f"repository:{r}:pull" for r in repositories))
        live = self.cache.live(self.host)
        with self._lock:
            self._queue, self._index = scopes, {s: i for i, s in enumerate(scopes)}
            self._next, self._read = 0, -1
            self._shared &= live  # a long watch keeps only the tokens it may still use

    def _basic_header(self) -> str | None:
        c = self.credential
        if c is None or c.username is None or c.password is None:
            return None
        return "Basic " + base64.b64encode(f"{c.username}:{c.password}".encode()).decode()

    def flow(self, request: RegistryRequest) -> Generator[RegistryRequest, Reply, None]:
        """Yields the requests to send for ``request``, receiving each one's reply: token
        requests first when the realm is known and no token is cached, the request, then on a
        401 a token request and the request again. The last reply sent in is the answer; a
        token that cannot be had raises :class:`TokenServiceError` (``Retryable`` while the
        token service is unavailable) instead: a token service's reply is never the answer."""
        scheme, _, netloc, path = [*request.url.split("/", 3), "", "", ""][:4]
        if netloc != self.host or scheme not in self.schemes:
            yield request  # credentials and tokens belong to their registry host, never another
            return
        scope = scope_for(unquote("/" + path.partition("?")[0].partition("#")[0])) or ""
        proto = scheme.rstrip(":")
        where = f"{self.host}/{scope.partition(':')[2].rpartition(':')[0]}" if scope else self.host
        probing = self._first_contact()
        answered = False
        try:
            token = None
            if self._bearer is not None and scope:
                token = yield from self._token(scope, proto, where)
                request.headers["Authorization"] = f"Bearer {token}"
            elif self._basic and (basic := self._basic_header()):
                request.headers["Authorization"] = basic
            response = yield request
            answered = _tells(response.status)
            if answered and not self._answered:
                self._answered = True  # a later run's requests need not wait for a first answer
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
                if probing:
                    probing = self._end_probe(True)
                request.headers["Authorization"] = basic
                yield request
                return
            if challenge.scheme != "bearer" or "realm" not in challenge.params:
                return
            self._bearer = challenge
            asked = challenge.params.get("scope") or scope
            shared = token is not None and token in self._shared
            if token is not None:  # refused: ask for this scope alone
                self.cache.drop((self.host, scope), token)
                self.cache.drop((self.host, asked), token)
                token = yield from self._fetch(self._claim(asked, alone=True), proto, where)
            else:
                # the others wait for this one's answer until its batch is claimed: they find
                # their scopes on their way, or claim the next batch at once
                release = (lambda: self._end_probe(True)) if probing else None
                token = yield from self._token(asked, proto, where, release)
            request.headers["Authorization"] = f"Bearer {token}"
            response = yield request
            if response.status == 401 and response.url.split("/", 3)[:3] == [scheme, "", netloc]:
                # a token fresh from the token service, refused: its answer, not the registry's
                # challenge again (which would only ask for the same token)
                self.cache.drop((self.host, asked), token)
                raise _refused_token(where, self._bearer, response)
            if shared and challenge.params.get("error") != "invalid_token":
                self._one_scope_a_request("a token asked for several scopes did not cover one of them")
        finally:
            if probing:
                self._end_probe(answered)

    def _first_contact(self) -> bool:
        """Whether this request is the first to a registry the run reads several repositories
        of, the one whose answer says how the registry challenges; waits for that answer when
        another request is the first, for :data:`PROBE_WAIT` after it went at most."""
        while True:
            with self._lock:
                if self._answered or self._bearer is not None or len(self._queue) < 2:
                    return False
                probe = self._probe
                if probe is None:
                    self._probe = threading.Event()
                    self._probe_until = time.monotonic() + PROBE_WAIT
                    return True
                left = self._probe_until - time.monotonic()
            if left <= 0 or not probe.wait(left):
                return False  # the first is slow: not a challenge; the others go on their own

    def _end_probe(self, answered: bool) -> bool:
        """The first request's answer is in (``answered``: one that says how the registry
        challenges; else the next request is the first again): the others go. False."""
        with self._lock:
            self._answered = self._answered or answered
            probe, self._probe = self._probe, None
        if probe is not None:
            probe.set()
        return False

    def _one_scope_a_request(self, why: str) -> None:
        """This registry's tokens are asked for one scope a request from now on; the tokens
        asked for several are forgotten (which scopes they cover is not known), so each of
        their scopes asks for its own before its request instead of meeting a refusal."""
        if self._multi:
            self._multi = False
            with self._lock:
                shared = set(self._shared)
            self.cache.forget(self.host, shared)
            log.info("registry_token_scopes_one_at_a_time", registry=self.host, why=why)

    def _token(
        self, scope: str, proto: str, where: str, claimed: Callable[[], object] | None = None
    ) -> Generator[RegistryRequest, Reply, str]:
        """A token for ``scope``: cached, awaited from the token request already asking for it,
        or asked for (with the next expected scopes); else :class:`TokenServiceError` (or
        ``Retryable``). ``claimed`` is called once this thread knows which (what it waits for
        is on its way)."""
        waited = False
        while True:
            token = self.cache.get((self.host, scope))
            if token:
                if claimed is not None:
                    claimed()
                yield from self._ahead(scope, proto, where)
                return token
            with self._lock:
                asking = None if waited else self._asking.get(scope)
                batch = [] if asking is not None else self._claim_locked(scope, alone=False)
            if claimed is not None:
                claimed()
                claimed = None
            if asking is None:
                return (yield from self._fetch(batch, proto, where))
            asking.wait(LONGEST_WAIT)
            waited = True  # its request ended: a token, or this thread asks for its own

    def _ahead(self, scope: str, proto: str, where: str) -> Generator[RegistryRequest, Reply, None]:
        """Keep :data:`RUNWAY` expected scopes past the furthest read covered: this thread
        asks for the next batch before its own request when fewer are. What that asking meets
        is not this thread's: a scope it did not cover is asked for by the thread reading it."""
        with self._lock:
            at = self._index.get(scope)
            if at is None or not self._multi:
                return
            self._read = max(self._read, at)
            batch = self._take([]) if self._next - self._read <= RUNWAY else []
        if batch:
            try:
                yield from self._fetch(batch, proto, where)
            except (TokenServiceError, Retryable) as exc:
                log.info("registry_token_ahead_failed", registry=self.host, why=str(exc))

    def _claim(self, scope: str, alone: bool) -> list[str]:
        with self._lock:
            return self._claim_locked(scope, alone)

    def _claim_locked(self, scope: str, alone: bool) -> list[str]:
        return self._take([scope]) if alone or not self._multi else self._take([scope], BATCH)

    def _take(self, batch: list[str], size: int = BATCH) -> list[str]:
        """``batch`` and the next expected scopes without a token or one on its way, up to
        ``size``, marked as being asked for (under the lock)."""
        while len(batch) < size and self._next < len(self._queue):
            scope = self._queue[self._next]
            self._next += 1
            if scope not in batch and scope not in self._asking and not self.cache.get((self.host, scope)):
                batch.append(scope)
        event = threading.Event()
        for scope in batch:
            self._asking[scope] = event
        return batch

    def _fetch(self, batch: list[str], proto: str, where: str) -> Generator[RegistryRequest, Reply, str]:
        """A token for ``batch[0]``, asked of the realm for ``batch`` (claimed by
        :meth:`_take`), or :class:`TokenServiceError` (``Retryable`` while the token service is
        unavailable). A token service that refuses several scopes, or grants a token that says
        it lacks ``batch[0]``, is asked for it alone; one that refuses several scopes makes this
        registry's tokens one scope a request from then on."""
        try:
            answer = yield from self._ask(batch, proto, where)
            if len(batch) > 1 and isinstance(answer, TokenServiceError) and answer.fault == "refused":
                self._one_scope_a_request(f"its token service refused several scopes: {answer}")
                answer = yield from self._ask(batch[:1], proto, where)
            elif len(batch) > 1 and isinstance(answer, Token) and not _grants(answer, batch[0]):
                answer = yield from self._ask(batch[:1], proto, where)
        finally:
            with self._lock:
                events = {self._asking.pop(s) for s in batch if s in self._asking}
            for event in events:
                event.set()
        if isinstance(answer, TokenServiceError):
            if answer.fault == "unavailable":
                raise Retryable(str(answer), answer.retry_after)
            raise answer
        scope = batch[0]
        if not _grants(answer, scope):
            raise TokenServiceError(
                f"{where}: token service at {self._service(proto)} granted a token without {scope}",
                fault="insufficient-scope",
                hint=CREDENTIALS_HINT,
            )
        return answer.value

    def _ask(
        self, scopes: list[str], proto: str, where: str
    ) -> Generator[RegistryRequest, Reply, Token | TokenServiceError]:
        """One token request and what its answer is; a token is kept for the scopes it grants."""
        assert self._bearer is not None
        request = self._token_request(self._bearer, scopes, proto)
        service = self._service(proto)
        try:
            reply = yield request
        except TooLarge:  # thrown in by the channel: the answer passed TOKEN_LIMIT
            return TokenServiceError(
                f"{where}: token service at {service} answered more than {TOKEN_LIMIT} bytes",
                fault="too-large",
            )
        answer = token_answer(reply, where, service)
        if isinstance(answer, TokenServiceError):
            log.warning("registry_token_failed", registry=self.host, fault=answer.fault, why=str(answer))
            return answer
        kept = [s for s in scopes if _grants(answer, s)]
        # each scope's token renews with its lifetime for as long as a watch runs: it replaces
        # the one that scope held before (core.log keeps that one for a grace period)
        register_secret(answer.value, renews=[f"registry token {self.host} {s}" for s in kept or scopes])
        for scope in kept:
            self.cache.put((self.host, scope), answer.value, answer.lifetime)
        if len(kept) > 1:
            with self._lock:
                self._shared.add(answer.value)
        return answer

    def _service(self, proto: str) -> str:
        """The token service's host (and port), as the messages name it."""
        assert self._bearer is not None
        return _realm(self.host, self._bearer.params["realm"], proto).netloc

    def _token_request(self, challenge: Challenge, scopes: list[str], scheme: str) -> RegistryRequest:
        realm = _realm(self.host, challenge.params["realm"], scheme)
        service = challenge.params.get("service")
        scopes = [s for s in scopes if s]
        cred = self.credential
        if cred is not None and cred.identity_token:
            form = {
                "grant_type": "refresh_token",
                "refresh_token": cred.identity_token,
                "client_id": "gitops-bot",
            }
            if service:
                form["service"] = service
            if scopes:  # OAuth2's scope: space-delimited (docker's client joins them so)
                form["scope"] = " ".join(scopes)
            headers = {"Content-Type": "application/x-www-form-urlencoded"}
            return RegistryRequest("POST", realm.url, headers, urlencode(form).encode("ascii"), token=True)
        params: dict[str, str | list[str]] = {"service": service} if service else {}
        if scopes:
            params["scope"] = scopes
        headers = {}
        if basic := self._basic_header():
            headers["Authorization"] = basic
        return RegistryRequest("GET", realm.asked(params), headers, token=True)


def _grants(token: Token, scope: str) -> bool:
    """Whether ``token`` may be used for ``scope``: it says it grants it, or says nothing."""
    return token.granted is None or scope in token.granted


def _refused_token(where: str, bearer: Challenge | None, response: Reply) -> TokenServiceError:
    """The registry's 401 to a token fresh from its token service: the token lacks the scope
    (``insufficient_scope``: the credentials may not read this repository, or it does not
    exist) or the registry will not take it at all (expired, signed by a key it does not
    trust)."""
    challenge = _preferred(parse_challenges(response.all("WWW-Authenticate")))
    error = challenge.params.get("error", "") if challenge is not None else ""
    error = error if re.fullmatch(r"[a-z_]{1,40}", error) else ""  # the spec's codes; nothing else shown
    read = _read_realm(bearer.params.get("realm", "") if bearer is not None else "")
    service = read.netloc if read is not None else "its realm"
    if error == "insufficient_scope":
        return TokenServiceError(
            f"{where}: the registry refused the token service at {service}'s token for this repository "
            "(HTTP 401 insufficient_scope)",
            fault="insufficient-scope",
            status=401,
            hint=CREDENTIALS_HINT + "; a repository that does not exist is refused the same way",
        )
    return TokenServiceError(
        f"{where}: the registry refused the token the token service at {service} had just granted "
        f"(HTTP 401{' ' + error if error else ''})",
        fault="rejected",
        status=401,
        hint=CREDENTIALS_HINT
        + "; if they are right, the registry does not take its token service's tokens (a signing "
        "key it does not trust, or clocks apart): tell the registry's operator",
    )


def _tells(status: int) -> bool:
    """Whether an answer says how the registry challenges (a 503 or 429 says nothing)."""
    return status < 500 and not _retryable(status)


def _retryable(status: int) -> bool:
    return status in (408, 425, 429) or status >= 500


@record
class TokenRealm:
    """A token service's URL as httpx reads a challenge's realm (``url``: as it prints it)."""

    url: str
    scheme: str
    host: str
    netloc: str  # host[:port], as messages name the token service
    plain: bool  # no query of its own: the token request's parameters are its whole query

    def asked(self, params: dict[str, str | list[str]]) -> str:
        """The URL a token is asked at: the realm with ``params`` merged into its query (each
        list item a parameter of its own), encoded as httpx encodes them."""
        if self.plain:
            return f"{self.url}?{urlencode(params, doseq=True)}" if params else self.url
        import httpx  # a realm with a query of its own, or an unusual spelling: httpx merges

        return str(httpx.URL(self.url).copy_merge_params(params))


def _read_realm(realm: str) -> TokenRealm | None:
    """``realm`` as httpx reads it (None where it refuses it); the plain spellings registries
    name (Docker Hub's, GHCR's, Quay's) read without loading httpx, which a plan does not
    otherwise need."""
    plain = plain_url(realm)
    if plain is not None:
        return TokenRealm(url=realm, scheme=plain[0], host=plain[1], netloc=plain[2], plain=True)
    import httpx

    try:
        url = httpx.URL(realm)
    except (httpx.InvalidURL, TypeError, ValueError):
        return None
    netloc = url.netloc.decode("ascii", "replace")
    return TokenRealm(url=str(url), scheme=url.scheme, host=url.host, netloc=netloc, plain=False)


def _realm(host: str, realm: str, scheme: str) -> TokenRealm:
    """The token endpoint a challenge names, if it is a usable one: an absolute http(s) URL,
    not plain http behind an https registry unless on loopback (credentials are sent there).
    Otherwise the registry's images are skipped with this reason."""
    url = _read_realm(realm)
    if url is None or url.scheme not in ("http", "https") or not url.host:
        raise RegistryAccessError(f"{host}: unusable token realm {realm[:80]!r} in WWW-Authenticate")
    if url.scheme == "http" and scheme == "https" and not is_loopback_host(url.host):
        raise RegistryAccessError(f"{host}: token realm {realm[:80]!r} is plain http; credentials not sent")
    return url
