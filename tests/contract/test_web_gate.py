"""The web-request gate against loopback endpoints: its condition on the JSON answer, and the
bounds every call of the bot keeps (the token to the endpoint's origin only, never after a
redirect elsewhere; a size cap; an answer it cannot judge never passes)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from gitops_bot.gate.conditions import WebGate
from gitops_bot.gate.reading import GateOutcome
from gitops_bot.gate.web import LIMIT, read
from testkit.hostile_registry import Answer as Scripted
from testkit.hostile_registry import HostileRegistry
from testkit.jsonapi import JSONServer

NOW = datetime(2026, 11, 24, 12, 0, tzinfo=UTC)
TOKEN = "web-gate-token-7c1d"


class Endpoint(JSONServer):
    def __init__(self, answer: Any = None, status: int = 200, headers: dict[str, str] | None = None) -> None:
        self.answer, self.status, self.headers = answer, status, headers or {}
        self.seen: list[tuple[str, str, dict[str, str]]] = []
        self._serve(self._handle)

    def _handle(
        self, method: str, path: str, body: Any, headers: dict[str, str]
    ) -> tuple[int, Any, dict[str, str]]:
        self.seen.append((method, path, headers))
        return self.status, self.answer, self.headers


def gate(url: str, **kw: Any) -> WebGate:
    return WebGate(name="change", url=url, **{"pointer": "/state", "equals": "approved", **kw})


def test_the_value_at_the_pointer_decides() -> None:
    with Endpoint({"state": "approved", "risk": {"score": 3}, "ok": True}) as e:
        assert read(gate(e.url), {}, NOW).outcome is GateOutcome.PASS
        assert read(gate(e.url, equals="pending"), {}, NOW).outcome is GateOutcome.FAIL
        assert read(gate(e.url, pointer="/ok", equals="true"), {}, NOW).outcome is GateOutcome.PASS
        numeric = gate(e.url, pointer="/risk/score", equals=None, condition="< 5")
        assert read(numeric, {}, NOW).outcome is GateOutcome.PASS
        assert (
            read(gate(e.url, pointer="/risk/score", equals=None, condition="< 2"), {}, NOW).outcome
            is GateOutcome.FAIL
        )
        missing = read(gate(e.url, pointer="/approval"), {}, NOW)
        assert missing.outcome is GateOutcome.NO_DATA and "nothing at /approval" in missing.text()
        not_number = read(gate(e.url, equals=None, condition="> 1"), {}, NOW)
        assert not_number.outcome is GateOutcome.FAIL
        assert read(gate(e.url, method="POST"), {}, NOW).passes
        assert [m for m, _, _ in e.seen][-1] == "POST"


def test_the_token_goes_to_the_endpoints_origin_only() -> None:
    with Endpoint({"state": "approved"}) as elsewhere, Endpoint(None, 302, {}) as e:
        e.headers = {"Location": f"{elsewhere.url}/changes"}
        r = read(gate(e.url, token_env="CHANGE_TOKEN"), {"CHANGE_TOKEN": TOKEN}, NOW)
        # a redirect off the endpoint's origin is not followed: unknown, saying where it led
        assert (
            r.outcome is GateOutcome.UNKNOWN and f"redirected to another origin ({elsewhere.url})" in r.error
        )
        assert e.seen[0][2].get("Authorization") == f"Bearer {TOKEN}"
        assert elsewhere.seen == []
        assert TOKEN not in r.text()
    unset = read(gate("http://127.0.0.1:9/x", token_env="CHANGE_TOKEN"), {}, NOW)
    assert unset.outcome is GateOutcome.UNKNOWN and "CHANGE_TOKEN is not set" in unset.error


@pytest.mark.usefixtures("quick_gate_retries")
def test_what_cannot_be_judged_never_passes() -> None:
    with Endpoint({"state": "x" * (LIMIT + 10)}) as big:
        r = read(gate(big.url), {}, NOW)
        assert r.outcome is GateOutcome.UNKNOWN and "more than" in r.error
    with Endpoint({"error": "down"}, 500) as down:
        r = read(gate(down.url), {}, NOW)
        assert r.outcome is GateOutcome.UNKNOWN and len(down.seen) == 3  # retried, then unknown
    with Endpoint({"error": "who?"}, 401) as refusing:
        assert "refused the credentials" in read(gate(refusing.url), {}, NOW).error
    dead = read(gate("http://127.0.0.1:9/changes"), {}, NOW)
    assert dead.outcome is GateOutcome.UNKNOWN and dead.error


def test_a_redirect_within_the_origin_is_followed_with_the_token() -> None:
    routes = {
        "/changes": Scripted(302, b"", {"Location": "/v2/changes"}),
        "/v2/changes": Scripted(200, b'{"state": "approved"}', {"Content-Type": "application/json"}),
    }
    with HostileRegistry(routes) as s:
        r = read(gate(f"{s.url}/changes", token_env="CHANGE_TOKEN"), {"CHANGE_TOKEN": TOKEN}, NOW)
        assert r.passes
        assert [(x.path, x.headers.get("Authorization")) for x in s.seen] == [
            ("/changes", f"Bearer {TOKEN}"),
            ("/v2/changes", f"Bearer {TOKEN}"),
        ]


@pytest.mark.parametrize(
    ("body", "why"),
    [
        (b'{"risk": -Infinity}', "-Infinity, which JSON does not have"),
        (b'{"risk": NaN}', "NaN, which JSON does not have"),
        (b'{"risk": 1' + b"0" * 400 + b"}", "a number of 401 digits is beyond a float64"),
        (b'{"risk": 1e400}', "is not a finite number"),
    ],
)
def test_a_number_json_cannot_hold_or_a_float64_cannot_reach_is_unknown_never_a_pass(
    body: bytes, why: str
) -> None:
    with HostileRegistry({"/risk": Scripted(200, body, {"Content-Type": "application/json"})}) as s:
        r = read(gate(f"{s.url}/risk", pointer="/risk", equals=None, condition="< 5"), {}, NOW)
        assert r.outcome is GateOutcome.UNKNOWN and why in r.error, r
        assert "\n" not in r.error


@pytest.mark.parametrize(
    ("answer", "why"),
    [
        (Scripted(200, b'{"state": "approved"}', {"Content-Encoding": "gzip"}), "does not decode"),
        (Scripted(302, b"", {"Location": "/risk"}), "redirected more than 5 times"),
    ],
)
def test_a_bad_encoding_or_a_redirect_loop_is_unknown_not_a_traceback(answer: Scripted, why: str) -> None:
    with HostileRegistry({"/risk": answer}) as s:
        r = read(gate(f"{s.url}/risk"), {}, NOW)
        assert r.outcome is GateOutcome.UNKNOWN and why in r.error, r
