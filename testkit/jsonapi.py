"""A loopback HTTP server answering JSON, for the local stand-ins of GitHub's and Argo CD's APIs."""

from __future__ import annotations

import json
import threading
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler
from typing import Any, Self

from testkit.loopback import LoopbackHTTPServer

# (method, path with query, JSON body or None, headers) -> (status, JSON payload, extra headers)
Handle = Callable[[str, str, Any, dict[str, str]], tuple[int, Any, dict[str, str]]]


class JSONServer:
    """Subclasses call :meth:`_serve` with their handler; then ``with server:`` runs it."""

    server: LoopbackHTTPServer
    url: str

    def _serve(self, handle: Handle) -> None:
        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: Any) -> None:
                pass

            def _do(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                raw = self.rfile.read(length) if length else b""
                body = json.loads(raw) if raw else None
                status, payload, headers = handle(self.command, self.path, body, dict(self.headers))
                # None: no body at all, as Go servers' ctx.Status(...) and 204s answer
                data = b"" if payload is None else json.dumps(payload).encode()
                self.send_response(status)
                if payload is not None:
                    self.send_header("Content-Type", "application/json; charset=utf-8")
                self.send_header("Content-Length", str(len(data)))
                for k, v in headers.items():
                    self.send_header(k, v)
                self.end_headers()
                self.wfile.write(data)

            do_GET = do_POST = do_PATCH = do_DELETE = do_PUT = _do

        self.server = LoopbackHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self._thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def keep_alive(self) -> Self:
        """Answer as HTTP/1.1 servers do (GitHub's API among them): a connection stays open for
        the client's next request, until the client closes it. Stopping does not wait for the
        connections a client still keeps."""
        self.server.RequestHandlerClass.protocol_version = "HTTP/1.1"  # type: ignore[attr-defined]
        self.server.block_on_close = False
        return self

    def start(self) -> Self:
        self._thread.start()
        return self

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()
        # a fake that checks its exchanges against the service's API description fails the
        # test that broke it when the test lets it go (testkit.contract)
        contract = getattr(self, "contract", None)
        if contract is not None:
            contract.assert_clean()

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
