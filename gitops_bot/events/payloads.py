"""PURE: a webhook body -> the pushes it reports. One parser per sender format.

Everything here is hostile input: JSON shape, repository names, tags and digests are checked
against the distribution grammar before they go anywhere; anything else is a
:class:`PayloadError` (answered 400). Events that are not pushes of a tag (pulls, blob
uploads, deletions, GitHub pings, untagged pushes) are simply not pushes: an empty result.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from gitops_bot.model import DOCKER_HUB, ImageRef, WrittenRef, is_digest, normalise_host

_TAG = re.compile(r"^[\w][\w.-]{0,127}$")
GHCR = "ghcr.io"


class PayloadError(Exception):
    """The body is not what this source sends: the message says what is wrong."""


@dataclass(frozen=True)
class Push:
    """A tag pushed to a repository. ``registry`` None: the sender does not say which host."""

    registry: str | None
    repository: str
    tag: str
    digest: str | None = None

    @property
    def location(self) -> str:
        return f"{self.registry or '*'}/{self.repository}"

    def __str__(self) -> str:
        return f"{self.location}:{self.tag}"


@dataclass(frozen=True)
class Delivery:
    """One request's pushes and the id that recognises it when it is sent again."""

    id: str
    pushes: tuple[Push, ...]


def matches(push: Push, image: ImageRef) -> bool:
    """Same repository path, and the same host when the push names one."""
    if push.repository != image.repository:
        return False
    return push.registry is None or normalise_host(push.registry) == image.registry


def make_push(registry: str | None, repository: Any, tag: Any, digest: Any = None) -> Push:
    if not isinstance(repository, str) or not isinstance(tag, str) or not _TAG.match(tag):
        raise PayloadError(f"invalid repository or tag: {str(repository)[:100]!r}:{str(tag)[:130]!r}")
    try:
        ref = ImageRef.parse(f"{registry or 'registry.invalid'}/{repository}")
    except Exception:
        raise PayloadError(f"invalid repository name {repository[:200]!r}") from None
    if digest is not None and not (isinstance(digest, str) and is_digest(digest)):
        raise PayloadError(f"invalid digest {str(digest)[:100]!r}")
    return Push(ref.registry if registry else None, ref.repository, tag, digest)


def _json(body: bytes) -> Any:
    try:
        return json.loads(body.decode("utf-8"))
    except (UnicodeDecodeError, ValueError) as exc:
        raise PayloadError(f"body is not JSON: {str(exc)[:120]}") from None
    except RecursionError:
        raise PayloadError("body is nested too deeply") from None


def _obj(value: Any, what: str) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise PayloadError(f"{what} must be a JSON object")
    return value


def _body_id(body: bytes) -> str:
    return "sha256:" + hashlib.sha256(body).hexdigest()


def distribution(body: bytes, headers: Mapping[str, str]) -> Delivery:
    """The CNCF distribution registry's envelope: ``{"events": [{id, action, target, request}]}``.
    Only ``push`` events of a tagged manifest count; the host is the one the pusher used."""
    events = _obj(_json(body), "the envelope").get("events")
    if not isinstance(events, list):
        raise PayloadError("the envelope has no 'events' list")
    pushes, ids = [], []
    for raw in events:
        ev = _obj(raw, "an event")
        ids.append(str(ev.get("id", "")))
        target = _obj(ev.get("target") or {}, "an event's target")
        if ev.get("action") != "push" or not target.get("tag"):
            continue
        host = _obj(ev.get("request") or {}, "an event's request").get("host")
        pushes.append(
            make_push(
                host if isinstance(host, str) and host else None,
                target.get("repository"),
                target.get("tag"),
                target.get("digest"),
            )
        )
    event_ids = ",".join(sorted(ids))
    return Delivery("distribution:" + (event_ids if all(ids) else _body_id(body)), tuple(pushes))


def github(body: bytes, headers: Mapping[str, str]) -> Delivery:
    """GitHub's ``package`` and ``registry_package`` events (a container pushed to GHCR)."""
    event = headers.get("x-github-event", "")
    delivery = "github:" + (headers.get("x-github-delivery") or _body_id(body))
    if event == "ping":
        return Delivery(delivery, ())
    if event not in ("package", "registry_package"):
        raise PayloadError(f"unexpected X-GitHub-Event {event[:60]!r}; subscribe to package events only")
    pkg = _obj(_obj(_json(body), "the payload").get(event), f"the payload's {event!r}")
    kind = str(pkg.get("package_type") or pkg.get("ecosystem") or "").lower()
    version = _obj(pkg.get("package_version") or {}, "package_version")
    meta = _obj(version.get("container_metadata") or {}, "container_metadata")
    tag = _obj(meta.get("tag") or {}, "container_metadata.tag")
    if kind not in ("container", "docker") or not tag.get("name"):
        return Delivery(delivery, ())  # another ecosystem, or an untagged version
    digest = tag.get("digest") or version.get("version")
    url = str(version.get("package_url") or "")  # ghcr.io/OWNER/PATH:TAG, the image's own name
    if url.startswith(GHCR + "/"):
        repository = WrittenRef.split(url.removeprefix(GHCR + "/")).name
    else:
        repository = f"{pkg.get('namespace') or ''}/{pkg.get('name') or ''}".lower()
    return Delivery(delivery, (make_push(GHCR, repository, tag.get("name"), digest),))


def dockerhub(body: bytes, headers: Mapping[str, str]) -> Delivery:
    """Docker Hub's push webhook: ``{push_data: {tag}, repository: {repo_name}, callback_url}``."""
    doc = _obj(_json(body), "the payload")
    data = _obj(doc.get("push_data"), "push_data")
    repo = _obj(doc.get("repository"), "repository").get("repo_name")
    if isinstance(repo, str) and "/" not in repo:
        repo = f"library/{repo}"
    callback = doc.get("callback_url")
    delivery = "dockerhub:" + (callback if isinstance(callback, str) and callback else _body_id(body))
    return Delivery(delivery, (make_push(DOCKER_HUB, repo, data.get("tag")),))


def generic(body: bytes, headers: Mapping[str, str]) -> Delivery:
    """``{"repository": "ghcr.io/acme/app", "tag": "1.2.0", "digest": optional}``; the delivery
    id is the ``X-Delivery-Id`` header when sent, else the body's hash."""
    doc = _obj(_json(body), "the payload")
    repo = doc.get("repository")
    if not isinstance(repo, str):
        raise PayloadError("'repository' must be a string such as ghcr.io/acme/app")
    try:
        ref = ImageRef.parse(repo)
    except Exception:
        raise PayloadError(f"invalid repository {repo[:200]!r}") from None
    delivery = "generic:" + (headers.get("x-delivery-id") or _body_id(body))
    return Delivery(delivery, (make_push(ref.registry, ref.repository, doc.get("tag"), doc.get("digest")),))


PARSERS: dict[str, Callable[[bytes, Mapping[str, str]], Delivery]] = {
    "distribution": distribution,
    "github": github,
    "dockerhub": dockerhub,
    "generic": generic,
}
