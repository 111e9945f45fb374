"""An OCI Distribution API client that only talks to the registry.

``list_tags`` (every page), ``resolve_digest`` (HEAD, or GET when a platform must be picked
from an index), ``get_metadata`` (config blob: created time and labels), ``exists``.
Choosing among tags is :mod:`gitops_bot.policy`'s job, not this module's.

How a request is sent, retried and its failure sorted (access, unavailable, protocol) is
:mod:`.retrying`'s :class:`~gitops_bot.registry.retrying.Requests`, this class's base.
"""

from __future__ import annotations

import hashlib
import threading
from collections import OrderedDict
from collections.abc import Iterable
from datetime import datetime
from typing import Any

from gitops_bot.core.errors import RegistryAccessError, RegistryProtocolError
from gitops_bot.core.instants import out_of_bounds, outside_instant
from gitops_bot.core.log import get_logger
from gitops_bot.core.model import AgeSource, ImageAge, ImageMetadata, is_digest, is_tag, short_digest
from gitops_bot.net.origins import same_origin
from gitops_bot.net.transport import Reply
from gitops_bot.registry import answers
from gitops_bot.registry.answers import ACCEPT as ACCEPT
from gitops_bot.registry.answers import INDEX_TYPES as INDEX_TYPES
from gitops_bot.registry.answers import MANIFEST_MEDIA_TYPES as MANIFEST_MEDIA_TYPES
from gitops_bot.registry.answers import MANIFEST_TYPES as MANIFEST_TYPES
from gitops_bot.registry.retrying import Requests
from gitops_bot.registry.retrying import RetryPolicy as RetryPolicy
from gitops_bot.registry.retrying import Stats as Stats
from gitops_bot.registry.retrying import scheme_for as scheme_for

log = get_logger(__name__)

PAGE_SIZE = 1000
MAX_PAGES = 1000
# Body caps per response type: a tag list of 1,000 pages x 1,000 tags stays far below these.
TAGS_LIMIT = 8 << 20
TAGS_TOTAL_LIMIT = 64 << 20  # all pages of one tag list together
MANIFEST_LIMIT = 4 << 20  # the distribution spec's own manifest limit
BLOB_LIMIT = 4 << 20  # image config blobs
# (repository, reference, platform) whose digest a GET's bytes gave, kept across watch cycles
# so a tag read again is asked by HEAD (a few hundred bytes each, a few hundred kB at most)
KEPT_DIGESTS = 4096
# bytes of the manifests a run's digest GETs served, kept by (repository, digest) for the run's
# metadata of that digest (``update`` reads a changing image's labels for its pull request right
# after resolving its tag): a few hundred kB for a thousand images, oldest out first past this
KEPT_MANIFEST_BYTES = 16 << 20
_PLATFORM_KEYS = ("os", "architecture", "variant")
CREATED_ANNOTATION = "org.opencontainers.image.created"


class RegistryClient(Requests):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # what a GET's bytes gave: (repository, reference, platform) -> (the manifest's digest,
        # the digest resolved from it)
        self._served: OrderedDict[tuple[str, str, str], tuple[str, str]] = OrderedDict()
        self._served_lock = threading.Lock()
        # this run's manifests by (repository, digest): (media type, bytes hashed to that digest)
        self._bodies: OrderedDict[tuple[str, str], tuple[str, bytes]] = OrderedDict()
        self._bodies_size = 0

    # -- API -------------------------------------------------------------------------

    def expect(self, repositories: Iterable[str]) -> None:
        """The repositories of this registry a run will read, in about the order it reads them:
        a registry that wants tokens is asked for their scopes together, ahead of the requests
        (:class:`~gitops_bot.registry.auth.RegistryAuth`)."""
        self._channel.auth.expect(map(self.repository, repositories))

    def list_tags(self, repository: str) -> list[str]:
        """Every tag, following ``Link: <...>; rel="next"`` on the registry's own origin only.
        GHCR lists oldest first, so stopping at page one would miss every new release. Tags
        outside the OCI grammar are dropped here, where they enter (counted, logged once)."""
        url: str | None = f"{self.url(repository, 'tags', 'list')}?n={PAGE_SIZE}"
        tags: list[str] = []
        seen: set[str] = set()
        deadline = self.deadline()
        left = TAGS_TOTAL_LIMIT
        while url:
            if url in seen:
                raise RegistryProtocolError(f"{self.host}/{repository}: tag list pagination loops")
            if len(seen) >= MAX_PAGES:
                raise RegistryProtocolError(
                    f"{self.host}/{repository}: tag list has more than {MAX_PAGES} pages; gave up"
                )
            seen.add(url)
            response = self._request("GET", url, repository, deadline, min(TAGS_LIMIT, left))
            left -= len(response.body)
            tags.extend(answers.tag_page(response, self.host, repository))
            url = self._next_page(response, repository)
        good = [t for t in tags if is_tag(t)]
        if len(good) != len(tags):
            log.warning(
                "registry_bad_tags", registry=self.host, repository=repository, ignored=len(tags) - len(good)
            )
        return good

    def _next_page(self, response: Reply, repository: str) -> str | None:
        link = answers.next_link(response.header("Link"))
        if not link:
            return None
        import httpx  # a pagination link is read as httpx reads it

        here = httpx.URL(response.url)
        try:
            target = here.join(link)
        except httpx.InvalidURL:
            raise RegistryProtocolError(f"{self.host}/{repository}: unreadable pagination link") from None
        if not same_origin(target, self.base_url):
            raise RegistryProtocolError(
                f"{self.host}/{repository}: tag list pagination leads to another origin "
                f"({target.scheme}://{target.netloc.decode('ascii', 'replace')}); not followed"
            )
        if target.raw_path.split(b"?")[0] != here.raw_path.split(b"?")[0]:
            raise RegistryProtocolError(
                f"{self.host}/{repository}: tag list pagination leads to another repository; not followed"
            )
        return str(target)

    def _manifest(self, method: str, repository: str, reference: str, deadline: float) -> Reply:
        url = self.url(repository, "manifests", answers.reference(self.host, repository, reference))
        return self._request(method, url, repository, deadline, MANIFEST_LIMIT, headers={"Accept": ACCEPT})

    def _get_manifest(self, repository: str, reference: str, deadline: float) -> tuple[str, bytes, str]:
        response = self._manifest("GET", repository, reference, deadline)
        return answers.accepted(response, self.host, repository, reference, self.base_url)

    def resolve_digest(self, repository: str, reference: str, platform: str | None = None) -> str:
        """The immutable digest a tag points at now: the hash of the manifest bytes the
        registry served (a GET; a HEAD's ``Docker-Content-Digest`` is a claim with no bytes
        behind it, and a digest is pinned only from bytes). With ``platform``, the digest of
        that platform's image inside an index (what the node would pull): named by the
        index, pinned once the registry served that image's manifest too.

        A tag resolved before (a ``watch`` cycle ago) is asked by HEAD: when it names the
        digest whose bytes a GET gave then, that answer stands (a digest's bytes never
        change, and a HEAD is no pull on Docker Hub's rate limit); anything else is read by
        GET again."""
        deadline = self.deadline()
        key = (repository, reference, platform or "")
        with self._served_lock:
            known = self._served.get(key)
        if known is not None:
            head = self._manifest("HEAD", repository, reference, deadline)
            if same_origin(head.url, self.base_url) and head.header("Docker-Content-Digest") == known[0]:
                return known[1]
        media_type, body, digest = self._get_manifest(repository, reference, deadline)
        self._keep(repository, media_type, body, digest)
        resolved = digest
        if platform and media_type in INDEX_TYPES:
            child = self._platform_child(repository, reference, body, platform)
            resolved = self._keep(repository, *self._get_manifest(repository, child, deadline))
        with self._served_lock:
            self._served[key] = (digest, resolved)
            self._served.move_to_end(key)
            while len(self._served) > KEPT_DIGESTS:
                self._served.popitem(last=False)
        return resolved

    def _keep(self, repository: str, media_type: str, body: bytes, digest: str) -> str:
        """Keep a manifest the registry served, for :meth:`get_metadata` this run; its digest."""
        with self._served_lock:
            if (repository, digest) not in self._bodies:
                self._bodies[repository, digest] = (media_type, body)
                self._bodies_size += len(body)
            while self._bodies and self._bodies_size > KEPT_MANIFEST_BYTES:
                self._bodies_size -= len(self._bodies.popitem(last=False)[1][1])
        return digest

    def _kept_manifest(self, repository: str, reference: str, deadline: float) -> tuple[str, bytes, str]:
        """A manifest by digest as this run's GET served it (its bytes hashed to that digest
        then), else read by GET."""
        with self._served_lock:
            kept = self._bodies.get((repository, reference))
        if kept is not None:
            return kept[0], kept[1], reference
        return self._get_manifest(repository, reference, deadline)

    def forget_manifests(self) -> None:
        """A new run: its manifests are read again."""
        with self._served_lock:
            self._bodies.clear()
            self._bodies_size = 0

    def _platform_child(self, repository: str, reference: str, body: bytes, platform: str) -> str:
        """The digest of ``platform``'s image in an index. An index whose ``manifests`` is not a
        list of objects is this image's protocol error; entries without a usable ``platform``
        (attestations, malformed ones) are passed over."""
        want = platform.split("/")
        entries = answers.json_object(body, self.host, repository).get("manifests")
        if not isinstance(entries, list):
            raise RegistryProtocolError(
                f"{self.host}/{repository}:{reference}: index has no 'manifests' list"
            )
        for entry in entries:
            if not isinstance(entry, dict):
                raise RegistryProtocolError(
                    f"{self.host}/{repository}:{reference}: index entry is not an object"
                )
            p = entry.get("platform")
            if not isinstance(p, dict) or not all(
                isinstance(p.get(k, ""), str) for k in ("os", "architecture", "variant")
            ):
                continue
            have = [p.get("os"), p.get("architecture")] + (
                [p["variant"]] if p.get("variant") and len(want) > 2 else []
            )
            if have == want and isinstance(entry.get("digest"), str) and is_digest(entry["digest"]):
                return str(entry["digest"])
        raise RegistryAccessError(
            f"{self.host}/{repository}:{reference} has no {platform} image in its index"
        )

    def exists(self, repository: str, digest: str) -> bool:
        """Whether the registry serves the manifest ``digest`` names: its bytes, read by GET
        and hashed, not a HEAD's 200 (a promotion pins this digest into another environment)."""
        return self.manifest(repository, digest) is not None

    def get_metadata(self, repository: str, reference: str, platform: str | None = None) -> ImageMetadata:
        """Created time and labels from the image config (index -> platform child -> config)."""
        deadline = self.deadline()
        media_type, body, _ = self._kept_manifest(repository, reference, deadline)
        annotations: dict[str, str] = {}
        if media_type in INDEX_TYPES:
            annotations = _annotations(answers.json_object(body, self.host, repository))
            child = self._platform_child(repository, reference, body, platform or "linux/amd64")
            media_type, body, _ = self._kept_manifest(repository, child, deadline)
        manifest = answers.json_object(body, self.host, repository)
        annotations = {**annotations, **_annotations(manifest)}
        image = self._config(repository, self._config_digest(manifest, repository, reference), deadline)
        settings = image.get("config")
        labels = (settings.get("Labels") if isinstance(settings, dict) else None) or {}
        created = image.get("created")
        return ImageMetadata(
            created=outside_instant(created, f"{self.host}/{repository} image config created"),
            labels={str(k): str(v) for k, v in labels.items()} if isinstance(labels, dict) else {},
            annotations=annotations,
        )

    def get_age(self, repository: str, reference: str, platform: str | None = None) -> ImageAge:
        """When the image ``reference`` points at was created: the index's or manifest's
        ``org.opencontainers.image.created`` annotation when present (no config blob to fetch),
        else the config blob's ``created``. The digest is the one :meth:`resolve_digest` answers
        (the platform's image inside an index when ``platform`` is set)."""
        deadline = self.deadline()
        media_type, body, digest = self._get_manifest(repository, reference, deadline)
        doc = answers.json_object(body, self.host, repository)
        said, top = _annotated_created(doc)
        source = AgeSource.ANNOTATION if top is not None else AgeSource.NONE
        if media_type in INDEX_TYPES:
            child = self._platform_child(repository, reference, body, platform or "linux/amd64")
            if said and not platform:
                return ImageAge(digest, top, source)
            if said:  # the child's digest is pinned: the registry serves its manifest first
                return ImageAge(self._get_manifest(repository, child, deadline)[2], top, source)
            _, body, _ = self._get_manifest(repository, child, deadline)
            doc = answers.json_object(body, self.host, repository)
            digest = child if platform else digest
            said, top = _annotated_created(doc)
            source = AgeSource.ANNOTATION if top is not None else AgeSource.NONE
        if said:
            return ImageAge(digest, top, source)
        created = self.config_created(repository, self._config_digest(doc, repository, reference), deadline)
        return ImageAge(digest, created, AgeSource.CONFIG if created else AgeSource.NONE)

    def config_created(self, repository: str, config_digest: str, deadline: float) -> datetime | None:
        """The ``created`` of an image config blob (digest-checked)."""
        created = self._config(repository, config_digest, deadline).get("created")
        return outside_instant(created, f"{self.host}/{repository} image config created")

    def _config_digest(self, manifest: dict[str, Any], repository: str, reference: str) -> str:
        """The digest of an image manifest's config blob (registry input: checked to be one)."""
        config = manifest.get("config")
        config_digest = config.get("digest") if isinstance(config, dict) else None
        if not isinstance(config_digest, str) or not is_digest(config_digest):
            raise RegistryProtocolError(
                f"{self.host}/{repository}:{reference}: manifest has no config digest"
            )
        return config_digest

    def _config(self, repository: str, config_digest: str, deadline: float) -> dict[str, Any]:
        """An image config blob, fetched and checked in this one place (size cap, digest, JSON)."""
        body = self._checked_blob(repository, config_digest, deadline, BLOB_LIMIT, "config blob")
        return answers.json_object(body, self.host, repository)

    def _checked_blob(
        self, repository: str, digest: str, deadline: float, max_bytes: int, what: str
    ) -> bytes:
        response = self._request(
            "GET", self.url(repository, "blobs", digest), repository, deadline, max_bytes
        )
        if "sha256:" + hashlib.sha256(response.body).hexdigest() != digest:
            raise RegistryProtocolError(f"{self.host}/{repository}: {what} does not match its digest")
        return response.body

    # -- signatures (gitops_bot.trust reads them through these) ----------------------

    def manifest(self, repository: str, reference: str) -> tuple[str, bytes, str] | None:
        """(media type, body, digest) of any manifest, digest-checked; None when absent (404)."""
        try:
            return self._get_manifest(repository, reference, self.deadline())
        except RegistryAccessError as exc:
            if exc.status == 404:
                return None
            raise

    def blob(self, repository: str, digest: str, max_bytes: int) -> bytes:
        """A blob by digest, at most ``max_bytes`` and checked against its digest."""
        return self._checked_blob(
            repository, digest, self.deadline(), max_bytes, f"blob {short_digest(digest)}"
        )

    def referrers(self, repository: str, digest: str) -> list[dict[str, Any]] | None:
        """The OCI 1.1 referrers API's descriptors for ``digest``; None when the registry does
        not offer the API (the caller then reads the referrers tag schema). Asked once per
        registry: a registry without the API is not asked again."""
        if self._no_referrers_api:
            return None
        try:
            response = self._request(
                "GET",
                self.url(repository, "referrers", digest),
                repository,
                self.deadline(),
                MANIFEST_LIMIT,
                headers={"Accept": INDEX_TYPES[0]},
            )
        except RegistryAccessError as exc:
            if exc.status in (400, 404, 405):
                self._no_referrers_api = True
                return None
            raise
        if answers.media_type(response) != INDEX_TYPES[0]:
            self._no_referrers_api = True  # a registry answering something else does not speak it
            return None
        manifests = answers.json_object(response.body, self.host, repository).get("manifests")
        return [m for m in manifests if isinstance(m, dict)] if isinstance(manifests, list) else []


def _annotations(document: dict[str, Any]) -> dict[str, str]:
    """A manifest's or index's ``annotations``, string values only (registry input)."""
    found = document.get("annotations")
    if not isinstance(found, dict):
        return {}
    return {k: v for k, v in found.items() if isinstance(k, str) and isinstance(v, str)}


def _annotated_created(doc: dict[str, Any]) -> tuple[bool, datetime | None]:
    """Whether the annotation says when the image was created, and when (None: implausibly,
    e.g. year 9999). An implausible annotation still answers the question, as "unknown": the
    config blob behind it is not asked, so a contradictory image is held by ``min_age`` rather
    than judged by whichever of its times happens to be plausible."""
    annotations = doc.get("annotations")
    value = annotations.get(CREATED_ANNOTATION) if isinstance(annotations, dict) else None
    if not isinstance(value, str):
        return False, None
    when = outside_instant(value, CREATED_ANNOTATION)
    return when is not None or out_of_bounds(value), when
