"""The metrics gate's judgement, without a server: the condition every sample must meet, an
empty answer that never passes, and since when a gate holds (or fails) over a window of steps."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from gitops_bot.gate.conditions import Condition, MetricsGate
from gitops_bot.gate.metrics import Series, judge, over_window, samples, series
from gitops_bot.gate.reading import GateOutcome

AT = datetime(2026, 11, 20, 15, 0, tzinfo=UTC)
GATE = MetricsGate("error-rate", 'app_error_rate{service="app"}', "< 0.01", "1m")


@pytest.mark.parametrize(
    ("text", "value", "holds"),
    [
        ("< 0.01", 0.005, True),
        ("< 0.01", 0.01, False),
        ("<= 0.01", 0.01, True),
        ("> 5", 6, True),
        (">= 5", 4.99, False),
        ("== 1", 1.0, True),
        ("!= 0", 0.0, False),
        ("< 1e-3", 0.0001, True),
        ("<-1", -2, True),
        ("< 0.01", float("nan"), False),  # NaN meets no condition...
        ("!= 0", float("nan"), True),  # ...but !=
        ("< 1", float("inf"), False),
    ],
)
def test_the_condition_is_an_operator_and_a_number(text: str, value: float, holds: bool) -> None:
    assert Condition.parse(text).holds(value) is holds


@pytest.mark.parametrize("text", ["0.01", "< ", "=< 1", "< one", "< 1 and > 0", "=1", "<< 1", ""])
def test_anything_else_is_not_a_condition(text: str) -> None:
    with pytest.raises(ValueError, match="is not a condition"):
        Condition.parse(text)


def test_each_sample_must_meet_it_and_the_first_that_does_not_is_the_evidence() -> None:
    answer = {
        "resultType": "vector",
        "result": [
            {"metric": {"pod": "a"}, "value": [AT.timestamp(), "0.001"]},
            {"metric": {"pod": "b"}, "value": [AT.timestamp(), "0.2"]},
        ],
    }
    r = judge(GATE, samples(answer), AT)
    assert r.outcome is GateOutcome.FAIL and r.value == "0.2" and r.series == '{pod="b"}'
    assert r.text() == (
        'metrics gate error-rate (app_error_rate{service="app"}) fails: {pod="b"} 0.2, not < 0.01'
    )
    assert r.evidence() == {
        "gate": "error-rate",
        "query": 'app_error_rate{service="app"}',
        "condition": "< 0.01",
        "verdict": "fail",
        "value": "0.2",
        "series": '{pod="b"}',
    }


def test_a_scalar_is_one_sample() -> None:
    r = judge(GATE, samples({"resultType": "scalar", "result": [AT.timestamp(), "0.001"]}), AT)
    assert (r.outcome, r.value, r.series) == (GateOutcome.PASS, "0.001", "")


def test_an_empty_answer_is_no_data_never_a_pass() -> None:
    r = judge(GATE, samples({"resultType": "vector", "result": []}), AT)
    assert r.outcome is GateOutcome.NO_DATA and not r.passes
    assert "has no data" in r.text()


@pytest.mark.parametrize(
    "data",
    [
        {"resultType": "matrix", "result": []},
        {"resultType": "string", "result": [0, "x"]},
        {"resultType": "vector", "result": [{"metric": {}, "value": ["x"]}]},
    ],
)
def test_another_shape_is_refused(data: dict[str, object]) -> None:
    with pytest.raises(ValueError):
        samples(data)


def _window(values: list[str | None], start: datetime, step: float = 60) -> list[Series]:
    """A matrix with one series whose sample at step k is ``values[k]`` (None: no sample)."""
    result = [
        {
            "metric": {},
            "values": [[start.timestamp() + k * step, v] for k, v in enumerate(values) if v is not None],
        }
    ]
    return series({"resultType": "matrix", "result": result})


def test_a_gate_holding_all_along_holds_since_the_window_began() -> None:
    start = AT - timedelta(minutes=5)
    now = judge(GATE, [("", 0.0, "0")], AT)
    r = over_window(now, GATE, _window(["0"] * 6, start), start, 60)
    assert r.since == start


def test_a_spike_inside_the_window_moves_since_past_it() -> None:
    start = AT - timedelta(minutes=5)
    now = judge(GATE, [("", 0.0, "0")], AT)
    r = over_window(now, GATE, _window(["0", "0", "0.5", "0", "0", "0"], start), start, 60)
    assert r.since == start + timedelta(minutes=3)
    assert "holds since 2026-11-20T14:58:00Z" in r.text()


def test_a_gap_without_data_inside_the_window_counts_as_not_holding() -> None:
    start = AT - timedelta(minutes=5)
    now = judge(GATE, [("", 0.0, "0")], AT)
    r = over_window(now, GATE, _window(["0", None, "0", "0", "0", "0"], start), start, 60)
    assert r.since == start + timedelta(minutes=2)


def test_a_failing_gate_fails_since_the_step_after_it_last_held() -> None:
    start = AT - timedelta(minutes=5)
    now = judge(GATE, [("", 0.3, "0.3")], AT)
    r = over_window(now, GATE, _window(["0", "0", "0", "0.3", "0.3", "0.3"], start), start, 60)
    assert r.outcome is GateOutcome.FAIL and r.since == start + timedelta(minutes=3)
    failing_all_along = over_window(now, GATE, _window(["0.3"] * 6, start), start, 60)
    assert failing_all_along.since == start


def _aligned(values: list[str], start: datetime, step: float) -> list[Series]:
    """A matrix as VictoriaMetrics and Mimir answer ``query_range``: instants at multiples of
    ``step`` (``start`` rounded down to one), not at ``start + k * step``."""
    first = start.timestamp() // step * step
    pairs = [[first + k * step, v] for k, v in enumerate(values)]
    return series({"resultType": "matrix", "result": [{"metric": {"pod": "a"}, "values": pairs}]})


def test_a_server_aligning_its_steps_to_multiples_of_step_is_read_on_its_own_grid() -> None:
    start = AT - timedelta(minutes=5, seconds=17)  # the soak began off the minute
    now = judge(GATE, [("", 0.0, "0")], AT)
    clean = over_window(now, GATE, _aligned(["0"] * 7, start, 60), start, 60)
    assert clean.since == start  # not "no data" at every step: it held all along
    spike = over_window(now, GATE, _aligned(["0", "0", "0.5", "0", "0", "0", "0"], start, 60), start, 60)
    # the server's sample at 14:56:00 answers the bot's step at 14:56:43: held since the next
    assert spike.since == start + timedelta(minutes=3)
    failing = judge(GATE, [("", 0.3, "0.3")], AT)
    broke = over_window(
        failing, GATE, _aligned(["0", "0", "0", "0.3", "0.3", "0.3", "0.3"], start, 60), start, 60
    )
    assert broke.outcome is GateOutcome.FAIL and broke.since == start + timedelta(minutes=3)


def test_a_series_that_ended_says_nothing_about_later_steps() -> None:
    start = AT - timedelta(minutes=5)
    now = judge(GATE, [("", 0.0, "0")], AT)
    ended = series(
        {
            "resultType": "matrix",
            "result": [
                {"metric": {"pod": "old"}, "values": [[start.timestamp() + k * 60, "0"] for k in range(3)]},
                {
                    "metric": {"pod": "new"},
                    "values": [[start.timestamp() + k * 60, "0"] for k in range(4, 6)],
                },
            ],
        }
    )
    assert over_window(now, GATE, ended, start, 60).since == start + timedelta(minutes=4)


@pytest.mark.parametrize(
    ("pair", "why"),
    [
        ([1700000000, 1 * 10**400], "a sample's value a number of 401 digits is beyond a float64"),
        ([1700000000, "1" + "0" * 400], "of 401 characters is longer than any float64"),
        ([1700000000, "1" + "0" * 320], "beyond a float64"),
        ([1e400, "0"], "sample's time"),
        ([10**30, "0"], "sample's time"),
        ([1700000000, True], "not a number"),
    ],
)
def test_a_number_out_of_bounds_is_refused_with_one_line_not_an_overflow(
    pair: list[object], why: str
) -> None:
    with pytest.raises(ValueError, match=why):
        samples({"resultType": "vector", "result": [{"metric": {}, "value": pair}]})


def test_prometheus_special_values_are_read_as_it_documents_them() -> None:
    got = samples(
        {
            "resultType": "vector",
            "result": [{"metric": {}, "value": [AT.timestamp(), v]} for v in ("NaN", "+Inf", "-Inf")],
        }
    )
    assert [s[2] for s in got] == ["NaN", "+Inf", "-Inf"]
    assert (
        judge(GATE, got, AT).outcome is GateOutcome.FAIL
    )  # NaN and +Inf meet "< 0.01" no more than -Inf passes alone


def test_a_large_answer_is_judged_in_one_pass_over_its_samples(monkeypatch: pytest.MonkeyPatch) -> None:
    """An answer near the 8 MiB bound (here 40 series of 2,000 samples, over 2,000 steps) costs
    one judgement per sample, not one per sample and step: work linear in the answer's size.
    Counted, not timed, so the bound holds on any machine."""
    start = AT - timedelta(seconds=2_000 * 15)
    steps = 2_000
    window = series(
        {
            "resultType": "matrix",
            "result": [
                {
                    "metric": {"pod": f"p{n}"},
                    # on the server's own grid, a few ms before the bot's instants
                    "values": [[start.timestamp() + k * 15 - 0.004, "0"] for k in range(steps + 1)],
                }
                for n in range(40)
            ],
        }
    )
    calls = 0
    holds = Condition.holds

    def counted(self: Condition, value: float) -> bool:
        nonlocal calls
        calls += 1
        return holds(self, value)

    monkeypatch.setattr(Condition, "holds", counted)
    now = judge(GATE, [("", 0.0, "0")], AT)
    calls = 0
    assert over_window(now, GATE, window, start, 15).since == start
    assert calls <= 40 * (steps + 1)  # a judgement per sample at most


@pytest.mark.parametrize("value", [float("inf"), float("-inf")])
def test_a_json_number_no_float64_holds_is_out_of_bounds_not_an_infinity(value: float) -> None:
    """Prometheus writes a sample's value as a string, NaN and ±Inf as "NaN", "+Inf" and
    "-Inf"; a JSON number reads as an infinity only when it is one no float64 holds (1e400),
    which a gate "> 0.99" would otherwise pass. Found by the hostile harness
    (tests/contract/hostile/test_generated_answers.py)."""
    with pytest.raises(ValueError, match="a sample's value"):
        samples({"resultType": "vector", "result": [{"metric": {}, "value": [AT.timestamp(), value]}]})
