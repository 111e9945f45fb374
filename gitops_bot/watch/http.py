"""watch's HTTP endpoint: ``/healthz``, ``/readyz``, ``/metrics`` and ``POST /webhook/<source>``."""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, generate_latest
from prometheus_client.exposition import CONTENT_TYPE_LATEST

from gitops_bot.errors import UsageError
from gitops_bot.events.receiver import Receiver
from gitops_bot.log import get_logger, redact

log = get_logger("gitops_bot.watch")


@dataclass
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

    def labels(self, metric: Counter, repository: str | None, *values: str) -> Counter:
        return metric.labels(*([redact(repository or "")] if self.many else []), *values)

    def render(self) -> bytes:
        return generate_latest(self.registry)


def serve(
    host: str,
    port: int,
    *,
    receiver: Receiver,
    readiness: Callable[[], tuple[bool, str]],
    metrics: Metrics,
) -> ThreadingHTTPServer:
    """Listen on ``host:port`` (port 0: any free one; the ``listening`` log line names it)."""

    class Handler(BaseHTTPRequestHandler):
        timeout = 10  # seconds a client may take to send its request (a webhook body)

        def log_message(self, *args: Any) -> None:
            pass

        def do_POST(self) -> None:
            status, text = receiver.handle(self.path, dict(self.headers.items()), self.rfile)
            self._send(status, text.encode() + b"\n")

        def do_GET(self) -> None:
            path = self.path.split("?", 1)[0]
            if path == "/healthz":
                self._send(200, b"ok\n")
            elif path == "/readyz":
                ready, text = readiness()
                self._send(200 if ready else 503, text.encode() + b"\n")
            elif path == "/metrics":
                self._send(200, metrics.render(), CONTENT_TYPE_LATEST)
            else:
                self._send(404, b"not found\n")

        def _send(self, status: int, body: bytes, ctype: str = "text/plain; charset=utf-8") -> None:
            self.send_response(status)
            self.send_header("Content-Type", ctype)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

    try:
        server = ThreadingHTTPServer((host, port), Handler)
    except (OSError, OverflowError) as exc:
        reason = getattr(exc, "strerror", None) or str(exc)
        raise UsageError(f"cannot listen on {host}:{port}: {reason}", hint="pick a free HOST:PORT") from None
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, name="gitops-bot-http", daemon=True).start()
    log.info("listening", address=f"{host}:{server.server_address[1]}", port=server.server_address[1])
    return server


def parse_listen(text: str) -> tuple[str, int]:
    host, sep, port = text.rpartition(":")
    if not sep or not port.isdigit() or int(port) > 65535:
        raise UsageError(f"invalid --listen {text!r}", hint="use HOST:PORT, e.g. 0.0.0.0:8080 or :8080")
    return host or "0.0.0.0", int(port)
