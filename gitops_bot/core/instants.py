"""Times and delays as the outside world writes them: RFC 3339 instants (Go's RFC3339Nano,
nanoseconds kept) read and written back the same way, and HTTP ``Retry-After`` values. Imports
nothing of ours."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime


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
