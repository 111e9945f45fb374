"""Each configuration key is declared once: its default lives on the settings dataclass, and
the reader's Field and the published JSON Schema follow from it, so they cannot drift apart."""

from __future__ import annotations

import dataclasses
import enum
import re
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest

from gitops_bot.config import ROOT, parse
from gitops_bot.config.environments import ENVIRONMENT
from gitops_bot.config.events import JWT
from gitops_bot.config.images import IMAGE
from gitops_bot.config.kinds import (
    BOOL,
    INT,
    NUMBER,
    STR,
    EnvVar,
    ListOf,
    MapOf,
    Nested,
    Strings,
    derive_fields,
)
from gitops_bot.config.reader import ENV_VAR
from gitops_bot.config.schema import generate
from gitops_bot.config.settings import ChartConfig, EnvironmentConfig, ImageConfig
from gitops_bot.config.spec import Field, Same, Section
from gitops_bot.config.windows import PERIOD, WindowPeriod, hhmm
from gitops_bot.core.errors import ConfigError
from gitops_bot.core.settings import METADATA, between, declared, setting
from gitops_bot.events.settings import JwtSettings
from gitops_bot.policy.settings import PolicyConfig


def _sections(section: Section[Any], seen: dict[int, Section[Any]] | None = None) -> dict[int, Section[Any]]:
    seen = {} if seen is None else seen
    if id(section) in seen:
        return seen
    seen[id(section)] = section
    for f in section.fields:
        if isinstance(f.kind, Nested | ListOf | MapOf):
            _sections(f.kind.section, seen)
    return seen


SECTIONS = list(_sections(ROOT).values())
DERIVED = [s for s in SECTIONS if s.settings is not None]


def _yaml(value: Any) -> Any:
    return value.value if isinstance(value, enum.Enum) else value


def _keys(settings: type) -> Iterator[tuple[str, dataclasses.Field[Any]]]:
    for f in dataclasses.fields(settings):
        key = declared(f).key
        if key is not None:
            yield key or f.name, f


def _schema_properties(section: Section[Any]) -> dict[str, Any]:
    schema = generate()
    return schema["$defs"][section.name]["properties"] if section.name else {}


def test_most_sections_are_derived_from_their_settings_dataclass() -> None:
    """The sections whose keys are their dataclass's attributes are declared by it (a new one
    written as Fields by hand would declare its defaults twice)."""
    names = {s.settings.__name__ for s in DERIVED if s.settings}
    assert {"RegistryConfig", "GitConfig", "PullRequestConfig", "GitHubConfig", "ForgeConfig"} <= names
    assert {
        "ArgoCDConfig",
        "WebhookSettings",
        "SourceSettings",
        "NotifierSettings",
        "RenderSettings",
    } <= names
    assert {
        "SigningConfig",
        "KeyRef",
        "KeylessConfig",
        "VerifyConfig",
        "SourceConfig",
        "WindowsConfig",
    } <= names


@pytest.mark.parametrize("section", DERIVED, ids=lambda s: s.settings.__name__)
def test_a_derived_section_has_exactly_the_dataclass_keys_and_defaults(section: Section[Any]) -> None:
    """Keys, their order and their defaults are the dataclass's; a key whose default is another
    key's value (Same) has none on the dataclass."""
    assert section.settings is not None
    keys = dict(_keys(section.settings))
    assert section.keys == tuple(keys)
    for f in section.fields:
        attr = keys[f.key]
        if isinstance(f.default, Same):
            assert attr.default is dataclasses.MISSING
            continue
        expected = None if attr.default is dataclasses.MISSING else _yaml(attr.default)
        assert f.default == expected, f.key
        assert bool(f.required) == (
            attr.default is dataclasses.MISSING and attr.default_factory is dataclasses.MISSING
        )


@pytest.mark.parametrize("section", [s for s in DERIVED if s.name], ids=lambda s: s.name)
def test_the_schema_default_of_each_key_is_the_dataclass_default(section: Section[Any]) -> None:
    assert section.settings is not None
    properties = _schema_properties(section)
    for key, attr in _keys(section.settings):
        default = _yaml(attr.default)
        if isinstance(default, str | int | float):  # what JSON Schema can say (bool is an int)
            assert properties[key].get("default") == default, key
        else:
            assert "default" not in properties[key], key


# Sections whose keys are not one to one with a dataclass (an image's keys are its own and its
# policy's; an environment reads 'path' and 'paths' into paths; a period's from/to are minutes):
# their Fields may carry a default only as the dataclass's own, in YAML's form.
_FORMS = {
    "image": ((ImageConfig, PolicyConfig), {"policy": "strategy"}),
    "chart": ((ChartConfig, PolicyConfig), {"policy": "strategy"}),
    "environment": ((EnvironmentConfig,), {}),
    "windowPeriod": ((WindowPeriod,), {"from": "start", "to": "end"}),
    "webhookJwt": ((JwtSettings,), {}),
}


def _attribute(classes: tuple[type, ...], name: str) -> dataclasses.Field[Any] | None:
    for cls in classes:
        for f in dataclasses.fields(cls):
            if f.name == name:
                return f
    return None


@pytest.mark.parametrize("name", sorted(_FORMS))
def test_a_hand_declared_field_carries_no_default_of_its_own(name: str) -> None:
    """A Field written by hand: its default is its dataclass attribute's, as YAML writes it."""
    section = next(s for s in SECTIONS if s.name == name)
    classes, renamed = _FORMS[name]
    for f in section.fields:
        attr = _attribute(classes, renamed.get(f.key, f.key))
        if attr is None or f.default is None or isinstance(f.default, Same):
            continue
        assert attr.default is not dataclasses.MISSING, f.key
        expected = _yaml(attr.default)
        if isinstance(expected, int) and isinstance(f.default, str):  # minutes since midnight
            expected = hhmm(expected)
        assert f.default == expected, f.key


def _own_defaults() -> Iterator[tuple[str, Field, Any]]:
    for section in SECTIONS:
        for f in section.fields:
            if f.default is not None and not isinstance(f.default, Same):
                yield f"{section.name or section.keys}.{f.key}", f, f.default


def test_every_default_meets_its_own_rules() -> None:
    """The reader checks only what a file writes (a key left out is its default, checked here
    once instead of on every read): each default the bot declares meets the rules of its key,
    and each default environment variable name is one."""
    checked = 0
    for where, f, default in _own_defaults():
        for item in f.kind.each(default):
            for rule in f.rules:
                assert rule.problem(item) is None, f"{where}: default {item!r} breaks {rule.message!r}"
                checked += 1
        if isinstance(f.kind, EnvVar):
            assert re.fullmatch(ENV_VAR, default), where
            checked += 1
    assert checked > 10  # the walk met the declarations (git's author and branch prefix, ...)


def test_what_a_file_writes_is_still_checked_against_the_rules() -> None:
    text = "version: 1\nimages: [{name: app}]\nenvironments: [{name: dev, path: d}]\n"
    assert parse(text, "gitops-bot.yaml").git.branch_prefix == "gitops-bot"
    with pytest.raises(ConfigError, match="not a valid branch name"):
        parse(text + "git: {branch_prefix: 'a..b'}\n", "gitops-bot.yaml")


def test_sections_written_by_hand_are_only_those_that_cannot_be_derived() -> None:
    hand = {s.name for s in SECTIONS if s.settings is None}
    # gates: only a list per kind of gate, nothing of its own to declare
    assert hand == {"", "image", "chart", "environment", "windowPeriod", "webhookJwt", "helm", "gates"}
    assert {s for s in (IMAGE, ENVIRONMENT, PERIOD, JWT) if s.settings} == set()


def test_the_kind_of_a_key_follows_its_annotation() -> None:
    @dataclasses.dataclass(frozen=True)
    class Example:
        host: str = setting("", key=None)
        name: str | None = None
        on: bool = False
        count: int = setting(3, "How many.", rules=(between(1, None, "at least 1"),))
        ratio: float | None = None
        token_env: str | None = None
        tags: tuple[str, ...] = ()
        renamed: str = setting("x", key="other-name")

    fields = {f.key: f for f in derive_fields(Example, {}, {})}
    assert list(fields) == ["name", "on", "count", "ratio", "token_env", "tags", "other-name"]
    assert [fields[k].kind for k in ("name", "on", "count", "ratio")] == [STR, BOOL, INT, NUMBER]
    assert isinstance(fields["token_env"].kind, EnvVar)
    assert isinstance(fields["tags"].kind, Strings)
    assert fields["count"] == Field("count", INT, 3, fields["count"].rules, False, "How many.")
    assert fields["other-name"].default == "x"


def test_an_evaluated_annotation_reads_as_the_written_one() -> None:
    """A settings class whose annotations are types, not text (no postponed evaluation)."""
    plain = dataclasses.make_dataclass(
        "Plain", [("on", bool, False), ("tags", tuple[str, ...], ()), ("key_env", str | None, None)]
    )
    kinds = [f.kind for f in derive_fields(plain, {}, {})]
    assert kinds[0] == BOOL
    assert isinstance(kinds[1], Strings)
    assert isinstance(kinds[2], EnvVar)


def test_a_default_given_twice_or_a_kind_for_no_key_is_refused() -> None:
    @dataclasses.dataclass(frozen=True)
    class Example:
        name: str
        kind: str = "a"

    with pytest.raises(TypeError, match="a default in the dataclass and in 'same'"):
        derive_fields(Example, {}, {"kind": "name"})
    with pytest.raises(TypeError, match="has no keys"):
        derive_fields(Example, {"nope": STR}, {})
    assert derive_fields(Example, {}, {"name": "kind"})[0].default == Same("kind")


def test_an_annotation_without_an_obvious_kind_must_be_given_one() -> None:
    @dataclasses.dataclass(frozen=True)
    class Example:
        when: timedelta | None = None

    with pytest.raises(TypeError, match=r"Example.when: say its kind in section_of\(kinds=...\)"):
        derive_fields(Example, {}, {})


def test_the_metadata_helper_is_an_ordinary_dataclass_field() -> None:
    @dataclasses.dataclass(frozen=True)
    class Example:
        retries: int = setting(3, "How often.")

    assert Example().retries == 3
    (f,) = dataclasses.fields(Example)
    assert f.metadata[METADATA].description == "How often."
