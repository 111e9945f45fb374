"""The one place that reaches inside httpx, where it offers no public hook.

``httpx.HTTPTransport`` builds its httpcore pool itself and takes no network backend, and the
deadline/abort backend of :mod:`.deadline` must sit under every connection: so a proxy route's
pool, which httpx builds (``_pool``), gets that backend (``_network_backend``) before its first
request (:func:`pool_with_backend`). A direct route's pool is httpcore's own, built by
:class:`~gitops_bot.net.transport.Transport` with that backend; an ``httpx.Client``'s requests
reach it through an ``httpx.HTTPTransport`` over that pool (:func:`over_pool`), which converts
httpx's request and response objects and maps httpcore's errors as it does for its own pool.
Nothing is replaced at import and no library code is patched; httpx is imported by the callers
that need it, never to start a plan (whose registry requests go on httpcore).

``tests/unit/net/test_library_internals.py`` asserts each attribute used here, so a library
upgrade that changes one fails that test rather than this code silently.
"""

from __future__ import annotations

import ssl
from typing import TYPE_CHECKING

import httpcore

if TYPE_CHECKING:
    import httpx


def pool_with_backend(
    transport: httpx.HTTPTransport, backend: httpcore.NetworkBackend
) -> httpcore.ConnectionPool:
    """``transport``'s httpcore pool, its connections now opened through ``backend``."""
    pool = getattr(transport, "_pool", None)
    if not isinstance(pool, httpcore.ConnectionPool) or not hasattr(pool, "_network_backend"):
        raise RuntimeError("httpx changed: no network backend to enforce deadlines on")
    pool._network_backend = backend
    return pool


def over_pool(pool: httpcore.ConnectionPool, ssl_context: ssl.SSLContext) -> httpx.HTTPTransport:
    """An ``httpx.HTTPTransport`` whose requests go on ``pool`` (its own pool, made by its
    constructor with the route's ``ssl_context``, closed unused: it has opened no connection)."""
    import httpx

    transport = httpx.HTTPTransport(verify=ssl_context, trust_env=False)
    if not isinstance(getattr(transport, "_pool", None), httpcore.ConnectionPool):
        raise RuntimeError("httpx changed: no pool to send an httpx request on")
    transport._pool.close()
    transport._pool = pool
    return transport
