"""A loopback front for the distribution registry that adds the OCI 1.1 referrers API
(``GET /v2/<repo>/referrers/<digest>``), as distribution 3 and most cloud registries offer it.

Debian's registry (distribution 2.8) has no such endpoint; this front answers it from the
referrers tag schema index (``sha256-<hex>``) stored in the real registry, and forwards every
other request unchanged, so a client sees one registry that speaks the API.
"""

from __future__ import annotations

import re
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Self

import httpx

OCI_INDEX = "application/vnd.oci.image.index.v1+json"
_REFERRERS = re.compile(r"^/v2/(?P<repo>.+)/referrers/(?P<digest>sha256:[0-9a-f]{64})$")
_EMPTY_INDEX = b'{"schemaVersion":2,"mediaType":"application/vnd.oci.image.index.v1+json","manifests":[]}'
_KEEP = ("content-type", "docker-content-digest", "location", "www-authenticate", "link", "range")


class ReferrersProxy:
    def __init__(self, upstream: str) -> None:
        self.calls: list[str] = []  # referrers requests answered
        client = httpx.Client(base_url=upstream, timeout=30)
        proxy = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: Any) -> None:
                pass

            def _do(self) -> None:
                m = _REFERRERS.match(self.path.split("?")[0])
                if m and self.command == "GET":
                    proxy.calls.append(self.path)
                    tag = m["digest"].replace(":", "-")
                    r = client.get(f"/v2/{m['repo']}/manifests/{tag}", headers={"Accept": OCI_INDEX})
                    self._send(
                        200, r.content if r.status_code == 200 else _EMPTY_INDEX, {"content-type": OCI_INDEX}
                    )
                    return
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else None
                headers = {
                    k: v for k, v in self.headers.items() if k.lower() not in ("host", "content-length")
                }
                r = client.request(self.command, self.path, content=body, headers=headers)
                self._send(
                    r.status_code, r.content, {k: v for k, v in r.headers.items() if k.lower() in _KEEP}
                )

            def _send(self, status: int, data: bytes, headers: dict[str, str]) -> None:
                self.send_response(status)
                for k, v in headers.items():
                    self.send_header(k, v)
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                if self.command != "HEAD":
                    self.wfile.write(data)

            do_GET = do_HEAD = do_POST = do_PUT = do_PATCH = do_DELETE = _do

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.host = f"127.0.0.1:{self.server.server_address[1]}"
        self._client = client
        self._thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self) -> Self:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()
        self._client.close()
