"""The connections of one origin for :meth:`~gitops_bot.net.transport.Transport.exchange`,
kept without httpcore's ``ConnectionPool``.

The pool matches every waiting request against every connection it holds, on each request and
again when each response closes (``_assign_requests_to_connections``: an expiry check, a
readability ``poll`` and an ``is_idle`` call per connection per event). A registry request
asks nothing of that matching: one origin, HTTP/1.1, one request per connection at a time.
:class:`Origin` keeps the origin's idle connections on a stack instead: a request takes the
most recently used one (checked once: still open, not expired, the server has not closed it)
or a new one, and gives it back when its response is closed, if it can carry another request.
Each connection is still httpcore's own ``HTTPConnection`` (connect, TLS, HTTP/1.1 by h11);
routes through a proxy, and HTTP/2 (one connection shared by many requests), stay on the pool.
"""

from __future__ import annotations

import ssl
import threading

import httpcore

KEEPALIVE = 5.0  # seconds an idle connection is kept (httpx's default keepalive_expiry)


class Origin:
    """At most ``size`` connections to ``origin`` at once (a request waits for one to come
    back up to its pool timeout, as on httpcore's pool); idle ones are reused newest first."""

    def __init__(
        self,
        origin: httpcore.Origin,
        backend: httpcore.NetworkBackend,
        ssl_context: ssl.SSLContext | None,
        size: int,
    ) -> None:
        self.origin = origin
        self._backend = backend
        self._ssl = ssl_context
        self._idle: list[httpcore.HTTPConnection] = []  # list.append/pop are atomic: no lock
        self._slots = threading.Semaphore(size)
        self._closed = False

    def take(self, timeout: float | None) -> httpcore.HTTPConnection:
        """A connection for one request (raises ``httpcore.PoolTimeout`` when none is free in
        ``timeout`` seconds). Give it back with :meth:`give`, whatever happens."""
        if not self._slots.acquire(timeout=timeout):
            raise httpcore.PoolTimeout("no connection free in time")
        try:
            idle = self._idle
            while idle:
                try:
                    connection = idle.pop()
                except IndexError:  # another thread took the last one
                    break
                if connection.is_idle() and not connection.has_expired():
                    return connection
                connection.close()
            return httpcore.HTTPConnection(
                self.origin, ssl_context=self._ssl, keepalive_expiry=KEEPALIVE, network_backend=self._backend
            )
        except BaseException:
            self._slots.release()
            raise

    def give(self, connection: httpcore.HTTPConnection) -> None:
        """``connection`` back after its response was closed: kept if it can carry another
        request (not closed by either side, nothing left unread), else closed."""
        try:
            if not self._closed and not connection.is_closed() and connection.is_idle():
                self._idle.append(connection)
                if self._closed:  # close() ran meanwhile: it may have missed this one
                    self.close()
            else:
                connection.close()
        finally:
            self._slots.release()

    def close(self) -> None:
        """Close the idle connections; those in use are closed when given back."""
        self._closed = True
        while self._idle:
            try:
                self._idle.pop().close()
            except IndexError:
                break
