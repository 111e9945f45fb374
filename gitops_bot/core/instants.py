"""Times and delays as the outside world writes them: RFC 3339 instants (Go's RFC3339Nano,
nanoseconds kept) read and written back the same way, durations, HTTP dates and ``Retry-After``
values. Imports only the logger, to report the implausible values it ignores.

Every time or duration the bot reads is parsed here, against explicit bounds
(:data:`INSTANT_MIN` .. :data:`INSTANT_MAX`, 0 .. :data:`DURATION_MAX`): a value that reads but
lies outside them raises :class:`OutOfBounds` rather than overflowing later in arithmetic
(``datetime`` stops at year 9999, ``timedelta`` at 999999999 days). The bounds leave room for
the sums the bot makes (an instant plus a duration), and :func:`later` clamps those anyway.
The caller decides what an out-of-range value means: a usage error in configuration, an
implausible value to report and ignore from a registry, a forge or a header."""

from __future__ import annotations

import functools
import importlib
import math
import re
from collections.abc import Callable, Sequence
from datetime import UTC, datetime, timedelta

from gitops_bot.core.log import get_logger

_log = get_logger(__name__)

# imported by name where an HTTP date is read: the email package comes with its charset and
# encoding tables, and a plan meets an HTTP date only where a server asks it to wait until one
EMAIL_UTILS = "email.utils"

Clock = Callable[[], datetime]
"""What time it is, as an aware datetime: the one clock age rules read, so tests set it."""


def system_clock() -> datetime:
    """The wall clock, in UTC (the default :data:`Clock`)."""
    return datetime.now(UTC)


INSTANT_MIN = datetime(1970, 1, 1, tzinfo=UTC)
"""The earliest instant read: the Unix epoch, which reproducible builds write as ``created``
(Go's zero time, year 1, means "unknown" and is refused)."""
INSTANT_MAX = datetime(9000, 1, 1, tzinfo=UTC)
"""The first instant past the last one read: far beyond any real date, and a thousand years
short of ``datetime``'s end, so an instant plus :data:`DURATION_MAX` still fits."""
DURATION_MAX = timedelta(days=36500)
"""The longest duration read: 100 years (36500 days), far past any real wait."""

INSTANTS = "1970-01-01T00:00:00Z to 8999-12-31T23:59:59Z"
DURATIONS = "0 to 36500d (100 years)"


class OutOfBounds(ValueError):
    """A time or duration that reads but lies outside the bounds: ``text`` as written and
    ``allowed``, the range in words, for the caller's message."""

    def __init__(self, text: str, allowed: str) -> None:
        super().__init__(f"{text!r} is outside {allowed}")
        self.text = text
        self.allowed = allowed


# compiled (and cached by re) when a duration is first read: a configuration without one never does
_DURATION = r"(?:(\d+)d)?(?:(\d+)h)?(?:(\d+)m)?(?:(\d+)s)?"
_UNITS = ("d", "h", "m", "s")
_SECONDS = {"w": 604800, "d": 86400, "h": 3600, "m": 60, "s": 1}
_MAX_DIGITS = 20  # more digits than this is out of range whatever the unit (and int() stays cheap)


def _bounded(text: str, amounts: Sequence[tuple[str, str]]) -> timedelta:
    """The sum of (digits, unit) amounts as a duration, or :class:`OutOfBounds`."""
    if any(len(digits) > _MAX_DIGITS for digits, _ in amounts):
        raise OutOfBounds(text, DURATIONS)
    seconds = sum(int(digits) * _SECONDS[unit] for digits, unit in amounts)
    if seconds > DURATION_MAX.total_seconds():
        raise OutOfBounds(text, DURATIONS)
    return timedelta(seconds=seconds)


def parse_duration(text: str) -> timedelta | None:
    """A duration written as whole units, largest first: ``30m``, ``2h``, ``1d``, ``1h30m``,
    ``90s``, or ``0`` (none); None when unreadable, :class:`OutOfBounds` past
    :data:`DURATION_MAX`. Days are 24 hours (no calendar)."""
    text = text.strip()
    if text == "0":
        return timedelta(0)
    m = re.fullmatch(_DURATION, text)
    if not text or m is None:
        return None
    return _bounded(text, [(g, u) for g, u in zip(m.groups(), _UNITS, strict=True) if g])


_SPAN = r"(\d+)([wdhm])"  # compiled when a span is read (freeze --until)


def parse_span(text: str) -> timedelta | None:
    """A span of weeks, days, hours and minutes in any order (``90m``, ``1w``, ``1d12h``), as
    ``freeze --until`` reads one; None when unreadable or zero, :class:`OutOfBounds` past
    :data:`DURATION_MAX`."""
    text = text.strip()
    if not re.fullmatch(r"(?:\d+[wdhm])+", text):
        return None
    span = _bounded(text, re.findall(_SPAN, text))
    return span or None


def duration_bound_problem(value: object) -> str | None:
    """For a configuration rule: the range a duration that reads must lie in when it does not
    (None otherwise, an unreadable one included: the grammar's rule says what is wrong)."""
    if not isinstance(value, str):
        return None
    try:
        parse_duration(value)
    except OutOfBounds as exc:
        return exc.allowed
    return None


def reads_as_duration(value: str) -> bool:
    """True when ``value`` is in the duration grammar, in bounds or not (the bound is its own rule)."""
    try:
        return parse_duration(value) is not None
    except OutOfBounds:
        return True


def format_duration(span: timedelta) -> str:
    """A duration in the grammar :func:`parse_duration` reads (``1h30m``, ``2h``, ``0``)."""
    total = int(span.total_seconds())
    if total <= 0:
        return "0"
    out = ""
    for unit, size in zip(_UNITS, (86400, 3600, 60, 1), strict=True):
        n, total = divmod(total, size)
        if n:
            out += f"{n}{unit}"
    return out


def retry_after_seconds(value: str, now: float) -> float | None:
    """An HTTP ``Retry-After`` value (seconds, or an HTTP date) as seconds from ``now``; None
    when absent or unreadable. Registries and forges send both forms."""
    value = value.strip()
    if not value:
        return None
    try:
        seconds = float(value)
    except ValueError:
        when = parse_http_date(value)
        return None if when is None else min(max(when.timestamp() - now, 0.0), DURATION_MAX.total_seconds())
    if not math.isfinite(seconds):
        return None  # "inf" and "nan" read as floats but say nothing about when to come back
    return min(max(seconds, 0.0), DURATION_MAX.total_seconds())


def parse_http_date(text: str) -> datetime | None:
    """An HTTP date (RFC 9110 5.6.7, e.g. ``If-Modified-Since``) as an aware datetime; None when
    unreadable, without a zone or out of bounds: a recipient ignores such a date."""
    try:
        when = importlib.import_module(EMAIL_UTILS).parsedate_to_datetime(text.strip())
    except (TypeError, ValueError, IndexError, OverflowError):
        return None
    if when.tzinfo is None:
        return None
    try:
        return _checked(when, text)
    except OutOfBounds:
        return None


def _checked(when: datetime, text: str) -> datetime:
    """``when`` if within the instant bounds, else :class:`OutOfBounds`. The year is looked at
    before any conversion to UTC, which itself overflows at the ends of ``datetime``."""
    if not INSTANT_MIN.year - 1 <= when.year <= INSTANT_MAX.year or not INSTANT_MIN <= when < INSTANT_MAX:
        raise OutOfBounds(text, INSTANTS)
    return when


def epoch_instant(text: str) -> datetime | None:
    """Whole epoch seconds as forges send a rate limit's reset (``X-RateLimit-Reset``,
    ``RateLimit-Reset``); None when not ASCII digits or out of bounds (``str.isdigit`` takes
    ``"²"``, and ``time.gmtime`` overflows past year 9999)."""
    text = text.strip()
    if not re.fullmatch(r"[0-9]{1,20}", text):
        return None
    seconds = int(text)
    if not INSTANT_MIN.timestamp() <= seconds < INSTANT_MAX.timestamp():
        return None
    return datetime.fromtimestamp(seconds, UTC)


def later(when: datetime, span: timedelta) -> datetime:
    """``when + span``, clamped to :data:`INSTANT_MAX` (and :data:`INSTANT_MIN` for a negative
    span): sums of bounded values fit, and this keeps it so whatever is added."""
    try:
        total = when + span
    except OverflowError:
        return INSTANT_MAX if span > timedelta(0) else INSTANT_MIN
    return min(max(total, INSTANT_MIN), INSTANT_MAX)


class _Instant(datetime):
    """A time whose text had more fraction digits than a datetime holds (Go's RFC3339Nano
    writes nanoseconds): ``digits`` keeps them, so the output says what the registry said."""

    digits = ""  # the fraction's digits as written, without trailing zeros


# compiled at its first use, not at import: a plan's start-up does not use it
@functools.cache
def _fraction() -> re.Pattern[str]:
    return re.compile(r"\d[Tt ]\d\d:\d\d:\d\d[.,](\d+)")


def parse_instant(text: str | None) -> datetime | None:
    """An RFC 3339 time as an aware datetime (no offset: UTC), None when absent or unreadable,
    :class:`OutOfBounds` outside :data:`INSTANT_MIN` .. :data:`INSTANT_MAX`. Compared as
    strings, ``...00.5Z`` sorts before ``...00Z`` and ``+02:00`` is ignored."""
    if not text:
        return None
    try:
        when = datetime.fromisoformat(text.strip())
    except ValueError:
        return None
    when = _checked(when if when.tzinfo else when.replace(tzinfo=UTC), text)
    fraction = _fraction().search(text)
    digits = fraction.group(1).rstrip("0") if fraction else ""
    if len(digits) <= 6:
        return when
    exact = _Instant.combine(when.date(), when.timetz())
    exact.digits = digits
    return exact


GO_ZERO = "0001-01-01T00:00:00"


def outside_instant(value: object, source: str) -> datetime | None:
    """An instant from outside (a registry, a forge, Argo CD, a git trailer; ``source`` says
    which, for the log): None when absent or unreadable, and None with a warning when it reads
    but lies out of bounds, an implausible value the caller treats as unknown: never as "old
    enough", never a crash."""
    if not isinstance(value, str) or value.startswith(GO_ZERO):
        return None  # Go's zero time is how Go services write "not set": absent, not implausible
    try:
        return parse_instant(value)
    except OutOfBounds as exc:
        _log.warning("implausible time ignored", source=source, value=value[:64], allowed=exc.allowed)
        return None


def out_of_bounds(text: str) -> bool:
    """True when ``text`` reads as an instant but lies out of bounds: a time that was said,
    implausibly, as opposed to one that was not said at all."""
    try:
        parse_instant(text)
    except OutOfBounds:
        return True
    return False


def format_instant(when: datetime) -> str:
    """A time as the output shows it, as registries write it (Go's RFC3339Nano): ``Z`` for UTC,
    the fraction without trailing zeros (nanoseconds too, when the registry wrote them), and
    only when there is one."""
    naive = when.replace(tzinfo=None)
    offset = when.isoformat()[len(naive.isoformat()) :]
    digits = getattr(when, "digits", "")
    if not (digits and digits[:6] == f"{when.microsecond:06d}"):
        digits = f"{when.microsecond:06d}".rstrip("0") if when.microsecond else ""
    fraction = f".{digits}" if digits else ""
    return naive.isoformat(timespec="seconds") + fraction + ("Z" if offset == "+00:00" else offset)
