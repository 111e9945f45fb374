"""The regular expressions written outside the bot, in the one language and engine they are read by.

They come from a policy's ``allow``, ``ignore`` and ``pattern``, an image's ``revision_from_tag``,
a keyless ``identity_regexp``, and, through ``init``, Argo CD Image Updater's ``allow-tags:
regexp:...`` and Flux's ``filterTags.pattern``, and each is matched against every tag a registry
lists (thousands). Python's ``re`` backtracks: ``(a+)+$`` over a 40-character tag runs for
minutes, with no deadline a run could set. RE2 (google-re2) matches in time linear in the tag,
whatever the pattern, and its syntax is Go's ``regexp``, the language Image Updater, Flux and
cosign read those same patterns in: a pattern means here what it means to them
(``[[:digit:]]`` is a class, not a set of brackets and letters), and one they would refuse (a
lookahead, a backreference) is refused here with the fix.

RE2 is imported by name at the first pattern compiled (:data:`RE2`): a plan whose policies have
no regex never loads it (a 1.5 MB extension; its import measured 8 ms on a quiet 2-core machine).
"""

from __future__ import annotations

import functools
import importlib
from collections.abc import Iterable, Mapping
from typing import Any, final

RE2 = "re2"  # google-re2's module, imported by name where a pattern is compiled (see above)
SYNTAX = "Go's regexp syntax (RE2), as Flux and Argo CD Image Updater read it"

# what RE2 refuses that Python's re reads, and how to write it in Go's syntax instead
_FIXES = (
    ("invalid perl operator: (?=", "a lookahead, which Go's regexp has not"),
    (
        "invalid perl operator: (?!",
        "a negative lookahead, which Go's regexp has not: list the tags in ignore",
    ),
    ("invalid perl operator: (?<", "a lookbehind, which Go's regexp has not"),
    ("invalid escape sequence: \\Z", "Go's end of text is \\z, or $"),
    ("invalid escape sequence: \\", "a backreference or an escape Go's regexp has not"),
)


class RegexpError(ValueError):
    """A pattern RE2 does not read; its text says why and how to write it."""


@functools.cache
def _re2() -> tuple[Any, Any]:
    """The module and its options: errors are raised, never logged to stderr by the library."""
    re2 = importlib.import_module(RE2)
    options = re2.Options()
    options.log_errors = False
    return re2, options


def problem(pattern: str) -> str | None:
    """Why ``pattern`` is not Go's regexp syntax, said with the fix; None when it is."""
    try:
        compiled(pattern)
    except RegexpError as e:
        return str(e)
    return None


@functools.lru_cache(maxsize=256)
def compiled(pattern: str) -> Regexp:
    """``pattern`` compiled once a run (a plan sets up a policy per image and environment)."""
    return Regexp(pattern)


@final
class Regexp:
    """One pattern compiled by RE2: whether a tag matches, and the part of it a policy orders."""

    __slots__ = ("_anchors", "_match", "_names", "groups", "pattern")

    def __init__(self, pattern: str) -> None:
        re2, options = _re2()
        try:
            regexp = re2.compile(pattern, options)
        except re2.error as e:
            said = e.args[0].decode() if e.args and isinstance(e.args[0], bytes) else str(e)
            fix = next((f for start, f in _FIXES if said.startswith(start)), "")
            raise RegexpError(f"{said}{f' ({fix})' if fix else ''}; write it in {SYNTAX}") from None
        self.pattern = pattern
        self._names: dict[str, int] = dict(regexp.groupindex)
        self.groups = int(regexp.groups)  # how many capturing groups it has
        # RE2's own match, called as the library's search calls it: the group spans of the first
        # match, without the match object the library builds around them (a regex policy over
        # 20,000 tags: 65 ms of CPU with Python's re, 220 ms through the library's search, 100 ms
        # so); tests/unit/policy/test_outside_regexes.py holds the library to this shape
        self._match = regexp._regexp.Match
        anchor = re2._re2.RE2.Anchor
        self._anchors = (anchor.UNANCHORED, anchor.ANCHOR_BOTH)

    @property
    def groupindex(self) -> Mapping[str, int]:
        return self._names

    def found(self, text: str) -> bool:
        """Whether the pattern matches anywhere in ``text``."""
        return self.groups_of(text) is not None

    def groups_of(self, text: str, whole: bool = False) -> list[str | None] | None:
        """The text of each group of the first match in ``text`` (of a match of all of it where
        ``whole``), group 0 the match, None for a group that took no part; None: no match."""
        data = text.encode()
        spans: list[tuple[int, int]] = self._match(self._anchors[whole], data, 0, len(data))
        if spans[0][0] < 0:
            return None
        return [None if start < 0 else data[start:end].decode() for start, end in spans]

    def group(self, text: str, name: str | int = 0, whole: bool = False) -> str | None:
        """The group ``name`` of the first match in ``text`` (of a match of all of it where
        ``whole``); None where there is none or the group took no part."""
        found = self.groups_of(text, whole)
        return None if found is None else found[self._names[name] if isinstance(name, str) else name]

    def extract(self, text: str, template: str | None) -> str | None:
        """The part of ``text`` a policy orders: all of it without a template, else the
        template expanded as Go's ``Regexp.Expand`` expands Flux's ``filterTags.extract``
        (``$ts``, ``${ts}``, ``$1``, ``$$`` a dollar; a group not in the pattern, or one that
        took no part, is empty); a bare name (the bot's own ``extract: ts``) is that group.
        None where the pattern does not match ``text``."""
        found = self.groups_of(text)
        if found is None:
            return None
        if not template:
            return text
        if "$" not in template:
            return found[self._names[template]]
        out: list[str] = []
        for literal, ref in expansion(template):
            out.append(literal)
            index = self._names.get(ref, -1) if isinstance(ref, str) else -1 if ref is None else ref
            if 0 <= index < len(found) and (value := found[index]) is not None:
                out.append(value)
        return "".join(out)


def expansion(template: str) -> list[tuple[str, str | int | None]]:
    """``template`` as (literal text, group reference) pairs, read as Go's ``Regexp.Expand``
    reads it: ``$name`` takes the longest name of letters, digits and underscores, ``${name}``
    the braced one, a name of digits alone (no leading zero) is a group's number, ``$$`` is a
    dollar, and a ``$`` starting no name is itself."""
    out: list[tuple[str, str | int | None]] = []
    literal = ""
    rest = template
    while (at := rest.find("$")) >= 0:
        literal += rest[:at]
        rest = rest[at + 1 :]
        if rest.startswith("$"):
            literal, rest = literal + "$", rest[1:]
            continue
        braced = rest.startswith("{")
        body = rest[1:] if braced else rest
        end = 0
        while end < len(body) and (body[end].isalpha() or body[end].isdecimal() or body[end] == "_"):
            end += 1
        if end == 0 or (braced and body[end : end + 1] != "}"):
            literal += "$"
            continue
        name = body[:end]
        rest = body[end + 1 :] if braced else body[end:]
        number = name.isascii() and name.isdigit() and (name == "0" or not name.startswith("0"))
        out.append((literal, int(name) if number and len(name) <= 8 else name))
        literal = ""
    out.append((literal + rest, None))
    return out


def extraction(pattern: str, template: str) -> tuple[str, str | None]:
    """``template`` as a policy keeps it (``$ts`` and ``${ts}`` are the group ``ts``, other
    templates are kept as written) and why ``pattern``'s matches cannot give it (a group it names
    that the pattern does not define: Go's expansion would make it empty, every tag alike),
    None when they can."""
    if "$" not in template:
        refs: list[str | int] = [template]
    else:
        refs = [ref for _, ref in expansion(template) if ref is not None]
        parts = expansion(template)
        if len(parts) == 2 and parts[0][0] == parts[1][0] == "" and isinstance(parts[0][1], str):
            template = parts[0][1]  # one named group alone: the bot's own form
    regexp = compiled(pattern)
    names = regexp.groupindex
    for ref in refs:
        if isinstance(ref, int) and not 0 <= ref <= regexp.groups:
            return template, f"names group {ref}, and 'pattern' has {regexp.groups}"
        if isinstance(ref, str) and ref not in names:
            return template, f"names group {ref!r}, which 'pattern' does not define; write (?P<{ref}>...)"
    return template, None if refs else "names no group: write $name of a (?P<name>...) group in 'pattern'"


def from_glob(glob: str) -> str | None:
    """Go's ``filepath.Match`` pattern (Argo CD Image Updater's ``ignore-tags``) as a pattern of
    Go's regexp matching the same tags, whole: ``*`` any run and ``?`` any one character but a
    ``/``, ``[a-z]`` and ``[^a-z]`` a class, ``\\`` escaping the next character. None where
    ``filepath.Match`` refuses it (an empty or unclosed class, a trailing ``\\``), as Image
    Updater then matches no tag by it."""
    out, rest = ["^"], glob
    while rest:
        c, rest = rest[0], rest[1:]
        if c in "*?":
            out.append("[^/]*" if c == "*" else "[^/]")
        elif c == "\\":
            if not rest:
                return None
            out.append(_quoted(rest[0]))
            rest = rest[1:]
        elif c == "[":
            negated = rest.startswith("^")
            rest = rest[1:] if negated else rest
            ranges: list[str] = []
            while not (rest.startswith("]") and ranges):
                low, rest = _class_char(rest)
                high = low
                if low is not None and rest.startswith("-"):
                    high, rest = _class_char(rest[1:])
                if low is None or high is None or low > high:
                    return None  # what filepath.Match refuses (a backward range RE2 refuses)
                ranges.append(_quoted(low) + (f"-{_quoted(high)}" if high != low else ""))
            rest = rest[1:]
            out.append(f"[{'^' if negated else ''}{''.join(ranges)}]")
        else:
            out.append(_quoted(c))
    return "".join(out) + "$"


def _class_char(chunk: str) -> tuple[str | None, str]:
    """A class's next character as filepath.Match's getEsc reads it (None: a bad pattern)."""
    if not chunk or chunk[0] in "-]":
        return None, chunk
    if chunk[0] == "\\":
        chunk = chunk[1:]
    if len(chunk) < 2:  # a character, then at least the class's end
        return None, chunk
    return chunk[0], chunk[1:]


def _quoted(c: str) -> str:
    return "\\" + c if c.isascii() and not c.isalnum() and c != "_" else c


@final
class Filters:
    """A policy's ``allow``, ``ignore`` and ``pattern`` matched as one RE2 set: one pass over a
    tag answers all three, as a plan tests every tag a registry lists (semver with an allow and
    an ignore pattern over 20,000 tags: 53 ms of CPU, 34 ms with Python's re, 25 ms without)."""

    __slots__ = ("_allow", "_ignore", "_pattern", "_set")

    def __init__(self, allow: Iterable[str], ignore: Iterable[str], pattern: str | None) -> None:
        allow, ignore = tuple(allow), tuple(ignore)
        patterns = (*allow, *ignore, *filter(None, [pattern]))
        for p in patterns:
            compiled(p)  # each refused with its own words before the set takes them
        # each kind's indices in the set, tested against a match's indices by set operations
        self._allow = frozenset(range(len(allow)))
        self._ignore = frozenset(range(len(allow), len(allow) + len(ignore)))
        self._pattern = frozenset([len(patterns) - 1] if pattern else [])
        re2, options = _re2()
        self._set = _search_set(re2, options, patterns) if patterns else None

    def admits(self, text: str) -> bool:
        """Whether ``text`` matches an allow pattern (if any), no ignore pattern, and the pattern."""
        if self._set is None:
            return True
        hit = self._set.Match(text)
        if hit is None:
            return not self._allow and not self._pattern
        return (
            (not self._allow or not self._allow.isdisjoint(hit))
            and self._ignore.isdisjoint(hit)
            and self._pattern.issubset(hit)
        )


def _search_set(re2: Any, options: Any, patterns: Iterable[str]) -> Any:
    found = re2.Set.SearchSet(options)
    for p in patterns:
        found.Add(p)
    found.Compile()
    return found
