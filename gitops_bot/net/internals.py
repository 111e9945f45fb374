"""The one place that reaches inside httpx, where it offers no public hook.

``httpx.HTTPTransport`` builds its httpcore pool itself and takes no network backend, and the
deadline/abort backend of :mod:`.deadline` must sit under every connection: so the pool it
built (``_pool``) gets that backend (``_network_backend``) before its first request
(:func:`pool_with_backend`), and a registry request is sent on that same pool
(:func:`pool_of`), below httpx's request and response objects. Nothing is replaced at import
and no library code is patched.

``tests/unit/net/test_library_internals.py`` asserts each attribute used here, so a library
upgrade that changes one fails that test rather than this code silently.
"""

from __future__ import annotations

import httpcore
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


def pool_of(transport: httpx.HTTPTransport) -> httpcore.ConnectionPool:
    """``transport``'s httpcore pool, for an exchange below httpx's request and response."""
    return transport._pool
