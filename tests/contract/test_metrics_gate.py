"""The metrics gate's client against a real Prometheus (Debian's 2.42, scraping a loopback
exporter every second): vector and scalar answers, an empty answer, a refused query, a window
read with ``query_range``, and credentials sent to the configured origin only."""

from __future__ import annotations

import shutil
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from gitops_bot.core.errors import UsageError
from gitops_bot.core.log import redact
from gitops_bot.gate.conditions import MetricsGate
from gitops_bot.gate.metrics import Prometheus
from gitops_bot.gate.reading import GateOutcome, Reading
from gitops_bot.gate.settings import MetricsConfig
from testkit.prometheus import Front, PrometheusProcess, Spike, client_certs


def service(prom: PrometheusProcess, value: float) -> str:
    """A service of the test's own, its error rate ``value``, scraped."""
    return services(prom, value)[0]


def services(prom: PrometheusProcess, *values: float) -> list[str]:
    """Services of the test's own, their error rates ``values``, scraped (in one scrape, not
    one a service)."""
    names = [f"svc-{uuid.uuid4().hex[:8]}" for _ in values]
    for name, value in zip(names, values, strict=True):
        prom.exporter.set(name, value)
    for name, value in zip(names, values, strict=True):
        prom.wait_for(rate(name), value)
    return names


@pytest.fixture(scope="module")
def scraped(prom: PrometheusProcess) -> dict[float, str]:
    """This module's services by error rate, set and scraped once (Prometheus scrapes every
    second: one wait for the module, not one a test); each test reads only its own series."""
    values = (0.0, 0.001, 0.2, 0.5)
    return dict(zip(values, services(prom, *values), strict=True))


def rate(name: str) -> str:
    return f'app_error_rate{{service="{name}"}}'


def gate(query: str, condition: str = "< 0.01", step: str = "1s") -> MetricsGate:
    return MetricsGate("error-rate", query, condition, step)


def read(
    prom: PrometheusProcess, g: MetricsGate, since: datetime | None = None, at: datetime | None = None
) -> Reading:
    client = Prometheus(MetricsConfig(url=prom.url), {})
    try:
        return client.reading(g, at or datetime.now(UTC), since)
    finally:
        client.close()


def test_a_vector_meeting_the_condition_passes_and_one_sample_over_it_fails(
    prom: PrometheusProcess, scraped: dict[float, str]
) -> None:
    ok, bad = scraped[0.001], scraped[0.2]
    passed = read(prom, gate(rate(ok)))
    assert passed.outcome is GateOutcome.PASS and passed.value == "0.001"
    failed = read(prom, gate(f'app_error_rate{{service=~"{ok}|{bad}"}}'))
    assert failed.outcome is GateOutcome.FAIL and failed.value == "0.2"
    assert f'service="{bad}"' in failed.series


def test_a_scalar_answer_is_judged_as_one_sample(prom: PrometheusProcess, scraped: dict[float, str]) -> None:
    name = scraped[0.5]
    r = read(prom, gate(f"scalar({rate(name)})", "> 0.4"))
    assert (r.outcome, r.value, r.series) == (GateOutcome.PASS, "0.5", "")


def test_an_expression_matching_nothing_is_no_data(prom: PrometheusProcess) -> None:
    r = read(prom, gate('app_error_rate{service="nobody"}'))
    assert r.outcome is GateOutcome.NO_DATA
    assert "has no data" in r.text()


def test_a_query_the_server_refuses_is_unknown_with_its_message(prom: PrometheusProcess) -> None:
    r = read(prom, gate("sum(rate(app_error_rate[5m]"))
    assert r.outcome is GateOutcome.UNKNOWN
    assert "refused the query: bad_data" in r.error and "parse error" in r.error
    assert "\n" not in r.error and len(r.error) <= 300


@pytest.mark.usefixtures("quick_gate_retries")
def test_an_unreachable_server_is_unknown_not_a_crash() -> None:
    client = Prometheus(MetricsConfig(url="http://127.0.0.1:9"), {})
    r = client.reading(gate("up"), datetime.now(UTC))
    assert r.outcome is GateOutcome.UNKNOWN and "unavailable" in r.error


def test_a_spike_inside_the_window_moves_since_past_it(prom: PrometheusProcess, prom_spike: Spike) -> None:
    # the history (0, 0.5 for 1.5 s from 2 s after start, 0 again from recovered, then 2 s of
    # 0) was written in real time while the tests before this one ran; read as it stood at
    # its end, as a read right after writing it would
    name, start, recovered, end = prom_spike.name, prom_spike.start, prom_spike.recovered, prom_spike.end
    r = read(prom, gate(rate(name)), since=start, at=end)
    assert r.outcome is GateOutcome.PASS
    since = r.since
    assert start + timedelta(seconds=2) < since <= recovered + timedelta(seconds=2), (start, since, recovered)
    clean = read(prom, gate(rate(name)), since=recovered + timedelta(seconds=1), at=end)
    assert clean.since == recovered + timedelta(seconds=1)


def test_the_bearer_token_goes_to_the_configured_origin_and_a_redirect_elsewhere_is_not_followed(
    prom: PrometheusProcess, scraped: dict[float, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    name = scraped[0.0]
    with Front(upstream=prom.url) as other, Front(redirect=other.url) as configured:
        token = "prom-token-" + uuid.uuid4().hex
        cfg = MetricsConfig(url=configured.url, token_env="PROM_TOKEN")
        client = Prometheus(cfg, {"PROM_TOKEN": token})
        try:
            r = client.reading(gate(rate(name)), datetime.now(UTC))
        finally:
            client.close()
    # a redirect off the configured origin is not followed at all: the gate is unknown,
    # saying where it was sent, and the other server never hears of the request
    assert r.outcome is GateOutcome.UNKNOWN and f"redirected to another origin ({other.url})" in r.error
    assert [h.get("authorization") for h in configured.seen] == [f"Bearer {token}"]
    assert other.seen == []
    assert token not in redact(f"error: {token}")


def test_basic_auth_is_sent_to_the_configured_origin(
    prom: PrometheusProcess, scraped: dict[float, str]
) -> None:
    name = scraped[0.0]
    with Front(upstream=prom.url) as front:
        cfg = MetricsConfig(url=front.url, username_env="PROM_USER", password_env="PROM_PASSWORD")
        client = Prometheus(cfg, {"PROM_USER": "bot", "PROM_PASSWORD": "s3cret-password"})
        try:
            assert client.reading(gate(rate(name)), datetime.now(UTC)).outcome is GateOutcome.PASS
        finally:
            client.close()
    assert front.seen[0]["authorization"] == "Basic Ym90OnMzY3JldC1wYXNzd29yZA=="


def test_a_missing_credential_variable_is_a_usage_error() -> None:
    with pytest.raises(UsageError, match=r"\$PROM_TOKEN"):
        Prometheus(MetricsConfig(url="http://127.0.0.1:9", token_env="PROM_TOKEN"), {})


# the refusal without a certificate is retried: the one line is meant, not the back-off
@pytest.mark.usefixtures("quick_gate_retries")
def test_mutual_tls_against_a_real_prometheus_requiring_client_certificates(
    prom_mutual_tls: PrometheusProcess, tmp_path: Path
) -> None:
    """Prometheus's own web config requires a client certificate from the private CA: the bot
    presents the configured one (paths relative to gitops-bot.yaml) and verifies the server
    against ca_file; without a certificate the same server refuses it, in one line."""
    prom = prom_mutual_tls
    shutil.copytree(client_certs(prom), tmp_path / "repo" / "certs")
    assert prom.url.startswith("https://")
    name = service(prom, 0.0)
    cfg = MetricsConfig(
        url=prom.url, ca_file="certs/ca.crt", cert_file="certs/bot.crt", key_file="certs/bot.key"
    )
    client = Prometheus(cfg, {}, tmp_path / "repo")
    try:
        assert client.reading(gate(rate(name)), datetime.now(UTC)).outcome is GateOutcome.PASS
    finally:
        client.close()
    bare = Prometheus(MetricsConfig(url=prom.url, ca_file="certs/ca.crt"), {}, tmp_path / "repo")
    try:
        refused = bare.reading(gate(rate(name)), datetime.now(UTC))
    finally:
        bare.close()
    assert refused.outcome is GateOutcome.UNKNOWN and refused.error and "\n" not in refused.error, refused


def test_the_recording_s_reads_take_no_proxy_another_test_set(
    prom: PrometheusProcess, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A spike is recorded in a thread of its own while other tests run, some of them setting
    HTTP_PROXY for the client they test (test_metadata_direct's proxy then saw the recording's
    query among its web gate's requests, and failed). The test kit's reads of its own loopback
    Prometheus take no proxy from the environment."""
    name = service(prom, 0.25)
    for variable in ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "http_proxy", "https_proxy", "all_proxy"):
        monkeypatch.setenv(variable, "http://127.0.0.1:9")  # nothing there
    monkeypatch.delenv("NO_PROXY", raising=False)
    monkeypatch.delenv("no_proxy", raising=False)
    assert prom.value(f'app_error_rate{{service="{name}"}}') == [0.25]
