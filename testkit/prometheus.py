"""A real Prometheus for the metrics gate's tests: Debian's ``prometheus`` on a free loopback
port with a private data directory, scraping a tiny loopback exporter every second.

The exporter (:class:`Exporter`) serves ``/metrics`` with one gauge per service,
``app_error_rate{service="..."}``, that a test sets (:meth:`Exporter.set`); Prometheus records
what it serves each second, so a test writes the history its story needs in real time: a
clean soak, a spike, a failure after a release. Nothing here is skipped: without the binary the
fixture fails, saying how to install it.
"""

from __future__ import annotations

import shutil
import ssl
import subprocess
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler
from pathlib import Path
from typing import Any

import httpx

from testkit.certs import make_ca, make_server_cert
from testkit.loopback import LoopbackHTTPServer
from testkit.registry_process import free_port

SCRAPE = 1.0  # seconds between scrapes: stories run in seconds


def find_binary() -> str:
    found = shutil.which("prometheus")
    if found is None:
        raise RuntimeError(
            "prometheus is not installed: apt-get install -y prometheus prometheus-pushgateway "
            "(scripts/apt-install.sh; the metrics gate's tests need the real server)"
        )
    return found


class Exporter:
    """A loopback ``/metrics`` endpoint serving the gauges the test sets."""

    def __init__(self) -> None:
        self.values: dict[str, float] = {}
        self._lock = threading.Lock()
        self.scraped = threading.Event()  # asked for its metrics at least once
        exporter = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                exporter.scraped.set()
                body = exporter.text().encode()
                self.send_response(200 if self.path.startswith("/metrics") else 404)
                self.send_header("Content-Type", "text/plain; version=0.0.4")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args: Any) -> None:
                pass

        self.server = LoopbackHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def target(self) -> str:
        return f"127.0.0.1:{self.server.server_address[1]}"

    def set(self, service: str, value: float) -> None:
        with self._lock:
            self.values[service] = value

    def text(self) -> str:
        with self._lock:
            lines = [f'app_error_rate{{service="{s}"}} {v!r}' for s, v in sorted(self.values.items())]
        return "# TYPE app_error_rate gauge\n" + "".join(line + "\n" for line in lines)

    def start(self) -> Exporter:
        self.thread.start()
        return self

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()


CONFIG = """global:
  scrape_interval: {interval}s
  evaluation_interval: {interval}s
scrape_configs:
  - job_name: app
    scrape_interval: {interval}s
    static_configs:
      - targets: ['{target}']
"""


@dataclass
class PrometheusProcess:
    """A running Prometheus scraping ``exporter``. ``url``: its base URL."""

    root: Path
    exporter: Exporter
    port: int = field(default_factory=free_port)
    proc: subprocess.Popen[bytes] | None = None
    # Prometheus's own web config (--web.config.file: TLS, client certificates, basic auth) and
    # how the readiness probe then reaches it (httpx's verify and cert)
    web_config: str | None = None
    probe: dict[str, Any] = field(default_factory=dict)

    @property
    def url(self) -> str:
        return f"{'https' if self.web_config and 'tls_server_config' in self.web_config else 'http'}://127.0.0.1:{self.port}"

    def start(self, timeout: float = 30.0) -> PrometheusProcess:
        binary = find_binary()
        self.root.mkdir(parents=True, exist_ok=True)
        config = self.root / "prometheus.yml"
        config.write_text(CONFIG.format(interval=f"{SCRAPE:g}", target=self.exporter.target))
        log = (self.root / "prometheus.log").open("wb")
        self.proc = subprocess.Popen(
            [
                binary,
                f"--config.file={config}",
                f"--storage.tsdb.path={self.root / 'data'}",
                f"--web.listen-address=127.0.0.1:{self.port}",
                "--log.level=warn",
                *([f"--web.config.file={self._web_config()}"] if self.web_config else []),
            ],
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"prometheus exited: {self.log()}")
            try:
                if (
                    httpx.get(f"{self.url}/-/ready", timeout=1, trust_env=False, **self.probe).status_code
                    == 200
                ):
                    return self
            except httpx.TransportError:
                pass
            time.sleep(0.1)
        self.stop()
        raise RuntimeError(f"prometheus did not start in {timeout}s: {self.log()}")

    def _web_config(self) -> Path:
        path = self.root / "web.yml"
        path.write_text(str(self.web_config))
        return path

    def log(self) -> str:
        path = self.root / "prometheus.log"
        return path.read_text(errors="replace")[-2000:] if path.exists() else ""

    def value(self, query: str) -> list[float]:
        """What Prometheus answers for ``query`` now (for a test waiting on a scrape). Never through
        a proxy: a recording runs in a thread while other tests set HTTP_PROXY for their own."""
        r = httpx.get(
            f"{self.url}/api/v1/query", params={"query": query}, timeout=5, trust_env=False, **self.probe
        )
        r.raise_for_status()
        return [float(s["value"][1]) for s in r.json()["data"]["result"]]

    def wait_for(self, query: str, expected: float, timeout: float = 20.0) -> datetime:
        """Wait until Prometheus has scraped ``query`` at ``expected``; returns when it had."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if expected in self.value(query):
                return datetime.now(UTC)
            time.sleep(0.2)
        raise AssertionError(f"prometheus never read {query} = {expected}: {self.value(query)}")

    def stop(self) -> None:
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.proc = None

    def __enter__(self) -> PrometheusProcess:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()


class Warming:
    """A Prometheus and its exporter started in a thread of their own, ready (:meth:`get`) once
    it has scraped the exporter: its first scrape comes 5-10 s after its start (its discovery
    and scrape managers hand targets on at 5 s ticks, which no flag of 2.42 shortens). Started
    before the first test that needs it (tests/conftest.py), that wait overlaps other tests."""

    def __init__(
        self, root: Path, *, web_config: str | None = None, probe: dict[str, Any] | None = None
    ) -> None:
        self.exporter = Exporter().start()
        self.process = PrometheusProcess(root, self.exporter, web_config=web_config, probe=probe or {})
        self._error: BaseException | None = None
        self._thread = threading.Thread(target=self._start, name="prometheus-warming", daemon=True)
        self._thread.start()

    def _start(self) -> None:
        try:
            self.process.start()
            if not self.exporter.scraped.wait(30):
                raise RuntimeError(f"prometheus never scraped its exporter in 30 s: {self.process.log()}")
        except BaseException as exc:  # handed to the test asking for it
            self._error = exc

    def get(self) -> PrometheusProcess:
        self._thread.join()
        if self._error is not None:
            raise self._error
        return self.process

    def stop(self) -> None:
        self._thread.join()
        self.process.stop()
        self.exporter.stop()


class MutualTls:
    """Prometheus's own web config requiring a client certificate from a private CA, and the
    bot's side of it in ``certs`` (:func:`client_certs` of the server): ``ca.crt``, and
    ``bot.crt`` and ``bot.key`` that CA signed."""

    def __init__(self, root: Path) -> None:
        ca, ca_key, ca_cert = make_ca()
        self.certs = root / "certs"
        self.certs.mkdir(parents=True)
        ca_file = self.certs / "ca.crt"
        ca_file.write_bytes(ca.cert_pem)
        server_cert, server_key = make_server_cert(ca_key, ca_cert).write(root / "server", "prometheus")
        client_cert, client_key = make_server_cert(ca_key, ca_cert).write(self.certs, "bot")
        web = (
            "tls_server_config:\n"
            f"  cert_file: {server_cert}\n  key_file: {server_key}\n"
            f"  client_ca_file: {ca_file}\n  client_auth_type: RequireAndVerifyClientCert\n"
        )
        ctx = ssl.create_default_context(cafile=str(ca_file))
        ctx.load_cert_chain(client_cert, client_key)
        self.warming = Warming(root / "prom", web_config=web, probe={"verify": ctx})


@dataclass(frozen=True)
class Spike:
    """A service's history as Prometheus recorded it, in real time: 0 from ``start``, 0.5 for
    at least 1.5 s from at least 2 s after it, 0 again (scraped) at ``recovered``, and at
    least 2 s of 0 after that, to ``end``: a window to read as it stood then (a window read up
    to a later now would stretch over whatever scrape a loaded machine missed since)."""

    name: str
    start: datetime
    recovered: datetime
    end: datetime


def record_spike(prom: PrometheusProcess) -> Spike:
    """Write a :class:`Spike` into ``prom`` (about 7 s of real time)."""
    name = f"svc-{uuid.uuid4().hex[:8]}"
    query = f'app_error_rate{{service="{name}"}}'
    prom.exporter.set(name, 0.0)
    prom.wait_for(query, 0.0)
    start = datetime.now(UTC)
    time.sleep(2)
    prom.exporter.set(name, 0.5)
    prom.wait_for(query, 0.5)
    time.sleep(1.5)
    prom.exporter.set(name, 0.0)
    recovered = prom.wait_for(query, 0.0)
    time.sleep(2)
    return Spike(name, start, recovered, datetime.now(UTC))


class Recording:
    """:func:`record_spike` run in a thread of its own on the Prometheus ``server`` gives (a
    :class:`Warming`'s :meth:`~Warming.get`), so that its seconds of real time pass while other
    tests run; :meth:`get` waits for the rest of them."""

    def __init__(self, server: Callable[[], PrometheusProcess]) -> None:
        self._server = server
        self._spike: Spike | None = None
        self._error: BaseException | None = None
        self._thread = threading.Thread(target=self._record, name="prometheus-recording", daemon=True)
        self._thread.start()

    def _record(self) -> None:
        try:
            self._spike = record_spike(self._server())
        except BaseException as exc:  # handed to the test asking for it
            self._error = exc

    def get(self) -> Spike:
        self._thread.join()
        if self._error is not None:
            raise self._error
        assert self._spike is not None
        return self._spike


def client_certs(prom: PrometheusProcess) -> Path:
    """The bot's side of a :class:`MutualTls` server: ``ca.crt``, ``bot.crt``, ``bot.key``."""
    return prom.root.parent / "certs"


class Front:
    """A loopback stand-in in front of Prometheus recording each request's headers: it forwards
    the request (``upstream``), or redirects it elsewhere (``redirect``) as a proxy might."""

    def __init__(self, upstream: str | None = None, redirect: str | None = None) -> None:
        self.seen: list[dict[str, str]] = []
        front = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                front.seen.append({k.lower(): v for k, v in self.headers.items()})
                if redirect is not None:
                    self.send_response(307)
                    self.send_header("Location", redirect + self.path)
                    self.send_header("Content-Length", "0")
                    self.end_headers()
                    return
                assert upstream is not None
                r = httpx.get(upstream + self.path, timeout=10, trust_env=False)
                self.send_response(r.status_code)
                self.send_header("Content-Type", r.headers.get("Content-Type", "application/json"))
                self.send_header("Content-Length", str(len(r.content)))
                self.end_headers()
                self.wfile.write(r.content)

            def log_message(self, *args: Any) -> None:
                pass

        self.server = LoopbackHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}"

    def __enter__(self) -> Front:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()
