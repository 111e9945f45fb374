"""When the registry itself says a tag (and its digest) was pushed.

An image's own creation time (``org.opencontainers.image.created``, the config's ``created``)
is written by whoever built it: reproducible builds set it to the epoch or a fixed date, so an
age rule reading it can be fooled either way. The time a registry recorded when the manifest
reached it is the registry's own; four registries publish it through an API of their own (not
the OCI Distribution API, which has no time):

- GitHub Packages (``ghcr.io``): ``GET /orgs/{org}/packages/container/{name}/versions`` (or
  ``/users/{user}/...``), the version named by the digest, ``created_at``; needs a token with
  ``read:packages`` (``$GITHUB_TOKEN`` by default), even for public packages.
- Docker Hub (``docker.io``): ``GET /v2/namespaces/{ns}/repositories/{repo}/tags/{tag}`` on
  ``hub.docker.com``, ``tag_last_pushed`` (anonymous; official images live in ``library``).
- Quay (``quay.io``): ``GET /api/v1/repository/{ns}/{repo}/tag/?specificTag=...&onlyActiveTags=true``,
  the active tag's ``start_ts`` (anonymous for public repositories; ``$QUAY_TOKEN`` if set).
- Harbor (hosts the operator names): ``GET /api/v2.0/projects/{p}/repositories/{r}/artifacts/{tag}``,
  ``push_time`` (anonymous, or basic auth from the variables named for that host).

:meth:`PushTimes.look` answers :class:`Pushed` or :class:`Unknown` (with the reason);
:meth:`PushTimes.pushed` answers ``Pushed | None`` and keeps the reason in ``why``. Nothing
here raises to the caller: a timeout, an error status, an answer too large, too deep, not JSON,
of an odd shape or with an unreadable time is an :class:`Unknown`, because an age rule must
treat a time it could not read as unknown, never as old enough.

When a digest is given, the answer must name that digest: a tag that now points elsewhere has
moved since it was resolved, and the time of what it points to now says nothing about the
digest being released (:class:`Unknown`, "moved"). When the registry names no digest at all
(Docker Hub may not), the tag's time comes back with ``digest=None``, so the caller can tell.

Secrets: each credential is sent only to the API origin it is for (:class:`OriginAuth`; httpx
drops ``Authorization`` on a redirect to another origin too), is registered with the log's
redaction, and no reason text quotes an answer or a header.
"""

from __future__ import annotations

import re
import threading
import time
from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

from gitops_bot.core import numbers
from gitops_bot.core.instants import outside_instant
from gitops_bot.core.log import get_logger
from gitops_bot.net.auth import origin
from gitops_bot.net.retry import RetryPolicy
from gitops_bot.net.service import ANYWHERE, Answer, Credential, Refused, Service, Unavailable, link_next

if TYPE_CHECKING:
    import httpx

    from gitops_bot.net.service import Credential, Service

# httpx and gitops_bot.net are imported where a call is made, as the Argo CD gate does: this
# module is cheap to import for code that only names its types.

_log = get_logger(__name__)

GITHUB, DOCKERHUB, QUAY, HARBOR, ACR, GAR = "github", "dockerhub", "quay", "harbor", "acr", "gar"
OFF = "off"
SOURCES = {
    GITHUB: "GitHub Packages",
    DOCKERHUB: "Docker Hub",
    QUAY: "Quay",
    HARBOR: "Harbor",
    ACR: "Azure Container Registry",
    GAR: "Google Artifact Registry",
}
# Azure's public, government and China clouds: each registry's API is on its own login server
ACR_SUFFIXES = (".azurecr.io", ".azurecr.us", ".azurecr.cn")
API = {
    GITHUB: "https://api.github.com",
    DOCKERHUB: "https://hub.docker.com",
    QUAY: "https://quay.io",
    GAR: "https://artifactregistry.googleapis.com",
}
GAR_SUFFIX = "-docker.pkg.dev"  # LOCATION-docker.pkg.dev/PROJECT/REPOSITORY/IMAGE
DOCKER_HUB_HOSTS = frozenset({"docker.io", "registry-1.docker.io", "index.docker.io"})

ATTEMPT = 10.0  # seconds for one answer, in all (a server dripping bytes cannot stretch it)
TOTAL = 30.0  # seconds for one question, every page included
LIMIT = 1 << 20  # bytes of one answer: a page of 100 package versions is ~60 KB
PER_PAGE = 100  # GitHub's largest page
MAX_PAGES = 10  # a package's 1,000 newest versions; an older tag is unknown, not searched for ever
MAX_REDIRECTS = 3
_DIGEST = re.compile(r"[a-z0-9]+(?:[+._-][a-z0-9]+)*:[a-zA-Z0-9=_-]+")  # OCI image-spec
_TAG = re.compile(r"[A-Za-z0-9_][A-Za-z0-9._-]{0,127}")  # OCI distribution-spec


@dataclass(frozen=True, slots=True)
class Pushed:
    """When the registry says the tag was pushed: ``at`` (aware), the ``digest`` the registry
    named for it (None when it names none), ``source`` the API asked ("Docker Hub", ...)."""

    at: datetime
    digest: str | None
    source: str


@dataclass(frozen=True, slots=True)
class Unknown:
    """Why no push time: no API known for the host, the tag unknown or moved, or the API did
    not answer usably. ``why`` is one line of our own words (never the answer's text)."""

    why: str


def kind_of(host: str, harbor_hosts: Collection[str] = ()) -> str | None:
    """Which push-time API serves registry ``host`` ("github", "dockerhub", "quay", "harbor"),
    None when none is known. Harbor can be any host: only those the operator names count."""
    host = host.strip().lower()
    if host == "ghcr.io":
        return GITHUB
    if host in DOCKER_HUB_HOSTS:
        return DOCKERHUB
    if host == "quay.io":
        return QUAY
    if host.endswith(ACR_SUFFIXES):
        return ACR
    if host.endswith(GAR_SUFFIX) and len(host) > len(GAR_SUFFIX):
        return GAR
    if host in {h.strip().lower() for h in harbor_hosts}:
        return HARBOR
    return None


class _Refused(Exception):
    """One call's failure, as the reason :class:`Unknown` carries."""


class PushTimes:
    """Asks the registries' own APIs when a tag was pushed (see the module's text).

    ``base_urls`` replaces an API's address, by kind (``"github"``, ``"dockerhub"``,
    ``"quay"``) or, for Harbor, by registry host: tests point them at loopback fakes.
    ``basic_auth`` maps a Harbor or ACR host to the names of the variables holding its user and
    password (a host not named is asked anonymously). ``timeout`` bounds each answer (at most
    :data:`ATTEMPT` seconds)."""

    def __init__(
        self,
        environ: Mapping[str, str],
        *,
        transport: httpx.BaseTransport | None = None,
        base_urls: Mapping[str, str] | None = None,
        harbor_hosts: Collection[str] = (),
        basic_auth: Mapping[str, tuple[str, str]] | None = None,
        kinds: Mapping[str, str] | None = None,
        github_token_env: str = "GITHUB_TOKEN",
        quay_token_env: str = "QUAY_TOKEN",
        google_token_env: str = "GOOGLE_OAUTH_ACCESS_TOKEN",
        timeout: float = ATTEMPT,
    ) -> None:
        self._environ = environ
        self._transport = transport
        self._bases = dict(base_urls or {})
        self.harbor_hosts = frozenset(h.strip().lower() for h in harbor_hosts)
        self._basic_auth = {h.strip().lower(): names for h, names in (basic_auth or {}).items()}
        # the operator's word on a host's API (a GHCR mirror, Harbor, "off"), before the host's name
        self._kinds = {h.strip().lower(): k for h, k in (kinds or {}).items()}
        self._github_env = github_token_env
        self._quay_env = quay_token_env
        self._google_env = google_token_env
        self._timeout = min(max(timeout, 0.01), ATTEMPT)
        self._services: dict[tuple[str, Credential | None], Service] = {}
        self._lock = threading.Lock()  # one client per API, made by whichever thread asks first
        self._pages: dict[tuple[str, int], tuple[int, Any, bool]] = {}
        self._looked: dict[tuple[str, str, str, str | None], Pushed | Unknown] = {}
        self.why: str | None = None  # the last :meth:`pushed`'s reason for None

    # -- what callers ask -----------------------------------------------------------------

    def pushed(self, host: str, repository: str, tag: str, digest: str | None) -> Pushed | None:
        """:meth:`look`, None for :class:`Unknown` (its reason kept in ``why``). One thread
        per instance for ``why`` to mean anything; :meth:`look` has no such state."""
        found = self.look(host, repository, tag, digest)
        self.why = found.why if isinstance(found, Unknown) else None
        return found if isinstance(found, Pushed) else None

    def look(self, host: str, repository: str, tag: str, digest: str | None) -> Pushed | Unknown:
        """When ``host``'s API says ``repository:tag`` was pushed, as :class:`Pushed` (the
        time of ``digest`` when one is given), else :class:`Unknown` with the reason. Asked
        once per instance (a run): every environment's walk over a shared image asks the same
        question, and Docker Hub limits anonymous callers."""
        key = (host.strip().lower(), repository, tag, digest)
        with self._lock:
            kept = self._looked.get(key)
        if kept is None:
            kept = self._look(host, repository, tag, digest)
            with self._lock:
                self._looked[key] = kept
        return kept

    def has_api(self, host: str) -> bool:
        """Whether ``host``'s push times are asked at all (a known API, not turned off)."""
        kind = self._kinds.get(host.strip().lower()) or kind_of(host, self.harbor_hosts)
        return kind in SOURCES

    def _look(self, host: str, repository: str, tag: str, digest: str | None) -> Pushed | Unknown:
        kind = self._kinds.get(host.strip().lower()) or kind_of(host, self.harbor_hosts)
        if kind == OFF:
            return Unknown(f"push times are off for {host}")
        if kind is None or kind not in SOURCES:
            return Unknown(f"{host} has no push-time API known to gitops-bot")
        # both go into URLs and into reasons: only what the OCI specs allow, so neither can
        # carry a path, a query or a line break
        if not _TAG.fullmatch(tag) or (digest is not None and not _DIGEST.fullmatch(digest)):
            return Unknown(f"cannot ask {SOURCES[kind]} about tag {tag!r} at {digest!r}")
        at = host.strip().lower()
        # the API's address: this registry's own (a GitHub Enterprise, a Harbor), else the kind's
        base = (self._bases.get(at) or self._bases.get(kind) or API.get(kind) or f"https://{at}").rstrip("/")
        ask: dict[str, Callable[[str, str, str | None, str], Pushed | Unknown]] = {
            GITHUB: self._github,
            DOCKERHUB: self._dockerhub,
            QUAY: self._quay,
            HARBOR: lambda r, t, d, b: self._harbor(at, r, t, d, b),
            ACR: lambda r, t, d, b: self._acr(at, r, t, d, b),
            GAR: lambda r, t, d, b: self._gar(at, r, t, d, b),
        }
        try:
            return ask[kind](repository.strip("/"), tag, digest, base)
        except _Refused as exc:
            return Unknown(f"{SOURCES[kind]}: {exc}")
        except Exception as exc:  # never a traceback for a time we could not read
            _log.warning("push time lookup failed", source=SOURCES[kind], error=type(exc).__name__)
            return Unknown(f"{SOURCES[kind]}: the lookup failed ({type(exc).__name__})")

    def close(self) -> None:
        with self._lock:
            services, self._services = list(self._services.values()), {}
        for service in services:
            service.close()

    def __enter__(self) -> PushTimes:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- the four APIs --------------------------------------------------------------------

    def _github(self, repository: str, tag: str, digest: str | None, base: str) -> Pushed | Unknown:
        owner, _, package = repository.partition("/")
        if not owner or not package:
            return Unknown(f"GitHub Packages: {repository!r} is not OWNER/PACKAGE")
        token = self._environ.get(self._github_env, "")
        if not token:
            return Unknown(f"GitHub Packages: ${self._github_env} is not set (a token with read:packages)")
        auth = _bearer(token)
        headers = {"Accept": "application/vnd.github+json", "X-GitHub-Api-Version": "2022-11-28"}
        name = quote(package, safe="")  # nested names ("repo/image") are one segment: repo%2Fimage
        deadline = time.monotonic() + TOTAL
        for scope in ("orgs", "users"):  # an owner is an organization or a user; 404 for the other
            url = f"{base}/{scope}/{quote(owner, safe='')}/packages/container/{name}/versions"
            for page in range(1, MAX_PAGES + 1):
                if time.monotonic() > deadline:
                    return Unknown(f"GitHub Packages: no answer within {TOTAL:g}s in all")
                status, body, more = self._page(url, page, headers, auth)
                if status == 404 and page == 1:
                    if scope == "orgs":
                        break  # not an organization's: ask as a user's
                    return Unknown(
                        f"GitHub Packages: no package {owner}/{package} (or the token may not read it)"
                    )
                _status_ok(status, f"package {owner}/{package}")
                if not isinstance(body, list):
                    raise _Refused("answered a page that is not a list of versions")
                for version in body:
                    tags = _field(version, "metadata", "container", "tags")
                    if isinstance(tags, list) and tag in tags:
                        named = version.get("name")
                        if not isinstance(named, str) or not _DIGEST.fullmatch(named):
                            raise _Refused(f"version tagged {tag} names no digest")
                        return _pushed(GITHUB, tag, digest, named, version.get("created_at"), "created_at")
                if not more or len(body) < PER_PAGE:
                    return Unknown(f"GitHub Packages: no version tagged {tag} in {owner}/{package}")
            else:
                return Unknown(
                    f"GitHub Packages: no version tagged {tag} among the {MAX_PAGES * PER_PAGE} newest"
                )
        return Unknown(f"GitHub Packages: no package {owner}/{package}")  # pragma: no cover

    def _page(
        self, url: str, page: int, headers: dict[str, str], auth: Credential | None
    ) -> tuple[int, Any, bool]:
        """A page of a package's versions, asked once per instance: a run's ``min_age`` walks
        several tags of one package, newest first, over the same pages."""
        key = (url, page)
        with self._lock:
            kept = self._pages.get(key)
        if kept is None:
            kept = self._get(url, headers, auth, {"per_page": str(PER_PAGE), "page": str(page)})
            if kept[0] in (200, 404):  # an answer, not a failure to retry on the next question
                with self._lock:
                    self._pages[key] = kept
        return kept

    def _dockerhub(self, repository: str, tag: str, digest: str | None, base: str) -> Pushed | Unknown:
        parts = repository.split("/")
        if len(parts) == 1:
            parts = ["library", *parts]  # official images: docker.io/nginx is library/nginx
        if len(parts) != 2 or not all(parts):
            return Unknown(f"Docker Hub: {repository!r} is not NAMESPACE/REPOSITORY")
        namespace, name = (quote(p, safe="") for p in parts)
        url = f"{base}/v2/namespaces/{namespace}/repositories/{name}/tags/{quote(tag, safe='')}"
        status, body, _ = self._get(url, {"Accept": "application/json"}, None, None)
        if status == 404:
            return Unknown(f"Docker Hub: no tag {tag} in {'/'.join(parts)}")
        _status_ok(status, f"{'/'.join(parts)}:{tag}")
        if not isinstance(body, dict):
            raise _Refused("answered a tag that is not an object")
        when = body.get("tag_last_pushed")
        named = body.get("digest")
        # the tag's digest is the index (or the one manifest); a digest pinned per platform is
        # one of its images, each with its own last push
        images = body.get("images")
        images = images if isinstance(images, list) else []
        platforms = {
            i["digest"]: i for i in images if isinstance(i, dict) and isinstance(i.get("digest"), str)
        }
        if digest is not None and digest != named and digest in platforms:
            image_time = platforms[digest].get("last_pushed")
            return _pushed(DOCKERHUB, tag, digest, digest, image_time or when, "last_pushed")
        if named is None and digest is not None and platforms:
            named = next(iter(platforms))  # names digests, none of them the one asked about
        return _pushed(DOCKERHUB, tag, digest, named, when, "tag_last_pushed")

    def _quay(self, repository: str, tag: str, digest: str | None, base: str) -> Pushed | Unknown:
        if repository.count("/") < 1:
            return Unknown(f"Quay: {repository!r} is not NAMESPACE/REPOSITORY")
        token = self._environ.get(self._quay_env, "")
        auth = None
        if token:
            auth = _bearer(token)
        # the repository path keeps its slash: Quay routes it as one "apirepopath" parameter
        url = f"{base}/api/v1/repository/{quote(repository, safe='/')}/tag/"
        query = {"specificTag": tag, "onlyActiveTags": "true", "limit": "1"}
        status, body, _ = self._get(url, {"Accept": "application/json"}, auth, query)
        if status == 404:
            return Unknown(f"Quay: no repository {repository} (or it is private)")
        _status_ok(status, f"{repository}:{tag}")
        tags = body.get("tags") if isinstance(body, dict) else None
        if not isinstance(tags, list):
            raise _Refused("answered no list of tags")
        for item in tags:
            # onlyActiveTags: the tag as it is now (an active tag may carry a future end_ts)
            if isinstance(item, dict) and item.get("name") == tag:
                start = item.get("start_ts")
                if not isinstance(start, int) or isinstance(start, bool):
                    raise _Refused(f"tag {tag} has no readable start_ts")
                try:
                    at = numbers.epoch(start, f"tag {tag}'s start_ts")
                except numbers.OutOfRange as exc:
                    raise _Refused(f"an implausible start_ts: {exc}") from None
                return _pushed(QUAY, tag, digest, item.get("manifest_digest"), at, "start_ts")
        return Unknown(f"Quay: no active tag {tag} in {repository}")

    def _harbor(
        self, host: str, repository: str, tag: str, digest: str | None, base: str
    ) -> Pushed | Unknown:
        project, _, name = repository.partition("/")
        if not project or not name:
            return Unknown(f"Harbor: {repository!r} is not PROJECT/REPOSITORY")
        auth = self._registry_auth(host, base)
        # Harbor's repository_name is encoded twice when it holds a slash (its description:
        # "a/b -> a%2Fb -> a%252Fb"): its router decodes the path once before matching
        encoded = quote(quote(name, safe=""), safe="")
        project = quote(project, safe="")
        url = f"{base}/api/v2.0/projects/{project}/repositories/{encoded}/artifacts/{quote(tag, safe='')}"
        status, body, _ = self._get(url, {"Accept": "application/json"}, auth, None)
        if status == 404:
            return Unknown(f"Harbor: no artifact {repository}:{tag} on {host}")
        _status_ok(status, f"{repository}:{tag}")
        if not isinstance(body, dict):
            raise _Refused("answered an artifact that is not an object")
        return _pushed(HARBOR, tag, digest, body.get("digest"), body.get("push_time"), "push_time")

    def _acr(self, host: str, repository: str, tag: str, digest: str | None, base: str) -> Pushed | Unknown:
        # the tag's lastUpdateTime, not its createdTime: a tag moved to another digest keeps
        # its creation, while its last update is no earlier than the push of what it names now
        # (a later change of its attributes only makes the image younger)
        name = "/".join(quote(part, safe="") for part in repository.split("/"))
        url = f"{base}/acr/v1/{name}/_tags/{quote(tag, safe='')}"
        status, body, _ = self._get(
            url, {"Accept": "application/json"}, self._registry_auth(host, base), None
        )
        if status == 404:
            return Unknown(f"Azure Container Registry: no tag {repository}:{tag} on {host}")
        _status_ok(status, f"{repository}:{tag}")
        attributes = _field(body, "tag")
        if not isinstance(attributes, Mapping):
            raise _Refused("answered tag attributes that are not an object")
        return _pushed(
            ACR, tag, digest, attributes.get("digest"), attributes.get("lastUpdateTime"), "lastUpdateTime"
        )

    def _gar(self, host: str, repository: str, tag: str, digest: str | None, base: str) -> Pushed | Unknown:
        # uploadTime, not buildTime: the build time is the image's own word
        location = host[: -len(GAR_SUFFIX)]
        project, _, rest = repository.partition("/")
        repo, _, image = rest.partition("/")
        if not (project and repo and image):
            return Unknown(f"Google Artifact Registry: {repository!r} is not PROJECT/REPOSITORY/IMAGE")
        token = self._environ.get(self._google_env, "")
        if not token:
            return Unknown(
                f"Google Artifact Registry: ${self._google_env} is not set (an OAuth access token)"
            )
        auth = _bearer(token)
        headers = {"Accept": "application/json"}
        parent = f"{base}/v1/projects/{quote(project, safe='')}/locations/{quote(location, safe='')}"
        parent += f"/repositories/{quote(repo, safe='')}"
        package = quote(image, safe="")  # an image with slashes is one escaped segment
        # the tag first: the version (digest) it names now, so a moved tag is said to be one
        status, body, _ = self._get(
            f"{parent}/packages/{package}/tags/{quote(tag, safe='')}", headers, auth, None
        )
        if status == 404:
            return Unknown(f"Google Artifact Registry: no tag {repository}:{tag}")
        _status_ok(status, f"{repository}:{tag}")
        version = _field(body, "version")
        named = version.rpartition("/versions/")[2] if isinstance(version, str) else None
        if not named or not _DIGEST.fullmatch(named):
            raise _Refused(f"answered no digest for {tag}")
        if digest is not None and named != digest:
            return _pushed(GAR, tag, digest, named, None, "uploadTime")
        status, body, _ = self._get(f"{parent}/dockerImages/{package}@{named}", headers, auth, None)
        if status == 404:
            return Unknown(f"Google Artifact Registry: no image {repository}@{named[:19]}")
        _status_ok(status, f"{repository}@{named[:19]}")
        if not isinstance(body, dict):
            raise _Refused("answered an image that is not an object")
        return _pushed(GAR, tag, digest, named, body.get("uploadTime"), "uploadTime")

    def _registry_auth(self, host: str, base: str) -> Credential | None:
        """The registry's own user and password, for an API on the registry's host (Harbor's,
        ACR's) and only for that origin; None: asked anonymously."""
        names = self._basic_auth.get(host)
        if names is None:
            return None
        user, password = self._environ.get(names[0], ""), self._environ.get(names[1], "")
        if not (user and password):
            return None

        return Credential.basic(user, password)  # to the API's origin only

    # -- one call -------------------------------------------------------------------------

    def _get(
        self, url: str, headers: Mapping[str, str], auth: Credential | None, params: Mapping[str, str] | None
    ) -> tuple[int, Any, bool]:
        """(status, JSON body or None, whether a next page is linked); :class:`_Refused` for
        what is no answer at all. The body is read only for a 200."""

        match self._service(url, auth).get(url, params=params, headers=headers):
            case Answer(status=200) as answer:
                return 200, answer.json, link_next(answer, [], 0) is not None
            case Answer(status=status) | Refused(status=status):
                return status, None, False
            case Unavailable(why=why):
                raise _Refused(why)
        raise AssertionError("unreachable")  # pragma: no cover

    def _service(self, url: str, credential: Credential | None) -> Service:
        """The API's client: one per origin and credential (each credential to its origin
        only, never after a redirect elsewhere), made by whichever thread asks first."""

        scheme, host, port = origin(url)
        base = f"{scheme}://[{host}]:{port}" if ":" in host else f"{scheme}://{host}:{port}"
        key = (base, credential)
        with self._lock:
            found = self._services.get(key)
            if found is None:
                found = self._services[key] = Service(
                    "a push-time API",
                    base,
                    credential=credential,
                    timeout=self._timeout,
                    total=TOTAL,
                    limit=LIMIT,
                    policy=RetryPolicy(attempts=2, max_wait=2.0),
                    # a registry's API behind a front door on another host: followed, the
                    # credential left behind
                    redirects=ANYWHERE,
                    max_redirects=MAX_REDIRECTS,
                    transport=self._transport,
                    env=self._environ,
                )
            return found


def _bearer(token: str) -> Credential:

    return Credential.bearer(token)  # registered for redaction; to the API's origin only


def _status_ok(status: int, what: str) -> None:
    if status in (401, 403):
        raise _Refused(f"refused to say about {what} (HTTP {status}; check the credentials)")
    if status == 429:
        raise _Refused(f"rate limited (HTTP 429) asking about {what}")
    if status != 200:
        raise _Refused(f"answered HTTP {status} for {what}")


def _pushed(kind: str, tag: str, asked: str | None, named: Any, when: Any, field: str) -> Pushed | Unknown:
    """The answer's time for the digest asked about, or why not."""
    if named is not None and (not isinstance(named, str) or not _DIGEST.fullmatch(named)):
        raise _Refused(f"answered an unreadable digest for {tag}")
    if asked is not None and named is not None and named != asked:
        return Unknown(f"{SOURCES[kind]}: tag {tag} has moved: it is {named[:19]}, not {asked[:19]}")
    at = when if isinstance(when, datetime) else outside_instant(when, SOURCES[kind])
    if at is None:
        raise _Refused(f"answered no readable {field} for {tag}")
    return Pushed(at, named, SOURCES[kind])


def _field(obj: Any, *keys: str) -> Any:
    for key in keys:
        if not isinstance(obj, Mapping):
            return None
        obj = obj.get(key)
    return obj
