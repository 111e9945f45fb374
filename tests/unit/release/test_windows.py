"""Deployment windows and freezes: the wall-clock arithmetic (weekdays, time zones, a DST
change day, deny over allow, the "until" instant), the freezes file, and ``--until``."""

from __future__ import annotations

import random
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from gitops_bot.config.windows import WindowPeriod, WindowsConfig
from gitops_bot.core.errors import ConfigError, GateClosed, UsageError
from gitops_bot.core.model import PlanAction, PlanItem
from gitops_bot.engine import consent
from gitops_bot.release import freezes, windows
from gitops_bot.release.decision import Facts, chain
from gitops_bot.release.windows import Freeze, deferral, parse_until

PARIS = ZoneInfo("Europe/Paris")
FRI, SAT, SUN, MON = 4, 5, 6, 0
FRIDAY_EVENING = WindowsConfig("Europe/Paris", deny=(WindowPeriod((FRI,), 16 * 60, 24 * 60),))


def paris(*args: int) -> datetime:
    return datetime(*args, tzinfo=PARIS)  # type: ignore[misc]


def test_a_deny_period_closes_only_its_weekday_and_hours() -> None:
    assert deferral(FRIDAY_EVENING, paris(2026, 11, 20, 15, 59)) is None  # a Friday afternoon
    d = deferral(FRIDAY_EVENING, paris(2026, 11, 20, 16, 0))
    assert d is not None and d.rule == "deny window fri 16:00-24:00 Europe/Paris"
    assert deferral(FRIDAY_EVENING, paris(2026, 11, 21, 0, 0)) is None  # Saturday: the period ended
    assert deferral(FRIDAY_EVENING, paris(2026, 11, 19, 20, 0)) is None  # a Thursday evening


def test_until_is_the_first_minute_the_window_opens_on_the_local_clock() -> None:
    weekend = WindowsConfig(
        "Europe/Paris",
        deny=(WindowPeriod((FRI,), 16 * 60), WindowPeriod((SAT, SUN))),
    )
    d = deferral(weekend, paris(2026, 11, 20, 18, 30))
    assert d is not None and d.until == paris(2026, 11, 23, 0, 0)
    assert d.until_text() == "Mon 2026-11-23 00:00 Europe/Paris"
    assert windows.deferral_note(d) == (
        "auto-merge deferred: deny window fri 16:00-24:00 Europe/Paris until Mon 2026-11-23 00:00 Europe/Paris"
    )
    assert d.as_json() == {
        "rule": "deny window fri 16:00-24:00 Europe/Paris",
        "until": "2026-11-22T23:00:00Z",
    }


def test_the_same_instant_is_judged_on_the_configured_zone_not_utc() -> None:
    tokyo = WindowsConfig("Asia/Tokyo", deny=(WindowPeriod((FRI,), 16 * 60),))
    instant = datetime(2026, 11, 20, 8, 0, tzinfo=UTC)  # 17:00 Friday in Tokyo, 09:00 in Paris
    assert deferral(tokyo, instant) is not None
    assert deferral(FRIDAY_EVENING, instant) is None


def test_with_an_allow_period_releases_land_only_inside_it() -> None:
    office = WindowsConfig("Europe/Paris", allow=(WindowPeriod((0, 1, 2, 3, 4), 9 * 60, 17 * 60),))
    assert deferral(office, paris(2026, 11, 18, 10, 0)) is None
    d = deferral(office, paris(2026, 11, 18, 17, 0))
    assert d is not None and d.rule.startswith("outside allow window mon,tue,wed,thu,fri 09:00-17:00")
    assert d.until == paris(2026, 11, 19, 9, 0)
    d = deferral(office, paris(2026, 11, 21, 12, 0))  # Saturday: next Monday morning
    assert d is not None and d.until == paris(2026, 11, 23, 9, 0)


def test_a_deny_period_wins_over_an_allow_period() -> None:
    both = WindowsConfig(
        "Europe/Paris",
        allow=(WindowPeriod((0, 1, 2, 3, 4), 9 * 60, 18 * 60),),
        deny=(WindowPeriod((FRI,), 16 * 60),),
    )
    d = deferral(both, paris(2026, 11, 20, 16, 30))
    assert d is not None and d.rule.startswith("deny window")
    assert d.until == paris(2026, 11, 23, 9, 0)  # the deny ends at midnight, the allow reopens Monday


def test_a_schedule_that_never_opens_says_so() -> None:
    never = WindowsConfig("UTC", allow=(WindowPeriod((MON,)),), deny=(WindowPeriod((MON,)),))
    d = deferral(never, datetime(2026, 11, 23, 12, tzinfo=UTC))
    assert d is not None and d.until is None and "never" in d.text()


def test_spring_forward_a_boundary_in_the_gap_takes_effect_at_the_first_wall_time_after_it() -> None:
    # 2026-03-29: Europe/Paris goes from 02:00 CET straight to 03:00 CEST
    night = WindowsConfig("Europe/Paris", deny=(WindowPeriod((SUN,), 0, 2 * 60 + 30),))
    before = datetime(2026, 3, 29, 0, 59, tzinfo=UTC)  # 01:59 CET
    d = deferral(night, before)
    assert d is not None and d.until == datetime(2026, 3, 29, 1, 0, tzinfo=UTC)  # 03:00 CEST
    assert d.until_text() == "Sun 2026-03-29 03:00 Europe/Paris"


def test_fall_back_the_repeated_hour_is_inside_a_period_both_times() -> None:
    # 2026-10-25: 03:00 CEST becomes 02:00 CET, so 02:00-03:00 happens twice
    night = WindowsConfig("Europe/Paris", deny=(WindowPeriod((SUN,), 2 * 60, 3 * 60),))
    first = datetime(2026, 10, 25, 0, 30, tzinfo=UTC)  # 02:30 CEST
    second = datetime(2026, 10, 25, 1, 30, tzinfo=UTC)  # 02:30 CET
    assert deferral(night, first) is not None
    d = deferral(night, second)
    assert d is not None and d.until == datetime(2026, 10, 25, 2, 0, tzinfo=UTC)  # 03:00 CET
    assert deferral(night, first + timedelta(minutes=30)) is not None  # 02:00 CET: the hour again


def test_no_windows_never_defers() -> None:
    assert deferral(None, datetime(2026, 11, 20, 18, tzinfo=UTC)) is None


def test_until_reads_an_instant_or_a_duration_from_now() -> None:
    now = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)
    assert parse_until("2026-12-28T00:00:00Z", now) == datetime(2026, 12, 28, tzinfo=UTC)
    assert parse_until("2026-12-28T00:00:00+01:00", now) == datetime(2026, 12, 27, 23, tzinfo=UTC)
    assert parse_until("90m", now) == now + timedelta(minutes=90)
    assert parse_until("1d12h", now) == now + timedelta(hours=36)
    assert parse_until("1w", now) == now + timedelta(days=7)
    for bad in ("", "soon", "3x", "12", "h"):
        assert parse_until(bad, now) is None, bad


def test_the_freezes_file_reads_back_what_is_written_canonically() -> None:
    fs = (
        Freeze("production", datetime(2026, 12, 28, tzinfo=UTC), "end-of-year: no changes"),
        Freeze("dev", datetime(2026, 12, 1, 8, 30, tzinfo=UTC), "1.10"),
    )
    text = freezes.render(fs)
    assert text.splitlines()[3:] == [
        "dev:",
        "  until: 2026-12-01T08:30:00Z",
        '  reason: "1.10"',
        "production:",
        "  until: 2026-12-28T00:00:00Z",
        '  reason: "end-of-year: no changes"',
    ]
    assert sorted(freezes.parse(text, "f"), key=lambda f: f.environment) == sorted(
        fs, key=lambda f: f.environment
    )
    assert freezes.render(freezes.with_freeze(fs, "dev", None)).count("until:") == 1
    assert freezes.render(()) == ""


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("production: [1]\n", "each freeze is"),
        ("production: {until: tomorrow}\n", "RFC 3339"),
        ("production: {until: 2026-12-28T00:00:00Z, why: x}\n", "only 'until' and 'reason'"),
        ("- production\n", "must map"),
    ],
)
def test_a_bad_freezes_file_is_one_line_naming_file_and_line(text: str, message: str) -> None:
    with pytest.raises(ConfigError, match=message) as info:
        freezes.parse(text, "gitops-bot.freezes.yaml")
    assert "\n" not in str(info.value) and "gitops-bot.freezes.yaml" in str(info.value)


def test_an_expired_freeze_is_ignored() -> None:
    f = Freeze("production", datetime(2026, 11, 1, tzinfo=UTC), "old")
    assert windows.active_freeze((f,), "production", datetime(2026, 11, 2, tzinfo=UTC)) is None
    assert windows.active_freeze((f,), "production", datetime(2026, 10, 31, tzinfo=UTC)) is f
    assert windows.active_freeze((f,), "dev", datetime(2026, 10, 31, tzinfo=UTC)) is None


def test_a_freeze_refuses_without_force_and_needs_a_reason_with_it(tmp_path: Path) -> None:
    """The freeze in force is the chain's fact; its refusal is exit 4 saying until when and why;
    ``--force`` without a reason is a usage error, with one the freeze step passes saying so."""
    root = tmp_path
    freezes.write(root, (Freeze("production", datetime(2026, 12, 28, tzinfo=UTC), "year end"),))
    now = datetime(2026, 12, 1, tzinfo=UTC)
    found = freezes.in_force(root, "production", now)
    assert found is not None
    refusal = freezes.refused(found)
    assert refusal.exit_code == 4
    assert "production is frozen until 2026-12-28T00:00:00Z: year end" in str(refusal)
    item = PlanItem("production", "example/app", "", "", "", PlanAction.NONE, "", None)
    facts = Facts("production", freeze=found, now=now)
    with pytest.raises(GateClosed, match=r"production is frozen until 2026-12-28T00:00:00Z: year end"):
        consent.judge(chain(item, facts), facts)
    unreasoned = replace(facts, override=consent.override(force=True, reason="  "))
    with pytest.raises(UsageError, match="needs a reason"):
        consent.judge(chain(item, unreasoned), unreasoned)
    forced = replace(facts, override=consent.override(force=True, reason="hotfix CVE"))
    consent.judge(chain(item, forced), forced)
    (step,) = [st for st in chain(item, forced) if st.rule == "freeze"]
    assert step.reason == "overridden: hotfix CVE"
    assert freezes.in_force(root, "dev", now) is None
    assert freezes.in_force(root, "production", datetime(2027, 1, 1, tzinfo=UTC)) is None


def _read_minute_by_minute(w: WindowsConfig, now: datetime, opened: bool) -> datetime | None:
    """The first whole UTC minute after ``now`` (within 8 days) at which ``w`` is open
    (``opened``) or closed, every minute read: what deferral and closes answer faster."""
    step = now.astimezone(UTC).replace(second=0, microsecond=0) + timedelta(minutes=1)
    while step < now + timedelta(days=8):
        if (windows.rule_at(w, step) is None) is opened:
            return step
        step += timedelta(minutes=1)
    return None


# zones with a daylight saving change (a 30-minute one on Lord Howe) and offsets off the hour
# (Kathmandu, Chatham), and the instants of 2026's changes
DST_ZONES = {
    "Europe/Paris": (datetime(2026, 3, 29, 1, tzinfo=UTC), datetime(2026, 10, 25, 1, tzinfo=UTC)),
    "America/New_York": (datetime(2026, 3, 8, 7, tzinfo=UTC), datetime(2026, 11, 1, 6, tzinfo=UTC)),
    "Australia/Lord_Howe": (datetime(2026, 4, 4, 15, tzinfo=UTC), datetime(2026, 10, 3, 15, 30, tzinfo=UTC)),
    "Asia/Kathmandu": (datetime(2026, 6, 1, tzinfo=UTC),),
    "Pacific/Chatham": (datetime(2026, 4, 4, 14, tzinfo=UTC), datetime(2026, 9, 26, 14, tzinfo=UTC)),
}


def test_a_period_starting_in_the_spring_forward_gap_opens_at_the_first_wall_time_after_it() -> None:
    """Sunday 02:30 does not exist in Paris on 2026-03-29 (02:00 -> 03:00): the window opens at
    03:00, read from a Saturday, whatever the schedule lets the reading step over."""
    w = WindowsConfig("Europe/Paris", allow=(WindowPeriod((SUN,), 150, 240),))
    waits = deferral(w, datetime(2026, 3, 28, 12, tzinfo=UTC))
    assert waits is not None and waits.until == paris(2026, 3, 29, 3, 0)


@pytest.mark.parametrize("seed", range(4))
def test_the_until_instants_are_the_first_minutes_a_reading_of_every_minute_finds(seed: int) -> None:
    """deferral and closes step over the minutes where nothing can change (between the
    periods' edges, at one offset); across a daylight saving change, a boundary in the gap
    or the fold included, they answer the minute a reading of every minute would."""
    rnd = random.Random(seed)

    def period() -> WindowPeriod:
        start = rnd.choice([0, 90, 120, 135, 150, 165, 180, 570, 1020, 1439, rnd.randint(0, 1439)])
        end = rnd.choice([start + 1, start + 30, start + 60, 1440, rnd.randint(start + 1, 1440)])
        return WindowPeriod(tuple(sorted(rnd.sample(range(7), rnd.randint(1, 7)))), start, min(end, 1440))

    for _ in range(15):
        zone = rnd.choice(sorted(DST_ZONES))
        w = WindowsConfig(
            zone,
            allow=tuple(period() for _ in range(rnd.randint(0, 3))),
            deny=tuple(period() for _ in range(rnd.randint(0, 2))),
        )
        now = rnd.choice(DST_ZONES[zone]) - timedelta(seconds=rnd.randint(0, 30 * 3600))
        waits = deferral(w, now)
        assert (waits.until if waits else None) == (
            _read_minute_by_minute(w, now, True) if waits else None
        ), (w, now)
        shuts = windows.closes(w, now)
        assert shuts == (None if waits else _read_minute_by_minute(w, now, False)), (w, now)
