"""A local HTTP server answering Argo CD's ``GET /api/v1/applications/NAME`` with Argo CD's
JSON shape (the fields the promotion gate reads), for tests and the demo."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any
from urllib.parse import unquote, urlparse

from testkit.jsonapi import JSONServer


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
class FakeArgoCD(JSONServer):
    token: str = "argocd-test-token-0123456789"
    apps: dict[str, dict[str, Any]] = field(default_factory=dict)
    requests: list[str] = field(default_factory=list)
    fail_next: list[int] = field(default_factory=list)  # statuses to answer before the real one

    def __post_init__(self) -> None:
        self._serve(self.handle)

    def handle(
        self, method: str, raw_path: str, body: Any, headers: dict[str, str]
    ) -> tuple[int, dict[str, Any], dict[str, str]]:
        path = urlparse(raw_path).path
        self.requests.append(path)
        if method != "GET":  # the gate only reads
            return 405, {"error": f"{method} is not served here", "code": 12}, {}
        if self.fail_next:
            return self.fail_next.pop(0), {"error": "injected", "code": 14}, {}
        if headers.get("Authorization", "") != f"Bearer {self.token}":
            return 401, {"error": "invalid session: token signature is invalid", "code": 16}, {}
        prefix = "/api/v1/applications/"
        name = unquote(path.removeprefix(prefix)) if path.startswith(prefix) else None
        if name is None or name not in self.apps:
            return 404, {"error": f'applications.argoproj.io "{name}" not found', "code": 5}, {}
        return 200, self.apps[name], {}
