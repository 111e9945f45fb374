"""A classic Helm chart repository on loopback: ``GET /<path>/index.yaml`` as a static web
server (GitHub Pages, S3, nginx) answers it, with ``ETag`` and ``Last-Modified`` and their
conditional requests (304), gzip when asked, optional basic auth, and redirects to another
path or another server. Every request is recorded with its headers, so a test can say what
was sent where (a credential, a validator) and how often.
"""

from __future__ import annotations

import base64
import gzip
import hashlib
import http.server
import threading
from dataclasses import dataclass, field
from typing import Self

from testkit.loopback import LoopbackHTTPServer

LAST_MODIFIED = "Mon, 23 Nov 2026 10:00:00 GMT"


@dataclass
class Seen:
    path: str
    headers: dict[str, str]


@dataclass
class ChartRepo:
    """Serves :attr:`index` (bytes) at ``<prefix>/index.yaml``. :attr:`redirect` maps a path to
    a Location; :attr:`user`/:attr:`password` require basic auth; :attr:`status` overrides the
    answer (e.g. 503) while set."""

    index: bytes = b""
    prefix: str = "/charts"
    user: str | None = None
    password: str | None = None
    redirect: dict[str, str] = field(default_factory=dict)
    status: int | None = None
    files: dict[str, bytes] = field(default_factory=dict)  # other paths (chart packages) served as they are
    seen: list[Seen] = field(default_factory=list)
    _server: http.server.ThreadingHTTPServer | None = None

    @property
    def url(self) -> str:
        assert self._server is not None
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}{self.prefix}"

    @property
    def origin(self) -> str:
        return self.url.removesuffix(self.prefix)

    def __enter__(self) -> Self:
        repo = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def log_message(self, format: str, *args: object) -> None:
                pass

            def do_GET(self) -> None:
                repo.seen.append(Seen(self.path, {k.lower(): v for k, v in self.headers.items()}))
                repo.answer(self)

        self._server = LoopbackHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        threading.Thread(target=self._server.serve_forever, daemon=True).start()
        return self

    def __exit__(self, *exc: object) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()

    def answer(self, h: http.server.BaseHTTPRequestHandler) -> None:
        if h.path in self.redirect:
            self._send(h, 302, b"", {"Location": self.redirect[h.path]})
            return
        if self.status is not None:
            self._send(h, self.status, b"", {})
            return
        if self.user is not None:
            want = "Basic " + base64.b64encode(f"{self.user}:{self.password}".encode()).decode()
            if h.headers.get("Authorization") != want:
                self._send(h, 401, b"", {"WWW-Authenticate": 'Basic realm="charts"'})
                return
        if h.path in self.files:
            self._send(h, 200, self.files[h.path], {"Content-Type": "application/gzip"})
            return
        if h.path != f"{self.prefix}/index.yaml":
            self._send(h, 404, b"not found", {})
            return
        etag = '"' + hashlib.sha256(self.index).hexdigest()[:16] + '"'
        if h.headers.get("If-None-Match") == etag:
            self._send(h, 304, b"", {"ETag": etag})
            return
        body, headers = self.index, {"ETag": etag, "Last-Modified": LAST_MODIFIED}
        if "gzip" in (h.headers.get("Accept-Encoding") or ""):
            body, headers["Content-Encoding"] = gzip.compress(body), "gzip"
        self._send(h, 200, body, headers)

    @staticmethod
    def _send(
        h: http.server.BaseHTTPRequestHandler, status: int, body: bytes, headers: dict[str, str]
    ) -> None:
        h.send_response(status)
        for k, v in headers.items():
            h.send_header(k, v)
        if status != 304:
            h.send_header("Content-Length", str(len(body)))
        h.end_headers()
        if status != 304:
            h.wfile.write(body)
