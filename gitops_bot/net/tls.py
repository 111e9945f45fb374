"""The one ``ssl.SSLContext`` factory for outbound TLS: :func:`context` for a service's
settings (a private CA, a client certificate, ``insecure``), :func:`ssl_context` for the
shared trust alone.

Trusted: the operating system's store (on Linux OpenSSL's default paths, else the bundle where
the distribution keeps it, loaded once a context; on macOS and Windows the platform verifier
through ``truststore``; so a TLS-inspecting corporate proxy's CA that IT installed is trusted as
every other program trusts it), plus ``SSL_CERT_FILE`` / ``SSL_CERT_DIR`` when set (as OpenSSL
and curl read them; requests reads ``REQUESTS_CA_BUNDLE`` instead, which is not read here), plus
a ``ca_file`` the operator named for one service. When the OS has no store at all (a bare
container), certifi's bundle stands in for it.
"""

from __future__ import annotations

import functools
import os
import re
import ssl
import sys
from collections.abc import Mapping

import certifi

from gitops_bot.core.errors import UsageError


def ssl_context(
    ca_file: str | None = None, env: Mapping[str, str] | None = None, *, named: str = "ca_file"
) -> ssl.SSLContext:
    """A client context verifying hostnames and chains against the trust described above.
    A ``ca_file`` or ``SSL_CERT_FILE`` that cannot be loaded is a :class:`UsageError`, naming
    ``ca_file`` as the setting that gave it, ``named`` (``AWS_CA_BUNDLE``)."""
    env = os.environ if env is None else env
    return _context(ca_file, env.get("SSL_CERT_FILE") or None, env.get("SSL_CERT_DIR") or None, named)


@functools.lru_cache(maxsize=32)  # building one reads the whole store (~25 ms)
def _context(ca_file: str | None, cert_file: str | None, cert_dir: str | None, named: str) -> ssl.SSLContext:
    return _loaded(_os_context(), ca_file, cert_file, cert_dir, named)


def _loaded(
    ctx: ssl.SSLContext,
    ca_file: str | None,
    cert_file: str | None,
    cert_dir: str | None,
    named: str = "ca_file",
) -> ssl.SSLContext:
    for what, cafile, capath in (
        ("SSL_CERT_FILE", cert_file, None),
        ("SSL_CERT_DIR", None, cert_dir),
        (named, ca_file, None),
    ):
        if not (cafile or capath):
            continue
        try:
            ctx.load_verify_locations(cafile=cafile, capath=capath)
        except (OSError, ssl.SSLError) as exc:
            raise UsageError(
                f"cannot load {what} {cafile or capath}: {exc}", hint=f"point {what} at PEM CA certificates"
            ) from None
    return ctx


def fresh_context(ca_file: str | None = None, env: Mapping[str, str] | None = None) -> ssl.SSLContext:
    """As :func:`ssl_context`, but a context of its own (never the shared cached one), for a
    caller that adds to it: a client certificate (mTLS) must not reach other services."""
    env = os.environ if env is None else env
    return _loaded(_os_context(), ca_file, env.get("SSL_CERT_FILE") or None, env.get("SSL_CERT_DIR") or None)


def context(
    ca_file: str | None = None,
    *,
    cert_file: str | None = None,
    key_file: str | None = None,
    insecure: bool = False,
    service: str = "the service",
    env: Mapping[str, str] | None = None,
) -> ssl.SSLContext:
    """The context for one service as its settings describe it (paths already resolved):

    - nothing set: the shared trust of :func:`ssl_context` (cached);
    - ``ca_file``: that trust plus a private CA;
    - ``cert_file`` (and ``key_file``): a client certificate (mTLS), in a context of its own,
      so it is never offered to another service;
    - ``insecure``: the operator chose not to verify this service's certificate (a self-signed
      server): no chain, no hostname check. A client certificate still goes with it.

    A file that cannot be loaded is a :class:`UsageError` naming ``service``'s setting."""
    if not (insecure or cert_file):
        return ssl_context(ca_file, env)
    if insecure:
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
        ctx.check_hostname = False
        ctx.verify_mode = ssl.CERT_NONE
    else:
        ctx = fresh_context(ca_file, env)
    if cert_file:
        try:
            ctx.load_cert_chain(cert_file, key_file)
        except (OSError, ssl.SSLError) as exc:
            raise UsageError(
                f"cannot load the client certificate {cert_file} of {service}: {exc}",
                hint="point cert_file and key_file at the client's PEM certificate and key",
            ) from None
    return ctx


# Where Linux distributions keep their bundle, for a Python whose OpenSSL was built with paths
# the system does not use (as truststore looks for it; from tiran/certifi-system-store)
CA_FILE_CANDIDATES = (
    "/etc/ssl/cert.pem",
    "/etc/pki/ca-trust/extracted/pem/tls-ca-bundle.pem",
    "/etc/pki/tls/cert.pem",
    "/etc/ssl/certs/ca-certificates.crt",
    "/etc/ssl/ca-bundle.pem",
)


def _os_context() -> ssl.SSLContext:
    if sys.platform in ("darwin", "win32"):
        try:
            import truststore

            return truststore.SSLContext(ssl.PROTOCOL_TLS_CLIENT)  # the platform's own verifier
        except ImportError:  # pragma: no cover - truststore is a dependency; kept for odd installs
            pass
    # Elsewhere truststore trusts what OpenSSL's default paths hold, but loads them again into
    # the context for every connection it wraps (~27 ms each: ~0.9 s of CPU for the 32
    # connections of a plan against an https registry). The same store, loaded once:
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)  # CERT_REQUIRED, hostnames checked (as truststore's)
    ctx.load_default_certs()  # OpenSSL's default paths (SSL_CERT_FILE / SSL_CERT_DIR replace them)
    paths = ssl.get_default_verify_paths()
    if paths.cafile or (paths.capath and _holds_certs(paths.capath)):
        return ctx
    found = next((f for f in CA_FILE_CANDIDATES if os.path.isfile(f)), None)
    if found is None:
        found = certifi.where()  # no OS store here (a bare container): the Mozilla bundle
    ctx.load_verify_locations(cafile=found)
    return ctx


def _holds_certs(capath: str) -> bool:
    """A hashed certificate directory (``c_rehash``: ``1a2b3c4d.0``) with at least one entry."""
    try:
        return any(_hashed().match(name) for name in os.listdir(capath))
    except OSError:
        return False


# compiled at its first use, not at import: a plan's start-up does not use it
@functools.cache
def _hashed() -> re.Pattern[str]:
    return re.compile(r"^[0-9a-fA-F]{8}\.[0-9]$")
