"""The published JSON Schema of gitops-bot.yaml, generated from the sections' declarations.

``python -m gitops_bot.config.schema > gitops_bot/gitops-bot.schema.json`` writes the file the
package ships (``gitops-bot schema`` prints it, :func:`schema_text`); a test checks the file is
what this generates.
"""

from __future__ import annotations

import json
from importlib.resources import files
from typing import Any

from gitops_bot.config import ROOT, SCHEMA_FILE
from gitops_bot.config.notifications import EVENT_SCHEMA
from gitops_bot.config.reader import ENV_VAR
from gitops_bot.config.spec import Defs, object_schema

BASE: Defs = {
    "envVar": {
        "type": "string",
        "pattern": ENV_VAR,
        "description": "The name of an environment variable (never the secret itself).",
    },
    "strings": {
        "description": "A string or a list of strings (nothing: as left out).",
        "oneOf": [{"type": "string"}, {"type": "array", "items": {"type": "string"}}, {"type": "null"}],
    },
    "event": EVENT_SCHEMA,
}


def generate() -> dict[str, Any]:
    defs = dict(BASE)
    body = object_schema(ROOT, defs)
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "title": "gitops-bot.yaml",
        **body,
        "$defs": defs,
    }


def schema_text() -> str:
    """The published JSON Schema of gitops-bot.yaml, as shipped in the package."""
    return files("gitops_bot").joinpath(SCHEMA_FILE).read_text(encoding="utf-8")


def render() -> str:
    return json.dumps(generate(), indent=2, ensure_ascii=False) + "\n"


if __name__ == "__main__":
    print(render(), end="")
