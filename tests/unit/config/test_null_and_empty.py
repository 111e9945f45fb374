"""A key written with nothing (``webhooks:`` alone on its line, YAML null) or as an empty
mapping or list: the reader and the published JSON Schema give the same verdict, for every
section, list, mapping and single value the declarations hold. An editor must not mark red a file the bot
reads, nor pass one it refuses.

The walk goes down the declarations from the file (config.ROOT) beside a config that writes
every section once, so a section declared later without an instance here fails the test."""

from __future__ import annotations

import copy
import json
from collections.abc import Iterator
from typing import Any

import pytest

from gitops_bot import config
from gitops_bot.config.kinds import ListOf, MapOf, Nested, Strings
from gitops_bot.config.spec import Section
from gitops_bot.core.errors import ConfigError
from testkit.config_schema import reader_sections, schema_problems

# The file's own keys are judged beside the least a file needs: a section left empty there
# meets no check that spans sections (an environment gated by Argo CD needs 'argocd: server',
# which the schema does not say)
BASE: dict[str, Any] = {"images": [{"name": "app"}], "environments": [{"name": "dev", "path": "o/dev"}]}

_KEYS = {
    "keys": [{"file": "cosign.pub"}],
    "keyless": {"trusted_root": "root.json", "issuer": "https://iss", "identity": "ci@x"},
}
# Every section below the file's keys, written once, none of them empty
FULL: dict[str, Any] = {
    "version": 1,
    "registries": {"r.io": {"username_env": "R_USER", "password_env": "R_PASS"}},
    "images": [
        {
            "name": "app",
            "repository": "r.io/team/app",
            "allow": ["^v"],
            "helm": {"tag": "image.tag"},
            "verify": {**_KEYS, "environments": ["prod"]},
            "source": {"repository": "https://github.com/acme/app"},
        }
    ],
    "charts": [
        {
            "name": "podinfo",
            "repository": "oci://ghcr.io/stefanprodan/charts",
            "verify": {"keys": [{"env": "K"}]},
        }
    ],
    "environments": [
        {
            "name": "dev",
            "path": ["o/dev"],
            "images": ["app"],
            "charts": ["podinfo"],
            "argocd_application": "app-dev",
            "verify": {"app": {"keys": [{"file": "dev.pub"}]}},
            "windows": {
                "timezone": "UTC",
                "allow": [{"days": ["mon"], "from": "08:00"}],
                "deny": [{"days": "fri"}],
            },
            "gates": {
                "metrics": [{"name": "errors", "query": "sum(up)", "condition": "> 0"}],
                "checks": {"require": ["smoke"]},
                "web": [{"name": "health", "url": "https://x.example.com/h", "equals": "ok"}],
            },
        },
        {
            "name": "staging",
            "path": "o/staging",
            "promote_from": "dev",
            "argocd_application": "app-staging",
            "auto_promote": {"after": "1h"},
            "auto_rollback": {"after": "10m"},
        },
        # what no other key leans on: emptied, it meets no check that spans environments
        {"name": "prod", "paths": ["o/prod"], "promote_from": "staging", "argocd_applications": ["a", "b"]},
    ],
    "git": {"signing": {"method": "ssh", "key_env": "SIGNING_KEY"}},
    "pull_request": {"labels": ["a"], "reviewers": ["b"], "assignees": ["c"]},
    "github": {"repository": "acme/gitops"},
    "forge": {"type": "github"},
    "argocd": {"server": "https://argocd.example.com"},
    "metrics": {"url": "https://prometheus.example.com"},
    "webhooks": {
        "sources": {
            "hub": {"type": "dockerhub", "token_env": "HUB"},
            "pubsub": {"type": "gar", "jwt": {"audience": "a", "email": "push@p.iam.gserviceaccount.com"}},
        }
    },
    "notifications": [{"type": "slack", "url_env": "SLACK", "events": ["failed"], "environments": ["dev"]}],
    "render": {"timeout": 30},
    "dashboard": {"enabled": True},
}

STRUCTURED = (Nested, ListOf, MapOf, Strings)


def _instances(
    section: Section[Any], node: dict[str, Any], path: tuple[Any, ...]
) -> Iterator[tuple[Section[Any], tuple[Any, ...]]]:
    """Each section ``node`` (at ``path`` in FULL) and the sections written inside it."""
    yield section, path
    for f in section.fields:
        value = node.get(f.key)
        if value is None or not isinstance(f.kind, Nested | ListOf | MapOf):
            continue
        inner = f.kind.section
        if isinstance(f.kind, Nested):
            yield from _instances(inner, value, (*path, f.key))
        elif isinstance(f.kind, ListOf):
            for index, item in enumerate(value):
                yield from _instances(inner, item, (*path, f.key, index))
        else:
            for name, entry in value.items():
                if entry is not False:
                    yield from _instances(inner, entry, (*path, f.key, name))


def _cases() -> Iterator[tuple[str, dict[str, Any], tuple[Any, ...], Any]]:
    """(id, the config, where, what is written there): each structured key of each section
    written with nothing and empty; each list's item and each mapping's entry so too."""
    for section, path in _instances(config.ROOT, FULL, ()):
        doc = BASE if not path else FULL
        where = ".".join(map(str, path)) or "file"
        for f in section.fields:
            if not isinstance(f.kind, STRUCTURED):
                # a string, number, boolean or choice has no empty form: written with nothing only
                yield f"{where}.{f.key}=null", doc, (*path, f.key), None
                continue
            empty: Any = {} if isinstance(f.kind, Nested | MapOf) else []
            for value, said in ((None, "null"), (empty, "empty")):
                yield f"{where}.{f.key}={said}", doc, (*path, f.key), value
            if isinstance(f.kind, ListOf | MapOf):
                # an item or an entry written with nothing, or as an empty mapping
                written = _at(doc, (*path, f.key)) or {}
                first = 0 if isinstance(f.kind, ListOf) else next(iter(written), "x")
                inside: Any = [None] if isinstance(f.kind, ListOf) else {first: None}
                for value, said in ((inside, "item null"), (_emptied(inside), "item empty")):
                    yield f"{where}.{f.key}={said}", doc, (*path, f.key), value


def _emptied(inside: Any) -> Any:
    return [{}] if isinstance(inside, list) else {k: {} for k in inside}


def _at(doc: Any, path: tuple[Any, ...]) -> Any:
    node = doc
    for step in path:
        if isinstance(node, dict):
            node = node.get(step)
        elif isinstance(node, list) and isinstance(step, int) and step < len(node):
            node = node[step]
        else:
            return None
    return node


def _with(doc: dict[str, Any], path: tuple[Any, ...], value: Any) -> str:
    out = copy.deepcopy(doc)
    node: Any = out
    for step in path[:-1]:
        node = node[step]
    node[path[-1]] = value
    return json.dumps(out)  # JSON is YAML


CASES = list(_cases())


def test_the_full_config_writes_every_declared_section_and_both_accept_it() -> None:
    declared = list(reader_sections(config.ROOT))
    written = [s for s, _ in _instances(config.ROOT, FULL, ())]
    missing = [s.name or s.keys for s in declared if not any(w is s for w in written)]
    assert missing == [], "write these sections in FULL"
    for doc in (BASE, FULL):
        config.parse(json.dumps(doc), "gitops-bot.yaml")
        assert schema_problems(json.dumps(doc)) == []


def _reader_takes(text: str) -> str | None:
    try:
        config.parse(text, "gitops-bot.yaml")
    except ConfigError as exc:
        return str(exc)
    return None


@pytest.mark.parametrize(("doc", "path", "value"), [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_the_reader_and_the_schema_agree_on_nothing_and_empty(
    doc: dict[str, Any], path: tuple[Any, ...], value: Any
) -> None:
    text = _with(doc, path, value)
    refused = _reader_takes(text)
    problems = schema_problems(text)
    if refused is None:
        assert problems == [], f"the reader reads it, the schema refuses it: {problems}"
    else:
        assert problems, f"the schema passes what the reader refuses: {refused}"


def _parsed(extra: str) -> config.Config:
    return config.parse(
        "images: [{name: app}]\nenvironments:\n  - name: dev\n    path: o/dev\n" + extra, "f.yaml"
    )


def test_a_section_written_with_nothing_is_its_defaults() -> None:
    cfg = _parsed("webhooks:\ndashboard:\ngit:\nregistries:\nnotifications:\n")
    assert cfg.webhooks_written is not None and cfg.webhooks.sources == ()
    assert cfg.dashboard_written is not None and not cfg.dashboard.enabled
    assert cfg.registries == {} and cfg.notifications == ()


def test_a_gate_written_with_nothing_is_on_with_its_defaults() -> None:
    cfg = config.parse(
        "images: [{name: app}]\nenvironments:\n  - name: dev\n    path: o/dev\n    gates:\n      checks:\n",
        "f.yaml",
    )
    gate = cfg.environments[0].checks_gate
    assert gate is not None and gate.require is None  # every check reported must be green


@pytest.mark.parametrize(
    ("text", "said"),
    [
        ("images:\n  - name: app\n    verify:\n", "'verify' of image 'app' needs 'keys' or 'keyless'"),
        ("images:\n  - name: app\n    helm:\n", "needs 'tag' or 'reference'"),
        ("images:\n  - name: app\n    verify: {keys: []}\n", "needs 'keys' or 'keyless'"),
    ],
)
def test_a_section_that_needs_a_key_written_with_nothing_is_refused_in_one_line(text: str, said: str) -> None:
    with pytest.raises(ConfigError) as caught:
        config.parse(text + "environments: []\n", "f.yaml")
    assert said in str(caught.value) and "\n" not in str(caught.value)
    assert schema_problems(text + "environments: []\n")


def test_windows_days_written_empty_is_refused() -> None:
    text = "environments:\n  - name: dev\n    path: o\n    windows: {timezone: UTC, deny: [{days: []}]}\n"
    with pytest.raises(ConfigError, match="needs 'days'"):
        config.parse("images: [{name: app}]\n" + text, "f.yaml")


@pytest.mark.parametrize(
    ("key", "extra", "said"),
    [
        ("range", "images:\n  - name: app\n    range:\n", "'range' in image 'app' has no value"),
        ("base", "images: [{name: app}]\ngit:\n  base:\n", "'base' in 'git' has no value"),
        ("version", "version:\nimages: [{name: app}]\n", "'version' in the file has no value"),
    ],
)
def test_a_single_value_written_with_nothing_is_refused_in_one_line(key: str, extra: str, said: str) -> None:
    text = extra + "environments: []\n"
    with pytest.raises(ConfigError) as caught:
        config.parse(text, "f.yaml")
    message = str(caught.value)
    assert said in message and "leave the key out for its default" in message and "\n" not in message
    assert schema_problems(text)
