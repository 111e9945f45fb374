"""PURE: a webhook body -> the pushes it reports. One parser per sender format.

Everything here is hostile input. A body that is not the sender's shape at all (not JSON, not
an object, no event in it) is a :class:`PayloadError` (answered 400). Inside a readable body,
each event stands alone: an event that is not a push of a tag (a pull, a delete, a blob
upload, an untagged push, another ecosystem) is *out of scope*, and an event whose
repository or tag breaks the distribution grammar is *malformed* and named in
:attr:`Delivery.malformed`; neither spoils the good events beside it (a registry retries
a whole envelope it does not see acknowledged). An invalid *optional* field (a digest) is
dropped, never fatal. Names are compared as registries compare them: hosts
case-insensitively, GHCR owners lowercased.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
import re
from collections.abc import Callable, Mapping
from dataclasses import field
from typing import Any
from urllib.parse import urlsplit

from gitops_bot.core.instants import outside_instant
from gitops_bot.core.model import DOCKER_HUB, ImageRef, is_digest, normalise_host
from gitops_bot.core.record import record

_TAG = re.compile(r"^[\w][\w.-]{0,127}$")
_HOST = re.compile(r"^[a-z0-9]([a-z0-9.-]{0,253})(:\d{1,5})?$")
GHCR = "ghcr.io"


class PayloadError(Exception):
    """The body is not what this source sends: the message says what is wrong."""


@record
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


@record
class Delivery:
    """One request's pushes, the id that recognises it when it is sent again (None: the
    sender gives none), when the sender says it happened (epoch seconds, None: unsaid), and
    one line per event that was malformed and left out."""

    id: str | None
    pushes: tuple[Push, ...]
    sent_at: float | None = None
    malformed: tuple[str, ...] = field(default=())
    skipped: int = 0  # events out of scope (pulls, deletes, untagged, other ecosystems)
    validation: str | None = None  # Event Grid's subscription validation code, to echo


def matches(push: Push, image: ImageRef) -> bool:
    """Same repository path, and the same host (case-insensitively) when the push names one."""
    if push.repository != image.repository:
        return False
    return push.registry is None or normalise_host(push.registry.lower()) == image.registry


def make_push(registry: str | None, repository: Any, tag: Any, digest: Any = None) -> Push:
    """A checked push; ``digest`` is optional, so an invalid one is dropped, not fatal."""
    if not isinstance(repository, str) or not isinstance(tag, str) or not _TAG.match(tag):
        raise PayloadError(f"invalid repository or tag: {str(repository)[:100]!r}:{str(tag)[:130]!r}")
    host = registry.lower() if isinstance(registry, str) and registry else None
    if host is not None and not _HOST.match(host):
        raise PayloadError(f"invalid registry host {host[:100]!r}")
    try:
        ref = ImageRef.parse(f"{host or 'registry.invalid'}/{repository}")
    except Exception:
        raise PayloadError(f"invalid repository name {repository[:200]!r}") from None
    if not (isinstance(digest, str) and is_digest(digest)):
        digest = None
    return Push(ref.registry if host else None, ref.repository, tag, digest)


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


def _sub(value: Any) -> dict[str, Any]:
    """An optional nested object: anything else reads as empty."""
    return value if isinstance(value, dict) else {}


def _str(value: Any) -> str:
    return value if isinstance(value, str) else ""


def body_digest(body: bytes) -> str:
    return "sha256:" + hashlib.sha256(body).hexdigest()


def _instant(value: Any) -> float | None:
    """Epoch seconds from a number or an RFC 3339 text (nanoseconds cut to microseconds)."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        return float(value) if 0 < value < 1e11 else None
    if not isinstance(value, str) or len(value) > 64:
        return None
    text = re.sub(r"(\.\d{6})\d+", r"\1", value.strip()).replace("Z", "+00:00").replace("z", "+00:00")
    if not re.search(r"([+-]\d\d:?\d\d|[Zz])$", text):
        return None  # a time without a zone says nothing about when
    moment = outside_instant(text, "registry webhook")
    return moment.timestamp() if moment is not None else None


class _Events:
    """Collects one delivery's events: pushes, malformed ones, skipped ones."""

    def __init__(self) -> None:
        self.pushes: list[Push] = []
        self.malformed: list[str] = []
        self.skipped = 0

    def push(self, registry: str | None, repository: Any, tag: Any, digest: Any = None) -> None:
        try:
            self.pushes.append(make_push(registry, repository, tag, digest))
        except PayloadError as exc:
            self.malformed.append(str(exc))

    def bad(self, why: str) -> None:
        self.malformed.append(why)

    def skip(self) -> None:
        self.skipped += 1

    def delivery(
        self, delivery_id: str | None, sent_at: float | None = None, validation: str | None = None
    ) -> Delivery:
        return Delivery(
            delivery_id, tuple(self.pushes), sent_at, tuple(self.malformed), self.skipped, validation
        )


def _is_tag(value: Any) -> bool:
    """A tag worth a push: present and not a digest (a pull or push by digest names none)."""
    return isinstance(value, str) and bool(value) and not value.startswith("sha256:")


def _registry_event(events: _Events, ev: Any) -> float | None:
    """One CNCF distribution event (also ACR's webhook body and Event Grid's ``data``)."""
    if not isinstance(ev, dict):
        events.bad("an event is not a JSON object")
        return None
    target = _sub(ev.get("target"))
    if ev.get("action") != "push" or not _is_tag(target.get("tag")):
        events.skip()  # pulls, deletes, blob uploads, pushes by digest
    else:
        host = _str(_sub(ev.get("request")).get("host")) or None
        events.push(host, target.get("repository"), target.get("tag"), target.get("digest"))
    return _instant(ev.get("timestamp"))


def distribution(body: bytes, headers: Mapping[str, str]) -> Delivery:
    """The CNCF distribution registry's envelope ``{"events": [...]}``
    (``application/vnd.docker.distribution.events.v1+json``). The delivery id is the events'
    ids; the host is the one the pusher used."""
    events_ = _obj(_json(body), "the envelope").get("events")
    if not isinstance(events_, list):
        raise PayloadError("the envelope has no 'events' list")
    events, ids, times = _Events(), [], []
    for ev in events_:
        when = _registry_event(events, ev)
        if when is not None:
            times.append(when)
        ids.append(_str(_sub(ev).get("id")))
    delivery_id = "distribution:" + ",".join(sorted(ids)) if ids and all(ids) else None
    return events.delivery(delivery_id, max(times) if times else None)


EVENT_GRID_VALIDATION = "Microsoft.EventGrid.SubscriptionValidationEvent"
_VALIDATION_CODE = re.compile(r"^[A-Za-z0-9-]{1,128}$")


def acr(body: bytes, headers: Mapping[str, str]) -> Delivery:
    """Azure Container Registry: its registry webhook (one distribution-shaped event per
    request), or an Event Grid subscription's delivery (an array of events in the Event Grid
    schema, or CloudEvents 1.0: one event or a batch array)."""
    doc = _json(body)
    if isinstance(doc, list) or (isinstance(doc, dict) and "specversion" in doc):
        return _event_grid(doc if isinstance(doc, list) else [doc], headers)
    doc = _obj(doc, "the payload")
    if "target" not in doc or "action" not in doc:
        raise PayloadError("not an Azure Container Registry event (no 'action' and 'target')")
    events = _Events()
    when = _registry_event(events, doc)
    event_id = _str(doc.get("id"))
    return events.delivery("acr:" + event_id if event_id else None, when)


def _event_grid(envelopes: list[Any], headers: Mapping[str, str]) -> Delivery:
    """Event Grid events, either schema: ``{id, eventType, eventTime, data}`` or CloudEvents
    ``{specversion, id, type, time, data}``. ``Microsoft.ContainerRegistry.*`` events carry the
    distribution-shaped event in ``data`` (ACR has been seen sending it as a JSON string: both
    are read). A ``SubscriptionValidationEvent`` sent as one (``aeg-event-type:
    SubscriptionValidation``) asks for its code back."""
    if not envelopes:
        raise PayloadError("an empty Event Grid delivery")
    events, ids, times = _Events(), [], []
    validation = None
    for ev in envelopes:
        if not isinstance(ev, dict):
            events.bad("an Event Grid event is not a JSON object")
            continue
        ids.append(_str(ev.get("id")))
        when = _instant(ev.get("eventTime") or ev.get("time"))
        if when is not None:
            times.append(when)
        kind = _str(ev.get("eventType") or ev.get("type"))
        if kind == EVENT_GRID_VALIDATION:
            code = _sub(ev.get("data")).get("validationCode")
            asked = headers.get("aeg-event-type", "").lower() == "subscriptionvalidation"
            if asked and isinstance(code, str) and _VALIDATION_CODE.match(code):
                validation = code
            elif asked:
                events.bad("a subscription validation event without a valid validationCode")
            else:
                events.skip()
            continue
        if not kind.startswith("Microsoft.ContainerRegistry."):
            events.skip()  # another service's events on the same subscription
            continue
        data = ev.get("data")
        if isinstance(data, str):
            try:
                data = json.loads(data)
            except (ValueError, RecursionError):
                events.bad("an Event Grid event's data is neither an object nor JSON text")
                continue
        _registry_event(events, data)
    delivery_id = "acr:" + ",".join(sorted(ids)) if ids and all(ids) else None
    return events.delivery(delivery_id, max(times) if times else None, validation)


def _github_owner_lower(url: str) -> str:
    """``ghcr.io/Owner/Path:tag`` -> ``owner/path``: GHCR names are lowercase, logins are not."""
    name = url.removeprefix(GHCR + "/").split("@", 1)[0]
    last = name.rsplit("/", 1)
    if ":" in last[-1]:
        name = name[: name.rfind(":")]
    return name.lower()


def github(body: bytes, headers: Mapping[str, str]) -> Delivery:
    """GitHub's ``package`` and ``registry_package`` events (a container pushed to GHCR)."""
    event = headers.get("x-github-event", "")
    delivery = headers.get("x-github-delivery") or None
    delivery_id = "github:" + delivery if delivery else None
    events = _Events()
    if event not in ("package", "registry_package"):
        events.skip()  # a ping, or an event this endpoint was not meant for: nothing to do
        return events.delivery(delivery_id)
    doc = _obj(_json(body), "the payload")
    pkg = _obj(doc.get(event), f"the payload's {event!r}")
    # GitHub's own example names a GHCR image with package_type "npm" and ecosystem "docker"
    kinds = {_str(pkg.get("package_type")).lower(), _str(pkg.get("ecosystem")).lower()}
    version = _sub(pkg.get("package_version"))
    tag = _sub(_sub(version.get("container_metadata")).get("tag"))
    action = _str(doc.get("action"))
    if (
        not kinds & {"container", "docker"}
        or not _is_tag(tag.get("name"))
        or action not in ("published", "updated")
    ):
        events.skip()  # another ecosystem, an untagged version, a deletion
        return events.delivery(delivery_id)
    digest = tag.get("digest") if is_digest(_str(tag.get("digest"))) else version.get("version")
    url = _str(version.get("package_url"))
    if url.startswith(GHCR + "/"):
        repository = _github_owner_lower(url)
    else:
        owner = _str(_sub(pkg.get("owner")).get("login")) or _str(pkg.get("namespace")).split("/")[0]
        repository = f"{owner}/{_str(pkg.get('name'))}".lower()
    events.push(GHCR, repository, tag.get("name"), digest)
    return events.delivery(delivery_id)


def gitea(body: bytes, headers: Mapping[str, str]) -> Delivery:
    """Gitea's and Forgejo's ``package`` webhook (``X-Gitea-Event: package``): a container
    version created in the forge's own registry, whose host is the forge's
    (``package.html_url``)."""
    event = headers.get("x-gitea-event") or headers.get("x-forgejo-event") or ""
    delivery = headers.get("x-gitea-delivery") or headers.get("x-forgejo-delivery") or None
    delivery_id = "gitea:" + delivery if delivery else None
    events = _Events()
    if event != "package":
        events.skip()
        return events.delivery(delivery_id)
    doc = _obj(_json(body), "the payload")
    pkg = _obj(doc.get("package"), "the payload's 'package'")
    if (
        _str(doc.get("action")) != "created"
        or _str(pkg.get("type")) != "container"
        or not _is_tag(pkg.get("version"))
    ):
        events.skip()  # a deletion, another package type, an untagged manifest
        return events.delivery(delivery_id, _instant(pkg.get("created_at")))
    owner = _str(_sub(pkg.get("owner")).get("login") or _sub(pkg.get("owner")).get("username"))
    try:
        host = urlsplit(_str(pkg.get("html_url"))).netloc.rsplit("@", 1)[-1] or None
    except ValueError:
        host = None
    if host is None:
        events.bad("a package event without html_url: the registry host is unknown")
    else:
        events.push(host, f"{owner}/{_str(pkg.get('name'))}".lower(), pkg.get("version"))
    return events.delivery(delivery_id, _instant(pkg.get("created_at")))


def dockerhub(body: bytes, headers: Mapping[str, str]) -> Delivery:
    """Docker Hub's push webhook: ``{push_data: {tag, pushed_at}, repository: {repo_name}}``."""
    doc = _obj(_json(body), "the payload")
    data = _obj(doc.get("push_data"), "push_data")
    repo = _obj(doc.get("repository"), "repository").get("repo_name")
    if isinstance(repo, str) and "/" not in repo:
        repo = f"library/{repo}"
    events = _Events()
    if _is_tag(data.get("tag")):
        events.push(DOCKER_HUB, repo, data.get("tag"))
    else:
        events.skip()
    callback = _str(doc.get("callback_url"))  # legacy, but unique per push where still sent
    return events.delivery("dockerhub:" + callback if callback else None, _instant(data.get("pushed_at")))


def quay(body: bytes, headers: Mapping[str, str]) -> Delivery:
    """Quay's "Repository Push" notification: ``docker_url`` (host/namespace/name) and
    ``updated_tags`` (a list of tags; older Quay sent an object tag -> image id)."""
    doc = _obj(_json(body), "the payload")
    tags = doc.get("updated_tags")
    url = _str(doc.get("docker_url"))
    if not isinstance(tags, list | dict) or not url:
        raise PayloadError("not a Quay repository push (no 'docker_url' and 'updated_tags')")
    host, _, repository = url.partition("/")
    events = _Events()
    for tag in tags:
        events.push(host, repository or _str(doc.get("repository")), tag)
    return events.delivery(None)


def _harbor_data(events: _Events, data: Any, pushed: bool) -> None:
    data = _sub(data)
    resources = data.get("resources")
    repository = _str(_sub(data.get("repository")).get("repo_full_name"))
    if not pushed or not isinstance(resources, list):
        events.skip()
        return
    for res in resources:
        res = _sub(res)
        if not _is_tag(res.get("tag")):
            events.skip()
            continue
        host = _str(res.get("resource_url")).split("/", 1)[0] or None
        events.push(host, repository, res.get("tag"), res.get("digest"))


def harbor(body: bytes, headers: Mapping[str, str]) -> Delivery:
    """Harbor's webhooks, in either payload format a policy sends: the default
    ``{type: PUSH_ARTIFACT, occur_at, event_data: {resources, repository}}`` or CloudEvents
    ``{specversion, id, type: harbor.artifact.pushed, time, data}``; the host is the one in
    each resource's ``resource_url`` (Harbor's external URL)."""
    doc = _obj(_json(body), "the payload")
    events = _Events()
    if "specversion" in doc:
        event_id = _str(doc.get("id"))
        _harbor_data(events, doc.get("data"), doc.get("type") == "harbor.artifact.pushed")
        return events.delivery("harbor:" + event_id if event_id else None, _instant(doc.get("time")))
    if "event_data" not in doc or "type" not in doc:
        raise PayloadError("not a Harbor webhook (no 'type' and 'event_data', nor CloudEvents 'specversion')")
    _harbor_data(events, doc.get("event_data"), doc.get("type") == "PUSH_ARTIFACT")
    return events.delivery(None, _instant(doc.get("occur_at")))


def ecr(body: bytes, headers: Mapping[str, str]) -> Delivery:
    """Amazon ECR through an EventBridge rule and API destination: the event as EventBridge
    delivers it, ``{id, detail-type: "ECR Image Action", account, region, time, detail}``;
    the host is the account's private registry in that region."""
    doc = _obj(_json(body), "the event")
    if "detail" not in doc or "detail-type" not in doc:
        raise PayloadError("not an EventBridge event (no 'detail-type' and 'detail')")
    detail = _sub(doc.get("detail"))
    events = _Events()
    account, region = _str(doc.get("account")), _str(doc.get("region"))
    if (
        doc.get("source") != "aws.ecr"
        or doc.get("detail-type") != "ECR Image Action"
        or detail.get("action-type") != "PUSH"
        or detail.get("result") != "SUCCESS"
        or not _is_tag(detail.get("image-tag"))
    ):
        events.skip()
    elif not (account.isdigit() and re.fullmatch(r"[a-z]{2}(-[a-z]+)+-\d", region)):
        events.bad(f"invalid account or region {account[:20]!r} {region[:30]!r}")
    else:
        host = f"{account}.dkr.ecr.{region}.amazonaws.com"
        events.push(host, detail.get("repository-name"), detail.get("image-tag"), detail.get("image-digest"))
    event_id = _str(doc.get("id"))
    return events.delivery("ecr:" + event_id if event_id else None, _instant(doc.get("time")))


def gar(body: bytes, headers: Mapping[str, str]) -> Delivery:
    """Google Artifact Registry through a Pub/Sub push subscription on the ``gcr`` topic:
    ``{message: {data: base64 of {action, digest, tag}, messageId, publishTime}}``, where
    ``tag`` is the full ``host/project/repository/image:tag``."""
    doc = _obj(_json(body), "the push request")
    message = _obj(doc.get("message"), "the push request's message")
    message_id = _str(message.get("messageId") or message.get("message_id"))
    delivery_id = "gar:" + message_id if message_id else None
    sent_at = _instant(message.get("publishTime") or message.get("publish_time"))
    events = _Events()
    try:
        inner = json.loads(base64.b64decode(_str(message.get("data")), validate=True).decode("utf-8"))
    except (binascii.Error, UnicodeDecodeError, ValueError, RecursionError):
        events.bad("message.data is not base64 of a JSON registry notification")
        return events.delivery(delivery_id, sent_at)
    inner = _sub(inner)
    tagged = _str(inner.get("tag"))
    if inner.get("action") != "INSERT" or not tagged:
        events.skip()  # a deletion, or an upload without a tag
        return events.delivery(delivery_id, sent_at)
    name, _, tag = tagged.rpartition(":")
    host, _, repository = name.partition("/")
    if "/" in tag or not repository:
        events.bad(f"invalid image reference {tagged[:200]!r}")
    else:
        digest = _str(inner.get("digest")).rpartition("@")[2]
        events.push(host, repository, tag, digest)
    return events.delivery(delivery_id, sent_at)


def generic(body: bytes, headers: Mapping[str, str]) -> Delivery:
    """``{"repository": "ghcr.io/acme/app", "tag": "1.2.0", "digest": optional}``; the delivery
    id is the ``X-Delivery-Id`` header when sent."""
    doc = _obj(_json(body), "the payload")
    repo = doc.get("repository")
    if not isinstance(repo, str):
        raise PayloadError("'repository' must be a string such as ghcr.io/acme/app")
    try:
        ref = ImageRef.parse(repo)
    except Exception:
        raise PayloadError(f"invalid repository {repo[:200]!r}") from None
    events = _Events()
    events.push(ref.registry, ref.repository, doc.get("tag"), doc.get("digest"))
    if events.malformed:
        raise PayloadError(events.malformed[0])
    delivery = headers.get("x-delivery-id")
    return events.delivery("generic:" + delivery if delivery else None)


PARSERS: dict[str, Callable[[bytes, Mapping[str, str]], Delivery]] = {
    "distribution": distribution,
    "github": github,
    "gitea": gitea,
    "dockerhub": dockerhub,
    "harbor": harbor,
    "quay": quay,
    "acr": acr,
    "ecr": ecr,
    "gar": gar,
    "generic": generic,
}
