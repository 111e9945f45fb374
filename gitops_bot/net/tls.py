"""The one ``ssl.SSLContext`` factory for outbound TLS.

Trusted: the operating system's store (through ``truststore``: on Linux OpenSSL's default
paths, on macOS/Windows the platform verifier, so a TLS-inspecting corporate proxy's CA that
IT installed is trusted as every other program trusts it), plus ``SSL_CERT_FILE`` /
``SSL_CERT_DIR`` when set (as OpenSSL, curl and requests read them), plus a ``ca_file`` the
operator named for one service. When the OS has no store at all (a bare container), certifi's
bundle stands in for it.
"""

from __future__ import annotations

import functools
import os
import ssl
from collections.abc import Mapping

from gitops_bot.core.errors import UsageError


def ssl_context(ca_file: str | None = None, env: Mapping[str, str] | None = None) -> ssl.SSLContext:
    """A client context verifying hostnames and chains against the trust described above.
    A ``ca_file`` or ``SSL_CERT_FILE`` that cannot be loaded is a :class:`UsageError`."""
    env = os.environ if env is None else env
    return _context(ca_file, env.get("SSL_CERT_FILE") or None, env.get("SSL_CERT_DIR") or None)


@functools.lru_cache(maxsize=32)  # building one reads the whole store (~25 ms)
def _context(ca_file: str | None, cert_file: str | None, cert_dir: str | None) -> ssl.SSLContext:
    ctx = _os_context()
    for what, cafile, capath in (
        ("SSL_CERT_FILE", cert_file, None),
        ("SSL_CERT_DIR", None, cert_dir),
        ("ca_file", ca_file, None),
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


def _os_context() -> ssl.SSLContext:
    try:
        import truststore

        ctx: ssl.SSLContext = truststore.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    except ImportError:  # pragma: no cover - truststore is a dependency; kept for odd installs
        ctx = ssl.create_default_context()
    paths = ssl.get_default_verify_paths()
    if not any(p and os.path.exists(p) for p in (paths.cafile, paths.capath)):
        import certifi  # no OS store here: the Mozilla bundle, as before

        ctx.load_verify_locations(cafile=certifi.where())
    return ctx
