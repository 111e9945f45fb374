"""The ``webhooks:`` and ``notifications:`` sections of gitops-bot.yaml -> the settings the
events and notify packages own. Called by :func:`gitops_bot.config.parse` with its reader, so
every error names the file and line like the rest of the config."""

from __future__ import annotations

import re
from typing import Any

from gitops_bot.config import _env_name, _item_line, _Reader
from gitops_bot.events.settings import (
    DEFAULT_DEBOUNCE,
    DEFAULT_MAX_BODY,
    DEFAULT_REPLAY_WINDOW,
    SOURCE_TYPES,
    SourceSettings,
    WebhookSettings,
)
from gitops_bot.notify.settings import EVENTS, TYPES, NotifierSettings

_NAME = re.compile(r"^[a-z0-9][a-z0-9_-]{0,62}$")
_HOST = re.compile(r"^[A-Za-z0-9.-]+(:\d+)?$")
MAX_BODY_LIMIT = 25 * 1024 * 1024
_NEEDS = {"github": "secret_env", "distribution": "token_env", "dockerhub": "token_env"}


def _number(r: _Reader, node: dict[str, Any], key: str, what: str, default: float, top: float) -> float:
    value = float(r.get(node, key, float, what, default))
    if not 0 <= value <= top:
        raise r.error(r.line_of(node, key), f"{key} in {what} must be between 0 and {top:g}")
    return value


def webhooks(r: _Reader, root: dict[str, Any]) -> WebhookSettings:
    what = "'webhooks'"
    spec = r.section(root, "webhooks", allowed=("sources", "max_body", "replay_window", "debounce"))
    raw = spec.get("sources") or {}
    node = r.mapping(
        raw, r.line_of(spec, "sources"), "'webhooks: sources'", allowed=tuple(str(k) for k in raw)
    )
    sources = tuple(_source(r, node, str(name)) for name in node)
    max_body = int(_number(r, spec, "max_body", what, DEFAULT_MAX_BODY, MAX_BODY_LIMIT))
    if max_body < 1024:
        raise r.error(r.line_of(spec, "max_body"), "max_body in 'webhooks' must be at least 1024 bytes")
    return WebhookSettings(
        sources=sources,
        max_body=max_body,
        replay_window=_number(r, spec, "replay_window", what, DEFAULT_REPLAY_WINDOW, 86400),
        debounce=_number(r, spec, "debounce", what, DEFAULT_DEBOUNCE, 300),
    )


def _source(r: _Reader, parent: dict[str, Any], name: str) -> SourceSettings:
    what = f"webhook source {name!r}"
    line = r.line_of(parent, name)
    if not _NAME.match(name):
        raise r.error(line, f"{what}: the name is the URL path /webhook/NAME; use a-z, 0-9, - and _")
    spec = r.mapping(parent[name], line, what, allowed=("type", "secret_env", "token_env", "registry"))
    kind = r.get(spec, "type", str, what, name if name in SOURCE_TYPES else None)
    if kind not in SOURCE_TYPES:
        raise r.error(line, f"{what}: type must be one of {', '.join(SOURCE_TYPES)}")
    secret_env, token_env = _env_name(r, spec, "secret_env", what), _env_name(r, spec, "token_env", what)
    needed = _NEEDS.get(kind)
    given = [k for k, v in (("secret_env", secret_env), ("token_env", token_env)) if v]
    if len(given) != 1 or (needed and given != [needed]):
        how = needed or "secret_env (HMAC) or token_env (bearer token)"
        raise r.error(line, f"{what}: a {kind} webhook is authenticated by {how}; give exactly that")
    registry = r.get(spec, "registry", str, what)
    if registry is not None and not _HOST.match(registry):
        raise r.error(r.line_of(spec, "registry"), f"{what}: registry must be a host[:port], e.g. ghcr.io")
    return SourceSettings(name, kind, secret_env, token_env, registry)


def notifications(r: _Reader, root: dict[str, Any], environments: set[str]) -> tuple[NotifierSettings, ...]:
    raw = root.get("notifications")
    if raw is None:
        return ()
    if not isinstance(raw, list):
        raise r.error(r.line_of(root, "notifications"), "'notifications' must be a list of destinations")
    out = [_notifier(r, raw, i, environments) for i in range(len(raw))]
    names = [n.name for n in out]
    dup = next((n for n in names if names.count(n) > 1), None)
    if dup:
        raise r.error(r.line_of(root, "notifications"), f"notification name {dup!r} is used twice")
    return tuple(out)


def _notifier(r: _Reader, seq: list[Any], i: int, environments: set[str]) -> NotifierSettings:
    line = _item_line(seq, i)
    allowed = (
        "name",
        "type",
        "url",
        "url_env",
        "secret_env",
        "events",
        "environments",
        "timeout",
        "attempts",
    )
    spec = r.mapping(seq[i], line, f"notifications item {i + 1}", allowed=allowed)
    kind = r.get(spec, "type", str, f"notifications item {i + 1}", required=True)
    name = r.get(spec, "name", str, "a notification", kind)
    what = f"notification {name!r}"
    if kind not in TYPES:
        raise r.error(line, f"{what}: type must be one of {', '.join(TYPES)}")
    url, url_env = r.get(spec, "url", str, what), _env_name(r, spec, "url_env", what)
    if (url is None) == (url_env is None):
        raise r.error(line, f"{what}: give exactly one of url and url_env")
    if url is not None and (kind != "webhook" or not re.match(r"^https?://[^/\s]+", url)):
        raise r.error(
            r.line_of(spec, "url"),
            f"{what}: a {kind} URL holds a secret: put it in an environment variable and name it in url_env"
            if kind != "webhook"
            else f"{what}: url must be an http(s) URL",
        )
    secret_env = _env_name(r, spec, "secret_env", what)
    if secret_env and kind != "webhook":
        raise r.error(
            r.line_of(spec, "secret_env"), f"{what}: only a generic webhook is signed with secret_env"
        )
    events = r.str_list(spec, "events", what) or EVENTS
    envs = r.str_list(spec, "environments", what)
    for key, values, known in (("events", events, set(EVENTS)), ("environments", envs, environments)):
        bad = [v for v in values if v not in known]
        if bad:
            raise r.error(
                r.line_of(spec, key),
                f"{what}: unknown {key} {', '.join(bad)}; known: {', '.join(sorted(known))}",
            )
    attempts = r.get(spec, "attempts", int, what, 3)
    if not 1 <= attempts <= 10:
        raise r.error(r.line_of(spec, "attempts"), f"{what}: attempts must be between 1 and 10")
    timeout = _number(r, spec, "timeout", what, 5.0, 60)
    if timeout == 0:
        raise r.error(r.line_of(spec, "timeout"), f"{what}: timeout must be more than 0 seconds")
    return NotifierSettings(name, kind, url, url_env, secret_env, events, envs, timeout, attempts)
