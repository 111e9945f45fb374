"""The kinds of value a :class:`~gitops_bot.config.spec.Field` holds: how each is read (with
the reader's messages) and its JSON Schema. Nested kinds read a mapping, a list of mappings or
a mapping of the user's names by another :class:`~gitops_bot.config.spec.Section`."""

from __future__ import annotations

import dataclasses
import enum
import functools
import importlib
import sys
import types
import typing
from collections.abc import Callable, Iterable, Mapping
from typing import Any, Generic, TypeVar

from gitops_bot.config.reader import ConfigReader, item_line
from gitops_bot.config.spec import JSON, Defs, Field, Kind, Rule, Same, Section, Values, object_schema, read
from gitops_bot.core.record import record
from gitops_bot.core.settings import declared

T = TypeVar("T")


_JSON_TYPES = {str: "string", bool: "boolean", int: "integer", float: "number"}


@record
class Scalar(Kind):
    """A setting of one value of ``types``."""

    types: type | tuple[type, ...]
    single = True

    def read(self, v: Values, key: str, default: Any) -> Any:
        return v.r.get(v.node, key, self.types, v.what, default)

    def schema(self, defs: Defs) -> JSON:
        if isinstance(self.types, type):
            return {"type": _JSON_TYPES[self.types]}
        return {"type": [_JSON_TYPES[t] for t in self.types]}


STR, BOOL, INT, NUMBER = Scalar(str), Scalar(bool), Scalar(int), Scalar(float)


class Value(Kind):
    """Any value; its rules say which."""

    single = True

    def read(self, v: Values, key: str, default: Any) -> Any:
        return v.node[key] if v.given(key) else default

    def schema(self, defs: Defs) -> JSON:
        return {}


class EnvVar(Kind):
    """The name of an environment variable that holds a secret (never the secret)."""

    single = True

    def read(self, v: Values, key: str, default: Any) -> Any:
        return v.r.env_name(v.node, key, v.what, default)

    def schema(self, defs: Defs) -> JSON:
        return {"$ref": "#/$defs/envVar"}


class Strings(Kind):
    """A string or a list of strings, read as a tuple; the rules check each string."""

    null_is_nothing = True

    def read(self, v: Values, key: str, default: Any) -> Any:
        return v.r.str_list(v.node, key, v.what) or (default if default is not None else ())

    def each(self, value: Any) -> Iterable[Any]:
        return tuple(value)

    def schema(self, defs: Defs) -> JSON:
        return {"$ref": "#/$defs/strings"}

    def rule_schema(self, rule: Rule) -> JSON:
        assert not rule.schema, "a rule on each string: say it in the Field's schema"
        return {}


def ref(section: Section[Any], defs: Defs) -> JSON:
    """The JSON Schema of ``section``: a $ref to its $defs entry, or the object in place."""
    if not section.name:
        return object_schema(section, defs)
    if section.name not in defs:
        defs[section.name] = {}  # taken before its fields are walked (verify nests in verify)
        defs[section.name] = object_schema(section, defs)
    return {"$ref": f"#/$defs/{section.name}"}


def takes_empty(section: Section[Any]) -> bool:
    """Whether the section reads an empty mapping: no key is required, and what spans keys
    (its schema's anyOf / oneOf, each asking for some key) does not ask for one."""
    return not any(f.required for f in section.fields) and not {"anyOf", "oneOf"} & section.schema.keys()


def or_null(schema: JSON, section: Section[Any]) -> JSON:
    """``schema`` of a mapping read by ``section``, taking YAML's null (``key:`` with nothing)
    where the reader does: it reads null as the empty mapping, so null is valid exactly where
    ``{}`` is (``webhooks:`` alone is its defaults; ``verify:`` alone needs its keys)."""
    return {"anyOf": [{"type": "null"}, schema]} if takes_empty(section) else schema


def imported(module: str, name: str) -> Callable[[], Section[Any]]:
    """The section ``name`` that ``module`` declares, as a nested kind's ``of`` for a key few
    files write: the module (its settings dataclasses and what they import) is imported by name
    when a file gives the key, or when the JSON Schema is written."""
    return functools.partial(_section_in, module, name)


def _section_in(module: str, name: str) -> Section[Any]:
    section: Section[Any] = getattr(importlib.import_module(module), name)
    return section


def _resolved(of: Section[T] | Callable[[], Section[T]]) -> Section[T]:
    """A nested kind's section: given, or returned by the function that imports its module."""
    return of if isinstance(of, Section) else of()


@record
class Nested(Kind, Generic[T]):
    """A mapping read by a section; absent: None, or (``always``) its defaults. ``of`` is the
    section, or a function that imports and returns it: a key few files write (an
    environment's ``windows:``) names its section so, and the module declaring it (with its
    settings dataclasses and what they import) loads only when a file gives the key, or when
    the JSON Schema is written."""

    of: Section[T] | Callable[[], Section[T]]
    what: str  # e.g. "'git'", "'helm' of {parent}"
    always: bool = False
    # its schema says the section's description (a top-level key is described by its
    # section, which a section imported by name gives only when the schema is written)
    described: bool = False

    @property
    def section(self) -> Section[T]:
        return _resolved(self.of)

    def read(self, v: Values, key: str, default: Any) -> T | None:
        # Written with nothing (``webhooks:`` alone, YAML null) is the empty mapping, not left
        # out: a section that needs a key says so (``verify:`` alone would otherwise verify
        # nothing, silently), one that needs none is its defaults
        if key not in v.node and not self.always:
            return None
        child = v.child(v.node.get(key), self.what.format(parent=v.what), v.line_of(key))
        return read(self.section, child)

    def schema(self, defs: Defs) -> JSON:
        out = or_null(ref(self.section, defs), self.section)
        if self.described and self.section.description:
            out = {"description": self.section.description} | out
        return out


@record
class ListOf(Kind, Generic[T]):
    """A list of mappings, each read by a section: ``of``, as :class:`Nested`'s (a function
    importing it for a list few files write, such as ``charts:``)."""

    of: Section[T] | Callable[[], Section[T]]
    what: str  # each item before its name is read, e.g. "images[{index}]"
    not_list: str  # the message when it is not a list ({what}: the mapping holding it)
    check: Callable[[ConfigReader, tuple[T, ...]], None] | None = None  # what spans the items

    @property
    def section(self) -> Section[T]:
        return _resolved(self.of)

    def read(self, v: Values, key: str, default: Any) -> tuple[T, ...]:
        items = v.node.get(key)
        if items is None:
            return ()
        if not isinstance(items, list):
            raise v.error(v.line_of(key), self.not_list.format(what=v.what))
        out: list[T] = []
        names: set[str] = set()  # the entries' names so far: "listed twice" in O(1)
        section = self.section
        for index, node in enumerate(items):
            what = self.what.format(index=index, number=index + 1, parent=v.what)
            child = v.child(node, what, item_line(items, index), siblings=out, taken=names)
            item = read(section, child)
            out.append(item)
            name = getattr(item, "name", None)
            if isinstance(name, str):
                names.add(name)
        if self.check:
            self.check(v.r, tuple(out))
        return tuple(out)

    def schema(self, defs: Defs) -> JSON:
        # nothing (YAML null) is read as no items; an item written with nothing as an empty mapping
        return {"type": ["array", "null"], "items": or_null(ref(self.section, defs), self.section)}


@record
class MapOf(Kind, Generic[T]):
    """A mapping whose keys are the user's names (registry hosts, webhook sources, images),
    each value read by ``section``: (name, settings) pairs. ``off``: ``false`` turns one off
    (its settings None). ``names``: the names allowed (None: any that ``name_rule`` allows)."""

    of: Section[T] | Callable[[], Section[T]]  # as Nested's
    what: str  # the mapping, e.g. "'registries'"
    entry: str  # one entry, e.g. "registry {key!r}"
    name_rule: Rule | None = None
    names: Callable[[Values], tuple[str, ...]] | None = None
    off: bool = False

    @property
    def section(self) -> Section[T]:
        return _resolved(self.of)

    def read(self, v: Values, key: str, default: Any) -> tuple[tuple[str, T | None], ...]:
        raw = {} if v.node.get(key) is None else v.node[key]
        what = self.what.format(parent=v.what)
        allowed = (
            self.names(v) if self.names else tuple(str(k) for k in (raw if isinstance(raw, dict) else ()))
        )
        node = v.r.mapping(raw, v.line_of(key), what, allowed=allowed)
        out: list[tuple[str, T | None]] = []
        for name in node:
            entry = self.entry.format(key=str(name), parent=v.what)
            line = v.r.line_of(node, name)
            if self.name_rule and self.name_rule.problem(str(name)) is not None:
                raise v.error(line, self.name_rule.message.format(what=entry))
            if self.off and node[name] is False:
                out.append((str(name), None))
                continue
            child = Values(v.r, node[name], entry, line, parent=what, key=str(name), root=v.file)
            out.append((str(name), read(self.section, child)))
        return tuple(out)

    def schema(self, defs: Defs) -> JSON:
        entry = or_null(ref(self.section, defs), self.section)
        out: JSON = {"type": ["object", "null"]}  # nothing (YAML null): no entries
        if self.name_rule:
            out["propertyNames"] = dict(self.name_rule.schema)
        out["additionalProperties"] = {"oneOf": [{"const": False}, entry]} if self.off else entry
        return out


def kind_of(key: str, annotation: Any, settings: type) -> Kind:
    """The kind a settings field's annotation says (``| None`` aside): str, bool, int, float,
    a str enum (its values are read as strings), ``tuple[str, ...]``; a key ending in ``_env``
    names an environment variable. Anything else must be given (``section_of(kinds=...)``).

    The annotation is read as written (``from __future__ import annotations`` leaves text):
    evaluating every settings class's hints at import cost more than the rest of this module."""
    text = annotation if isinstance(annotation, str) else _text(annotation)
    parts = [p.strip() for p in text.split("|") if p.strip() != "None"]
    name = parts[0] if len(parts) == 1 else text
    if name == "str" and key.endswith("_env"):
        return EnvVar()
    simple = {"str": STR, "bool": BOOL, "int": INT, "float": NUMBER}
    if name in simple:
        return simple[name]
    if name.replace(" ", "") == "tuple[str,...]":
        return Strings()
    found = vars(sys.modules[settings.__module__]).get(name)
    if isinstance(found, type) and issubclass(found, enum.Enum) and issubclass(found, str):
        return STR
    raise TypeError(f"{settings.__name__}.{key}: say its kind in section_of(kinds=...) ({text})")


def _text(annotation: Any) -> str:
    """An evaluated annotation written as source would write it (``str | None``)."""
    if isinstance(annotation, types.UnionType):
        return " | ".join(_text(a) for a in typing.get_args(annotation))
    if annotation is type(None):
        return "None"
    if typing.get_origin(annotation) is tuple:
        return (
            "tuple["
            + ", ".join("..." if a is Ellipsis else _text(a) for a in typing.get_args(annotation))
            + "]"
        )
    return getattr(annotation, "__name__", repr(annotation))


def section_of(
    settings: type,
    build: Callable[[Values], T],
    *,
    kinds: Mapping[str, Kind] | None = None,
    same: Mapping[str, str] | None = None,
    **section: Any,
) -> Section[T]:
    """The section whose keys are the fields of the ``settings`` dataclass (declared with
    :func:`gitops_bot.core.settings.setting`): default, description and rules from each field,
    the kind from its annotation unless ``kinds`` says it. ``same``: a key whose default is
    another key's value ("": the entry's name), for a field the dataclass requires. Fields
    declared ``key=None`` are not keys."""
    fields = derive_fields(settings, kinds or {}, same or {})
    return Section(fields, build, settings=settings, **section)


def derive_fields(settings: type, kinds: Mapping[str, Kind], same: Mapping[str, str]) -> tuple[Field, ...]:
    out: list[Field] = []
    for f in dataclasses.fields(settings):
        meta = declared(f)
        if meta.key is None:
            continue
        key = meta.key or f.name
        default: Any = None if f.default is dataclasses.MISSING else f.default
        if isinstance(default, enum.Enum):  # read and written as its YAML value
            default = default.value
        required = f.default is dataclasses.MISSING and f.default_factory is dataclasses.MISSING
        if key in same:
            if not required:
                raise TypeError(f"{settings.__name__}.{f.name}: a default in the dataclass and in 'same'")
            default, required = Same(same[key]), False
        kind = kinds[key] if key in kinds else kind_of(key, f.type, settings)
        out.append(Field(key, kind, default, meta.rules, required, meta.description, meta.schema))
    unknown = (set(kinds) | set(same)) - {f.key for f in out}
    if unknown:
        raise TypeError(f"{settings.__name__} has no keys {sorted(unknown)}")
    return tuple(out)
