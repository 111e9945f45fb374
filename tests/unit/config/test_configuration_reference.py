"""docs/reference/configuration.md lists every key of gitops-bot.yaml with its type and meaning,
the nested ones too (``verify.keys[]``, ``verify.keyless``, ``git.signing``): a key the schema
declares at any depth without a row in its section, or a type read as "any", fails here."""

from __future__ import annotations

import importlib.util
import json
import re
import sys
from collections.abc import Iterator
from types import ModuleType
from typing import Any

from testkit.paths import ROOT

PAGE = ROOT / "docs/reference/configuration.md"
SCHEMA = ROOT / "gitops_bot/gitops-bot.schema.json"
ROW = re.compile(r"^\| `([^`]+)` \| ([^|]*(?:\\\|[^|]*)*) \| [^|]* \| [^|]* \| (.*) \|$")


def _generator() -> ModuleType:
    spec = importlib.util.spec_from_file_location("docs_reference", ROOT / "scripts/docs_reference.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules.setdefault("docs_reference", module)
    spec.loader.exec_module(module)
    return module


def declared(node: dict[str, Any], section: str, heading: str) -> Iterator[tuple[str, str]]:
    """(the heading a key's row is under, the key) for every key at any depth below ``node``."""
    for key, sub in node.get("properties", {}).items():
        yield heading, key
        here = f"{section}.{key}" if section else key
        for _ in range(8):  # a list of lists, a map of lists: down to the object of keys
            if sub.get("type") == "array" and isinstance(sub.get("items"), dict):
                sub, here = sub["items"], here + "[]"
            elif isinstance(sub.get("additionalProperties"), dict) and "properties" not in sub:
                sub, here = sub["additionalProperties"], here + ".*"
        if "properties" in sub:
            yield from declared(sub, here, here)


def rows(page: str) -> dict[str, dict[str, tuple[str, str]]]:
    """Each heading's rows: key -> (type, meaning)."""
    out: dict[str, dict[str, tuple[str, str]]] = {}
    heading = ""
    for line in page.splitlines():
        if line.startswith("#"):
            heading = line.lstrip("#").strip()
            out.setdefault(heading, {})
        elif m := ROW.match(line):
            out[heading][m.group(1)] = (m.group(2).strip(), m.group(3).strip())
    return out


def missing(schema: dict[str, Any], page: str) -> list[str]:
    found = rows(page)
    wanted = list(declared(schema, "", "Top level"))
    for name, node in schema.get("$defs", {}).items():
        wanted += declared(node, name, name)
    out = []
    for heading, key in wanted:
        row = found.get(heading, {}).get(key)
        if row is None:
            out.append(f"{heading}: {key}: no row")
        elif row[0] in ("", "any") or "any or any" in row[0] or row[0] == "object":
            out.append(f"{heading}: {key}: type {row[0]!r} says nothing")
        elif not row[1]:
            out.append(f"{heading}: {key}: no meaning")
    return out


def test_every_key_at_every_depth_has_its_row() -> None:
    schema = json.loads(SCHEMA.read_text())
    page = PAGE.read_text()
    assert missing(schema, page) == []
    found = rows(page)
    assert {"file", "env"} <= set(found["verify.keys[]"])
    assert {"trusted_root", "issuer", "identity", "identity_regexp"} <= set(found["verify.keyless"])
    assert {"method", "key_file", "key_env"} <= set(found["git.signing"])
    assert "Exactly one of `file`, `env`." in page


def test_the_page_is_what_the_generator_writes_and_a_key_without_a_row_is_seen() -> None:
    schema = json.loads(SCHEMA.read_text())
    assert _generator().configuration() == PAGE.read_text()
    # a nested key the page leaves out is named
    schema["$defs"]["git"]["properties"]["signing"]["properties"]["key_url"] = {
        "type": "string",
        "description": "a key added to the schema, not to the page",
    }
    assert missing(schema, PAGE.read_text()) == ["git.signing: key_url: no row"]
