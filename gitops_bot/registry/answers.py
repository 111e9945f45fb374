"""What a registry's answer must be to be believed: a manifest's media type and digest, a tag
list page's shape, a pagination link, a JSON object; and what a token service's answer is (a
:class:`Token`, or a :class:`TokenServiceError`, never the resource it was asked for). Pure
functions over a :class:`~gitops_bot.net.transport.Reply`; the client turns a refusal into
the skipped image's reason."""

from __future__ import annotations

import base64
import binascii
import functools
import hashlib
import re
from datetime import UTC, datetime
from typing import Any

from gitops_bot.core import numbers
from gitops_bot.core.errors import RegistryProtocolError, TokenServiceError
from gitops_bot.core.instants import DURATION_MAX, outside_instant
from gitops_bot.core.model import is_digest, is_tag, short_digest
from gitops_bot.core.record import record
from gitops_bot.net.limits import JSONTooDeep, loads
from gitops_bot.net.origins import same_origin
from gitops_bot.net.retry import retry_after, retryable_status
from gitops_bot.net.transport import Reply

INDEX_TYPES = (
    "application/vnd.oci.image.index.v1+json",
    "application/vnd.docker.distribution.manifest.list.v2+json",
)
MANIFEST_TYPES = (
    "application/vnd.oci.image.manifest.v1+json",
    "application/vnd.docker.distribution.manifest.v2+json",
)
MANIFEST_MEDIA_TYPES = INDEX_TYPES + MANIFEST_TYPES
# Without the index types a registry answers 404 for a multi-arch tag.
ACCEPT = ", ".join(MANIFEST_MEDIA_TYPES)


def json_object(body: bytes, host: str, repository: str) -> dict[str, Any]:
    try:
        data = loads(body)
    except JSONTooDeep as exc:
        raise RegistryProtocolError(f"{host}/{repository}: answer {exc}") from None
    except ValueError:
        raise RegistryProtocolError(f"{host}/{repository}: answer is not valid JSON") from None
    if not isinstance(data, dict):
        raise RegistryProtocolError(f"{host}/{repository}: answer is not a JSON object")
    return data


def reference(host: str, repository: str, reference: str) -> str:
    """A tag or a digest, nothing else, goes into a manifest URL."""
    if is_tag(reference) or is_digest(reference):
        return reference
    raise RegistryProtocolError(f"{host}/{repository}: {reference!r} is neither a valid tag nor a digest")


def tag_page(response: Reply, host: str, repository: str) -> list[str]:
    try:
        body = loads(response.body)
    except JSONTooDeep as exc:
        raise RegistryProtocolError(f"{host}/{repository}: tag list {exc}") from None
    except ValueError:
        raise RegistryProtocolError(f"{host}/{repository}: tag list is not valid JSON") from None
    page = body.get("tags") if isinstance(body, dict) else None
    if page is None and isinstance(body, dict) and "tags" in body:
        page = []  # distribution answers "tags": null for a repository with none
    if not isinstance(page, list) or not all(isinstance(t, str) for t in page):
        raise RegistryProtocolError(f"{host}/{repository}: tag list has no 'tags' array")
    return page


def unencoded(response: Reply, host: str, repository: str) -> Reply:
    """The answer's body as is: no ``Accept-Encoding`` is sent, so a ``Content-Encoding`` (gzip
    from a proxy that compresses anyway) is refused with its name, not read as JSON garbage or
    hashed as a manifest."""
    coding = response.header("Content-Encoding").strip().lower()
    if coding not in ("", "identity") and response.body:
        raise RegistryProtocolError(
            f"{host}/{repository}: answer is {coding[:20]!r}-encoded, which was not asked for"
        )
    return response


def media_type(response: Reply) -> str:
    return response.header("Content-Type").split(";")[0].strip()


def next_link(header: str) -> str | None:
    """The ``rel="next"`` URL of a ``Link`` header (read as httpx's ``Response.links`` does:
    the last link with that relation wins)."""
    found = None
    for link in re.split(", *<", header) if header else ():
        url, _, params = link.partition(";")
        rels = {}
        for param in params.split(";"):
            key, eq, value = param.partition("=")
            if eq:
                rels[key.strip(" '\"")] = value.strip(" '\"")
        if rels.get("rel") == "next":
            found = url.strip("<> '\"")
    return found


def accepted(
    response: Reply, host: str, repository: str, reference: str, registry: str
) -> tuple[str, bytes, str]:
    """The digest acceptance check, the only source of a digest: the answer is a manifest or an
    index (by media type), and its body hashes to the digest the registry claims and to the
    reference when that is a digest. A tag's manifest must come from ``registry`` (its origin)
    itself, not from where a redirect led: nothing else says those bytes are the registry's.
    Anything else (an error page, a token endpoint's body) skips the image with the reason."""
    where = f"{host}/{repository}:{reference}"
    if not is_digest(reference) and not same_origin(response.url, registry):
        import httpx  # the refusal names where it was served from, as httpx reads it

        served = httpx.URL(response.url)
        raise RegistryProtocolError(
            f"{where}: manifest served by {served.scheme}://{served.netloc.decode('ascii', 'replace')} "
            "after a redirect, "
            "not by the registry; its digest is not pinned"
        )
    body = response.body
    computed = "sha256:" + hashlib.sha256(body).hexdigest()
    for expected in (
        response.header("Docker-Content-Digest"),
        reference if is_digest(reference) else None,
    ):
        if expected and expected != computed:
            raise RegistryProtocolError(
                f"{where}: manifest digest does not match its body "
                f"(registry says {short_digest(expected)}, body is {short_digest(computed)})"
            )
    kind = media_type(response)
    if not kind or kind == "application/json":
        kind = str(json_object(body, host, repository).get("mediaType", ""))
    if kind not in MANIFEST_MEDIA_TYPES:
        raise RegistryProtocolError(f"{where}: answer is not a manifest (media type {kind[:60]!r})")
    json_object(body, host, repository)
    return kind, body, computed


# -- token services -----------------------------------------------------------------------

# bytes a token answer may have: a JWT granting 32 scopes is a few kB, a cloud's a few more
TOKEN_LIMIT = 64 << 10
# seconds a token is kept at most, whatever its expires_in says: asking again costs one request
TOKEN_KEPT = 3600.0
TOKEN_DEFAULT_LIFE = 60.0  # the distribution token spec's, when expires_in is absent


# compiled at its first use, not at import: a plan's start-up does not use it
# what an Authorization header can carry: visible ASCII, no space (RFC 9110's token68 and more)
@functools.cache
def _token_text() -> re.Pattern[str]:
    return re.compile(r"[!-~]+")


@record
class Token:
    """A registry token service's answer."""

    value: str
    lifetime: float  # seconds from now it is good for, by what it says (at most TOKEN_KEPT)
    granted: frozenset[str] | None  # the pull scopes it says it grants; None: it does not say


CREDENTIALS_HINT = "check the registry credentials (username_env/password_env, docker config.json)"


def token_answer(response: Reply, where: str, service: str) -> Token | TokenServiceError:
    """What a token service's answer is: a usable token with its bounded lifetime, or the one
    failure it amounts to. ``where``: the registry and repository asking (for the message);
    ``service``: the token service's host."""
    said = f"{where}: token service at {service}"
    if response.status != 200:
        if retryable_status(response.status):
            return TokenServiceError(
                f"{said} answered HTTP {response.status}",
                fault="unavailable",
                retry_after=retry_after(response.header("Retry-After")),
            )
        return TokenServiceError(
            f"{said} refused the token request (HTTP {response.status})",
            fault="refused",
            hint=CREDENTIALS_HINT,
        )

    def no_token(why: str) -> TokenServiceError:
        return TokenServiceError(f"{said} answered 200 without a token ({why})", fault="no-token")

    try:
        body: Any = loads(response.body)
    except ValueError:  # not JSON, too deep, NaN
        return no_token("the body is not JSON")
    if not isinstance(body, dict):
        return no_token(f"the body is a JSON {type(body).__name__}, not an object")
    found = [body.get(k) for k in ("token", "access_token")]
    strings = [t for t in found if isinstance(t, str) and t]
    if not strings:
        return no_token("no 'token' or 'access_token' string")
    token = strings[0]
    if not _token_text().fullmatch(token):
        return no_token("its token holds characters a header cannot carry")
    lifetime = token_lifetime(body)
    if isinstance(lifetime, str):
        return TokenServiceError(f"{said} answered a token that {lifetime}", fault="expired")
    return Token(token, lifetime, _granted(token))


def token_lifetime(body: dict[str, Any]) -> float | str:
    """Seconds a token is kept from now: ``expires_in`` (the spec's 60 when absent, zero or
    negative), counted from ``issued_at`` when that says it was issued earlier (a token handed
    on by a cache), never past :data:`TOKEN_KEPT`; or why it cannot be used (unreadable). A
    lifetime ``issued_at`` has used up is not refused (the cache keeps it a second): the
    registry judges it, and a clock behind the token service's must not refuse every token."""
    value = body.get("expires_in")
    if value is None:
        seconds = TOKEN_DEFAULT_LIFE
    else:
        try:
            seconds = numbers.real(value, "expires_in", high=DURATION_MAX.total_seconds())
        except numbers.OutOfRange as exc:
            return f"has an unreadable lifetime ({str(exc)[:120]})"
        if seconds <= 0:
            # docker's client takes such a token with the spec's default life (it raises any
            # lifetime under 60 s to 60): a token service answering 0 means "no lifetime said",
            # and the registry still judges the token itself
            seconds = TOKEN_DEFAULT_LIFE
    issued = outside_instant(body.get("issued_at"), "token issued_at")
    if issued is not None:
        age = (datetime.now(UTC) - issued).total_seconds()
        if age > 0:
            seconds -= age
    return min(seconds, TOKEN_KEPT)  # the cache keeps it ten seconds less, one at least


def _granted(token: str) -> frozenset[str] | None:
    """The pull scopes a JWT's ``access`` claim grants (read, not verified: the registry
    verifies it; this only spares asking it with a token that says it will be refused). None
    when the token is not a JWT or its claim is absent or unreadable."""
    parts = token.split(".")
    if len(parts) != 3:
        return None
    try:
        claims = loads(base64.urlsafe_b64decode(parts[1] + "=" * (-len(parts[1]) % 4)))
    except (ValueError, binascii.Error):
        return None
    access = claims.get("access") if isinstance(claims, dict) else None
    if not isinstance(access, list):
        return None
    granted = set()
    for entry in access:
        actions = entry.get("actions") if isinstance(entry, dict) else None
        if not isinstance(actions, list) or not isinstance(entry.get("name"), str):
            return None  # a claim not in the spec's shape: the registry judges the token alone
        if entry.get("type") == "repository" and ("pull" in actions or "*" in actions):
            granted.add(f"repository:{entry['name']}:pull")
    return frozenset(granted)
