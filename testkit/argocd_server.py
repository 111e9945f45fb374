"""A local HTTP server answering Argo CD's ``GET /api/v1/applications/{name}`` (with the
``appNamespace`` query of "apps in any namespace") in the shape of Argo CD's API description
(``v1alpha1Application`` in ``assets/swagger.json``, vendored under ``testkit/specs/``), for
tests and the demo. Every answer is checked against that description (:mod:`testkit.contract`).

``status.operationState`` follows Argo CD's phases (``Running``, ``Terminating``, ``Failed``,
``Error``, ``Succeeded``): a PostSync hook that failed leaves ``sync.status: Synced`` and
``health.status: Healthy`` with ``operationState.phase: Failed``, which :func:`application`
can build."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qs, unquote, urlparse

from testkit.contract import Contract
from testkit.jsonapi import JSONServer

CONTROL_PLANE = "argocd"  # the namespace Argo CD runs in; Applications live there by default
REVISION = "a3f1c2d4e5b6a7980112233445566778899aabbc"


def application(
    name: str,
    images: list[str],
    *,
    sync: str = "Synced",
    health: str = "Healthy",
    revision: str = REVISION,
    phase: str = "Succeeded",
    applied: str | None = None,
    message: str | None = None,
    namespace: str = CONTROL_PLANE,
    health_since: str | None = None,
    health_message: str | None = None,
    finished: str = "2026-11-20T10:00:09Z",
    reconciled: str | None = None,
    deployed: tuple[str, ...] = (),
    labels: dict[str, str] | None = None,
) -> dict[str, Any]:
    """An Application as the API returns it (trimmed to what matters here). ``applied`` is the
    revision the last operation synced (default: ``revision``); ``phase`` its outcome.

    The instants Argo CD keeps (RFC 3339, as ``v1Time``): ``health_since`` is
    ``status.health.lastTransitionTime``, ``finished`` the operation's ``finishedAt``,
    ``reconciled`` ``status.reconciledAt``, and ``deployed`` the ``deployedAt`` of each
    ``status.history`` entry, oldest first (the last one deployed ``applied``)."""
    applied = revision if applied is None else applied
    app: dict[str, Any] = {
        "metadata": {"name": name, "namespace": namespace, **({"labels": labels} if labels else {})},
        "spec": {
            "project": "default",
            "source": {"repoURL": "https://github.com/acme/gitops", "path": "overlays/staging"},
            "destination": {"server": "https://kubernetes.default.svc", "namespace": "staging"},
        },
        "status": {
            "sync": {"status": sync, "revision": revision},
            "health": {
                "status": health,
                **({"lastTransitionTime": health_since} if health_since else {}),
                **({"message": health_message} if health_message else {}),
            },
            "summary": {"images": images},
            "operationState": {
                "operation": {"sync": {"revision": applied}},
                "phase": phase,
                "message": message
                if message is not None
                else ("successfully synced (all tasks run)" if phase == "Succeeded" else ""),
                "startedAt": "2026-11-20T10:00:00Z",
                "syncResult": {"revision": applied, "resources": []},
            },
        },
    }
    if phase not in ("Running", "Terminating"):  # Go's omitempty: no finishedAt while running
        app["status"]["operationState"]["finishedAt"] = finished
    if reconciled:
        app["status"]["reconciledAt"] = reconciled
    if deployed:
        app["status"]["history"] = [
            {
                "id": n,
                "revision": applied if n == len(deployed) - 1 else f"{n:040x}",
                "deployStartedAt": at,
                "deployedAt": at,
                "source": app["spec"]["source"],
                "initiatedBy": {"automated": True},
            }
            for n, at in enumerate(deployed)
        ]
    return app


@dataclass
class FakeArgoCD(JSONServer):
    token: str = "argocd-test-token-0123456789"
    apps: dict[str, dict[str, Any]] = field(default_factory=dict)  # "name" or "namespace/name"
    requests: list[str] = field(default_factory=list)
    fail_next: list[int] = field(default_factory=list)  # statuses to answer before the real one
    contract: Contract | None = field(default_factory=lambda: Contract.load("argocd"))

    def __post_init__(self) -> None:
        self._serve(self.handle)

    def handle(
        self, method: str, raw_path: str, body: Any, headers: dict[str, str]
    ) -> tuple[int, Any, dict[str, str]]:
        url = urlparse(raw_path)
        self.requests.append(url.path + (f"?{url.query}" if url.query else ""))
        answer = self._answer(method, url.path, parse_qs(url.query), headers)
        if self.contract is not None:
            self.contract.check(method, raw_path, body, answer[0], answer[1])
        return answer

    def _answer(
        self, method: str, path: str, query: dict[str, list[str]], headers: dict[str, str]
    ) -> tuple[int, Any, dict[str, str]]:
        if method != "GET":  # the gate only reads
            return 405, {"error": f"{method} is not served here", "code": 12}, {}
        if self.fail_next:
            return self.fail_next.pop(0), {"error": "injected", "code": 14}, {}
        if headers.get("Authorization", "") != f"Bearer {self.token}":
            return 401, {"error": "invalid session: token signature is invalid", "code": 16}, {}
        if path == "/api/v1/applications":
            return self._list(query)
        prefix = "/api/v1/applications/"
        name = unquote(path.removeprefix(prefix)) if path.startswith(prefix) else None
        namespace = query.get("appNamespace", [CONTROL_PLANE])[0]
        app = self.apps.get(f"{namespace}/{name}") or self.apps.get(str(name))
        if app is None or app["metadata"].get("namespace", CONTROL_PLANE) != namespace:
            # Argo CD answers NotFound (gRPC code 5) for an Application it has not in that namespace
            return 404, {"error": f'applications.argoproj.io "{name}" not found', "code": 5}, {}
        return 200, app, {}

    def _list(self, query: dict[str, list[str]]) -> tuple[int, Any, dict[str, str]]:
        """``ApplicationService_List``: the Applications whose labels match ``selector`` (in
        ``appNamespace``, else in every namespace served), as an ``ApplicationList``; Go's
        omitempty drops ``items`` when none match."""
        # without appNamespace Argo CD lists every namespace it serves (application.namespaces)
        namespace = query.get("appNamespace", [None])[0]
        selector = query.get("selector", [""])[0]
        try:
            requirements = _requirements(selector)
        except ValueError as exc:  # Argo CD answers InvalidArgument (gRPC code 3)
            return 400, {"error": f"unable to parse selector: {exc}", "code": 3}, {}
        items = [
            app
            for app in self.apps.values()
            if namespace in (None, app["metadata"].get("namespace", CONTROL_PLANE))
            and all(r(app["metadata"].get("labels") or {}) for r in requirements)
        ]
        return 200, {"metadata": {"resourceVersion": "1"}, **({"items": items} if items else {})}, {}


def _requirements(selector: str) -> list[Any]:
    """Kubernetes label-selector requirements (=, ==, !=, in, notin, exists, !exists), each a
    test of a labels mapping; commas inside ``( )`` belong to a set."""
    out: list[Any] = []
    depth, start, parts = 0, 0, []
    for i, ch in enumerate(selector):
        depth += ch == "("
        depth -= ch == ")"
        if ch == "," and depth == 0:
            parts.append(selector[start:i])
            start = i + 1
    parts.append(selector[start:])
    for part in (p.strip() for p in parts):
        if not part:
            if selector.strip():
                raise ValueError("empty requirement")
            continue
        if m := re.fullmatch(r"(\S+?)\s+(in|notin)\s*\((.*)\)", part):
            key, op, values = m.group(1), m.group(2), {v.strip() for v in m.group(3).split(",")}
            out.append(
                (lambda k, vs: lambda ls: ls.get(k) in vs)(key, values)
                if op == "in"
                else (lambda k, vs: lambda ls: ls.get(k) not in vs)(key, values)
            )
        elif m := re.fullmatch(r"(\S+?)\s*(==|=|!=)\s*(\S*)", part):
            key, op, value = m.groups()
            out.append(_equal(key, value, op != "!="))
        elif part.startswith("!"):
            out.append((lambda k: lambda ls: k not in ls)(part[1:].strip()))
        elif re.fullmatch(r"[\w./-]+", part):
            out.append((lambda k: lambda ls: k in ls)(part))
        else:
            raise ValueError(f"cannot read {part!r}")
    return out


def _equal(key: str, value: str, want: bool) -> Any:
    return lambda labels: (labels.get(key) == value) is want
