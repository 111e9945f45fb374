"""Every outside JSON service the bot reads, against a server that misbehaves as real ones do
(a redirect loop, a body labelled gzip that is not, JSON with NaN, numbers no float64 holds):
each fault is one line the service names (an unknown reading, a ServiceUnavailable), never a
traceback. The same faults once ended `promote` and `status` with an uncaught
TooManyRedirects, DecodingError or OverflowError."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, datetime

import pytest

from gitops_bot.core.errors import ForgeUnavailable, GitOpsBotError
from gitops_bot.forges import compare_kit
from gitops_bot.forges.forge import exchange_json
from gitops_bot.gate.argocd import ArgoCD
from gitops_bot.gate.metrics import Prometheus
from gitops_bot.gate.reading import Outcome
from gitops_bot.gate.settings import ArgoCDConfig, MetricsConfig, MetricsGate
from gitops_bot.net import transport
from testkit.hostile_registry import Answer, HostileRegistry

NOW = datetime.now(UTC)
GATE = MetricsGate("error-rate", "rate(errors[5m])", "< 0.01", "30s")


def loop(path: str) -> Answer:
    return Answer(302, b"", {"Location": path})


FAULTS: dict[str, tuple[Callable[[str], Answer], str]] = {
    "a redirect loop": (loop, "redirected more than 5 times"),
    "a body labelled gzip that is not": (
        lambda _: Answer(200, b'{"status": "success"}', {"Content-Encoding": "gzip"}),
        "its Content-Encoding (gzip) does not decode",
    ),
    "NaN in JSON": (
        lambda _: Answer(200, b'{"status": "success", "data": NaN}'),
        "NaN, which JSON does not have",
    ),
    "a redirect to another origin": (
        lambda _: Answer(307, b"", {"Location": "http://127.0.0.2:9/elsewhere"}),
        "redirected to another origin (http://127.0.0.2:9)",
    ),
}


def argocd_says(url: str) -> str:
    client = ArgoCD(ArgoCDConfig(server=url), {"ARGOCD_AUTH_TOKEN": "argocd-token-1f2e"})
    try:
        client.application("app")
    except GitOpsBotError as exc:
        return str(exc)
    finally:
        client.close()
    raise AssertionError("the gate read a hostile answer as an application")


def metrics_says(url: str) -> str:
    client = Prometheus(MetricsConfig(url=url), {})
    try:
        reading = client.reading(GATE, NOW)
    finally:
        client.close()
    assert reading.outcome is Outcome.UNKNOWN, reading
    return reading.error


SERVICES: dict[str, tuple[str, Callable[[str], str]]] = {
    "Argo CD": ("/api/v1/applications/app", argocd_says),
    "metrics": ("/api/v1/query", metrics_says),
}


@pytest.mark.parametrize("fault", FAULTS)
@pytest.mark.parametrize("service", SERVICES)
def test_a_hostile_answer_is_one_line_never_a_traceback(service: str, fault: str) -> None:
    path, ask = SERVICES[service]
    answer, why = FAULTS[fault]
    with HostileRegistry({path: answer(path)}) as server:
        said = ask(server.url)
    assert why in said and "\n" not in said, said


def sample(value: object, at: object = 1_764_000_000) -> bytes:
    vector = {"resultType": "vector", "result": [{"metric": {"pod": "a"}, "value": [at, value]}]}
    return json.dumps({"status": "success", "data": vector}).encode()


@pytest.mark.parametrize(
    ("body", "why"),
    [
        (sample(10**400), "a sample's value a number of 401 digits is beyond a float64"),
        (sample("1" + "0" * 320), "a sample's value '1000"),
        (sample("0", at=10**30), "a sample's time"),
    ],
)
def test_a_metrics_sample_no_float64_holds_is_unknown_not_an_overflow(body: bytes, why: str) -> None:
    with HostileRegistry({"/api/v1/query": Answer(200, body)}) as server:
        said = metrics_says(server.url)
    assert why in said and "unexpected shape" in said, said


@pytest.mark.parametrize(
    "answer",
    [
        Answer(200, b'{"id": 1}', {"Content-Type": "application/json", "Content-Encoding": "gzip"}),
        Answer(302, b"", {"Location": "/api/v1/repos/acme/gitops"}),
    ],
    ids=["gzip that is not", "redirect loop"],
)
def test_a_forge_answer_that_cannot_be_read_is_one_line_never_a_traceback(answer: Answer) -> None:
    """The forges written on httpx (Gitea, Forgejo, Azure DevOps, Bitbucket) and the source
    comparisons read their answers through one exchange: a body its Content-Encoding does not
    decode, or a redirect loop, is the forge unavailable, said in one line."""
    path = "/api/v1/repos/acme/gitops"
    with HostileRegistry({path: answer}) as server:
        client = transport.client(base_url=server.url, follow_redirects=True)
        try:
            with pytest.raises(ForgeUnavailable) as info:
                exchange_json(client, "Gitea", "GET", path, deadline=5, message=lambda b, r: r)
            with pytest.raises(compare_kit.CompareUnavailable) as compared:
                compare_kit.get(client, server.url + path, {}, None)
        finally:
            client.close()
    assert "cannot be read" in str(info.value) and "\n" not in str(info.value)
    assert "cannot be read" in str(compared.value)
