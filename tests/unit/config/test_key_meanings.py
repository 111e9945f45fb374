"""Every key of gitops-bot.yaml says what it means, where it is declared: the published schema
(and the configuration reference generated from it, docs/reference/configuration.md) carries
that description, so a key without one is a key a user cannot look up."""

from __future__ import annotations

from typing import Any

from gitops_bot.config.schema import generate

# what a schema's conditional parts repeat of a key described where it is declared
_CONDITIONS = {"if", "then", "else", "not", "anyOf", "oneOf", "allOf"}


def _keys(node: Any, where: str) -> list[tuple[str, Any]]:
    out: list[tuple[str, Any]] = []
    if isinstance(node, dict):
        for key, value in (node.get("properties") or {}).items():
            out.append((f"{where}.{key}", value))
        for k, v in node.items():
            if k in _CONDITIONS:
                continue
            out += _keys(v, where if k in ("properties", "$defs") else f"{where}/{k}")
    elif isinstance(node, list):
        for v in node:
            out += _keys(v, where)
    return out


def test_every_key_of_the_configuration_says_what_it_means() -> None:
    keys = _keys(generate(), "")
    assert len(keys) > 150  # the walk found the keys
    empty = [where for where, schema in keys if not str(schema.get("description", "")).strip()]
    assert empty == [], f"{len(empty)} keys without a meaning: {empty}"
