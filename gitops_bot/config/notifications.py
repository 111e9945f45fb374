"""The ``notifications:`` section -> the notify package's settings (declared there: the keys
are the fields of :class:`~gitops_bot.notify.settings.NotifierSettings`). Imported by name
(:data:`gitops_bot.config.NOTIFICATIONS`) when a file lists notifications or the JSON Schema
is written: a file without them loads neither this module nor the notify package."""

from __future__ import annotations

import re

from gitops_bot.config.kinds import section_of
from gitops_bot.config.spec import Values
from gitops_bot.core.settings import URL
from gitops_bot.notify.settings import EVENTS, NotifierSettings


def _notifier(v: Values) -> NotifierSettings:
    kind, url, what = v["type"], v["url"], v.what
    if v["name"] in v.taken:
        raise v.error(v.file.line_of("notifications"), f"notification name {v['name']!r} is used twice")
    if (url is None) == (v["url_env"] is None):
        raise v.error(v.line, f"{what}: give exactly one of url and url_env")
    if url is not None and (kind != "webhook" or not re.match(URL, url)):
        raise v.error(
            v.line_of("url"),
            f"{what}: a {kind} URL holds a secret: put it in an environment variable and name it in url_env"
            if kind != "webhook"
            else f"{what}: url must be an http(s) URL",
        )
    if v["secret_env"] and kind != "webhook":
        raise v.error(v.line_of("secret_env"), f"{what}: only a generic webhook is signed with secret_env")
    environments = {e.name for e in v.file["environments"]}
    for key, known in (("events", set(EVENTS)), ("environments", environments)):
        bad = [value for value in v[key] if value not in known]
        if bad:
            raise v.error(
                v.line_of(key), f"{what}: unknown {key} {', '.join(bad)}; known: {', '.join(sorted(known))}"
            )
    values = {k: v[k] for k in ("name", "url", "url_env", "secret_env", "events", "environments")}
    return NotifierSettings(type=kind, timeout=v["timeout"], attempts=v["attempts"], **values)


NOTIFICATION = section_of(
    NotifierSettings,
    _notifier,
    same={"name": "type"},
    name="notification",
    named="notification {name!r}",
    schema={
        "oneOf": [{"required": ["url"]}, {"required": ["url_env"]}],
        "if": {"properties": {"type": {"enum": ["slack", "teams"]}}},
        "then": {"not": {"anyOf": [{"required": ["url"]}, {"required": ["secret_env"]}]}},
    },
)
EVENT_SCHEMA = {"enum": list(EVENTS)}
