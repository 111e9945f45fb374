"""What a registry's answer must be to be believed: a manifest's media type and digest, a tag
list page's shape, a pagination link, a JSON object. Pure functions over a
:class:`~gitops_bot.net.transport.Reply`; the client turns a refusal into the skipped image's
reason."""

from __future__ import annotations

import hashlib
import re
from typing import Any

from gitops_bot.core.errors import RegistryProtocolError
from gitops_bot.core.model import is_digest, is_tag, short_digest
from gitops_bot.net.limits import JSONTooDeep, loads
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


def accepted(response: Reply, host: str, repository: str, reference: str) -> tuple[str, bytes, str]:
    """The digest acceptance check, the only source of a digest: the answer is a manifest or an
    index (by media type), and its body hashes to the digest the registry claims and to the
    reference when that is a digest. Anything else (an error page, a token endpoint's body)
    skips the image with the reason."""
    where = f"{host}/{repository}:{reference}"
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
