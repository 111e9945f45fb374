"""The ``windows:`` key of an environment: when its releases may land. One grammar::

    windows:
      timezone: Europe/Paris          # an IANA name (required)
      allow:                          # optional: if given, only inside one of these
        - {days: [mon, tue, wed, thu, fri], from: "08:00", to: "18:00"}
      deny:                           # optional: never inside one of these (wins over allow)
        - {days: [fri], from: "16:00", to: "24:00"}
        - {days: [sat, sun]}          # from defaults to 00:00, to to 24:00

A period never wraps past midnight: "Friday 22:00 to Monday 06:00" is three periods. The
decisions are in :mod:`gitops_bot.release.windows`. The settings are declared here, not in
:mod:`.settings`: only a file that writes ``windows:`` loads this module (and ``zoneinfo``)."""

from __future__ import annotations

from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from gitops_bot.config.kinds import STR, ListOf, Strings, section_of
from gitops_bot.config.spec import Field, Section, Values, default_of, holds, one_of
from gitops_bot.core.record import record
from gitops_bot.core.settings import setting

DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
_HHMM = r"^(?:[01][0-9]|2[0-3]):[0-5][0-9]$|^24:00$"


@record
class WindowPeriod:
    """Some weekdays (0 = Monday), from ``start`` to ``end`` minutes of each day (end excluded),
    on the wall clock of its windows' time zone (:mod:`gitops_bot.release.windows` decides)."""

    days: tuple[int, ...]
    start: int = 0
    end: int = 24 * 60


def _zone_problem(name: str) -> str | None:
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return ""
    return None


@record
class WindowsConfig:
    """An environment's deployment windows: its IANA time zone, allow and deny periods."""

    timezone: str = setting(
        description="IANA time zone the periods are read in (e.g. Europe/Paris).",
        rules=(
            holds(
                _zone_problem,
                "unknown time zone {value!r} in {what}; use an IANA name such as Europe/Paris or UTC",
            ),
        ),
    )
    allow: tuple[WindowPeriod, ...] = setting((), "If given, releases land only inside one of these.")
    deny: tuple[WindowPeriod, ...] = setting((), "Releases never land inside one of these (wins over allow).")


def hhmm(minutes: int) -> str:
    """Minutes since midnight as ``HH:MM`` (1440: ``24:00``)."""
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


def minutes(text: str) -> int | None:
    """``HH:MM`` (``24:00`` included) as minutes since midnight; None when not that."""
    if len(text) != 5 or text[2] != ":" or not (text[:2].isdigit() and text[3:].isdigit()):
        return None
    h, m = int(text[:2]), int(text[3:])
    if m >= 60 or h > 24 or (h == 24 and m):
        return None
    return h * 60 + m


def _period(v: Values) -> WindowPeriod:
    if not v["days"]:  # 'days: []' is no weekday, not every one
        raise v.error(v.line_of("days"), f"{v.what} needs 'days' (at least one weekday)")
    start, end = minutes(v["from"]), minutes(v["to"])
    assert start is not None and end is not None  # the rules checked them
    if end <= start:
        raise v.error(
            v.line,
            f"{v.what}: 'to' ({v['to']}) must be after 'from' ({v['from']}); "
            "split a period that passes midnight in two",
        )
    return WindowPeriod(tuple(sorted({DAYS.index(d) for d in v["days"]})), start, end)


_TIME = holds(
    lambda t: None if minutes(t) is not None else "",
    "{key!r} of {what} must be HH:MM (00:00 to 24:00), not {value!r}",
)

PERIOD = Section(
    (
        Field(
            "days",
            Strings(),
            required=True,
            rules=(one_of(DAYS, "day {value!r} of {what} is not a weekday; {suggest}"),),
            schema={
                "anyOf": [
                    {"enum": list(DAYS)},
                    {"type": "array", "items": {"enum": list(DAYS)}, "minItems": 1},
                ]
            },
            description="Weekdays: mon tue wed thu fri sat sun.",
        ),
        Field(
            "from",
            STR,
            hhmm(default_of(WindowPeriod, "start")),
            (_TIME,),
            schema={"type": "string", "pattern": _HHMM},
            description="Local start (HH:MM).",
        ),
        Field(
            "to",
            STR,
            hhmm(default_of(WindowPeriod, "end")),
            (_TIME,),
            schema={"type": "string", "pattern": _HHMM},
            description="Local end, excluded (HH:MM; 24:00: midnight).",
        ),
    ),
    _period,
    name="windowPeriod",
)


def _windows(v: Values) -> WindowsConfig:
    return WindowsConfig(v["timezone"], v["allow"], v["deny"])


WINDOWS = section_of(
    WindowsConfig,
    _windows,
    kinds={
        "allow": ListOf(PERIOD, "{parent} allow[{index}]", "'allow' of {what} must be a list of periods"),
        "deny": ListOf(PERIOD, "{parent} deny[{index}]", "'deny' of {what} must be a list of periods"),
    },
    name="windows",
    description=(
        "When releases may land: outside, pull requests are opened but not auto-merged, commits are deferred."
    ),
)
