"""Declared validation: each section of gitops-bot.yaml is a :class:`Section` of
:class:`Field`s (key, kind, default, :class:`Rule`s, description) and a ``build`` function that
turns the values read into its settings dataclass, checking what spans keys. Most sections
derive their Fields from that dataclass, where each key is declared once
(:func:`gitops_bot.config.kinds.section_of`, :mod:`gitops_bot.core.settings`).

:func:`read` is the one generic reader: unknown keys ("did you mean"), types, choices,
patterns and bounds, each message naming file and line; :mod:`.schema` turns the same
declarations into the published JSON Schema.
"""

from __future__ import annotations

import dataclasses
import enum
from abc import ABC, abstractmethod
from collections.abc import Callable, Iterable, Mapping, Sequence
from collections.abc import Set as AbstractSet
from dataclasses import field
from typing import Any, ClassVar, Generic, TypeVar
from urllib.parse import urlsplit

from gitops_bot.config.reader import ConfigReader, Node, closest
from gitops_bot.core.errors import ConfigError
from gitops_bot.core.record import record
from gitops_bot.core.secret import metadata_host
from gitops_bot.core.settings import COMPILES as COMPILES
from gitops_bot.core.settings import Rule as Rule
from gitops_bot.core.settings import between as between
from gitops_bot.core.settings import holds as holds
from gitops_bot.core.settings import matches as matches
from gitops_bot.core.settings import none_of as none_of
from gitops_bot.core.settings import one_of as one_of
from gitops_bot.core.settings import regex_problem as regex_problem

T = TypeVar("T")
JSON = dict[str, Any]
Defs = dict[str, JSON]


@record
class Same:
    """A default that is the value of another key ("": the entry's own name in a mapping)."""

    key: str


class Kind(ABC):
    """How one key's value is read, and its JSON Schema (the kinds are in :mod:`.kinds`,
    which builds on this module)."""

    @abstractmethod
    def read(self, v: Values, key: str, default: Any) -> Any: ...

    # YAML's null (``key:`` with nothing) to the reader. A single value (a string, a number, a
    # choice) has no empty form: written with nothing it is a value forgotten (or a template
    # that wrote none), refused in one line rather than read as the default (``range:`` would
    # allow any version, ``promote_from:`` drop the chain), as the schema refuses it.
    single: ClassVar[bool] = False
    # A list of strings takes null as none given; a field declaring its own schema gets null
    # beside it (the kinds of mappings and lists say what null is in their own schema)
    null_is_nothing: ClassVar[bool] = False

    def each(self, value: Any) -> Iterable[Any]:
        """The values the field's rules check."""
        return () if value is None else (value,)

    @abstractmethod
    def schema(self, defs: Defs) -> JSON: ...

    def rule_schema(self, rule: Rule) -> JSON:
        """What ``rule`` adds to this kind's schema."""
        return dict(rule.schema)


@record
class Field:
    """One key of a section: how its value is read (``kind``), its default, the rules it must
    meet, and what the JSON Schema says of it."""

    key: str
    kind: Kind
    default: Any = None
    rules: tuple[Rule, ...] = ()
    required: bool | str = False  # a str: the message when it is missing (at the section's line)
    description: str = ""
    schema: Mapping[str, Any] = field(default_factory=dict)  # replaces the kind's own schema


@record
class Section(Generic[T]):
    """A mapping of gitops-bot.yaml: its keys (read in this order), and ``build``, which makes
    the settings from the values read and checks what spans keys."""

    fields: tuple[Field, ...]
    build: Callable[[Values], T]
    name: str = ""  # its name under $defs in the JSON Schema ("": written in place)
    named: str = ""  # how messages name it once its 'name' is read, e.g. "image {name!r}"
    schema: Mapping[str, Any] = field(default_factory=dict)  # what spans keys, for the schema
    description: str = ""
    settings: type | None = None  # the dataclass its fields were derived from (kinds.section_of)

    @property
    def keys(self) -> tuple[str, ...]:
        return tuple(f.key for f in self.fields)


@record(frozen=False, slots=False)
class Values:
    """One mapping being read: its node (for lines), its values so far, and where it sits."""

    r: ConfigReader
    node: Node
    what: str  # how messages name it: "'git'", "image 'app'"
    line: int | None  # where its parent places it (None: the file itself)
    parent: str = ""  # how messages name its parent
    key: str = ""  # its own name in an open mapping (a registry host, a webhook source)
    root: Values | None = None  # the whole file's values read so far (None: this is the file)
    # The entries of its list built before it, and their names: views of the list being read,
    # not copies (a copy per entry made a 1,000-image file quadratic to read)
    siblings: Sequence[Any] = ()
    taken: AbstractSet[str] = frozenset()
    values: dict[str, Any] = field(default_factory=dict)

    def __getitem__(self, key: str) -> Any:
        return self.values[key]

    @property
    def file(self) -> Values:
        return self.root or self

    def given(self, key: str) -> bool:
        return self.node.get(key) is not None

    def same(self, key: str) -> Any:
        """Another key's value ("": this mapping's own name): read already, else as written."""
        if not key:
            return self.key
        if key in self.values:
            return self.values[key]
        raw = self.node.get(key)
        return raw if isinstance(raw, str) else None

    def line_of(self, key: str | None = None) -> int | None:
        return self.r.line_of(self.node, key)

    def error(self, line: int | None, message: str) -> ConfigError:
        return self.r.error(line, message)

    def child(self, node: Any, what: str, line: int | None, **where: Any) -> Values:
        return Values(self.r, node, what, line, parent=self.what, root=self.file, **where)


def default_of(settings: type, attribute: str) -> Any:
    """The default of a settings dataclass attribute as YAML writes it (an enum's value), for a
    hand-declared :class:`Field` whose key the dataclass holds in another shape."""
    found = next(f for f in dataclasses.fields(settings) if f.name == attribute)
    if found.default is dataclasses.MISSING:
        raise TypeError(f"{settings.__name__}.{attribute} has no default")
    return found.default.value if isinstance(found.default, enum.Enum) else found.default


def read(section: Section[T], v: Values) -> T:
    """Check ``v.node`` against ``section`` and build its settings."""
    v.node = v.r.mapping(v.node, v.line, v.what, allowed=section.keys)
    for f in section.fields:
        v.values[f.key] = _field(f, v)
        if f.key == "name" and section.named and v.values["name"] is not None:
            v.what = section.named.format(name=v.values["name"])
    return section.build(v)


def _field(f: Field, v: Values) -> Any:
    # once per key of every image of a 1,000-image file (17,000 calls): the common case first,
    # and the key looked up once
    written = v.node.get(f.key)
    if written is None:
        if f.required:
            if isinstance(f.required, str):
                raise v.error(v.line, f.required)
            raise v.error(v.line_of(), f"{v.what} needs '{f.key}'")
        if f.kind.single and f.key in v.node:
            raise v.error(
                v.line_of(f.key),
                f"'{f.key}' in {v.what} has no value; give one, or leave the key out for its default",
            )
    default = f.default
    own = not isinstance(default, Same)  # the bot's own default, not another key's value
    if not own:
        default = v.same(default.key)
    value = f.kind.read(v, f.key, default)
    if written is not None:
        _no_metadata_url(f.key, v, value)
    if not f.rules or (own and written is None):
        # a key left out is its declared default, which meets its rules (a test holds every
        # declaration to that): only what the file writes is checked
        return value
    for item in f.kind.each(value):
        for rule in f.rules:
            problem = rule.problem(item)
            if problem is not None:
                line = v.line_of(f.key) if f.key in v.node else v.line
                raise v.error(line, _message(rule, v, f.key, item, problem))
    return value


def _no_metadata_url(key: str, v: Values, value: Any) -> None:
    """A URL a file writes (any key's: a web gate's, a webhook's, metrics, Argo CD, a chart
    repository, a forge's API) never names the machine's cloud metadata service: the bot runs
    with that machine's identity, and a reading of it (a gate's value, a notification's
    answer) would print its credentials. Its address judged as a connection would use it."""
    for item in value if isinstance(value, tuple) else (value,):
        if not isinstance(item, str) or "://" not in item:
            continue
        found = metadata_host(url_host(item))
        if found is not None:
            line = v.line_of(key) if key in v.node else v.line
            raise v.error(
                line,
                f"'{key}' of {v.what} names {found}, this machine's cloud metadata service (its "
                "credentials), which only the bot's own cloud login asks: give the service's own address",
            )


def url_host(url: str) -> str:
    """The host of ``url`` as urllib splits it ("" when it has none it can read)."""
    try:
        return urlsplit(url.strip()).hostname or ""
    except ValueError:
        return ""


def _message(rule: Rule, v: Values, key: str, value: Any, problem: str) -> str:
    suggest = ""
    if rule.choices:
        names = [str(c) for c in rule.choices]
        close = closest(str(value), names)
        suggest = f"did you mean {close!r}?" if close else f"use one of: {', '.join(names)}"
    where = {"what": v.what, "parent": v.parent, "problem": problem, "suggest": suggest}
    return rule.message.format(value=value, text=str(value), key=key, **where)


def object_schema(section: Section[Any], defs: Defs) -> JSON:
    out: JSON = {"description": section.description} if section.description else {}
    out["type"] = "object"
    out["additionalProperties"] = False
    out["properties"] = {f.key: _property(f, defs) for f in section.fields}
    required = [f.key for f in section.fields if f.required]
    if required:
        out["required"] = required
    return out | dict(section.schema)


def _property(f: Field, defs: Defs) -> JSON:
    out = dict(f.schema) if f.schema else f.kind.schema(defs)
    if f.required and isinstance(out.get("type"), list):
        # a required key written with nothing is missing to the reader ("needs 'environments'")
        kept = [t for t in out["type"] if t != "null"]
        out["type"] = kept[0] if len(kept) == 1 else kept
    elif f.schema and f.kind.null_is_nothing and not f.required:
        out = _or_nothing(out)
    if not f.schema:
        for rule in f.rules:
            out.update(f.kind.rule_schema(rule))
    if f.description:
        out["description"] = f.description
    if isinstance(f.default, str | int | float):
        out["default"] = f.default
    return out


def _or_nothing(schema: JSON) -> JSON:
    """``schema`` taking null too (its own oneOf / anyOf, else one around it)."""
    for combined in ("oneOf", "anyOf"):
        if set(schema) == {combined}:
            return {combined: [*schema[combined], {"type": "null"}]}
    return {"anyOf": [schema, {"type": "null"}]}
