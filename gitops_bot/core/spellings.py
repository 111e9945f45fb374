"""How text from outside may spell a secret it echoes: as is, percent-, form-, JSON- and
HTML-escaped (:func:`spellings`), and inside base64 of any bytes holding it (:func:`base64_runs`,
a Basic header's ``user:secret``, a JSON document encoded whole), with what a short run's
neighbours must hold to be an echo (:data:`Ends`). :mod:`gitops_bot.core.log` registers these
spellings of every secret and redacts them from every output (:func:`redact_run` takes a run
with the base64 around it)."""

from __future__ import annotations

import base64
import functools
import json
import re
from urllib.parse import quote, quote_plus, unquote

from gitops_bot.core.outside import html_escaped

REDACTED = "***"


def spellings(value: str) -> set[str]:
    """How text from outside may spell ``value``: as is, percent-encoded (all of it, or all but
    ``/``; a form's ``+`` for a space too), percent-decoded, JSON-escaped (``\\/`` too, as PHP
    and others write it; non-ASCII as ``\\u`` escapes or not), HTML-escaped. Its spellings in
    base64 are :func:`run_spellings`."""
    try:
        value.encode()
    except UnicodeEncodeError:  # a lone surrogate: text no service could have encoded either
        return {value, json.dumps(value)[1:-1]}
    out = {
        value,
        quote(value, safe=""),
        quote(value, safe="/:@"),
        quote_plus(value, safe=""),
        unquote(value),
        html_escaped(value),
    }
    for v in list(out):
        escaped = json.dumps(v)[1:-1]
        out.update({escaped, escaped.replace("/", "\\/"), json.dumps(v, ensure_ascii=False)[1:-1]})
    return out


def run_spellings(value: str) -> dict[str, Ends | None]:
    """Base64 of any text holding ``value`` (:func:`base64_runs`), those runs JSON-escaped or
    percent-encoded too, each with what its ends must hold (None: nothing checked)."""
    try:
        value.encode()
    except UnicodeEncodeError:
        return {}
    out: dict[str, Ends | None] = {}
    for run, ends in base64_runs(value).items():
        out.update(dict.fromkeys((run, run.replace("/", "\\/"), quote(run, safe="")), ends))
    return out


# A run this long or longer is redacted wherever it is (a secret of 7 bytes has runs of 8
# characters or more at every alignment). A shorter one, of a secret of 4 to 6 bytes, only
# where the base64 characters just outside it hold the secret's first and last bits too: the
# 4 characters of a 4-byte secret at the middle alignment are an ordinary word's often
# enough ('defi' of "defined", 'Exam', 'g/en' of "billing/envs": 0.1-0.9% of such runs were
# found in the 5 MB of this project's docs and test data), and redacted with the base64 around
# them they blank the whole word or path. Checked, none was an echo's (bench/short_runs.py).
CHECKED_RUN = 8
_URLSAFE = str.maketrans("+/", "-_")
_STANDARD = str.maketrans("-_", "+/")

# the characters that may stand just before and just after a short run (None: any, the
# secret's bits begin or end with a character's)
Ends = tuple[frozenset[str] | None, frozenset[str] | None]


def base64_runs(value: str) -> dict[str, Ends | None]:
    """What base64 of *any* bytes holding ``value`` contains, whatever comes before or after
    it (``user:secret`` of a Basic header, a JSON document, padding or none): base64 turns
    three bytes into four characters, so the secret starts at one of three alignments, and
    at each the characters made only of its own bits are the same whatever surrounds it. Those
    runs, in the standard and the URL-safe alphabet, are registered. The character before and
    after a run still holds up to four of the secret's bits, so :func:`redact` takes the run
    with the base64 around it (:func:`redact_run`), the echo whole; for a short run, only
    where those characters hold them (:data:`CHECKED_RUN`)."""
    raw = value.encode()
    runs: dict[str, Ends | None] = {}
    for offset in range(3):
        encoded = base64.b64encode(b"\0" * offset + raw + b"\0\0").decode()
        # characters 6i..6i+6 bits wholly within the secret's bits 8*offset..8*(offset+len)
        first, end = -(-8 * offset // 6), 8 * (offset + len(raw)) // 6
        run = encoded[first:end]
        ends = None if len(run) >= CHECKED_RUN else _ends(raw, offset, first, end)
        for spelled, checked in ((run, ends), (run.translate(_URLSAFE), _translated(ends))):
            runs[spelled] = either(runs[spelled], checked) if spelled in runs else checked
    return runs


def _translated(ends: Ends | None) -> Ends | None:
    """``ends`` in the URL-safe alphabet."""
    if ends is None:
        return None
    before, after = (None if e is None else frozenset(c.translate(_URLSAFE) for c in e) for e in ends)
    return before, after


def _ends(raw: bytes, offset: int, first: int, end: int) -> Ends:
    """The characters base64 may put just before and just after the run of ``raw`` at
    ``offset``: those holding its first bits (with any bits of the byte before it) and its
    last (with any of the byte after)."""
    before = after = None
    if 8 * offset % 6:  # the secret's first bits share a character with the text before it
        before = frozenset(base64.b64encode(bytes([b]) * offset + raw[:1])[first - 1] for b in range(256))
    if 8 * (offset + len(raw)) % 6:
        tail = b"\0" * offset + raw
        after = frozenset(base64.b64encode(tail + bytes([b, 0]))[end] for b in range(256))
    return (
        None if before is None else frozenset(map(chr, before)),
        None if after is None else frozenset(map(chr, after)),
    )


def either(a: Ends | None, b: Ends | None) -> Ends | None:
    """Two secrets' checks of one run: what either allows."""
    if a is None or b is None:
        return None
    return (
        None if a[0] is None or b[0] is None else a[0] | b[0],
        None if a[1] is None or b[1] is None else a[1] | b[1],
    )


# compiled at its first use, not at import: a plan's start-up does not use it
# base64 characters (either alphabet, the JSON-escaped slash, the percent-encoded '+' and '/',
# and after the run its padding), read outward from a run: the rest of the echo, which holds
# the secret's first and last bits and the text it was encoded with (a Basic header's user)
@functools.cache
def _around_run_after() -> re.Pattern[str]:
    return re.compile(r"(?:%2[BbFf]|\\?/|[A-Za-z0-9+_-])*(?:=|%3[Dd]){0,2}")


# read backwards; no padding: '=' before a run is the text's own ('?auth=' stays)
@functools.cache
def _around_run_before() -> re.Pattern[str]:
    return re.compile(r"(?:[BbFf]2%|/\\?|[A-Za-z0-9+_-])*")


def redact_run(text: str, run: str, ends: Ends | None = None) -> str:
    """``text`` with each echo holding ``run`` redacted whole (the run and the base64 around
    it), in one pass each way: a greedy pattern around the run would backtrack over a long
    base64 text. ``ends``: a short run's, each found one is an echo only where they hold."""
    out: list[str] = []
    at = 0
    while (found := text.find(run, at)) >= 0:
        if ends is not None and not echoed(text, found, found + len(run), ends):
            out.append(text[at : found + 1])
            at = found + 1
            continue
        before = _around_run_before().match(text[at:found][::-1])
        after = _around_run_after().match(text, found + len(run))
        start = found - (before.end() if before else 0)
        end = after.end() if after else found + len(run)
        out += [text[at:start], REDACTED]
        at = end
    return "".join(out) + text[at:]


_SPELLED_CHAR = {"\\/": "/", "%2B": "+", "%2b": "+", "%2F": "/", "%2f": "/"}


def echoed(text: str, start: int, end: int, ends: Ends) -> bool:
    """Whether the characters beside ``text[start:end]`` hold the bits ``ends`` says an echo
    of the secret puts there. At the text's very start or end it counts as an echo: a message
    cut short may have cut the rest of one."""
    before, after = ends
    if before is not None and start > 0:
        spelled = text[max(0, start - 3) : start]
        char = next((c for s, c in _SPELLED_CHAR.items() if spelled.endswith(s)), spelled[-1])
        if char not in before:
            return False
    if after is not None and end < len(text):
        spelled = text[end : end + 3]
        char = next((c for s, c in _SPELLED_CHAR.items() if spelled.startswith(s)), spelled[0])
        if char not in after:
            return False
    return True


@functools.cache
def base64_word() -> re.Pattern[str]:
    return re.compile(r"[A-Za-z0-9+/_-]{12,}={0,2}")


def decoded_words(value: str) -> list[str]:
    """The text of each base64 word in ``value`` (either alphabet, padded or not): what a
    header built of a secret (``Basic base64(user:secret)``) holds it as."""
    out = []
    for word in base64_word().findall(value):
        word = word.rstrip("=").translate(_STANDARD)
        try:
            raw = base64.b64decode(word + "=" * (-len(word) % 4), validate=True)
        except ValueError:
            continue
        out.append(raw.decode("utf-8", "replace"))
    return out
