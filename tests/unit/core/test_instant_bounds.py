"""The bounds of the one parser of instants and durations: at and around them, every text
reads as a value inside the bounds, is refused as unreadable, or is refused as out of bounds,
never an exception of another kind, and the sums made on what it reads never overflow."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from gitops_bot.core.instants import (
    DURATION_MAX,
    INSTANT_MAX,
    INSTANT_MIN,
    OutOfBounds,
    epoch_instant,
    later,
    parse_duration,
    parse_http_date,
    parse_instant,
    parse_span,
    retry_after_seconds,
)
from testkit.examples import examples

_OFFSETS = st.integers(-14 * 60, 14 * 60).map(lambda m: timezone(timedelta(minutes=m)))
_ANY_INSTANT = st.datetimes(min_value=datetime(1, 1, 2), max_value=datetime(9999, 12, 30), timezones=_OFFSETS)


@settings(max_examples=examples(500), deadline=None)
@given(_ANY_INSTANT)
def test_an_instant_reads_within_bounds_or_is_refused_as_out_of_bounds(when: datetime) -> None:
    text = when.isoformat()
    inside = INSTANT_MIN <= when < INSTANT_MAX
    if inside:
        assert parse_instant(text) == when
    else:
        with pytest.raises(OutOfBounds) as refused:
            parse_instant(text)
        assert "1970-01-01T00:00:00Z to 8999-12-31T23:59:59Z" in str(refused.value)


@pytest.mark.parametrize(
    "text",
    [
        "9999-12-31",
        "9999-12-31T23:59:59-14:00",
        "9999-12-31T23:59:59.999999999Z",
        "0001-01-01T00:00:00+14:00",
        "1969-12-31T23:59:59Z",
        "1970-01-01T00:00:00+00:01",
        "9000-01-01T00:00:00Z",
        "8999-12-31T23:59:59-00:01",
    ],
)
def test_instants_at_the_ends_of_datetime_are_out_of_bounds(text: str) -> None:
    with pytest.raises(OutOfBounds):
        parse_instant(text)


@pytest.mark.parametrize(
    "text", ["1970-01-01T00:00:00Z", "8999-12-31T23:59:59Z", "1970-01-01T00:00:00-00:01"]
)
def test_instants_at_the_bounds_read(text: str) -> None:
    assert parse_instant(text) is not None


@settings(max_examples=examples(500), deadline=None)
@given(
    st.lists(st.integers(0, 10**25), min_size=4, max_size=4),
    st.lists(st.booleans(), min_size=4, max_size=4),
)
def test_a_duration_reads_within_bounds_or_is_refused_as_out_of_bounds(
    amounts: list[int], written: list[bool]
) -> None:
    parts = [(n, unit) for n, unit, w in zip(amounts, "dhms", written, strict=True) if w]
    text = "".join(f"{n}{unit}" for n, unit in parts) or "0"
    seconds = sum(n * {"d": 86400, "h": 3600, "m": 60, "s": 1}[unit] for n, unit in parts)
    if seconds <= DURATION_MAX.total_seconds():
        assert parse_duration(text) == timedelta(seconds=seconds)
    else:
        with pytest.raises(OutOfBounds) as refused:
            parse_duration(text)
        assert "0 to 36500d (100 years)" in str(refused.value)


@settings(max_examples=examples(300), deadline=None)
@given(st.integers(0, 10**25), st.sampled_from("wdhm"))
def test_a_span_reads_within_bounds_or_is_refused_as_out_of_bounds(n: int, unit: str) -> None:
    seconds = n * {"w": 604800, "d": 86400, "h": 3600, "m": 60}[unit]
    if seconds > DURATION_MAX.total_seconds():
        with pytest.raises(OutOfBounds):
            parse_span(f"{n}{unit}")
    else:
        assert parse_span(f"{n}{unit}") == (timedelta(seconds=seconds) or None)


def test_the_longest_duration_reads_and_one_second_more_does_not() -> None:
    assert parse_duration("36500d") == DURATION_MAX
    with pytest.raises(OutOfBounds):
        parse_duration("36500d1s")
    with pytest.raises(OutOfBounds):
        parse_duration("9" * 5000 + "s")  # past Python's own limit on digits read as an int


@settings(max_examples=examples(500), deadline=None)
@given(
    st.datetimes(min_value=datetime(1970, 1, 1), max_value=datetime(8999, 12, 31), timezones=st.just(UTC)),
    st.timedeltas(min_value=-DURATION_MAX * 100, max_value=DURATION_MAX * 100),
)
def test_an_instant_plus_any_duration_stays_within_bounds(when: datetime, span: timedelta) -> None:
    total = later(when, span)
    assert INSTANT_MIN <= total <= INSTANT_MAX
    if INSTANT_MIN - when <= span <= INSTANT_MAX - when:
        assert total == when + span


@settings(max_examples=examples(300), deadline=None)
@given(st.integers(-(10**22), 10**22), st.sampled_from(["GMT", "+0000", "-1400", "+1400"]))
def test_an_http_date_of_any_year_reads_or_is_ignored(year: int, zone: str) -> None:
    when = parse_http_date(f"Mon, 01 Jan {year} 00:00:00 {zone}")
    assert when is None or INSTANT_MIN <= when < INSTANT_MAX


@pytest.mark.parametrize(
    "value", ["inf", "nan", "-inf", "1e400", "Mon, 01 Jan 12345678901234567890 00:00:00 GMT"]
)
def test_retry_after_beyond_any_number_of_seconds_is_not_obeyed_forever(value: str) -> None:
    seconds = retry_after_seconds(value, 0.0)
    assert seconds is None or 0 <= seconds <= DURATION_MAX.total_seconds()


_TIMEY = st.text(alphabet="0123456789-+:.TZ ,wdhmsGMTMonJan", max_size=60) | st.text(max_size=60)


@settings(max_examples=examples(500), deadline=None)
@given(_TIMEY)
def test_any_text_reads_in_bounds_or_is_refused_and_nothing_else_escapes(text: str) -> None:
    try:
        read = parse_instant(text)
    except OutOfBounds:
        read = None
    assert read is None or INSTANT_MIN <= read < INSTANT_MAX
    for parse in (parse_duration, parse_span):
        try:
            span = parse(text)
        except OutOfBounds:
            span = None
        assert span is None or timedelta(0) <= span <= DURATION_MAX
    when = parse_http_date(text)
    assert when is None or INSTANT_MIN <= when < INSTANT_MAX
    reset = epoch_instant(text)
    assert reset is None or INSTANT_MIN <= reset < INSTANT_MAX
    seconds = retry_after_seconds(text, 0.0)
    assert seconds is None or 0 <= seconds <= DURATION_MAX.total_seconds()
