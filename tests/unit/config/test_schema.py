"""The published JSON Schema of gitops-bot.yaml (``gitops-bot schema``) and the config reader
cannot drift apart: what the reader rejects the schema rejects, every key the reader knows the
schema describes, and (tests/conftest.py) every config a test has the reader accept validates."""

from __future__ import annotations

import copy
import json
import re
from collections.abc import Iterator
from typing import Any

import jsonschema
import pytest

from gitops_bot import config
from gitops_bot.cli import main
from gitops_bot.config import schema
from gitops_bot.config.kinds import MapOf
from gitops_bot.core.errors import ConfigError
from gitops_bot.events.settings import SOURCE_TYPES
from gitops_bot.notify.settings import EVENTS, TYPES
from testkit.config_schema import reader_sections, schema_problems
from testkit.paths import ROOT

SCHEMA = json.loads(schema.schema_text())
MODELINE = "# yaml-language-server: $schema="

# Every section and every closed mapping of the reader, each with a valid value.
FULL: dict[str, Any] = {
    "version": 1,
    "registries": {
        "r.io": {"username_env": "R_USER", "password_env": "R_PASS", "max_concurrency": 2, "timeout": 5},
        "cache:5000": {"insecure": True, "tls": False, "ca_file": "ca.pem", "requests_per_second": 3},
    },
    "images": [
        {
            "name": "app",
            "repository": "r.io/team/app",
            "policy": "semver",
            "range": "^1",
            "prerelease": True,
            "allow": ["^v?\\d"],
            "ignore": "-debug$",
            "allow_downgrade": False,
            "platform": "linux/arm64/v8",
            "helm": {"repository": "image.repository", "tag": "image.tag", "digest": "image.digest"},
            "verify": {
                "keys": [{"file": "cosign.pub"}, {"env": "COSIGN_KEY"}],
                "keyless": {"trusted_root": "root.json", "issuer": "https://iss", "identity": "ci@x"},
                "environments": ["prod"],
            },
        },
        {"name": "worker", "policy": "regex", "pattern": "^main-(?P<ts>\\d+)$", "extract": "$ts"},
        {"name": "redis", "policy": "digest", "tag": "7", "order": "alphabetical"},
    ],
    "environments": [
        {"name": "dev", "path": "overlays/dev", "write": "commit", "argocd_application": "app-dev"},
        {
            "name": "prod",
            "paths": ["overlays/prod"],
            "promote_from": "dev",
            "images": ["app"],
            "verify": {
                "app": False,
                "worker": {
                    "keyless": {
                        "trusted_root": "root.json",
                        "issuer": "https://iss",
                        "identity_regexp": "^ci@",
                    }
                },
            },
        },
    ],
    "git": {
        "base": "main",
        "author": "bot <bot@example.com>",
        "signoff": True,
        "message": "chore({environment}): {summary}",
        "branch_prefix": "bots/gitops",
        "signing": {"method": "ssh", "key_env": "SIGNING_KEY"},
    },
    "pull_request": {
        "group": "image",
        "labels": ["a"],
        "reviewers": "alice",
        "assignees": [],
        "draft": True,
        "auto_merge": True,
    },
    "github": {
        "repository": "acme/gitops",
        "api_url": "https://ghe.example.com/api/v3",
        "token_env": "GH",
        "app_id_env": "APP_ID",
        "app_key_env": "APP_KEY",
        "write_interval": 0,
    },
    "forge": {
        "type": "gitlab",
        "api_url": "https://git.example.com/api/v4",
        "repository": 42,
        "token_env": "GL",
    },
    "argocd": {"server": "https://argocd.example.com", "token_env": "ARGO", "insecure": True},
    "webhooks": {
        "sources": {
            "hub": {"type": "dockerhub", "token_env": "HUB"},
            "github": {"secret_env": "GH_HOOK"},
            "reg": {"type": "distribution", "token_env": "REG", "registry": "r.io:443"},
        },
        "max_body": 2048,
        "replay_window": 60,
        "debounce": 0.5,
    },
    "notifications": [
        {
            "name": "chat",
            "type": "slack",
            "url_env": "SLACK_URL",
            "events": "failed",
            "environments": "dev",
            "timeout": 2,
            "attempts": 1,
        },
        {
            "type": "webhook",
            "url": "https://hooks.example.com/x",
            "secret_env": "HOOK_KEY",
            "events": ["proposed", "promoted"],
        },
    ],
}
# Mappings whose keys are the user's names (registry hosts, webhook sources, images)
OPEN = (("registries",), ("webhooks", "sources"), ("environments", 1, "verify"))


def _with(path: tuple[Any, ...], value: Any, doc: dict[str, Any] = FULL) -> str:
    out = copy.deepcopy(doc)
    node: Any = out
    for step in path[:-1]:
        node = node[step]
    if value is _DELETE:
        del node[path[-1]]
    else:
        node[path[-1]] = value
    return json.dumps(out)  # JSON is YAML


_DELETE = object()


def _mappings(node: Any, path: tuple[Any, ...] = ()) -> Iterator[tuple[Any, ...]]:
    if isinstance(node, dict):
        if path not in OPEN:
            yield path
        for key, value in node.items():
            yield from _mappings(value, (*path, key))
    elif isinstance(node, list):
        for index, value in enumerate(node):
            yield from _mappings(value, (*path, index))


def test_the_schema_is_draft_2020_12_and_the_full_config_is_valid_to_both() -> None:
    jsonschema.Draft202012Validator.check_schema(SCHEMA)
    assert SCHEMA["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    text = json.dumps(FULL)
    config.parse(text, "gitops-bot.yaml")
    assert schema_problems(text) == []


def test_the_shipped_schema_is_the_one_the_declarations_generate() -> None:
    shipped = (ROOT / "gitops_bot" / config.SCHEMA_FILE).read_text()
    assert shipped == schema.render(), (
        "regenerate: python -m gitops_bot.config.schema > gitops_bot/gitops-bot.schema.json"
    )


def test_gitops_bot_schema_prints_the_shipped_file(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["schema"]) == 0
    shipped = (ROOT / "gitops_bot" / config.SCHEMA_FILE).read_text()
    assert capsys.readouterr().out == shipped == schema.schema_text()


def _docs_config_example() -> str:
    """The first gitops-bot.yaml of the configuration page (docs/concepts/configuration.md)."""
    page = (ROOT / "docs" / "concepts" / "configuration.md").read_text()
    section = page.split("# Configuration: `gitops-bot.yaml`", 1)[1]
    match = re.search(r"```yaml\n(.*?)```", section, re.S)
    assert match
    return match.group(1)


@pytest.mark.parametrize("source", ["manifests-example", "docs"])
def test_the_example_and_the_docs_name_the_schema_and_validate(source: str) -> None:
    if source == "docs":
        text = _docs_config_example()
    else:
        text = (ROOT / "manifests-example" / "gitops-bot.yaml").read_text()
    first = text.splitlines()[0]
    assert first.startswith(MODELINE), first
    if source != "docs":  # the example's modeline is a path that works in a checkout
        target = (ROOT / "manifests-example" / first.removeprefix(MODELINE)).resolve()
        assert target == ROOT / "gitops_bot" / config.SCHEMA_FILE
    config.parse(text, "gitops-bot.yaml")
    assert schema_problems(text) == []


UNKNOWN_KEY = [(*p, "bogus_key") for p in _mappings(FULL)]
REJECTED = [
    *((p, 1, "unknown key") for p in UNKNOWN_KEY),
    (("version",), 2, "bad version"),
    (("images",), {"name": "app"}, "images not a list"),
    (("images",), _DELETE, "no images"),
    (("environments",), _DELETE, "no environments"),
    (("images", 0, "name"), _DELETE, "image without name"),
    (("images", 0, "policy"), "newset", "bad enum"),
    (("images", 2, "order"), "random", "bad enum"),
    (("images", 0, "range"), 1.5, "float range"),
    (("images", 0, "prerelease"), "yes", "wrong type"),
    (("images", 0, "allow"), [1], "wrong type"),
    (("images", 0, "helm"), {"digest": "image.digest"}, "helm without tag"),
    (("images", 1, "pattern"), _DELETE, "regex without pattern"),
    (("images", 0, "verify", "keys", 0), {"file": "a", "env": "B"}, "key with file and env"),
    (("environments", 0, "name"), "hold", "reserved name"),
    (("environments", 0, "path"), _DELETE, "environment without path"),
    (("environments", 0, "write"), "push", "bad enum"),
    (("registries", "r.io", "max_concurrency"), 0, "below minimum"),
    (("registries", "r.io", "max_concurrency"), 10**40, "above maximum"),
    (("registries", "r.io", "requests_per_second"), 0, "not above the exclusive minimum"),
    (("registries", "r.io", "max_concurrency"), "8", "wrong type"),
    (("registries", "r.io", "timeout"), 601, "above maximum"),
    (("registries", "r.io", "password_env"), _DELETE, "username without password"),
    (("registries", "r.io", "password_env"), "ghp_0123456789abcdef", "a token, not a variable"),
    (("git", "signoff"), "yes", "wrong type"),
    (("git", "author"), "bot", "bad author"),
    (("git", "signing", "method"), "x509", "bad enum"),
    (("pull_request", "group"), "team", "bad enum"),
    (("pull_request", "auto_merge"), "fast", "bad enum"),
    (("pull_request", "draft"), 1, "wrong type"),
    (("github", "write_interval"), -1, "below minimum"),
    (("github", "write_interval"), 1e6, "above maximum"),
    (("github", "repository"), "acme", "not owner/name"),
    (("forge", "type"), "bitbucket", "bad enum"),
    (("forge", "repository"), 1.5, "wrong type"),
    (("argocd", "server"), "argocd.example.com", "not a URL"),
    (("webhooks", "debounce"), "5", "wrong type"),
    (("webhooks", "max_body"), 100, "below minimum"),
    (("webhooks", "sources", "hub", "type"), "nexus", "bad enum"),
    (("webhooks", "sources", "Bad Name"), {"token_env": "X"}, "bad source name"),
    (("notifications", 0, "type"), "email", "bad enum"),
    (("notifications", 1, "events"), ["deployed"], "bad enum"),
    (("notifications", 0, "attempts"), 11, "above maximum"),
    (("notifications", 0, "url"), "https://x.example.com", "both url and url_env"),
    (("notifications", 0, "secret_env"), "KEY", "a signed slack webhook"),
    (("notifications", 0), {"type": "teams", "url": "https://x.example.com"}, "a teams url in the file"),
    (("git", "signing"), {"method": "github-api", "key_env": "K"}, "github-api with a key"),
    (("git", "signing"), {"method": "gpg"}, "gpg without a key"),
    (("git", "signing"), {"method": "ssh", "key_env": "K", "key_file": "k"}, "ssh with two keys"),
]


@pytest.mark.parametrize(
    ("path", "value"),
    [(p, v) for p, v, _ in REJECTED],
    ids=[f"{'.'.join(map(str, p))}:{w}" for p, _, w in REJECTED],
)
def test_what_the_reader_rejects_the_schema_rejects(path: tuple[Any, ...], value: Any) -> None:
    text = _with(path, value)
    with pytest.raises(ConfigError):
        config.parse(text, "gitops-bot.yaml")
    assert schema_problems(text), f"the schema accepts what the reader refuses: {path} = {value!r}"


def _minimal(**sections: Any) -> dict[str, Any]:
    return {"images": [{"name": "app"}], "environments": [{"name": "dev", "path": "o/dev"}], **sections}


def _source(kind: str) -> dict[str, Any]:
    return {"s": {"type": kind, ("secret_env" if kind in ("github", "gitea") else "token_env"): "T"}}


# each enum of the schema ($defs path) -> a config using one of its values
ENUMS: dict[str, Any] = {
    "image.policy": lambda v: _minimal(images=[{"name": "a", "policy": v, "pattern": "^x"}]),
    "image.order": lambda v: _minimal(images=[{"name": "a", "order": v}]),
    "environment.write": lambda v: _minimal(environments=[{"name": "dev", "path": "o", "write": v}]),
    "pullRequest.group": lambda v: _minimal(pull_request={"group": v}),
    "pullRequest.auto_merge": lambda v: _minimal(pull_request={"auto_merge": v}),
    "forge.type": lambda v: _minimal(forge={"type": v}),
    "git.signing.method": lambda v: _minimal(
        git={"signing": {"method": v, **({} if v == "github-api" else {"key_env": "K"})}}
    ),
    "notification.type": lambda v: _minimal(notifications=[{"type": v, "url_env": "U"}]),
    "webhookSource.type": lambda v: _minimal(webhooks={"sources": _source(v)}),
    "event": lambda v: _minimal(notifications=[{"type": "slack", "url_env": "U", "events": [v]}]),
}


def _enum(dotted: str) -> list[Any]:
    node: Any = SCHEMA["$defs"]
    first, *rest = dotted.split(".")
    node = node[first]
    for step in rest:
        node = node["properties"][step]
    return list(node["enum"])


@pytest.mark.parametrize("where", sorted(ENUMS))
def test_the_reader_accepts_every_value_of_every_schema_enum(where: str) -> None:
    for value in _enum(where):
        doc = ENUMS[where](value)
        if where == "image.policy" and value != "regex":
            del doc["images"][0]["pattern"]
        text = json.dumps(doc)
        config.parse(text, "gitops-bot.yaml")
        assert schema_problems(text) == [], (where, value)


def _reader_key_sets() -> tuple[set[frozenset[str]], int]:
    """The keys of every mapping the reader checks, and how many mappings take the user's names
    as keys (registry hosts, webhook sources, an environment's images)."""
    sections = list(reader_sections(config.ROOT))
    known = {frozenset(s.keys) for s in sections}
    computed = sum(isinstance(f.kind, MapOf) for s in sections for f in s.fields)
    return known, computed


def _closed_objects(node: Any) -> Iterator[frozenset[str]]:
    if isinstance(node, dict):
        if node.get("additionalProperties") is False:
            yield frozenset(node.get("properties", {}))
        for value in node.values():
            yield from _closed_objects(value)
    elif isinstance(node, list):
        for value in node:
            yield from _closed_objects(value)


def test_every_key_the_reader_knows_is_in_the_schema_and_no_other() -> None:
    reader, computed = _reader_key_sets()
    assert len(reader) >= 15 and computed == len(OPEN)
    schema = set(_closed_objects(SCHEMA))
    assert {tuple(sorted(k)) for k in reader - schema} == set(), (
        "keys the reader knows, missing in the schema"
    )
    assert {tuple(sorted(k)) for k in schema - reader} == set(), "keys in the schema the reader refuses"


def test_the_schemas_enums_are_the_readers_lists() -> None:
    assert set(_enum("image.policy")) == set(map(str, config.POLICIES))
    assert set(_enum("forge.type")) == set(config.FORGES)
    assert set(_enum("git.signing.method")) == set(config.SIGNING_METHODS)
    assert set(_enum("webhookSource.type")) == set(SOURCE_TYPES)
    assert set(_enum("notification.type")) == set(TYPES)
    assert set(_enum("event")) == set(EVENTS)
    assert set(SCHEMA["$defs"]["helm"]["properties"]) == {*config.HELM_FIELDS, *config.HELM_OPTIONS}
    # 'images' may be left out by a file that manages charts alone, as the reader allows
    assert set(SCHEMA["required"]) == {"environments"}
    assert [a["required"] for a in SCHEMA["anyOf"]] == [["images"], ["charts"]]
