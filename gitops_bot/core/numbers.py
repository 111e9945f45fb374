"""Numbers from outside, read once against documented bounds.

Every integer or float another service sends (a metrics sample, a web gate's value, a token's
``expires_in``, a count, a time in epoch seconds) is read here before any arithmetic. JSON has
no limit on a number's size: ``1`` followed by 400 zeros is valid JSON, Python reads it as an
exact integer, and the first ``float()``, ``timedelta`` or ``datetime`` it meets raises
``OverflowError`` far from where it came in. A text such as ``"1e400"`` reads as a float but
silently becomes infinity. Here either is :class:`OutOfRange` (a ``ValueError``) with one
line saying what and why, which each caller already turns into "unknown", never a crash.

The bounds, by kind:

- :func:`count`: whole numbers 0 .. 2**53 (what a JSON number holds exactly in every
  language; page counts, totals, sizes);
- :func:`real`: finite floats of at most ``DIGITS`` characters as written, within
  ±1.7976931348623157e308 (a float64); NaN and ±Inf only where the service's own
  API documents them (Prometheus writes ``"NaN"``, ``"+Inf"``, ``"-Inf"`` as sample values),
  never from a JSON number, which cannot hold them;
- :func:`seconds`: durations 0 .. 100 years (:data:`~gitops_bot.core.instants.DURATION_MAX`);
- :func:`epoch`: instants in epoch seconds within
  :data:`~gitops_bot.core.instants.INSTANT_MIN` .. :data:`~gitops_bot.core.instants.INSTANT_MAX`.

A bool is never a number (``True`` is an ``int`` in Python, not in JSON).
"""

from __future__ import annotations

import math
from datetime import UTC, datetime
from typing import Any

from gitops_bot.core.instants import DURATION_MAX, INSTANT_MAX, INSTANT_MIN

EXACT = 2**53  # the largest count read: a double holds every whole number up to it
DIGITS = 400  # characters of a number as written: float64's largest in full is 309 digits
_SPECIAL = {"nan": math.nan, "+inf": math.inf, "inf": math.inf, "-inf": -math.inf}


class OutOfRange(ValueError):
    """A number that is not one, or lies outside its bounds; the message is one line."""


def _shown(value: Any) -> str:
    text = value if isinstance(value, str) else repr(value) if isinstance(value, float) else str(value)
    if isinstance(value, int) and not isinstance(value, bool) and abs(value) >= 10**20:
        return f"a number of {len(str(abs(value)))} digits"  # str() of a huge int is slow and long
    return repr(text[:40] + "…") if len(text) > 40 else repr(text)


def _as_float(value: Any, what: str, *, special: bool) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        raise OutOfRange(f"{what} is not a number ({type(value).__name__})")
    if isinstance(value, int):
        if abs(value) > 10**DIGITS or abs(value) > 1.7976931348623157e308:
            raise OutOfRange(f"{what} {_shown(value)} is beyond a float64")
        return float(value)
    if isinstance(value, str):
        text = value.strip()
        if len(text) > DIGITS:
            raise OutOfRange(f"{what} of {len(text)} characters is longer than any float64 is written")
        if text.lower() in _SPECIAL:
            if not special:
                raise OutOfRange(f"{what} {_shown(value)} is not a finite number")
            return _SPECIAL[text.lower()]
        try:
            number = float(text)
        except ValueError:
            raise OutOfRange(f"{what} {_shown(value)} is not a number") from None
        if not math.isfinite(number):  # "1e400", or "nan" spelt another way
            raise OutOfRange(f"{what} {_shown(value)} is beyond a float64")
        return number
    if not math.isfinite(value) and not special:
        raise OutOfRange(f"{what} {_shown(value)} is not a finite number")
    return value


def real(
    value: Any,
    what: str = "a number",
    *,
    low: float = -math.inf,
    high: float = math.inf,
    special: bool = False,
) -> float:
    """``value`` (a JSON number, or its text) as a float within [``low``, ``high``].
    ``special``: the API documents NaN and ±Inf as values (they are then returned as such,
    outside the bounds' check)."""
    number = _as_float(value, what, special=special)
    if math.isfinite(number) and not low <= number <= high:
        raise OutOfRange(f"{what} {_shown(value)} is outside {low:g} .. {high:g}")
    return number


def count(value: Any, what: str = "a count", *, high: int = EXACT) -> int:
    """``value`` as a whole number 0 .. ``high`` (a JSON integer, or its decimal digits)."""
    if isinstance(value, str) and value.strip().isascii() and value.strip().isdecimal():
        text = value.strip()
        if len(text) > 20:
            raise OutOfRange(f"{what} {_shown(value)} is beyond {high}")
        value = int(text)
    if isinstance(value, bool) or not isinstance(value, int):
        raise OutOfRange(f"{what} {_shown(value)} is not a whole number")
    if not 0 <= value <= high:
        raise OutOfRange(f"{what} {_shown(value)} is outside 0 .. {high}")
    return value


def seconds(value: Any, what: str = "a duration", *, high: float | None = None) -> float:
    """``value`` as seconds 0 .. ``high`` (default 100 years)."""
    top = DURATION_MAX.total_seconds() if high is None else high
    return real(value, f"{what} in seconds", low=0.0, high=top)


def epoch(value: Any, what: str = "a time") -> datetime:
    """``value`` (seconds since 1970, a JSON number or its text) as an aware instant within
    the instant bounds."""
    number = real(
        value, f"{what} in epoch seconds", low=INSTANT_MIN.timestamp(), high=INSTANT_MAX.timestamp()
    )
    if number >= INSTANT_MAX.timestamp():
        raise OutOfRange(f"{what} {_shown(value)} is after {INSTANT_MAX.year}")
    return datetime.fromtimestamp(number, UTC)


def index(text: str) -> int | None:
    """A list's index written in a path (an ApplicationSet template's ``.2``, a Helm parameter's
    ``image.0``, a JSON pointer's ``/1``): ASCII digits alone, at most 9 of them; None for any
    other text. ``str.isdigit`` is true of '²' and other scripts' digits, which ``int`` refuses,
    and ``int`` refuses a text of over 4,300 digits: either was a traceback on a file's text."""
    return int(text) if 0 < len(text) <= 9 and text.isascii() and text.isdigit() else None
