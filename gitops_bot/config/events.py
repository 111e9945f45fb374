"""The ``webhooks:`` section -> the settings the events package owns (and declares: its keys
are the fields of those dataclasses). ``notifications:`` is read by :mod:`.notifications`."""

from __future__ import annotations

from dataclasses import replace

from gitops_bot.config.kinds import NUMBER, STR, MapOf, Nested, section_of
from gitops_bot.config.spec import Field, Section, Values, matches
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
