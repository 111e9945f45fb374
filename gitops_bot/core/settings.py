"""One declaration per configuration key: the settings dataclass *is* the declaration.

A key's default is the dataclass field's default; its description, its rules and (rarely) its
YAML name or JSON Schema ride along in the field's metadata through :func:`setting`.
``gitops_bot.config`` derives the reader's fields and the published JSON Schema from the
dataclass (``section_of``), so a default cannot drift between the schema, the validation and
the settings the code uses. This module is in ``core`` so that the adapters, which own their
settings and never import ``config``, can declare their keys too.

A worked example (an adapter's settings with a new key ``retries``)::

    from dataclasses import dataclass
    from gitops_bot.core.settings import between, setting

    @record
    class ThingConfig:
        host: str = setting(key=None)  # not a YAML key: config's build fills it in
        retries: int = setting(
            3,
            "How often a failed call is tried again.",
            rules=(between(0, 10, "{what}: retries must be between 0 and 10"),),
        )
        token_env: str | None = None  # a plain default is a key too (no description, no rules)

and in ``config``: ``THING = section_of(ThingConfig, build, name="thing")``, then regenerate
the JSON Schema and the reference page. ``retries`` defaults to 3 in the dataclass, in the
reader and in the schema alike; ``token_env`` is read as an environment variable's name.

The kind of value is read from the annotation (``str``, ``bool``, ``int``, ``float``, their
``| None``, ``tuple[str, ...]``, a str enum; a name ending in ``_env`` is an environment
variable's name); ``section_of(..., kinds={...})`` says it where the annotation cannot (a
nested section, a string or an integer), ``same={...}`` a default that is another key's value.

The :class:`Rule` constructors (:func:`one_of`, :func:`matches`, :func:`between`,
:func:`holds`) live here for the same reason; ``config.spec`` re-exports them.
"""

from __future__ import annotations

import dataclasses
import importlib
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import field
from typing import Any

from gitops_bot.core.instants import duration_bound_problem
from gitops_bot.core.record import record

METADATA = "gitops_bot.setting"  # the metadata key of a field's Declaration

# An http(s) URL's scheme and host (what the adapters' URL keys must start with)
URL = r"^https?://[^/\s]+"


@record
class Rule:
    """A constraint on one value: ``problem`` answers None when it holds, else what is wrong.
    ``message`` is formatted with value, text (the value as a string), key, what, parent,
    problem and suggest ("did you mean ...?"); ``schema`` says the same in JSON Schema (empty:
    the schema cannot say it)."""

    problem: Callable[[Any], str | None]
    message: str
    schema: Mapping[str, Any] = field(default_factory=dict)
    choices: tuple[Any, ...] = ()


def one_of(choices: Iterable[Any], message: str) -> Rule:
    options = tuple(choices)

    def problem(value: Any) -> str | None:  # True is not 1, nor "1" 1
        return None if any(type(value) is type(c) and value == c for c in options) else ""

    schema = {"const": options[0]} if len(options) == 1 else {"enum": list(options)}
    return Rule(problem, message, schema, options)


def none_of(names: Iterable[str], message: str) -> Rule:
    taken = tuple(names)
    return Rule(lambda v: "" if v in taken else None, message, {"not": {"enum": list(taken)}})


def matches(pattern: str, message: str) -> Rule:
    return Rule(lambda v: None if re.match(pattern, v) else "", message, {"pattern": pattern})


def between(low: float | None, high: float | None, message: str, *, above: bool = False) -> Rule:
    """``low <= value <= high`` (``above``: ``low < value``); None: unbounded."""

    def problem(value: float) -> str | None:
        low_ok = low is None or (value > low if above else value >= low)
        return None if low_ok and (high is None or value <= high) else ""

    schema: dict[str, Any] = {}
    if low is not None:
        schema["exclusiveMinimum" if above else "minimum"] = low
    if high is not None:
        schema["maximum"] = high
    return Rule(problem, message, schema)


def within(top: float) -> Rule:
    """``0 <= value <= top``, said in the one message the config's numbers share."""
    return between(0, top, f"{{key}} in {{what}} must be between 0 and {top:g}")


def holds(problem: Callable[[Any], str | None], message: str) -> Rule:
    """A check JSON Schema cannot express (a regex that compiles, a semver range)."""
    return Rule(problem, message)


# the outside patterns' one engine (RE2, Go's syntax), imported by name: only a file that writes
# a regular expression loads it
GOREGEXP = "gitops_bot.core.goregexp"


def regex_problem(pattern: str) -> str | None:
    problem: str | None = importlib.import_module(GOREGEXP).problem(pattern)
    return problem


COMPILES = holds(regex_problem, "invalid regular expression {value!r} in '{key}' of {what}: {problem}")

# after a duration's grammar rule: one that reads but is longer than the bot counts (which
# would overflow the arithmetic on instants) names the range
WITHIN_DURATIONS = holds(
    duration_bound_problem, "'{key}' of {what} is {value!r}, outside {problem}; write a shorter duration"
)


@record
class Declaration:
    """What a settings field says of its key beyond its default."""

    description: str = ""
    rules: tuple[Rule, ...] = ()
    key: str | None = ""  # its YAML key ("": the attribute's name; None: not a key)
    schema: Mapping[str, Any] = field(default_factory=dict)  # replaces the kind's own schema


def setting(
    default: Any = dataclasses.MISSING,
    description: str = "",
    *,
    rules: tuple[Rule, ...] = (),
    key: str | None = "",
    schema: Mapping[str, Any] | None = None,
) -> Any:
    """A settings dataclass field that declares a key: its default (MISSING: required by the
    dataclass) and what the reader and the JSON Schema say of it. ``key=None``: an attribute
    that is not a YAML key (a registry's host, an image's line)."""
    meta = {METADATA: Declaration(description, rules, key, schema or {})}
    return dataclasses.field(default=default, metadata=meta)


def declared(f: dataclasses.Field[Any]) -> Declaration:
    """The :class:`Declaration` of a dataclass field (a plain field: a key with nothing more said)."""
    found = f.metadata.get(METADATA)
    return found if isinstance(found, Declaration) else Declaration()
