"""The published JSON Schema of gitops-bot.yaml as the tests check configs against it, and the
reader's sections the schema is made of."""

from __future__ import annotations

import json
from collections.abc import Iterator
from functools import cache
from typing import Any

import jsonschema

from gitops_bot.config.schema import schema_text
from gitops_bot.config.spec import Section
from gitops_bot.manifests import yamlvalues


@cache
def schema_validator() -> jsonschema.Draft202012Validator:
    """The published JSON Schema of gitops-bot.yaml (``gitops-bot schema``)."""
    return jsonschema.Draft202012Validator(json.loads(schema_text()))


def schema_problems(text: str) -> list[str]:
    """What the published schema finds wrong with a config text, one line each."""
    return list(_problems(text))


@cache  # a text a test checks is checked again by tests/conftest.py's accepted-configs hook
def _problems(text: str) -> tuple[str, ...]:
    doc = yamlvalues.load(text, "gitops-bot.yaml")
    return tuple(f"{e.json_path}: {e.message}" for e in schema_validator().iter_errors(doc))


def reader_sections(section: Section[Any], seen: list[Section[Any]] | None = None) -> Iterator[Section[Any]]:
    """Every section the reader reads, from ``section`` down (each once)."""
    seen = [] if seen is None else seen
    if any(s is section for s in seen):
        return
    seen.append(section)
    yield section
    for f in section.fields:
        inner = getattr(f.kind, "section", None)
        if inner is not None:
            yield from reader_sections(inner, seen)
