"""The one place that reaches inside httpx and httpcore, where they offer no public hook.

Everything else in ``gitops_bot`` uses their public API. What is reached here, and why:

* ``httpcore.HTTP11Connection._response_closed`` (with ``_h11_state`` and ``_state_lock``):
  httpcore keeps an HTTP/1.1 connection for the next request even when the server sent more
  than its reply; there is no option to close such a connection instead (:func:`close_on_trailing_bytes`).
* ``httpx.HTTPTransport._pool`` and the pool's ``_network_backend``: httpx builds its httpcore
  pool itself and takes no network backend, and the deadline/abort backend of :mod:`.deadline`
  must sit under every connection (:func:`pool_with_backend`).

``tests/unit/net/test_library_internals.py`` asserts each attribute and signature used here, so
a library upgrade that changes one fails that test rather than this code silently.
"""

from __future__ import annotations

from typing import Any

import httpcore
import httpx

_MARK = "_gitops_bot"


def close_on_trailing_bytes() -> None:
    """A connection with unread bytes after a complete reply (a second reply in the same write,
    a body after a 204 or a HEAD's answer) is closed rather than kept: h11 holds those bytes and
    would read them as the *next* request's answer. Once per process; every httpx user here
    benefits."""
    cls: Any = httpcore.HTTP11Connection
    original = cls._response_closed
    if getattr(original, _MARK, False):
        return

    def _response_closed(self: Any) -> None:
        state = getattr(self, "_h11_state", None)
        if state is not None and state.trailing_data[0]:
            with self._state_lock:
                self.close()
            return
        original(self)

    setattr(_response_closed, _MARK, True)
    cls._response_closed = _response_closed


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
