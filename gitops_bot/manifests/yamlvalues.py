"""Composed YAML nodes -> plain Python values that remember their lines (for ``gitops-bot.yaml``).

The config needs values and the line of each key and list item for its error messages, not
round-tripping: ruamel.yaml's round-trip loader spent 0.5-0.75 s on a 1,000-image config, the
fast composer the editors use (:func:`gitops_bot.manifests.nodes.compose`) plus this small
constructor about a tenth of that. Mappings and lists carry an ``lc`` with the same interface
as ruamel's (``line``, ``key(k)``, ``item(i)``, 0-based lines), so the config reader did not
change. Scalars follow the YAML 1.2 core schema as ruamel did (``yes`` and ``on`` are strings,
``3141e59`` is a number); an explicit tag (``!!str 1.0``) is honoured.
"""

from __future__ import annotations

import math
import re
from typing import Any

import yaml

from gitops_bot.core.errors import ConfigError, ManifestError
from gitops_bot.manifests import nodes

_STR = "tag:yaml.org,2002:str"
_MERGE = "tag:yaml.org,2002:merge"
_NULL = re.compile(r"^(?:~|null|Null|NULL|)$")
_BOOL = {"true": True, "True": True, "TRUE": True, "false": False, "False": False, "FALSE": False}
_INT = re.compile(r"^(?:[-+]?[0-9]+|0o[0-7]+|0x[0-9a-fA-F]+)$")
_FLOAT = re.compile(r"^[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)(?:[eE][-+]?[0-9]+)?$")
_SPECIAL = {".inf": math.inf, "+.inf": math.inf, "-.inf": -math.inf, ".nan": math.nan}
_RESOLVER = yaml.resolver.Resolver()


class Lines:
    """Where a mapping's keys and a list's items start (0-based, like ruamel's ``lc``)."""

    def __init__(self, line: int) -> None:
        self.line = line
        self._at: dict[Any, int] = {}

    def key(self, key: Any) -> tuple[int, int]:
        return self._at[key], 0

    def item(self, index: int) -> tuple[int, int]:
        return self._at[index], 0


class LineDict(dict[Any, Any]):
    lc: Lines


class LineList(list[Any]):
    lc: Lines


def load(text: str, filename: str) -> Any:
    """The document of ``text`` as values; YAML errors as a ConfigError naming file and line."""
    return _Builder(filename).value(compose(text, filename))


def load_all(text: str, filename: str, *, values: bool = False) -> list[Any]:
    """Every document of a multi-document stream as values (empty documents dropped).
    ``values``: a Helm values file, where a key written twice is helm's: the last one wins."""
    try:
        docs = nodes.compose_all(text, filename, values=values)
    except ManifestError as exc:
        where = f"{exc.path}:{exc.line}: " if exc.line is not None else f"{exc.path}: "
        raise ConfigError(filename, exc.line, exc.message.removeprefix(where), hint=exc.hint) from None
    return [_Builder(filename, values).value(d) for d in docs]


def compose(text: str, filename: str) -> Any:
    """The document's node tree (None when empty); YAML errors as a ConfigError naming file and line."""
    try:
        return nodes.compose(text, filename)
    except ManifestError as exc:
        where = f"{exc.path}:{exc.line}: " if exc.line is not None else f"{exc.path}: "
        raise ConfigError(filename, exc.line, exc.message.removeprefix(where), hint=exc.hint) from None


class _Builder:
    def __init__(self, filename: str, twice: bool = False) -> None:
        self.filename = filename
        self.twice = twice  # a key written twice: the last one (helm's reading), not refused
        self._done: dict[int, Any] = {}  # an alias is built once, however often it is used

    def value(self, node: Any) -> Any:
        if node is None:
            return None
        found = self._done.get(id(node))
        if found is None:
            found = self._build(node)
            self._done[id(node)] = found
        return found

    def _build(self, node: Any) -> Any:
        if nodes.is_scalar(node):
            return _scalar(node)
        if nodes.is_seq(node):
            out = LineList()
            out.lc = Lines(node.start_mark.line)
            for i, item in enumerate(node.value):
                out.lc._at[i] = item.start_mark.line
                out.append(self.value(item))
            return out
        return self._mapping(node)

    def _mapping(self, node: Any) -> LineDict:
        out = LineDict()
        out.lc = Lines(node.start_mark.line)
        merged: list[Any] = []
        for k, v in node.value:
            if k.tag == _MERGE:
                merged.extend(v.value if nodes.is_seq(v) else [v])
                continue
            key = self.value(k)
            if not nodes.is_scalar(k):
                raise ConfigError(self.filename, k.start_mark.line + 1, "a key must be a plain value")
            if key in out.lc._at and not self.twice:
                raise ConfigError(
                    self.filename, k.start_mark.line + 1, f"duplicate key {key!r}; keep one of them"
                )
            out.lc._at[key] = k.start_mark.line
            out[key] = self.value(v)
        for source in merged:  # '<<: *defaults': keys written here win over merged ones
            built = self.value(source)
            if isinstance(built, LineDict):
                for key, val in built.items():
                    if key not in out:
                        out[key] = val
                        out.lc._at[key] = built.lc._at[key]
        return out


def _scalar(node: Any) -> Any:
    value: str = node.value
    plain = not node.style  # libyaml says '' for plain, ruamel None
    if node.tag == _STR and (not plain or _core(value, None) is value):
        return value  # the common case, without asking the resolver
    implicit = _RESOLVER.resolve(yaml.ScalarNode, value, (plain, not plain))  # type: ignore[no-untyped-call]
    if node.tag != implicit:  # an explicit tag
        return value if node.tag == _STR else _core(value, node.tag)
    return _core(value, None) if plain else value


def _core(value: str, tag: str | None) -> Any:
    """YAML 1.2 core schema for a plain scalar (``tag`` narrows it when explicit)."""
    if _NULL.match(value) and tag in (None, "tag:yaml.org,2002:null"):
        return None
    if value in _BOOL and tag in (None, "tag:yaml.org,2002:bool"):
        return _BOOL[value]
    if _INT.match(value) and tag in (None, "tag:yaml.org,2002:int"):
        try:
            return int(value, 0) if value[:2] in ("0o", "0x") else int(value)
        except ValueError:  # over int()'s 4,300 digits: kept as written, as go-yaml keeps it a string
            return value
    lowered = value.lower()
    if (_FLOAT.match(value) or lowered in _SPECIAL) and tag in (None, "tag:yaml.org,2002:float"):
        return _SPECIAL[lowered] if lowered in _SPECIAL else float(value)
    return value
