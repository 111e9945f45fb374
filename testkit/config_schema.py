"""The published JSON Schema of gitops-bot.yaml as the tests check configs against it."""

from __future__ import annotations

import json
from functools import cache

import jsonschema

from gitops_bot.config.schema import schema_text
from gitops_bot.manifests import yamlvalues


@cache
def schema_validator() -> jsonschema.Draft202012Validator:
    """The published JSON Schema of gitops-bot.yaml (``gitops-bot schema``)."""
    return jsonschema.Draft202012Validator(json.loads(schema_text()))


def schema_problems(text: str) -> list[str]:
    """What the published schema finds wrong with a config text, one line each."""
    doc = yamlvalues.load(text, "gitops-bot.yaml")
    return [f"{e.json_path}: {e.message}" for e in schema_validator().iter_errors(doc)]
