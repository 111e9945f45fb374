"""A local HTTP server answering Argo CD's ``GET /api/v1/applications/NAME`` with Argo CD's
JSON shape (the fields the promotion gate reads), for tests and the demo."""

from __future__ import annotations

import json
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import unquote, urlparse


def application(
    name: str, images: list[str], *, sync: str = "Synced", health: str = "Healthy", revision: str = ""
) -> dict[str, Any]:
    """An Application as the API returns it (trimmed to what matters here)."""
    return {
        "metadata": {"name": name, "namespace": "argocd"},
        "spec": {"project": "default", "destination": {"server": "https://kubernetes.default.svc"}},
        "status": {
            "sync": {"status": sync, "revision": revision},
            "health": {"status": health},
            "summary": {"images": images},
            "operationState": {"phase": "Succeeded"},
        },
    }


@dataclass
class FakeArgoCD:
    token: str = "argocd-test-token-0123456789"
    apps: dict[str, dict[str, Any]] = field(default_factory=dict)
    requests: list[str] = field(default_factory=list)
    fail_next: list[int] = field(default_factory=list)  # statuses to answer before the real one

    def __post_init__(self) -> None:
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: Any) -> None:
                pass

            def do_GET(self) -> None:
                status, payload = fake.handle(self.path, self.headers.get("Authorization", ""))
                data = json.dumps(payload).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self._thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def handle(self, raw_path: str, auth: str) -> tuple[int, dict[str, Any]]:
        path = urlparse(raw_path).path
        self.requests.append(path)
        if self.fail_next:
            return self.fail_next.pop(0), {"error": "injected", "code": 14}
        if auth != f"Bearer {self.token}":
            return 401, {"error": "invalid session: token signature is invalid", "code": 16}
        prefix = "/api/v1/applications/"
        name = unquote(path.removeprefix(prefix)) if path.startswith(prefix) else None
        if name is None or name not in self.apps:
            return 404, {"error": f'applications.argoproj.io "{name}" not found', "code": 5}
        return 200, self.apps[name]

    def start(self) -> FakeArgoCD:
        self._thread.start()
        return self

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()

    def __enter__(self) -> FakeArgoCD:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
