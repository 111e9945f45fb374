"""Every outside service is asked through the one client: no module opens its own HTTP client.

`gitops_bot/net/` holds the client (:mod:`gitops_bot.net.service`) and the transport under it;
`gitops_bot/registry/` is the OCI distribution protocol's client over that same transport
(:func:`gitops_bot.net.transport.exchange`: its token flow and per-registry pool are the
protocol's). Anything else that made its own call would bring back the per-feature edge: its
own deadline, size bound, redirect rule and error mapping. No exception: every forge's
adapter, GitHub's included, speaks its API through the client."""

from __future__ import annotations

import ast
from pathlib import Path

from testkit import package_source
from testkit.package_source import Source

PACKAGE = Path(__file__).parents[3] / "gitops_bot"
LIBRARIES = {"httpx", "requests", "urllib3"}
CLIENTS = {
    "Client",
    "AsyncClient",
    "Session",
    "PoolManager",
    "get",
    "post",
    "put",
    "patch",
    "delete",
    "request",
    "stream",
}
MODULES = {"urllib.request", "http.client", "aiohttp"}
EDGE = ("net", "registry")


def _own_calls(source: str | Source, name: str) -> list[str]:
    """Each place ``source`` opens an HTTP client or calls one of a library's request
    functions (naming a library's exception or type is not a call)."""
    found = []
    nodes = source.nodes if isinstance(source, Source) else tuple(ast.walk(ast.parse(source, name)))
    for node in nodes:
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
            target = node.func.value
            if isinstance(target, ast.Name) and target.id in LIBRARIES and node.func.attr in CLIENTS:
                found.append(f"{name}:{node.lineno}: {target.id}.{node.func.attr}(...)")
        elif isinstance(node, ast.Import | ast.ImportFrom):
            names = [a.name for a in node.names] if isinstance(node, ast.Import) else [node.module or ""]
            found += [f"{name}:{node.lineno}: import {n}" for n in names if n in MODULES]
    return found


def test_no_module_outside_the_edge_opens_its_own_http_client() -> None:
    offenders = [
        line
        for src in package_source.sources()
        if src.path.relative_to(PACKAGE).parts[0] not in EDGE
        for line in _own_calls(src, str(src.relative))
    ]
    assert offenders == []


def test_the_check_finds_a_client_opened_by_hand() -> None:
    rogue = "import httpx, requests\nimport urllib.request\nhttpx.Client().get('x')\nrequests.get('x')\n"
    assert len(_own_calls(rogue, "rogue.py")) == 3
    named = "import requests\ntry:\n    pass\nexcept requests.RequestException:\n    pass\n"
    assert _own_calls(named, "ok.py") == []
