"""Reading a classic chart repository's ``index.yaml``: each chart's version strings, and
nothing else kept.

An index in the layout ``helm repo index`` writes is read by lines (:func:`_helm_layout`: a
regular expression over 30 MB takes a fraction of a second); any other YAML (JSON, another
writer's indentation, flow style) as a stream of parser events (:func:`_entries`), so no
document tree of the whole index is ever built and an alias is never expanded.

Both readers cost time linear in the index's size: a chart named twice under ``entries`` is
refused when its second name is read (YAML does not allow a key twice; merging the lists would
copy them again for each repeat, and the first or last list alone would silently be a guess),
and at most :data:`MAX_VERSIONS` versions, of all charts together, are read (a cap on entries as
well as on bytes: the byte cap alone lets a small entry repeat millions of times).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import yaml

MAX_VERSIONS = 250_000  # of all charts of one index; the largest public indexes list ~30,000


def _twice(chart: str) -> ValueError:
    return ValueError(f"chart {chart[:100]!r} is named more than once under entries")


def _too_many() -> ValueError:
    return ValueError(f"more than {MAX_VERSIONS} versions under entries")


def index_versions(text: bytes | str) -> dict[str, tuple[str, ...]]:
    """Each chart's versions as ``index.yaml`` lists them (``entries: {name: [{version: ...}]}``),
    in the order written. Every other field is skipped as the parser reads it. Raises
    ``ValueError`` for text that is not YAML or has no ``entries`` mapping."""
    raw = text.encode("utf-8") if isinstance(text, str) else text
    found = _helm_layout(raw)
    if found is not None:
        return found
    try:
        return _entries(iter(yaml.parse(raw, Loader=_Loader)))
    except yaml.YAMLError as exc:
        raise ValueError(f"not YAML: {str(exc).splitlines()[0]}") from None


# The lines of an index as ``helm repo index`` (Go's YAML encoder) writes it: chart names at
# two spaces under a root ``entries:``, each version an item ``  - `` at the same indent, and
# its fields at four spaces (nested fields, dependencies' versions and block scalars deeper).
_ENTRIES = re.compile(rb"^entries:[ \t]*\r?$", re.MULTILINE)
_LINE = re.compile(
    rb"^(?:"
    rb"  ([A-Za-z0-9_][A-Za-z0-9_.-]*):[ \t]*\r?$"  # a chart's name
    rb"|(  - )"  # one of its versions starts
    rb"|    version:[ \t]*([^\r\n]*?)[ \t]*\r?$"  # that version's own version
    rb"|(\S)"  # a root key: the entries end
    rb"|  (\S))",  # anything else at the charts' indent
    re.MULTILINE,
)
_PLAIN_VERSION = re.compile(rb"[A-Za-z0-9_.+-]+|\"[A-Za-z0-9_.+-]+\"|'[A-Za-z0-9_.+-]+'")


def _helm_layout(raw: bytes) -> dict[str, tuple[str, ...]] | None:
    """The versions read from the lines alone when the index has helm's own layout (a regular
    expression over 30 MB takes a fraction of a second; YAML events for it take half a
    minute). None when anything is off the layout (another writer's indentation, flow style,
    quoting beyond a plain version, an entry without exactly one version): the caller then
    parses it as YAML."""
    start = _ENTRIES.search(raw)
    if start is None or raw.startswith(b"\xef\xbb\xbf"):
        return None
    found: dict[str, list[str]] = {}
    items: dict[str, int] = {}
    total = 0
    chart: str | None = None
    first = start.end()
    while raw[first : first + 1] in (b"\r", b"\n"):
        first += 1
    head = _LINE.match(raw, first)
    if first < len(raw) and (head is None or (head.group(1) is None and head.group(4) is None)):
        return None  # the entries do not start with a chart name at two spaces
    for m in _LINE.finditer(raw, first):
        name, item, version, root, other = m.groups()
        if other is not None:
            return None  # a key at the charts' indent that is not a plain chart name
        if root is not None:
            if root in (b"-", b"#"):
                return None
            break  # the next root key: the entries are over
        if name is not None:
            chart = name.decode("ascii")
            if chart in found:
                raise _twice(chart)  # in any layout: no need to read it again as YAML
            found[chart], items[chart] = [], 0
        elif chart is None:
            return None
        elif item is not None:
            items[chart] += 1
            total += 1
            if total > MAX_VERSIONS:
                raise _too_many()
        elif version is not None:
            if not _PLAIN_VERSION.fullmatch(version):
                return None
            found[chart].append(version.strip(b"\"'").decode("ascii"))
    if any(len(found[c]) != items[c] for c in found):
        return None
    return {c: tuple(v) for c, v in found.items()}


_Loader: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def _skip(events: Iterator[yaml.Event], first: yaml.Event) -> None:
    """Consume the rest of the node that ``first`` opened."""
    if not isinstance(first, yaml.MappingStartEvent | yaml.SequenceStartEvent):
        return
    depth = 1
    for event in events:
        if isinstance(event, yaml.MappingStartEvent | yaml.SequenceStartEvent):
            depth += 1
        elif isinstance(event, yaml.MappingEndEvent | yaml.SequenceEndEvent):
            depth -= 1
            if depth == 0:
                return


def _pairs(events: Iterator[yaml.Event]) -> Iterator[tuple[str | None, yaml.Event]]:
    """(key, first event of the value) of a mapping whose start was just read; the caller
    consumes each value (or :func:`_skip` s it) before asking for the next pair. A key that is
    not a plain scalar is ``None``."""
    for key in events:
        if isinstance(key, yaml.MappingEndEvent):
            return
        name = key.value if isinstance(key, yaml.ScalarEvent) else None
        _skip(events, key)
        yield name, next(events)


def _entries(events: Iterator[yaml.Event]) -> dict[str, tuple[str, ...]]:
    for event in events:
        if isinstance(event, yaml.MappingStartEvent):
            break
        if not isinstance(event, yaml.StreamStartEvent | yaml.DocumentStartEvent):
            raise ValueError("index.yaml is not a mapping")
    else:
        raise ValueError("index.yaml is empty")
    found: dict[str, tuple[str, ...]] | None = None
    for key, value in _pairs(events):
        if key == "entries" and isinstance(value, yaml.MappingStartEvent):
            found, total = {}, 0
            for chart, versions in _pairs(events):
                if chart is not None and chart in found:
                    raise _twice(chart)
                if chart is not None and isinstance(versions, yaml.SequenceStartEvent):
                    listed = []
                    for version in _versions(events):
                        total += 1
                        if total > MAX_VERSIONS:
                            raise _too_many()
                        listed.append(version)
                    found[chart] = tuple(listed)
                else:
                    _skip(events, versions)
        else:
            _skip(events, value)
    if found is None:
        raise ValueError("index.yaml has no 'entries' mapping")
    return found


def _versions(events: Iterator[yaml.Event]) -> Iterator[str]:
    """The ``version`` of each entry of a chart's sequence (its start just read)."""
    for entry in events:
        if isinstance(entry, yaml.SequenceEndEvent):
            return
        if not isinstance(entry, yaml.MappingStartEvent):
            _skip(events, entry)
            continue
        for key, value in _pairs(events):
            if key == "version" and isinstance(value, yaml.ScalarEvent) and value.value:
                yield value.value
            else:
                _skip(events, value)
