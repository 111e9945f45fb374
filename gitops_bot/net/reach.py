"""Why a connection to a host was not made, in words a person can act on.

A host that cannot be reached (nothing listens on the port, its name has no address, no route
to it, a TLS handshake that fails) says nothing of its load: counting it as "overloaded" halved
the window of a registry that was never asked and logged ``registry_overloaded`` for a typo in
a host name or a laptop offline. An overloaded host answers (429, 503) or answers late
(timeouts); one that is not reached is sorted here, by the operating system's own error under
httpx's ``ConnectError``, into what happened and what to check.
"""

from __future__ import annotations

import errno
import socket
import ssl
from dataclasses import replace
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import httpx

from gitops_bot.core.record import record
from gitops_bot.net.transport import MetadataRefused

# what a TLS client reads when the server answers plain text (http) where it expected a
# handshake: OpenSSL's words for it across versions
PLAIN_HTTP_MARKS = ("WRONG_VERSION_NUMBER", "RECORD_LAYER_FAILURE", "HTTP_REQUEST", "PACKET_LENGTH_TOO_LONG")
PROXY_NOTE = "and that no firewall or proxy (HTTPS_PROXY, NO_PROXY) stands between"
# getaddrinfo's answers that a name has no address at all (not EAI_AGAIN: the resolver failed for
# now); EAI_NODATA is glibc's (a name without addresses) and absent on some platforms
_NO_SUCH_NAME = frozenset(
    code for code in (socket.EAI_NONAME, getattr(socket, "EAI_NODATA", None)) if code is not None
)


@record
class NotReached:
    """A connection that was not made: ``what`` happened, what to ``check``, and whether asking
    again could help (``lasting``: a TLS handshake refused on its protocol fails every time)."""

    what: str
    check: str
    lasting: bool = False
    # the resolver said the name does not exist: not reached, and asking again finds no
    # address either (a lasting failure that is still the host's unreachability, not its answer)
    nameless: bool = False


def not_reached(
    exc: BaseException, host: str, service: str = "registry", *, proxy: tuple[str, str] | None = None
) -> NotReached | None:
    """What ``exc`` says of reaching ``host`` (``host[:port]``, as configured), or None when the
    host was reached (a connection reset mid-answer, a timeout: those may be its load).
    ``service`` names what should be listening there, in the check. ``proxy``: (the proxy's
    URL, the variable naming it) when the connection went to a proxy first."""
    import httpx  # loaded by whatever raised it (the registry's exchange maps httpcore's to it)

    if not isinstance(exc, httpx.ConnectError):
        return None
    found = _not_reached(exc, host, service)
    cause = _os_error(exc)
    at_proxy = isinstance(cause, (socket.gaierror, ConnectionRefusedError))
    if proxy is not None and found is not None and at_proxy:  # the connection never left for the host
        if isinstance(cause, socket.gaierror):  # the name resolved was the proxy's, not the host's
            found = replace(
                found, what=f"its host name has no address ({cause.strerror or 'DNS lookup failed'})"
            )
        return at_the_proxy(found, host, *proxy)
    return found


def _not_reached(exc: httpx.ConnectError, host: str, service: str) -> NotReached | None:
    refused = _metadata_refused(exc)
    if refused is not None:
        return NotReached(
            str(refused),
            "only the bot's cloud login asks it (its credentials): give the service's own address",
            lasting=True,
        )
    cause = _os_error(exc)
    name = host.rsplit(":", 1)[0] if host.count(":") == 1 else host
    match cause:
        case ssl.SSLError():
            return _tls(cause, host, service)
        case socket.gaierror():
            return NotReached(
                f"the host name {name} has no address ({cause.strerror or 'DNS lookup failed'})",
                f"check the host name {name} ({_named_by(service)}), this machine's "
                f"DNS and network, {PROXY_NOTE}",
                # the resolver said the name does not exist: the same answer a second later, so
                # the back-off only delays the line; a resolver that failed for now is retried
                lasting=cause.errno in _NO_SUCH_NAME,
                nameless=cause.errno in _NO_SUCH_NAME,
            )
        case ConnectionRefusedError():
            return NotReached(
                "connection refused",
                f"check that a {service} runs at {host} and listens on that port, that the host "
                f"and port in gitops-bot.yaml are the ones meant, {PROXY_NOTE}",
            )
        case OSError() if cause.errno in (errno.ENETUNREACH, errno.EHOSTUNREACH, errno.ENETDOWN):
            return NotReached(
                f"no route to {host} ({cause.strerror})",
                f"check this machine's network (offline? a VPN {host} needs?), {PROXY_NOTE}",
            )
        case _:
            return NotReached(
                f"cannot connect ({_said(exc)})",
                f"check that a {service} runs at {host}, that the host and port in gitops-bot.yaml "
                f"are the ones meant, {PROXY_NOTE}",
            )


def at_the_proxy(found: NotReached, host: str, proxy: str, variable: str) -> NotReached:
    """A connection that failed on the way to the proxy every request to ``host`` goes through
    (``proxy``, from ``variable``): the proxy refused it, or its name has no address; said of
    the proxy, where the line named ``host``, which was never asked."""
    # its host and port alone: a password may hold any character, a "/" too, so everything
    # before the last "@" goes, whatever a URL parser would take for the authority
    where = proxy.split("://", 1)[-1].rpartition("@")[2].split("/", 1)[0] or "(unnamed)"
    return NotReached(
        f"the proxy {where} ({variable}) did not take the connection: {found.what}",
        f"check that a proxy runs at {where}, that {variable} names the one meant, or add "
        f"{host.rsplit(':', 1)[0]} to NO_PROXY to reach it directly",
        lasting=found.lasting,
        nameless=found.nameless,
    )


def connect_timed_out(host: str, seconds: float) -> NotReached:
    """A connection not accepted within ``seconds``: packets dropped on the way (a firewall, a
    network the registry is not on, a VPN that is down) far more often than a host too busy to
    accept, and no answer said anything of its load."""
    return NotReached(
        f"no connection within {seconds:g} s",
        f"check the network route to {host} (offline? a VPN it needs?), a firewall dropping its "
        f"port, {PROXY_NOTE}",
    )


def _tls(cause: ssl.SSLError, host: str, service: str) -> NotReached:
    said = cause.reason or _said(cause)
    if any(mark in str(cause) for mark in PLAIN_HTTP_MARKS):
        # a registry's scheme is its entry's setting; any other service's is its address's
        plain = (
            f"set insecure: true for {host} under registries: in gitops-bot.yaml"
            if service == "registry"
            else "give its address as http://"
        )
        return NotReached(
            f"TLS handshake failed ({said}): {host} answers plain http there",
            f"if {'the registry' if service == 'registry' else service} serves plain http, {plain}; "
            "otherwise give the port where it serves https",
            lasting=True,
        )
    return NotReached(
        f"TLS handshake failed ({said})",
        f"check that {host} serves https on that port with a TLS version and certificate this "
        f"machine accepts, {PROXY_NOTE}",
        lasting=True,
    )


def _named_by(service: str) -> str:
    """Where the host name came from: a registry serves images and ``oci://`` charts alike, so
    its host is never said to be one image's when a chart's repository named it."""
    if service in ("registry", "chart repository"):
        return "an image's or chart's repository in gitops-bot.yaml names it"
    return "gitops-bot.yaml names it"


def _os_error(exc: BaseException) -> BaseException | None:
    """The operating system's error httpx's and httpcore's exceptions wrap (the first that is
    not one of theirs), or None. Bounded: a chain is a handful of links."""
    seen = exc.__cause__ or exc.__context__
    for _ in range(8):
        if seen is None or isinstance(seen, OSError):
            return seen
        seen = seen.__cause__ or seen.__context__
    return None


def _metadata_refused(exc: BaseException) -> BaseException | None:
    """The transport's refusal of a connection that landed on a metadata address, in the chain."""
    seen: BaseException | None = exc
    for _ in range(8):
        if seen is None or isinstance(seen, MetadataRefused):
            return seen
        seen = seen.__cause__ or seen.__context__
    return None


def _said(exc: BaseException) -> str:
    """An error's own words, one short line (its class's name when it has none)."""
    text = " ".join(str(exc).split())[:120]
    return text or type(exc).__name__
