"""The ports: each adapter satisfies its Protocol, and a use case runs against a fake.

The assignments to port-typed names are what mypy --strict checks; the ``isinstance`` checks
are the same promise at run time, on real instances (``runtime_checkable`` checks names only).
"""

from __future__ import annotations

import subprocess
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from gitops_bot.engine import ports
from gitops_bot.gate import argocd
from gitops_bot.gate.port import Gate, Live, Verdict
from gitops_bot.gate.reading import Reading
from gitops_bot.git.git import GitWorkspace
from gitops_bot.registry.client import RegistryClient
from gitops_bot.registry.pool import RegistryPool

DIGEST = "sha256:" + "a" * 64


def test_the_registry_pool_and_its_clients_are_the_registry_ports() -> None:
    pool: ports.Registries = RegistryPool()
    try:
        client: ports.Registry = pool.client("registry.example.com")
        assert isinstance(pool, ports.Registries)
        assert isinstance(client, ports.Registry)
        assert isinstance(client, RegistryClient)
    finally:
        pool.close()


def test_argocd_is_the_gate_port() -> None:
    gate: Gate = argocd.ArgoCD(argocd.ArgoCDConfig(server="http://127.0.0.1:9"), {"ARGOCD_AUTH_TOKEN": "t"})
    try:
        assert isinstance(gate, Gate)
    finally:
        gate.close()


def test_the_git_workspace_is_the_workspace_port(tmp_path: Path) -> None:
    remote = tmp_path / "remote.git"
    subprocess.run(["git", "init", "-q", "--bare", "-b", "main", str(remote)], check=True)
    with GitWorkspace.open(f"file://{remote}", cache_dir=tmp_path / "cache") as opened:
        ws: ports.Workspace = opened
        assert isinstance(ws, ports.Workspace)


class FakeGate:
    """An in-memory Argo CD: one application's live state, and whether it was closed."""

    def __init__(self, app: dict[str, Any]) -> None:
        self.app = app
        self.asked: list[str] = []
        self.closed = False

    def application(self, name: str) -> dict[str, Any]:
        self.asked.append(name)
        return self.app

    def verdict(self, name: str, wanted: Sequence[argocd.Wanted]) -> Verdict:
        return argocd.judge(self.application(name), name, wanted)

    def live(self, name: str) -> Live:
        return argocd.read_live(self.application(name))

    def close(self) -> None:
        self.closed = True


def _read(gate: Gate, application: str, wanted: list[argocd.Wanted]) -> Reading:
    """The gate's reading as the decision's gathering takes it (one verdict), the gate closed."""
    try:
        return argocd.reading(application, gate.verdict(application, wanted), datetime.now(UTC))
    finally:
        gate.close()


def _live(sync: str, images: list[str]) -> dict[str, Any]:
    """An Application as Argo CD answers it after a finished sync of revision ``abc123``."""
    return {
        "status": {
            "sync": {"status": sync, "revision": "abc123"},
            "health": {"status": "Healthy"},
            "operationState": {"phase": "Succeeded", "syncResult": {"revision": "abc123"}},
            "summary": {"images": images},
        }
    }


WANTED = [argocd.Wanted("api", "ghcr.io/acme/api", "1.2.0", DIGEST)]


def test_a_fake_gate_meets_the_gate_port() -> None:
    gate: Gate = FakeGate(_live("Synced", []))
    assert isinstance(gate, Gate)
    assert gate.live("staging-api").operation == "Succeeded"


def test_the_promotion_gate_opens_on_a_fake_gate_running_the_digest() -> None:
    gate = FakeGate(_live("Synced", [f"ghcr.io/acme/api@{DIGEST}"]))
    assert _read(gate, "staging-api", WANTED).passes
    assert gate.asked == ["staging-api"]
    assert gate.closed


def test_the_promotion_gate_refuses_on_a_fake_gate_out_of_sync() -> None:
    gate = FakeGate(_live("OutOfSync", ["ghcr.io/acme/api:1.1.0"]))
    refused = _read(gate, "staging-api", WANTED)
    assert not refused.passes
    assert "staging-api is OutOfSync, not Synced" in refused.text()
    assert "does not run api" in refused.text()
    assert gate.closed
