"""Times and delays as the outside world writes them: RFC 3339 instants (Go's RFC3339Nano,
nanoseconds kept) read and written back the same way, and HTTP ``Retry-After`` values. Imports
nothing of ours."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from email.utils import parsedate_to_datetime

Clock = Callable[[], datetime]
"""What time it is, as an aware datetime: the one clock age rules read, so tests set it."""


def system_clock() -> datetime:
    """The wall clock, in UTC (the default :data:`Clock`)."""
    return datetime.now(UTC)


_DURATION = re.compile(r"(?:(\d+)d)?(?:(\d+)h)?(?:(\d+)m)?(?:(\d+)s)?")
_UNITS = ("d", "h", "m", "s")


def parse_duration(text: str) -> timedelta | None:
    """A duration written as whole units, largest first: ``30m``, ``2h``, ``1d``, ``1h30m``,
    ``90s``, or ``0`` (none); None when unreadable. Days are 24 hours (no calendar)."""
    text = text.strip()
    if text == "0":
        return timedelta(0)
    m = _DURATION.fullmatch(text)
    if not text or m is None:
        return None
    d, h, mins, s = (int(g) if g else 0 for g in m.groups())
    return timedelta(days=d, hours=h, minutes=mins, seconds=s)


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
        return max(float(value), 0.0)
    except ValueError:
        pass
    try:
        return max(parsedate_to_datetime(value).timestamp() - now, 0.0)
    except (TypeError, ValueError):
        return None


class _Instant(datetime):
    """A time whose text had more fraction digits than a datetime holds (Go's RFC3339Nano
    writes nanoseconds): ``digits`` keeps them, so the output says what the registry said."""

    digits = ""  # the fraction's digits as written, without trailing zeros


_FRACTION = re.compile(r"\d[Tt ]\d\d:\d\d:\d\d[.,](\d+)")


def parse_instant(text: str | None) -> datetime | None:
    """An RFC 3339 time as an aware datetime (no offset: UTC), None when absent or unreadable.
    Compared as strings, ``...00.5Z`` sorts before ``...00Z`` and ``+02:00`` is ignored."""
    if not text:
        return None
    try:
        when = datetime.fromisoformat(text.strip())
    except ValueError:
        return None
    when = when if when.tzinfo else when.replace(tzinfo=UTC)
    fraction = _FRACTION.search(text)
    digits = fraction.group(1).rstrip("0") if fraction else ""
    if len(digits) <= 6:
        return when
    exact = _Instant.combine(when.date(), when.timetz())
    exact.digits = digits
    return exact


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
