"""What every cloud's registry login shares: the token it issues, how a login fails, and the
credential the registry's auth flow reads, which logs in once, keeps the token until shortly
before it expires and logs in again once for every thread that needs it.

A login (:class:`Login`) turns the identity the workload already has into the registry's
own credential: a user name and password (ECR's ``AWS`` and its decoded token, Google's
``oauth2accesstoken`` and an access token) or an identity token (ACR's refresh token, sent
in the registry's refresh-token grant). It knows nothing of caching or threads:
:class:`CloudCredential` does that, for every cloud alike.
"""

from __future__ import annotations

import contextlib
import contextvars
import importlib.util
import math
import ssl
import threading
import time
from collections.abc import Callable, Iterator, Mapping
from dataclasses import field
from typing import Any, Protocol

from gitops_bot.core.errors import RegistryAccessError, UsageError
from gitops_bot.core.extras import install_hint
from gitops_bot.core.log import get_logger, redact, register_secret, renewing
from gitops_bot.core.record import record
from gitops_bot.net import limits
from gitops_bot.net.origins import origin
from gitops_bot.net.retry import RetryPolicy
from gitops_bot.net.service import Answer, Refused, Service, Unavailable
from gitops_bot.net.transport import Reply
from gitops_bot.registry.settings import RegistryConfig

log = get_logger(__name__)

# a token is used until this long before it expires (or a tenth of its life, when shorter):
# a request signed with it must still reach the registry, and clocks differ
MARGIN = 300.0
# a failed login is not tried again for this long: every image on the host fails with the
# same line at once instead of each one waiting on the identity provider again
FAILURE_TTL = 30.0
# no identity where none was asked for (a public gcr.io image on a laptop): ask anonymously,
# and look again after this long (watch's next cycles)
ABSENT_TTL = 300.0
# the longest any cloud issues a registry credential for (ECR's token, an assumed role's at
# most): a later expiry an answer names is read as this, never as years of one token
MAX_LIFE = 12 * 3600.0


@record
class Issued:
    """A registry credential a cloud issued, until ``expires`` (seconds since the epoch).
    ``identity`` says whose it is in words for a log line (never a secret)."""

    identity: str
    expires: float
    username: str | None = None
    password: str | None = field(default=None, repr=False)
    identity_token: str | None = field(default=None, repr=False)
    # what the cloud's own APIs beside the registry take (ECR's DescribeImages, for push
    # times): AWS's request signer; None where the registry's token is what they take
    api: Any = field(default=None, repr=False)


class NoIdentity(Exception):
    """The workload has no identity of this cloud (nothing in its environment, no metadata
    server): the message says where it looked and what to set."""


class LoginFailed(Exception):
    """The cloud refused or could not be asked: one line naming the identity tried and the fix."""


class Login(Protocol):
    """One cloud's way to a registry credential (see the module's text)."""

    kind: str  # the ``auth:`` value: aws, gcp, azure
    extra: str | None  # the package extra its library comes with; None: nothing to install
    # whether a registry of this cloud may be read anonymously (public images): when the
    # workload has no identity and none was asked for, the registry is asked without one
    anonymous_ok: bool

    def available(self) -> bool:
        """Whether the library this login needs is installed."""
        ...

    def present(self, env: Mapping[str, str]) -> bool:
        """Without any network call: whether the environment shows an identity of this cloud
        (a workload identity's variables, a credentials file, a metadata server's address)."""
        ...

    def login(self, config: RegistryConfig, env: Mapping[str, str]) -> Issued:
        """A fresh registry credential for ``config.host``; raises :class:`NoIdentity` or
        :class:`LoginFailed`."""
        ...


def importable(module: str) -> bool:
    """Whether ``module`` is installed (an extra's library), without importing it."""

    try:
        return importlib.util.find_spec(module) is not None
    except ModuleNotFoundError:  # its parent package is not there either
        return False


def extra_missing(kind: str, host: str, extra: str) -> UsageError:
    return UsageError(
        f"registry {host}: auth {kind} needs the {extra!r} extra, which is not installed",
        hint=install_hint(extra),
    )


class CloudCredential:
    """The credential :class:`~gitops_bot.registry.auth.RegistryAuth` reads (``username``,
    ``password``, ``identity_token``), each read answered from the one token this host's login
    issued. The first read logs in; a read after the token's margin logs in again; threads
    reading meanwhile wait for that one login and share its token (or its failure).

    ``explicit``: the operator set ``auth:``; otherwise the host was recognised by name and a
    workload without an identity of that cloud reads the registry anonymously where the cloud
    allows it (``Login.anonymous_ok``)."""

    def __init__(
        self,
        login: Login,
        config: RegistryConfig,
        env: Mapping[str, str],
        *,
        explicit: bool,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.login = login
        self.config = config
        self.source = f"{login.kind} identity"
        self._env = env
        self._explicit = explicit
        self._clock = clock
        self._lock = threading.Lock()
        self._issued: Issued | None = None
        self._until = 0.0  # when the kept token, failure or absence is to be looked at again
        self._failure: str | None = None
        self.logins = 0  # how many times the cloud was asked (a test's and a log's figure)

    def __repr__(self) -> str:  # never a token
        return f"CloudCredential({self.login.kind}, {self.config.host})"

    @property
    def username(self) -> str | None:
        issued = self.current()
        return issued.username if issued else None

    @property
    def password(self) -> str | None:
        issued = self.current()
        return issued.password if issued else None

    @property
    def identity_token(self) -> str | None:
        issued = self.current()
        return issued.identity_token if issued else None

    @property
    def api(self) -> Any:
        """What the cloud's own APIs take (:attr:`Issued.api`), from the token in force."""
        issued = self.current()
        return issued.api if issued else None

    def current(self) -> Issued | None:
        """The token in force (None: ask anonymously), logging in when there is none."""
        with self._lock:
            now = self._clock()
            if now >= self._until:
                self._refresh(now)
            if self._failure is not None:
                raise RegistryAccessError(self._failure, status=401)
            return self._issued

    def _refresh(self, now: float) -> None:
        """Under the lock: one login, whose outcome every waiting thread then reads."""
        host, kind = self.config.host, self.login.kind
        self._failure, self._issued = None, None
        self.logins += 1
        try:
            # what a login registers (its token, a session's keys, a token file's rotated
            # content) is its source's new value: the last login's stays for a grace period
            with renewing(f"{kind} login for {host}"):
                issued = self.login.login(self.config, self._env)
                for secret in (issued.password, issued.identity_token):
                    register_secret(secret)
        except NoIdentity as exc:
            if self._explicit or not self.login.anonymous_ok:
                self._fail(now, f"registry {host}: no {kind} identity: {exc}")
                return
            log.info("registry_anonymous", registry=host, auth=kind, reason=str(exc))
            self._until = now + ABSENT_TTL
            return
        except LoginFailed as exc:
            self._fail(now, f"registry {host}: {exc}")
            return
        if not all(sendable(v) for v in (issued.password, issued.identity_token) if v is not None):
            self._fail(
                now,
                f"registry {host}: the {kind} login for {issued.identity} issued a credential with "
                "characters no request can carry (not visible ASCII): check that the endpoint is the cloud's",
            )
            return
        if math.isnan(issued.expires) or issued.expires <= now:
            # used, it would be asked for again on every read, each a login
            self._fail(
                now,
                f"registry {host}: the {kind} login for {issued.identity} issued a credential that "
                "had already expired: check this machine's clock, and that the endpoint is the cloud's",
            )
            return
        expires = min(issued.expires, now + MAX_LIFE)
        life = expires - now
        self._issued = issued
        self._until = expires - min(MARGIN, life / 10)
        log.info(
            "registry_login",
            registry=host,
            auth=kind,
            identity=issued.identity,
            valid_for=f"{life / 60:.0f} min",
        )

    def _fail(self, now: float, line: str) -> None:
        self._failure = line
        self._until = now + FAILURE_TTL
        log.warning("registry_login_failed", registry=self.config.host, auth=self.login.kind, error=line)


# bytes of a token file read to register its token (a service account token is a few KiB)
TOKEN_FILE_LIMIT = 64 << 10


def register_inputs(env: Mapping[str, str], variables: tuple[str, ...], files: tuple[str, ...] = ()) -> None:
    """Register as secrets what a login's library sends its identity provider from the
    environment before it is sent: the values of ``variables`` and the tokens in the files
    ``files`` name. An error answer echoing one is then redacted in the login's one line
    (botocore quotes the container endpoint's answer in its message), not shown."""
    for name in variables:
        register_secret(env.get(name))
    for name in files:
        path = env.get(name)
        if not path:
            continue
        try:
            with open(path, "rb") as found:
                register_secret(found.read(TOKEN_FILE_LIMIT).decode(errors="replace").strip())
        except OSError:
            continue  # the library reading it says what is wrong with it


def sendable(token: str) -> bool:
    """Whether a token from an answer can be sent as issued: visible ASCII, as every token a
    cloud issues is (a JWT, base64); a lone surrogate or a newline could not be encoded into a
    header or form, and would fail there, far from the answer that carried it."""
    return bool(token) and token.isascii() and token.isprintable() and " " not in token


def text(value: Any, limit: int = 200) -> str:
    """An outside string made one printable line of at most ``limit`` characters (a cloud's
    error code or message, quoted in a login's one-line failure), secrets redacted before it
    is cut: a secret echoed whole and cut to its first characters is no longer a secret's
    whole text, which is what redaction finds."""
    if not isinstance(value, str):
        return ""
    line = " ".join(redact(value).split())
    return "".join(c for c in line if c.isprintable())[:limit]


LOGIN_TIMEOUT = 10.0  # seconds for one answer of a cloud's identity or registry API, in all
LOGIN_TOTAL = 20.0  # seconds for one call, its retries and their waits included
LOGIN_LIMIT = 1 << 20  # bytes of one answer: a token answer is a few KiB


# what the login in this thread (or task) asked last, in words and as a URL: what a library's
# failure to read an answer is said of (:func:`edge`)
_asked: contextvars.ContextVar[tuple[str, str] | None] = contextvars.ContextVar("cloud_asked", default=None)

# what a library raises when an answer it reads for us is broken: bad syntax, a number too
# large to convert (OverflowError), a field of the wrong type or missing, nesting too deep
UNREADABLE: tuple[type[Exception], ...] = (
    ValueError,
    TypeError,
    LookupError,
    ArithmeticError,
    AttributeError,
    RecursionError,
)


@contextlib.contextmanager
def edge(default: str, *also: type[Exception]) -> Iterator[None]:
    """Around a cloud library's call that reads outside answers (botocore's credential chain,
    google-auth's refresh): what it raises on an answer it cannot read (:data:`UNREADABLE`,
    and the library's own ``also``) is the edge's one-line :class:`LoginFailed`, naming the
    service last asked (else ``default``) and what to check, never a traceback."""
    token = _asked.set(None)
    try:
        yield
    except (LoginFailed, NoIdentity):
        raise
    except (*UNREADABLE, *also) as exc:
        asked = _asked.get()
        where = f"{asked[0]} at {asked[1]}" if asked else default
        raise LoginFailed(
            f"{where} answered something unreadable ({type(exc).__name__}: {text(str(exc), 80)}): check "
            "that the endpoint (its variable, a proxy on the way) is the cloud's own, then try again"
        ) from None
    finally:
        _asked.reset(token)


def call(
    method: str,
    url: str,
    what: str,
    env: Mapping[str, str],
    *,
    headers: Mapping[str, str] | None = None,
    body: bytes | None = None,
    params: Mapping[str, str] | None = None,
    timeout: float | None = None,
    tls: ssl.SSLContext | None = None,
    ca_setting: str | None = "the service's ca_file",
    metadata: bool = False,
) -> Reply:
    """One call of a login through the one client (:class:`~gitops_bot.net.service.Service`:
    proxies, trust, a deadline per answer and one in all, the one retry policy, a size cap,
    redirects only within the origin asked: a token endpoint sending its caller elsewhere is
    not the one configured). The answer's status, headers and bytes, whatever the status;
    what is no answer at all is :class:`LoginFailed` naming ``what`` was asked. ``tls``: a
    registry's own trust (its ``ca_file``), or a cloud's (``AWS_CA_BUNDLE``, which
    ``ca_setting`` names in the line of a certificate not trusted; None: a cloud whose endpoints
    have no setting of their own, the line naming ``SSL_CERT_FILE``), else the shared one.
    ``metadata``: the call asks the machine's metadata service (a managed identity, a
    metadata server): directly, whatever the proxy variables say, and its link-local address
    let through (:class:`~gitops_bot.net.service.Service`'s ``metadata``). Only a cloud login's
    own endpoints set it, never a registry's host or anything else a configuration names."""
    timeout = min(timeout or LOGIN_TIMEOUT, LOGIN_TIMEOUT)
    _asked.set((what, url.partition("?")[0]))
    scheme, host, port = origin(url)
    base = f"{scheme}://[{host}]:{port}" if ":" in host else f"{scheme}://{host}:{port}"
    service = Service(
        what,
        base,
        tls=tls,
        timeout=timeout,
        total=max(timeout, LOGIN_TOTAL),
        limit=LOGIN_LIMIT,
        policy=RetryPolicy(attempts=2, max_wait=2.0),
        headers={"Accept": "application/json"},
        env=env,
        ca_setting=ca_setting,
        metadata=metadata,
    )
    with service:
        outcome = service.request(method, url, params=params, content=body, headers=headers, parse=False)
    match outcome:
        case Answer(reply=reply) | Refused(reply=reply):
            return reply
        case Unavailable(why=why):
            raise LoginFailed(f"{what} is unavailable ({why})")
    raise AssertionError("unreachable")  # pragma: no cover


def json_of(reply: Reply, what: str) -> Any:
    """An answer's JSON object (bounded in depth as every outside JSON), else :class:`LoginFailed`."""
    try:
        data = limits.loads(reply.body)
    except ValueError:
        raise LoginFailed(f"{what} answered something that is not JSON") from None
    if not isinstance(data, dict):
        raise LoginFailed(f"{what} answered JSON that is not an object")
    return data
