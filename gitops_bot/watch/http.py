"""watch's HTTP endpoint: ``/healthz``, ``/readyz``, ``/metrics``, ``POST /webhook/<source>``,
``OPTIONS /webhook/<source>`` (Event Grid's CloudEvents handshake) and, when asked for, the
status page (``/`` and ``/status.json``, :mod:`.page`). ``HEAD`` answers as ``GET`` without the body."""

from __future__ import annotations

import contextlib
import io
import re
import socket
import sys
import threading
from collections.abc import Callable
from dataclasses import field
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, generate_latest
from prometheus_client.exposition import CONTENT_TYPE_LATEST

from gitops_bot.core.errors import UsageError
from gitops_bot.core.log import get_logger, redact
from gitops_bot.core.record import record
from gitops_bot.events.receiver import ListenerResponse, Receiver
from gitops_bot.watch.delivery import DeliveryMetrics
from gitops_bot.watch.page import StatusPage

log = get_logger("gitops_bot.watch")


@record(frozen=False, slots=False)
class Metrics:
    """``many``: the watcher serves several repositories, so the series that belong to one
    repository carry a ``repository`` label (one repository: the series as they always were)."""

    registry: CollectorRegistry = field(default_factory=CollectorRegistry)
    many: bool = False

    def __post_init__(self) -> None:
        r = self.registry
        per_repo = ["repository"] if self.many else []
        self.cycles = Counter("gitops_bot_cycles", "Update cycles run, by result", ["result"], registry=r)
        self.changes = Counter(
            "gitops_bot_image_changes",
            "Image changes proposed or committed",
            [*per_repo, "environment"],
            registry=r,
        )
        self.pull_requests = Counter(
            "gitops_bot_pull_requests",
            "Pull requests by what happened to them",
            [*per_repo, "action"],
            registry=r,
        )
        self.registry_requests = Counter(
            "gitops_bot_registry_requests",
            "Registry requests by HTTP status or error",
            ["status"],
            registry=r,
        )
        self.duration = Histogram(
            "gitops_bot_cycle_duration_seconds",
            "Duration of update cycles",
            buckets=(0.5, 1, 2, 5, 10, 30, 60, 120, 300, 600),
            registry=r,
        )
        self.last_success = Gauge(
            "gitops_bot_last_success_timestamp_seconds", "Unix time of the last successful cycle", registry=r
        )
        for result in ("success", "failure"):
            self.cycles.labels(result)
        self.webhooks = Counter(
            "gitops_bot_webhook_events",
            "Webhook requests by source and outcome",
            ["source", "outcome"],
            registry=r,
        )
        if self.many:
            self.repository_cycles = Counter(
                "gitops_bot_repository_cycles",
                "Each repository's runs in the update cycles, by result",
                ["repository", "result"],
                registry=r,
            )
            self.repository_last_success = Gauge(
                "gitops_bot_repository_last_success_timestamp_seconds",
                "Unix time of each repository's last successful run",
                ["repository"],
                registry=r,
            )
        self.delivery = DeliveryMetrics(self.many)  # the DORA figures, as `gitops-bot report` computes them
        r.register(self.delivery)

    def labels(self, metric: Counter, repository: str | None, *values: str) -> Counter:
        return metric.labels(*([redact(repository or "")] if self.many else []), *values)

    def render(self) -> bytes:
        return generate_latest(self.registry)


# Bounds of the unauthenticated surface. Every webhook sender retries what it does not see
# acknowledged, so refusing early (503 when full, 408 when slow) loses nothing.
MAX_CONNECTIONS = 64  # requests handled at once; the next ones are answered 503 and closed
REQUEST_DEADLINE = 10.0  # seconds for a whole request: its headers and its body (slowloris)
MAX_BODY = 32 * 1024 * 1024  # bytes; above every vendor's own cap (GitHub: 25 MB)
_LENGTH = re.compile(r"[0-9]{1,10}")  # ASCII digits only: int() would accept '²', ' 1_0', '-0'


@record
class _Served:
    """What the endpoint answers from: the webhook receiver, the readiness check, the metrics
    and the status page (None: not served)."""

    receiver: Receiver
    readiness: Callable[[], tuple[bool, str]]
    metrics: Metrics
    page: StatusPage | None


class _Server(ThreadingHTTPServer):
    """The stdlib threading server with a limit on connections, a deadline per request, one log
    line per refused or failed request (never a traceback), IPv6 and dual-stack listening, and a
    close that waits for the requests in flight (each bounded by the deadline)."""

    daemon_threads = False
    block_on_close = True  # server_close() joins the requests in flight
    deadline = REQUEST_DEADLINE
    max_body = MAX_BODY

    def __init__(
        self, address: tuple[str, int], handler: type[BaseHTTPRequestHandler], limit: int, served: _Served
    ) -> None:
        self.address_family = socket.AF_INET6 if ":" in address[0] else socket.AF_INET
        self.slots = threading.BoundedSemaphore(limit)
        self.served = served
        super().__init__(address, handler)

    def server_bind(self) -> None:
        if self.address_family == socket.AF_INET6 and self.server_address[0] == "::":
            # "[::]" also takes IPv4 (dual stack), whatever the host's net.ipv6.bindv6only says
            self.socket.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 0)
        super().server_bind()

    def process_request(self, request: Any, client_address: Any) -> None:
        if not self.slots.acquire(blocking=False):
            log.warning("http_refused", reason="too many connections", status=503)
            with contextlib.suppress(OSError):
                request.settimeout(1)
                request.sendall(_raw(503, "too many connections; retry later"))
            self.shutdown_request(request)
            return
        try:
            super().process_request(request, client_address)
        except BaseException:
            self.slots.release()
            raise

    def process_request_thread(self, request: Any, client_address: Any) -> None:
        try:
            super().process_request_thread(request, client_address)
        finally:
            self.slots.release()

    def handle_error(self, request: Any, client_address: Any) -> None:
        exc = sys.exc_info()[1]
        if isinstance(exc, GONE):  # a client that went away while we read or answered
            log.debug("http_client_gone", error=type(exc).__name__)
            return
        log.warning("http_error", error=redact(f"{type(exc).__name__}: {exc}"[:200]))


# A client that resets its connection, closes it mid-request or stops reading our answer: an
# ordinary event on any listener (a load balancer's health probe, a browser tab closed, a port
# scanner), never the bot's failure. ConnectionError is ConnectionResetError, BrokenPipeError
# and ConnectionAbortedError; TimeoutError a read past the socket's own timeout.
GONE = (ConnectionError, TimeoutError)


class ClientGone(Exception):
    """The client closed or reset the connection before its request ended."""


def _raw(status: int, text: str) -> bytes:
    body = f"{text}\n".encode()
    phrase = HTTPStatus(status).phrase
    head = (
        f"HTTP/1.0 {status} {phrase}\r\nContent-Type: text/plain; charset=utf-8\r\n"
        f"Content-Length: {len(body)}\r\nConnection: close\r\n\r\n"
    )
    return head.encode() + body


class _Ends(io.BufferedIOBase):
    """The request's stream, saying whether it ended: the standard library reads headers to
    the end of the stream as if a blank line had ended them."""

    def __init__(self, raw: Any) -> None:
        super().__init__()
        self.raw, self.ended = raw, False

    def readline(self, size: int | None = -1, /) -> bytes:
        line: bytes = self.raw.readline(-1 if size is None else size)
        self.ended = self.ended or not line
        return line

    def read(self, size: int | None = -1, /) -> bytes:
        data: bytes = self.raw.read(size)
        return data

    def close(self) -> None:
        self.raw.close()
        super().close()


class _Body(io.RawIOBase):
    """The request body as the receiver reads it: at most Content-Length bytes."""

    def __init__(self, rfile: Any, length: int) -> None:
        self.rfile, self.left = rfile, length

    def read(self, size: int = -1, /) -> bytes:
        size = self.left if size < 0 else min(size, self.left)
        try:
            data: bytes = self.rfile.read(size) if size else b""
        except GONE as exc:
            raise ClientGone(type(exc).__name__) from None
        self.left -= len(data)
        if len(data) < size:  # the stream ended: the client closed its side mid-body
            raise ClientGone("the body ended before Content-Length bytes")
        return data


def serve(
    host: str,
    port: int,
    *,
    receiver: Receiver,
    readiness: Callable[[], tuple[bool, str]],
    metrics: Metrics,
    limit: int = MAX_CONNECTIONS,
    page: StatusPage | None = None,
) -> ThreadingHTTPServer:
    """Listen on ``host:port`` (port 0: any free one; the ``listening`` log line names it)."""
    try:
        server = _Server((host, port), _Handler, limit, _Served(receiver, readiness, metrics, page))
    except (OSError, OverflowError) as exc:
        reason = getattr(exc, "strerror", None) or str(exc)
        where = _join(host, port)
        raise UsageError(f"cannot listen on {where}: {reason}", hint="pick a free HOST:PORT") from None
    # shutdown() (the end of a watch, SIGTERM) returns at serve_forever's next look at its flag:
    # every 50 ms, not socketserver's default 0.5 s
    poll = {"poll_interval": 0.05}
    threading.Thread(target=server.serve_forever, kwargs=poll, name="gitops-bot-http", daemon=True).start()
    bound = server.server_address[1]
    log.info("listening", address=_join(host, bound), port=bound)
    return server


class _Handler(BaseHTTPRequestHandler):
    """One request to the endpoint, answered from what its server serves (``server.served``)."""

    server: _Server
    default_request_version = "HTTP/1.0"  # an unparseable request still gets a status line

    def setup(self) -> None:
        super().setup()
        self._stream = _Ends(self.rfile)
        self.rfile = self._stream
        self._lock = threading.Lock()
        self._answered = self._expired = self._head = False
        self.connection.settimeout(self.server.deadline + 5)  # the timer below answers first
        self._timer = threading.Timer(self.server.deadline, self._expire)
        self._timer.daemon = True
        self._timer.start()

    def _expire(self) -> None:
        """The deadline passed with the request still unread: 408, and the socket shut so
        the reading thread returns at once. A client that drips its request is an ordinary
        event (a slow link as much as slowloris): a debug line, the bound does the rest."""
        with self._lock:
            if self._answered:
                return
            self._expired = self._answered = True
        log.debug("http_client_gone", reason="request not received within the deadline", status=408)
        with contextlib.suppress(OSError):
            self.connection.sendall(_raw(408, "request not received in time"))
        with contextlib.suppress(OSError):
            self.connection.shutdown(socket.SHUT_RDWR)

    def finish(self) -> None:
        self._timer.cancel()
        with contextlib.suppress(OSError):
            super().finish()

    def parse_request(self) -> bool:
        line: bytes = getattr(self, "raw_requestline", b"")  # set by the stdlib before this
        if line and not line.endswith(b"\n") and len(line) <= 65536:
            # the stream ended inside the request line: the client went away mid-request
            log.debug("http_client_gone", reason="the request line did not end")
            self.close_connection = True
            self._answered = True
            return False
        ok = super().parse_request()
        if ok and self._stream.ended:
            # the headers ended only because the stream did: the client went away mid-request
            log.debug("http_client_gone", reason="the headers did not end")
            self.close_connection = True
            self._answered = True
            return False
        if not ok and not self._answered:  # an empty request line: the stdlib says nothing
            self.send_error(400, "empty request line")
        return ok

    def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
        pass

    def log_message(self, format: str, *args: Any) -> None:
        # the stdlib's own refusals (bad request line, 431 header too long, 501): one line
        log.warning("http_refused", reason=redact((format % args)[:200]))

    def send_error(self, code: int, message: str | None = None, explain: str | None = None) -> None:
        if self._claim():
            super().send_error(code, message, explain)

    def _claim(self) -> bool:
        with self._lock:
            if self._answered:
                return False
            self._answered = True
            return True

    def do_POST(self) -> None:
        if self._expired:  # the headers ended only as the deadline shut the connection
            return
        try:
            length = self._length()
        except _Refused as exc:
            log.warning("http_refused", reason=str(exc), status=exc.status, path=redact(self.path[:100]))
            self.close_connection = True
            self._send(exc.status, f"{exc}\n".encode())
            return
        headers = {k: v for k, v in self.headers.items() if k.lower() != "content-length"}
        headers["Content-Length"] = str(length)
        self._webhook("POST", headers, length)

    def do_OPTIONS(self) -> None:
        """CloudEvents' abuse-protection handshake (Event Grid); no body is read."""
        self.close_connection = True
        self._webhook("OPTIONS", {k: v for k, v in self.headers.items()}, 0)

    def _webhook(self, method: str, headers: dict[str, str], length: int) -> None:
        try:
            answer = self.server.served.receiver.respond(
                method, self.path, headers, _Body(self.rfile, length)
            )
        except ClientGone as exc:
            log.debug("http_client_gone", reason=str(exc), path=redact(self.path[:100]))
            self.close_connection = True
            if not self._expired:  # one that only closed its side may still read this
                self._send(400, b"the body ended before Content-Length bytes\n")
            return
        except Exception as exc:  # a defect must cost one request, never the listener
            error = redact(f"{type(exc).__name__}: {exc}")
            log.error("http_error", path=redact(self.path[:100]), error=error)
            answer = ListenerResponse(500, "internal error")
        if self._expired:
            return
        self._send(answer.status, answer.text.encode() + b"\n", answer.content_type, answer.headers)

    def _length(self) -> int:
        """The body's length, refused before a byte of it is read."""
        if self.headers.get_all("Transfer-Encoding"):
            raise _Refused(411, "a Content-Length is required (no chunked bodies)")
        given = self.headers.get_all("Content-Length") or []
        if len(given) > 1:
            raise _Refused(400, "more than one Content-Length")
        if not given:
            raise _Refused(411, "a Content-Length is required")
        if not _LENGTH.fullmatch(given[0].strip(" \t")):
            raise _Refused(400, "invalid Content-Length")
        length = int(given[0].strip(" \t"))
        if length > self.server.max_body:
            raise _Refused(413, f"body of {length} bytes is over the {self.server.max_body}-byte limit")
        return length

    def do_HEAD(self) -> None:
        self._head = True
        self.do_GET()

    def do_GET(self) -> None:
        served = self.server.served
        path = self.path.split("?", 1)[0]
        shown = served.page.answer(path, dict(self.headers.items())) if served.page is not None else None
        if shown is not None:
            self._send(shown.status, shown.text.encode(), shown.content_type, shown.headers)
        elif path == "/healthz":
            self._send(200, b"ok\n")
        elif path == "/readyz":
            ready, text = served.readiness()
            self._send(200 if ready else 503, text.encode() + b"\n")
        elif path == "/metrics":
            self._send(200, served.metrics.render(), CONTENT_TYPE_LATEST)
        else:
            self._send(404, b"not found\n")

    def _send(
        self,
        status: int,
        body: bytes,
        ctype: str = "text/plain; charset=utf-8",
        extra: tuple[tuple[str, str], ...] = (),
    ) -> None:
        if not self._claim():
            return
        self.send_response(status)
        for name, value in extra:
            self.send_header(name, value)
        if status != 304:  # a 304 describes the representation the client already has
            self.send_header("Content-Type", ctype)
            self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if not self._head and status != 304:
            self.wfile.write(body)


class _Refused(Exception):
    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status


def _join(host: str, port: int) -> str:
    return f"[{host}]:{port}" if ":" in host else f"{host}:{port}"


def parse_listen(text: str) -> tuple[str, int]:
    """``HOST:PORT``, ``:PORT`` (all IPv4 addresses) or ``[IPv6]:PORT`` (``[::]``: IPv6 and IPv4)."""
    host, sep, port = text.rpartition(":")
    if host.startswith("[") and host.endswith("]") and ":" in host:
        host = host[1:-1]
    elif ":" in host or "[" in host or "]" in host:
        host = "\0"  # an IPv6 address without brackets: its port cannot be told apart
    if not sep or not port.isascii() or not port.isdigit() or int(port) > 65535 or "\0" in host:
        raise UsageError(
            f"invalid --listen {text!r}", hint="use HOST:PORT, e.g. 0.0.0.0:8080, :8080 or [::]:8080"
        )
    return host or "0.0.0.0", int(port)
