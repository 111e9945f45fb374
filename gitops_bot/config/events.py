"""The ``webhooks:`` and ``notifications:`` sections -> the settings the events and notify
packages own (and declare: their keys are the fields of those dataclasses)."""

from __future__ import annotations

import re
from dataclasses import replace

from gitops_bot.config.kinds import NUMBER, STR, ListOf, MapOf, Nested, section_of
from gitops_bot.config.spec import Field, Section, Values, matches
from gitops_bot.core.settings import URL
from gitops_bot.events.settings import (
    GOOGLE_ISSUER,
    GOOGLE_JWKS,
    JWT_TYPES,
    SIGNED_TYPES,
    TOKEN_TYPES,
    JwtSettings,
    SourceSettings,
    WebhookSettings,
)
from gitops_bot.notify.settings import EVENTS, NotifierSettings

_NAME = r"^[a-z0-9][a-z0-9_-]{0,62}$"
_NEEDS = {kind: "secret_env" for kind in SIGNED_TYPES} | {kind: "token_env" for kind in TOKEN_TYPES}


# https, or plain http to this machine only (a key set served beside the bot, a test)
_JWKS_URL = r"^(https://[^\s/?#]+|http://(127\.0\.0\.1|localhost|\[::1\])(:\d{1,5})?)(/\S*)?$"

JWT = Section(
    (
        Field(
            "audience",
            STR,
            required=True,
            description="The token's required 'aud': the push subscription's audience, the "
            "OAuth API's identifier, the Entra application's ID or URI.",
        ),
        Field("issuer", STR, description="The token's required 'iss'. Default for gar: Google's."),
        Field(
            "jwks_url",
            STR,
            rules=(matches(_JWKS_URL, "{what}: jwks_url must be an https URL (or http to localhost)"),),
            description="Where the issuer publishes its signing keys. Default for gar: Google's.",
        ),
        Field(
            "email",
            STR,
            description="The token's required verified 'email' (a Pub/Sub push service account).",
        ),
    ),
    lambda v: JwtSettings(v["audience"], v["issuer"] or "", v["jwks_url"] or "", v["email"]),
    name="webhookJwt",
)


def _jwt(v: Values, kind: str, jwt: JwtSettings) -> JwtSettings:
    """A source's ``jwt``, Google's issuer and key set filled in for ``gar``."""
    line = v.line_of("jwt")
    if kind == "gar":
        jwt = replace(jwt, issuer=jwt.issuer or GOOGLE_ISSUER, jwks_url=jwt.jwks_url or GOOGLE_JWKS)
        if not jwt.email:
            raise v.error(line, f"{v.what}: jwt needs email (the push subscription's service account)")
    if not jwt.issuer or not jwt.jwks_url:
        raise v.error(line, f"{v.what}: jwt needs issuer and jwks_url (the token issuer's)")
    return jwt


def _source(v: Values) -> SourceSettings:
    kind, secret_env, token_env, jwt = v["type"], v["secret_env"], v["token_env"], v["jwt"]
    needed = _NEEDS.get(kind)
    given = [k for k, value in (("secret_env", secret_env), ("token_env", token_env)) if value]
    if jwt is not None and kind not in JWT_TYPES:
        raise v.error(v.line_of("jwt"), f"{v.what}: jwt is for {', '.join(JWT_TYPES)} sources only")
    if kind in JWT_TYPES and jwt is not None:
        if secret_env:
            raise v.error(v.line, f"{v.what}: a {kind} webhook takes token_env, jwt or both; not secret_env")
        jwt = _jwt(v, kind, jwt)
    elif len(given) != 1 or (needed and given != [needed]):
        how = needed or "secret_env (HMAC) or token_env (bearer token)"
        if kind in JWT_TYPES:
            how = "token_env, jwt (a signed bearer token) or both"
        raise v.error(v.line, f"{v.what}: a {kind} webhook is authenticated by {how}; give exactly that")
    if v["header"] and not token_env:
        raise v.error(
            v.line_of("header"), f"{v.what}: header names where the token_env token is sent; give token_env"
        )
    return SourceSettings(v.key, kind, secret_env, token_env, v["registry"], v["header"], jwt)


SOURCE = section_of(
    SourceSettings,
    _source,
    kinds={"jwt": Nested(JWT, "'jwt' of {parent}")},
    same={"type": ""},
    name="webhookSource",
    schema={
        "oneOf": [
            {"required": ["secret_env"]},
            {"required": ["token_env"]},
            {"required": ["jwt"], "not": {"required": ["token_env"]}},
        ]
    },
)


WEBHOOKS = section_of(
    WebhookSettings,
    lambda v: WebhookSettings(
        sources=tuple(s for _, s in v["sources"] if s is not None),
        max_body=int(v["max_body"]),
        replay_window=v["replay_window"],
        debounce=v["debounce"],
    ),
    kinds={
        "sources": MapOf(
            SOURCE,
            "'webhooks: sources'",
            "webhook source {key!r}",
            name_rule=matches(_NAME, "{what}: the name is the URL path /webhook/NAME; use a-z, 0-9, - and _"),
        ),
        "max_body": NUMBER,  # read as any number, kept as whole bytes
    },
    name="webhooks",
    description="Registry pushes watch acts on at once, from the senders listed (docs/webhooks.md).",
)


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
NOTIFICATIONS = ListOf(
    NOTIFICATION, "notifications item {number}", "'notifications' must be a list of destinations"
)
EVENT_SCHEMA = {"enum": list(EVENTS)}
