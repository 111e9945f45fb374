"""The run's gates (engine/gates.RunGates): one way into every gate. A gate that cannot be
asked is said once, the same way, to every question of the run: the decision reads it as an
unknown reading, status as an unknown cell with the failure's exit code, and the automatic
rules, which cannot decide blind, as the failure itself. Its client is tried once a run."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, cast, get_args

import pytest

from gitops_bot.config import parse
from gitops_bot.core.errors import UsageError
from gitops_bot.engine import gates as gates_module
from gitops_bot.engine.app import App
from gitops_bot.engine.gates import GateClients, GateModule, RunGates
from gitops_bot.engine.results import Unknown
from gitops_bot.gate import argocd
from gitops_bot.gate.metrics import METRICS
from gitops_bot.gate.reading import GateOutcome

CONFIG = """\
version: 1
images:
  - name: a
    repository: registry.example.com/acme/a
argocd:
  server: https://argocd.example.com
metrics:
  url: https://prometheus.example.com
  token_env: PROMETHEUS_TOKEN
environments:
  - name: staging
    path: overlays/staging
    argocd_application: app-staging
    gates:
      metrics:
        - name: errors
          query: rate(errors[5m])
          condition: "< 0.01"
"""
NOW = datetime(2026, 11, 26, 15, 0, tzinfo=UTC)


@dataclass
class FakeApp:
    config: Any

    def clock(self) -> datetime:
        return NOW

    def targets(self, env: Any) -> list[Any]:
        return []


def test_a_gate_that_cannot_be_asked_is_said_the_same_way_to_every_question(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    app = FakeApp(parse(CONFIG, "gitops-bot.yaml"))
    tried: list[object] = []
    real = argocd.ArgoCD.__init__

    def counted(self: argocd.ArgoCD, *args: Any, **kwargs: Any) -> None:
        tried.append(self)
        real(self, *args, **kwargs)

    monkeypatch.setattr(argocd.ArgoCD, "__init__", counted)
    gates = RunGates(cast(App, app), {})  # no Argo CD token, no metrics token
    staging = app.config.environment("staging")

    reading = gates.argocd(staging)
    assert reading.kind is argocd.ARGOCD and reading.outcome is GateOutcome.UNKNOWN
    assert "needs an Argo CD token in $ARGOCD_AUTH_TOKEN" in reading.error
    status = gates.status(staging)
    assert isinstance(status, Unknown) and status.reason == reading.error and status.exit_code == 2
    failure = gates.argocd_failure()
    assert failure is not None and failure.reason == reading.error
    with pytest.raises(UsageError, match="needs an Argo CD token"):
        gates.live(staging.applications)
    with pytest.raises(UsageError, match="needs an Argo CD token"):
        gates.require_argocd()
    assert len(tried) == 1  # the client is tried once a run, whatever is asked of it

    (errors,) = gates.promotion(staging)
    assert errors.kind is METRICS and errors.outcome is GateOutcome.UNKNOWN
    assert errors.error == "the metrics gate needs $PROMETHEUS_TOKEN (metrics: in gitops-bot.yaml names it)"
    assert gates.metrics(staging) == (errors,)  # read once a run
    gates.close()


# every gate module the run loads by name (engine/gates.py's ARGOCD_MODULE, METRICS_MODULE, ...)
ADAPTERS = {v.module.rpartition(".")[2]: v for v in vars(gates_module).values() if isinstance(v, GateModule)}


def test_the_run_loads_every_gate_by_name() -> None:
    assert sorted(ADAPTERS) == ["argocd", "checks", "metrics", "web"]


@pytest.mark.parametrize("kind", sorted(ADAPTERS))
def test_each_gate_module_named_in_the_table_offers_its_port(kind: str) -> None:
    """The run imports each gate module by name and holds it to its port unchecked (one cast):
    the module must have what its port says (mypy checks the signatures in engine/gates.py)."""
    adapter = ADAPTERS[kind]
    (port,) = get_args(adapter.__orig_class__)  # type: ignore[attr-defined]
    module = adapter.load()
    assert isinstance(module, port), f"{adapter.module} lacks a member of {port.__name__}"
    assert module.__name__ == f"gitops_bot.gate.{kind}"


def test_a_module_short_of_its_port_is_refused() -> None:
    """The check above can fail: a module without the port's members is not an instance of it."""
    import types

    (port,) = get_args(ADAPTERS["argocd"].__orig_class__)  # type: ignore[attr-defined]
    assert not isinstance(types.ModuleType("gitops_bot.gate.argocd"), port)


def test_the_sessions_of_one_run_share_its_gate_clients_and_readings(monkeypatch: pytest.MonkeyPatch) -> None:
    """A run's second session (the dashboard's after update's) judges with the run's clients:
    one tried, its failure and its readings the same; a session's gates close only their own."""
    app = FakeApp(parse(CONFIG, "gitops-bot.yaml"))
    tried: list[object] = []
    real = argocd.ArgoCD.__init__

    def counted(self: argocd.ArgoCD, *args: Any, **kwargs: Any) -> None:
        tried.append(self)
        real(self, *args, **kwargs)

    monkeypatch.setattr(argocd.ArgoCD, "__init__", counted)
    run = GateClients()
    staging = app.config.environment("staging")
    first = RunGates(cast(App, app), {}, clients=run)
    reading, (errors,) = first.argocd(staging), first.metrics(staging)
    first.close()  # the session ends: the run's clients stay open for the next one
    second = RunGates(cast(App, app), {}, clients=run)
    assert second.argocd(staging) == reading and second.metrics(staging) == (errors,)
    assert second.argocd_failure() is not None and len(tried) == 1
    run.close()
    assert run.readings == {}


def test_the_run_closes_the_clients_it_built() -> None:
    closed: list[str] = []

    class Client:
        def __init__(self, name: str) -> None:
            self.name = name

        def close(self) -> None:
            closed.append(self.name)

    run = GateClients()
    cfg = parse(CONFIG, "gitops-bot.yaml")
    run._argocd[cfg.argocd] = cast(Any, Client("argocd"))
    run._prometheus[cfg.metrics] = cast(Any, Client("prometheus"))
    gates = RunGates(cast(App, FakeApp(cfg)), {}, clients=run)
    gates.close()
    assert closed == []  # the run's, not the session's
    run.close()
    assert closed == ["argocd", "prometheus"]
