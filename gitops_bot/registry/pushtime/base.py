"""What every registry's push-time API shares: the two answers (:class:`Pushed`,
:class:`NoPushTime`), the question a vendor is asked (:class:`Question`), the interface a vendor
implements (:class:`Vendor`) and the calls it makes (:class:`Calls`: the one bounded client,
one per API origin and credential, and the registry's own credential).

A vendor reads its API's answer and says what the registry said; whether the time it said is
plausible is not its question: :func:`gitops_bot.policy.age.trusted` sets an impossible push
time aside and the image waits (:func:`said_instant`, :func:`said_epoch` keep such a time as
said rather than dropping it, which would let the image's own creation time decide).
"""

from __future__ import annotations

import re
import ssl
import threading
from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, Protocol, runtime_checkable

import httpx

from gitops_bot.core import instants, numbers
from gitops_bot.core.errors import RegistryAccessError
from gitops_bot.core.record import record
from gitops_bot.net.origins import origin
from gitops_bot.net.retry import RetryPolicy
from gitops_bot.net.service import ANYWHERE, Answer, Credential, Refused, Service, Unavailable, link_next

if TYPE_CHECKING:
    from gitops_bot.registry.credentials import Secrets

ATTEMPT = 10.0  # seconds for one answer, in all (a server dripping bytes cannot stretch it)
TOTAL = 30.0  # seconds for one question, every page included
LIMIT = 1 << 20  # bytes of one answer: a page of 100 package versions is ~60 KB
MAX_REDIRECTS = 3
DIGEST = re.compile(r"[a-z0-9]+(?:[+._-][a-z0-9]+)*:[a-zA-Z0-9=_-]+")  # OCI image-spec
TAG = re.compile(r"[A-Za-z0-9_][A-Za-z0-9._-]{0,127}")  # OCI distribution-spec


@record
class Pushed:
    """When the registry says the tag was pushed: ``at`` (aware, as the registry said it, even
    when implausible), the ``digest`` the registry named for it (None when it names none),
    ``source`` the API asked ("Docker Hub", ...)."""

    at: datetime
    digest: str | None
    source: str


@record
class NoPushTime:
    """Why no push time: no API known for the host, the tag unknown or moved, or the API did
    not answer usably. ``why`` is one line of our own words (never the answer's text).
    ``unreadable``: the API was asked and gave no answer it could be read by (an error status,
    a timeout, an answer of no readable shape), so the time is unknown rather than absent, and
    an age rule decides nothing on it; a tag the API does not know, or one that moved, is an
    answer."""

    why: str
    unreadable: bool = False


@record
class Question:
    """``repository:tag`` on registry ``host`` (``digest``: the one it must name, when given),
    asked of the API at ``base``."""

    host: str
    repository: str
    tag: str
    digest: str | None
    base: str


class NoAnswer(Exception):
    """One call's failure, as the reason :class:`NoPushTime` carries (the vendor's name is added)."""


@runtime_checkable
class Vendor(Protocol):
    """One registry's push-time API (a module of this package, one line in ``MODULES``)."""

    kind: str  # the value of ``push_time:`` that names it
    source: str  # in words, for a reason and for what decided an age ("Amazon ECR")
    # the variable holding the token its API takes, when one does (withheld in a fleet unless
    # the operator allowed it), None when the registry's own credential is what it sends
    token_env: str | None
    # whether its API is on the registry's own host (Harbor, ACR): asked there by default
    on_registry: bool

    def recognises(self, host: str) -> bool:
        """Whether ``host`` is this vendor's registry by its name alone."""
        ...

    def api(self, host: str, environ: Mapping[str, str]) -> str:
        """Its API's public address for registry ``host``."""
        ...

    def look(self, calls: Calls, q: Question) -> Pushed | NoPushTime:
        """The push time of ``q``; raises :class:`NoAnswer` for what is no answer."""
        ...


class Calls:
    """The calls the vendors make: one :class:`Service` per API origin and credential (each
    credential to its origin only, never after a redirect elsewhere), made by whichever thread
    asks first, and pages of a listing kept for a run. ``credentials``: the registry's own
    credential by host (the one its reads use, a cloud's login included)."""

    def __init__(
        self,
        environ: Mapping[str, str],
        *,
        transport: httpx.BaseTransport | None,
        timeout: float,
        credentials: Callable[[str], Secrets | None] | None,
    ) -> None:
        self.environ = environ
        self._transport = transport
        self._timeout = timeout
        self._credentials = credentials
        self._services: dict[tuple[str, Credential | None, ssl.SSLContext | None], Service] = {}
        self._pages: dict[tuple[str, int], tuple[int, Any, bool]] = {}
        self._lock = threading.Lock()

    def credential(self, host: str) -> Secrets | None:
        """The registry's own credential (None: it is read anonymously)."""
        return self._credentials(host) if self._credentials is not None else None

    def get(
        self,
        url: str,
        headers: Mapping[str, str],
        auth: Credential | None,
        params: Mapping[str, str] | None = None,
    ) -> tuple[int, Any, bool]:
        """(status, JSON body or None, whether a next page is linked); :class:`NoAnswer` for
        what is no answer at all. The body is read only for a 200."""
        match self._service(url, auth).get(url, params=params, headers=headers):
            case Answer(status=200) as answer:
                return 200, answer.json, link_next(answer, [], 0) is not None
            case Answer(status=status) | Refused(status=status):
                return status, None, False
            case Unavailable(why=why):
                raise NoAnswer(why)
        raise AssertionError("unreachable")  # pragma: no cover

    def post(
        self,
        url: str,
        headers: Mapping[str, str],
        body: bytes,
        auth: Credential | None = None,
        *,
        tls: ssl.SSLContext | None = None,
        ca_setting: str = "the service's ca_file",
    ) -> tuple[int, Any]:
        """(status, the JSON body, an error's too, or None): a form or an RPC call, never
        redirected (a POST is not followed anywhere). ``tls``: the API's own trust (a cloud
        SDK's CA bundle, which ``ca_setting`` names), else the shared one."""
        service = self._service(url, auth, tls, ca_setting)
        match service.request("POST", url, content=body, headers=headers):
            case Answer(status=status, json=data) | Refused(status=status, json=data):
                return status, data
            case Unavailable(why=why):
                raise NoAnswer(why)
        raise AssertionError("unreachable")  # pragma: no cover

    def page(
        self, url: str, page: int, per_page: int, headers: Mapping[str, str], auth: Credential | None
    ) -> tuple[int, Any, bool]:
        """A page of a listing, asked once per run: ``min_age`` walks several tags of one
        package, newest first, over the same pages."""
        key = (url, page)
        with self._lock:
            kept = self._pages.get(key)
        if kept is None:
            kept = self.get(url, headers, auth, {"per_page": str(per_page), "page": str(page)})
            if kept[0] in (200, 404):  # an answer, not a failure to retry on the next question
                with self._lock:
                    self._pages[key] = kept
        return kept

    def _service(
        self,
        url: str,
        credential: Credential | None,
        tls: ssl.SSLContext | None = None,
        ca_setting: str = "the service's ca_file",
    ) -> Service:
        scheme, host, port = origin(url)
        base = f"{scheme}://[{host}]:{port}" if ":" in host else f"{scheme}://{host}:{port}"
        key = (base, credential, tls)
        with self._lock:
            found = self._services.get(key)
            if found is None:
                found = self._services[key] = Service(
                    "a push-time API",
                    base,
                    credential=credential,
                    timeout=self._timeout,
                    total=TOTAL,
                    limit=LIMIT,
                    policy=RetryPolicy(attempts=2, max_wait=2.0),
                    # a registry's API behind a front door on another host: followed, the
                    # credential left behind
                    redirects=ANYWHERE,
                    max_redirects=MAX_REDIRECTS,
                    transport=self._transport,
                    env=self.environ,
                    tls=tls,
                    ca_setting=ca_setting,
                )
            return found

    def close(self) -> None:
        with self._lock:
            services, self._services = list(self._services.values()), {}
        for service in services:
            service.close()


def bearer(token: str) -> Credential:
    return Credential.bearer(token)  # registered for redaction; to the API's origin only


def secret(read: Callable[[], str | None]) -> str | None:
    """A value of the registry's credential: a cloud's is its current token, and reading it
    may log in; a login that failed is the lookup's reason (one line naming the identity)."""
    try:
        return read()
    except RegistryAccessError as exc:
        raise NoAnswer(str(exc)) from None


def status_ok(status: int, what: str) -> None:
    if status in (401, 403):
        raise NoAnswer(f"refused to say about {what} (HTTP {status}; check the credentials)")
    if status == 429:
        raise NoAnswer(f"rate limited (HTTP 429) asking about {what}")
    if status != 200:
        raise NoAnswer(f"answered HTTP {status} for {what}")


def said_instant(value: Any) -> datetime | None:
    """An RFC 3339 time as the API said it: None when absent or unreadable; a time outside
    the bounds the bot reads (1969, 9999) kept as said, so the age rule sets it aside and the
    image waits (read as "unknown", the image's own creation time would decide instead)."""
    # Go's zero time is how Go services write "not set": absent, not implausible
    if isinstance(value, str) and not value.startswith(instants.GO_ZERO) and instants.out_of_bounds(value):
        when = datetime.fromisoformat(value.strip())
        return when if when.tzinfo else when.replace(tzinfo=UTC)
    return instants.outside_instant(value, "a push-time API")


def said_epoch(value: Any, what: str) -> datetime:
    """Seconds since 1970 as the API said them (a JSON number): outside the instant bounds,
    the nearest instant Python holds, for the age rule to set aside. :class:`NoAnswer` when
    it is no finite number."""
    try:
        return numbers.epoch(value, what)
    except numbers.OutOfRange:
        pass
    try:
        number = numbers.real(value, what)
    except numbers.OutOfRange as exc:
        raise NoAnswer(f"answered an unreadable {what}: {exc}") from None
    try:
        return datetime.fromtimestamp(number, UTC)
    except (OverflowError, OSError, ValueError):
        return datetime.max.replace(tzinfo=UTC) if number > 0 else datetime.min.replace(tzinfo=UTC)


def pushed(
    source: str, tag: str, asked: str | None, named: Any, when: Any, field: str
) -> Pushed | NoPushTime:
    """The answer's time for the digest asked about, or why not."""
    if named is not None and (not isinstance(named, str) or not DIGEST.fullmatch(named)):
        raise NoAnswer(f"answered an unreadable digest for {tag}")
    if asked is not None and named is not None and named != asked:
        return NoPushTime(f"{source}: tag {tag} has moved: it is {named[:19]}, not {asked[:19]}")
    at = when if isinstance(when, datetime) else said_instant(when)
    if at is None:
        raise NoAnswer(f"answered no readable {field} for {tag}")
    return Pushed(at, named, source)


def field(obj: Any, *keys: str) -> Any:
    for key in keys:
        if not isinstance(obj, Mapping):
            return None
        obj = obj.get(key)
    return obj
