"""Loopback stand-ins for the registries' own push-time APIs (what
:mod:`gitops_bot.registry.pushtime` asks), answering from tags a test pushes
(:meth:`PushTimeFake.push`): GitHub Packages' package versions, Docker Hub's tag, Quay's tag
list and Harbor's artifact.

Every request and every answer is checked against the service's published description
(vendored under ``testkit/specs/``, :mod:`testkit.contract`); a canned answer a test injects on
purpose (:class:`Canned`: an error, a redirect, a drip, a body too large or not JSON) is
off-spec by design, so only the request is checked then. Quay's description gives its tag list
no answer schema: that answer is checked against ``quay-tag-list-answer.schema.json``, written
from the Quay code that makes it.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Collection
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.utils import format_datetime
from http.server import BaseHTTPRequestHandler
from typing import Any, ClassVar, Self
from urllib.parse import parse_qs, quote, unquote, urlparse

import jsonschema

from testkit.contract import SPECS, Contract
from testkit.loopback import LoopbackHTTPServer


@dataclass(frozen=True)
class Image:
    """One tag as the fake registry holds it: its digest and when it was pushed."""

    digest: str
    pushed: datetime


@dataclass
class Canned:
    """An answer given instead of the real one: ``body`` is JSON (any value) or raw bytes;
    ``delay`` seconds of silence before it (a server slower than the caller's deadline)."""

    status: int = 200
    body: Any = None
    headers: dict[str, str] = field(default_factory=dict)
    delay: float = 0.0


@dataclass(frozen=True)
class Seen:
    method: str
    path: str  # with the query
    headers: dict[str, str]


class PushTimeFake:
    """The server every fake here shares: ``with fake:`` runs it, ``fake.url`` is its base."""

    spec: ClassVar[str]

    def __init__(self) -> None:
        self.images: dict[str, dict[str, Image]] = {}  # repository -> tag -> image
        self.seen: list[Seen] = []
        self.canned: list[Canned] = []  # answered first, in order, then the real answers
        self.contract: Contract | None = Contract.load(self.spec)
        self._lock = threading.Lock()
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: Any) -> None:
                pass

            def do_GET(self) -> None:
                fake._exchange(self)

            do_POST = do_PUT = do_PATCH = do_DELETE = do_HEAD = do_GET

        self.server = LoopbackHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self._thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def push(self, repository: str, tag: str, digest: str, pushed: datetime) -> Self:
        """``repository:tag`` now points at ``digest``, pushed at ``pushed``."""
        with self._lock:
            self.images.setdefault(repository, {})[tag] = Image(digest, pushed)
        return self

    def start(self) -> Self:
        self._thread.start()
        return self

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()
        if self.contract is not None:
            self.contract.assert_clean()

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # -- one exchange ---------------------------------------------------------------------

    def _exchange(self, handler: BaseHTTPRequestHandler) -> None:
        method, raw = handler.command, handler.path
        headers = dict(handler.headers)
        length = int(handler.headers.get("Content-Length") or 0)
        data = handler.rfile.read(length) if length else b""
        # a form (a token exchange) as its fields, what the description's formData names
        form = {k: v[0] for k, v in parse_qs(data.decode(errors="replace"), keep_blank_values=True).items()}
        body = form if method == "POST" else None
        with self._lock:
            self.seen.append(Seen(method, raw, headers))
            canned = self.canned.pop(0) if self.canned else None
        if canned is not None:
            if self.contract is not None:
                self.contract.check(method, self.described(raw), body, canned.status, None, answer_too=False)
            if canned.delay:
                time.sleep(canned.delay)
            self._write(handler, canned.status, canned.body, canned.headers)
            return
        url = urlparse(raw)
        if method == "POST":
            status, payload, extra = self.post(url.path, form, headers)
        else:
            status, payload, extra = self.answer(method, url.path, parse_qs(url.query), headers)
        if self.contract is not None:
            self.contract.check(method, self.described(raw), body, status, payload)
            self.also_check(status, payload)
        self._write(handler, status, payload, extra)

    def _write(
        self, handler: BaseHTTPRequestHandler, status: int, body: Any, headers: dict[str, str]
    ) -> None:
        data = body if isinstance(body, bytes) else b"" if body is None else json.dumps(body).encode()
        try:
            handler.send_response(status)
            handler.send_header("Content-Type", "application/json")
            handler.send_header("Content-Length", str(len(data)))
            for k, v in headers.items():
                handler.send_header(k, v)
            handler.end_headers()
            handler.wfile.write(data)
        except OSError:
            pass  # the caller gave up (its deadline): nothing to tell it

    # -- what each service does -----------------------------------------------------------

    def described(self, raw: str) -> str:
        """The request's path as the description spells its parameters (the same by default)."""
        return raw

    def also_check(self, status: int, payload: Any) -> None:
        """Checks beyond the description's (Quay's answer, which it leaves without a schema)."""

    def answer(
        self, method: str, path: str, query: dict[str, list[str]], headers: dict[str, str]
    ) -> tuple[int, Any, dict[str, str]]:
        raise NotImplementedError

    def post(
        self, path: str, form: dict[str, str], headers: dict[str, str]
    ) -> tuple[int, Any, dict[str, str]]:
        """A form posted to ``path`` (a token exchange): none by default."""
        return 404, None, {}


def _rfc3339(when: datetime, fraction: bool = False) -> str:
    when = when.astimezone(UTC)
    text = when.strftime("%Y-%m-%dT%H:%M:%S")
    return text + (f".{when.microsecond:06d}Z" if fraction else "Z")


TOKEN = "ghp_pushtime_test_token_0123"
DOCS = "https://docs.github.com/rest"


class FakeGitHubPackages(PushTimeFake):
    """``GET /orgs|users/{owner}/packages/container/{name}/versions``: each digest of a package
    is a version (``name``: the digest, ``metadata.container.tags``: the tags on it), newest
    first, in pages of ``per_page`` with a ``Link: rel="next"`` while more follow. ``owners``
    says which owners are organizations (the rest are users: asked as an organization, 404)."""

    spec = "github-packages"

    def __init__(
        self, token: str | None = "ghp_pushtime_test_token_0123", orgs: tuple[str, ...] = ()
    ) -> None:
        super().__init__()
        self.token = token
        self.orgs = set(orgs)
        self.untagged: dict[str, int] = {}  # package -> untagged versions newer than every tag

    def answer(
        self, method: str, path: str, query: dict[str, list[str]], headers: dict[str, str]
    ) -> tuple[int, Any, dict[str, str]]:
        if self.token is not None and headers.get("Authorization") != f"Bearer {self.token}":
            return (
                401,
                {"message": "Bad credentials", "documentation_url": "https://docs.github.com/rest"},
                {},
            )
        parts = path.split("/")  # "", scope, owner, "packages", "container", name, "versions"
        if (
            method != "GET"
            or len(parts) != 7
            or parts[3:5] != ["packages", "container"]
            or parts[6] != "versions"
        ):
            return 404, _github_404(), {}
        scope, owner, name = parts[1], unquote(parts[2]), unquote(parts[5])
        package = f"{owner}/{name}"
        if (scope == "orgs") != (owner in self.orgs) or package not in self.images:
            return 404, _github_404(), {}
        versions = self._versions(scope, owner, name)
        per_page = min(int(query.get("per_page", ["30"])[0]), 100)
        page = int(query.get("page", ["1"])[0])
        chunk = versions[(page - 1) * per_page : page * per_page]
        extra = {}
        if page * per_page < len(versions):
            extra["Link"] = f'<{self.url}{path}?per_page={per_page}&page={page + 1}>; rel="next"'
        return 200, chunk, extra

    def _versions(self, scope: str, owner: str, name: str) -> list[dict[str, Any]]:
        by_digest: dict[str, list[tuple[str, datetime]]] = {}
        for tag, image in self.images[f"{owner}/{name}"].items():
            by_digest.setdefault(image.digest, []).append((tag, image.pushed))
        # a version is created when its digest is first pushed, updated when a tag moves to it
        rows = [
            (digest, sorted(t for t, _ in on), min(p for _, p in on), max(p for _, p in on))
            for digest, on in by_digest.items()
        ]
        rows.sort(key=lambda row: row[2], reverse=True)  # GitHub lists the newest first
        newest = rows[0][2] if rows else datetime(2026, 1, 1, tzinfo=UTC)
        untagged = self.untagged.get(f"{owner}/{name}", 0)
        rows = [(f"sha256:{n + 1:064x}", [], newest, newest) for n in range(untagged)] + rows
        base = f"https://api.github.com/{scope}/{owner}/packages/container/{quote(name, safe='')}/versions"
        return [
            {
                "id": n,
                "name": digest,
                "url": f"{base}/{n}",
                "package_html_url": f"https://github.com/{owner}/packages/container/package/{name}",
                "html_url": f"https://github.com/{owner}/packages/container/{name}/{n}",
                "created_at": _rfc3339(created),
                "updated_at": _rfc3339(updated),
                "metadata": {"package_type": "container", "container": {"tags": tags}},
            }
            for n, (digest, tags, created, updated) in enumerate(rows, start=1000)
        ]


def _github_404() -> dict[str, Any]:
    return {"message": "Not Found", "documentation_url": DOCS, "status": "404"}


class FakeDockerHub(PushTimeFake):
    """``GET /v2/namespaces/{namespace}/repositories/{repository}/tags/{tag}`` (anonymous).
    The answer names the fields the description types as Docker Hub sends them, plus the
    tag's ``digest`` (Docker Hub sends it; the description does not name it, nor forbid it).
    ``images`` and ``v2`` are left out: the description types them as an object and a string
    where Docker Hub sends a list and a boolean."""

    spec = "dockerhub"

    def answer(
        self, method: str, path: str, query: dict[str, list[str]], headers: dict[str, str]
    ) -> tuple[int, Any, dict[str, str]]:
        parts = path.split("/")  # "", "v2", "namespaces", ns, "repositories", repo, "tags", tag
        if method != "GET" or len(parts) != 8 or parts[1:3] != ["v2", "namespaces"]:
            return 404, {"message": "object not found", "errinfo": {}}, {}
        namespace, repository, tag = unquote(parts[3]), unquote(parts[5]), unquote(parts[7])
        image = self.images.get(f"{namespace}/{repository}", {}).get(tag)
        if image is None:
            info = {"namespace": namespace, "repository": repository, "tag": tag}
            return 404, {"message": "httperror 404: tag not found", "errinfo": info}, {}
        return (
            200,
            {
                "creator": 7,
                "id": 1500,
                "last_updated": _rfc3339(image.pushed, fraction=True),
                "last_updater": 7,
                "last_updater_username": namespace,
                "name": tag,
                "repository": 42,
                "full_size": 3_000_000,
                "status": "active",
                "tag_status": "active",
                "tag_last_pulled": _rfc3339(image.pushed, fraction=True),
                "tag_last_pushed": _rfc3339(image.pushed, fraction=True),
                "media_type": "application/vnd.oci.image.index.v1+json",
                "content_type": "image",
                "digest": image.digest,
            },
            {},
        )


class FakeQuay(PushTimeFake):
    """``GET /api/v1/repository/{namespace}/{name}/tag/?specificTag=...&onlyActiveTags=true``:
    the active tag (``start_ts``: unix seconds, ``manifest_digest``), or no tags. Anonymous
    unless ``token`` is set (a private repository: 401 without it)."""

    spec = "quay"
    SCHEMA = json.loads((SPECS / "quay-tag-list-answer.schema.json").read_text(encoding="utf-8"))

    def __init__(self, token: str | None = None) -> None:
        super().__init__()
        self.token = token

    def described(self, raw: str) -> str:
        # Quay routes {repository} as one "apirepopath" parameter holding its slash; the
        # contract's templates match one segment, so the slash is escaped for the check only
        url = urlparse(raw)
        prefix = "/api/v1/repository/"
        if url.path.startswith(prefix) and url.path.endswith("/tag/"):
            repository = url.path[len(prefix) : -len("/tag/")]
            path = prefix + quote(repository, safe="") + "/tag/"
            return path + (f"?{url.query}" if url.query else "")
        return raw

    def also_check(self, status: int, payload: Any) -> None:
        if status == 200 and self.contract is not None:
            for error in jsonschema.Draft7Validator(self.SCHEMA).iter_errors(payload):
                self.contract.violations.append(f"Quay answer (source-derived schema): {error.message[:200]}")

    def answer(
        self, method: str, path: str, query: dict[str, list[str]], headers: dict[str, str]
    ) -> tuple[int, Any, dict[str, str]]:
        if self.token is not None and headers.get("Authorization") != f"Bearer {self.token}":
            return 401, _quay_error(401, "unauthorized", "Unauthorized"), {}
        prefix = "/api/v1/repository/"
        if method != "GET" or not path.startswith(prefix) or not path.endswith("/tag/"):
            return 404, _quay_error(404, "not_found", "Not Found"), {}
        repository = unquote(path[len(prefix) : -len("/tag/")])
        if repository not in self.images:
            return 404, _quay_error(404, "not_found", "Not Found"), {}
        wanted = query.get("specificTag", [""])[0]
        tags = []
        for name, image in sorted(self.images[repository].items()):
            if wanted and name != wanted:
                continue
            start = int(image.pushed.timestamp())
            tags.append(
                {
                    "name": name,
                    "reversion": False,
                    "start_ts": start,
                    "manifest_digest": image.digest,
                    "is_manifest_list": False,
                    "size": 3_000_000,
                    "last_modified": format_datetime(image.pushed.astimezone(UTC), usegmt=True),
                }
            )
        return 200, {"tags": tags, "page": 1, "has_additional": False}, {}


def _quay_error(status: int, title: str, detail: str) -> dict[str, Any]:
    return {
        "status": status,
        "title": title,
        "type": f"https://quay.io/api/v1/error/{title}",
        "detail": detail,
        "error_message": detail,
        "error_type": title,
    }


class FakeHarbor(PushTimeFake):
    """``GET /api/v2.0/projects/{project}/repositories/{repository}/artifacts/{reference}``
    (a tag or a digest): the artifact with its ``push_time`` and ``digest``. A repository name
    with a slash must come encoded twice (Harbor's router decodes the path once: once-encoded,
    the slash splits the path and nothing matches). ``basic``: (user, password) required."""

    spec = "harbor"

    def __init__(self, basic: tuple[str, str] | None = None) -> None:
        super().__init__()
        self.basic = basic

    def answer(
        self, method: str, path: str, query: dict[str, list[str]], headers: dict[str, str]
    ) -> tuple[int, Any, dict[str, str]]:
        if not _basic_ok(headers, self.basic):
            return 401, {"errors": [{"code": "UNAUTHORIZED", "message": "unauthorized"}]}, {}
        parts = path.split("/")  # "", api, v2.0, projects, p, repositories, r, artifacts, ref
        if method != "GET" or len(parts) != 9 or parts[1:4] != ["api", "v2.0", "projects"]:
            return 404, _harbor_404("no route"), {}
        once = unquote(parts[6])
        if "/" in once:
            return 404, _harbor_404("no route"), {}  # the router would have split it
        project, name, reference = unquote(parts[4]), unquote(once), unquote(parts[8])
        repository = f"{project}/{name}"
        tags = self.images.get(repository, {})
        image = tags.get(reference) or next((i for i in tags.values() if i.digest == reference), None)
        if image is None:
            return 404, _harbor_404(f"artifact {repository}:{reference} not found"), {}
        on = [t for t, i in sorted(tags.items()) if i.digest == image.digest]
        pushed = min(tags[t].pushed for t in on)
        return (
            200,
            {
                "id": 11,
                "type": "IMAGE",
                "media_type": "application/vnd.oci.image.config.v1+json",
                "manifest_media_type": "application/vnd.oci.image.manifest.v1+json",
                "project_id": 2,
                "repository_id": 5,
                "repository_name": repository,
                "digest": image.digest,
                "size": 3_000_000,
                "push_time": _millis(pushed),
                "pull_time": "0001-01-01T00:00:00.000Z",
                "tags": [
                    {
                        "id": 20 + n,
                        "repository_id": 5,
                        "artifact_id": 11,
                        "name": t,
                        "push_time": _millis(tags[t].pushed),
                        "pull_time": "0001-01-01T00:00:00.000Z",
                        "immutable": False,
                    }
                    for n, t in enumerate(on)
                ],
            },
            {},
        )


def _millis(when: datetime) -> str:
    """Harbor's times: Go's time.Time in JSON, as its API answers them, to the millisecond."""
    return _rfc3339(when)[:-1] + f".{when.microsecond // 1000:03d}Z"


def _harbor_404(message: str) -> dict[str, Any]:
    return {"errors": [{"code": "NOT_FOUND", "message": message}]}


class FakeACR(PushTimeFake):
    """Azure Container Registry's ``GET /acr/v1/{name}/_tags/{reference}``: the tag's
    attributes (``digest``, ``createdTime`` when the tag was first pushed, ``lastUpdateTime``
    when it last changed). ``{name}`` holds the repository's slashes as the registry's own /v2
    paths do. ``basic``: (user, password) required, as a registry without anonymous pull.
    ``refresh``: the refresh tokens the registry's ``POST /oauth2/token`` takes (the registry's
    ``/oauth2/exchange`` issued them: a workload identity's login), each exchanged for an access
    token of the scope asked; the tag's attributes then need one scoped
    ``repository:{name}:metadata_read`` (ACR's ``AAD-OAuth.md``)."""

    spec = "acr"

    def __init__(
        self,
        basic: tuple[str, str] | None = None,
        registry: str = "example.azurecr.io",
        refresh: Collection[str] | None = None,
    ) -> None:
        super().__init__()
        self.basic = basic
        self.registry = registry
        self.refresh = refresh
        self.access: dict[str, str] = {}  # access token -> its scope
        self.created: dict[tuple[str, str], datetime] = {}

    def push(self, repository: str, tag: str, digest: str, pushed: datetime) -> Self:
        with self._lock:
            self.created.setdefault((repository, tag), pushed)  # a moved tag keeps its creation
        return super().push(repository, tag, digest, pushed)

    def described(self, raw: str) -> str:
        # one path parameter holds the repository's slashes; the contract's templates match one
        # segment, so the slash is escaped for the check only
        url = urlparse(raw)
        prefix, marker = "/acr/v1/", "/_tags/"
        if url.path.startswith(prefix) and marker in url.path:
            name, _, reference = url.path[len(prefix) :].rpartition(marker)
            path = f"{prefix}{quote(unquote(name), safe='')}{marker}{reference}"
            return path + (f"?{url.query}" if url.query else "")
        return raw

    def answer(
        self, method: str, path: str, query: dict[str, list[str]], headers: dict[str, str]
    ) -> tuple[int, Any, dict[str, str]]:
        prefix, marker = "/acr/v1/", "/_tags/"
        if method != "GET" or not path.startswith(prefix) or marker not in path:
            return 404, _acr_error("NAME_UNKNOWN", "no route"), {}
        name, _, reference = path[len(prefix) :].rpartition(marker)
        repository, tag = unquote(name), unquote(reference)
        scope = f"repository:{repository}:metadata_read"
        bearer = headers.get("Authorization", "").removeprefix("Bearer ")
        if not (_basic_ok(headers, self.basic) or self.access.get(bearer) == scope):
            challenge = (
                f'Bearer realm="https://{self.registry}/oauth2/token",service="{self.registry}",scope="{scope}"'
                if self.refresh is not None
                else f'Basic realm="https://{self.registry}/oauth2/token"'
            )
            return 401, _acr_error("UNAUTHORIZED", "authentication required"), {"WWW-Authenticate": challenge}
        image = self.images.get(repository, {}).get(tag)
        if image is None:
            return 404, _acr_error("TAG_UNKNOWN", f"the specified tag does not exist: {tag}"), {}
        return (
            200,
            {
                "registry": self.registry,
                "imageName": repository,
                "tag": {
                    "name": tag,
                    "digest": image.digest,
                    "createdTime": _rfc3339(self.created[(repository, tag)], fraction=True),
                    "lastUpdateTime": _rfc3339(image.pushed, fraction=True),
                    "signed": False,
                    "changeableAttributes": {
                        "deleteEnabled": True,
                        "writeEnabled": True,
                        "readEnabled": True,
                        "listEnabled": True,
                    },
                },
            },
            {},
        )

    def post(
        self, path: str, form: dict[str, str], headers: dict[str, str]
    ) -> tuple[int, Any, dict[str, str]]:
        if path != "/oauth2/token" or self.refresh is None:
            return 404, _acr_error("NAME_UNKNOWN", "no route"), {}
        if form.get("refresh_token") not in self.refresh or form.get("service") != self.registry:
            return 401, _acr_error("UNAUTHORIZED", "authentication required"), {}
        token = f"acr-access-{len(self.access)}-{form.get('scope', '')[:20]}"
        with self._lock:
            self.access[token] = form.get("scope", "")
        return 200, {"access_token": token}, {}


def _acr_error(code: str, message: str) -> dict[str, Any]:
    return {"errors": [{"code": code, "message": message, "detail": {}}]}


class FakeGAR(PushTimeFake):
    """Google Artifact Registry's API for one registry location: ``GET
    /v1/projects/{p}/locations/{l}/repositories/{r}/packages/{image}/tags/{tag}`` (the version,
    i.e. the digest, the tag names) and ``.../dockerImages/{image}@{digest}`` (its
    ``uploadTime``; ``buildTime`` is the image's own word, written here a decade earlier). An
    image with slashes is one escaped segment. Every call needs ``token`` (or one of them) as a
    bearer. Tests push
    ``PROJECT/REPOSITORY/IMAGE`` as the bot names them; the location is ``location``."""

    spec = "gar"

    def __init__(
        self, token: str | Collection[str] = "ya29.gar-test-token", location: str = "europe"
    ) -> None:
        super().__init__()
        self.tokens = {token} if isinstance(token, str) else token  # a workload identity's, as issued
        self.location = location

    def answer(
        self, method: str, path: str, query: dict[str, list[str]], headers: dict[str, str]
    ) -> tuple[int, Any, dict[str, str]]:
        if headers.get("Authorization", "").removeprefix("Bearer ") not in self.tokens:
            return (
                401,
                _google_error(401, "UNAUTHENTICATED", "Request had invalid authentication credentials."),
                {},
            )
        parts = path.split("/")  # "", v1, projects, p, locations, l, repositories, r, kind, ...
        if (
            method != "GET"
            or len(parts) < 10
            or parts[1:3] != ["v1", "projects"]
            or parts[5] != self.location
        ):
            return 404, _google_error(404, "NOT_FOUND", "Requested entity was not found."), {}
        project, repo = unquote(parts[3]), unquote(parts[7])
        if parts[8] == "packages" and len(parts) == 12 and parts[10] == "tags":
            image, tag = unquote(parts[9]), unquote(parts[11])
            found = self.images.get(f"{project}/{repo}/{image}", {}).get(tag)
            if found is None:
                return 404, _google_error(404, "NOT_FOUND", "Requested entity was not found."), {}
            base = f"projects/{project}/locations/{self.location}/repositories/{repo}/packages/{parts[9]}"
            return 200, {"name": f"{base}/tags/{parts[11]}", "version": f"{base}/versions/{found.digest}"}, {}
        if parts[8] == "dockerImages" and len(parts) == 10:
            image, _, digest = unquote(parts[9]).rpartition("@")
            tags = self.images.get(f"{project}/{repo}/{image}", {})
            on = sorted(t for t, i in tags.items() if i.digest == digest)
            if not on:
                return 404, _google_error(404, "NOT_FOUND", "Requested entity was not found."), {}
            uploaded = min(tags[t].pushed for t in on)
            name = f"projects/{project}/locations/{self.location}/repositories/{repo}/dockerImages/{parts[9]}"
            return (
                200,
                {
                    "name": name,
                    "uri": f"{self.location}-docker.pkg.dev/{project}/{repo}/{image}@{digest}",
                    "tags": on,
                    "imageSizeBytes": "3000000",
                    "uploadTime": _rfc3339(uploaded, fraction=True),
                    "mediaType": "application/vnd.oci.image.manifest.v1+json",
                    "buildTime": "2016-01-01T00:00:00Z",
                },
                {},
            )
        return 404, _google_error(404, "NOT_FOUND", "Requested entity was not found."), {}


def _google_error(code: int, status: str, message: str) -> dict[str, Any]:
    """Google APIs' JSON error (google.rpc.Status inside ``error``), which the discovery
    document does not describe."""
    return {"error": {"code": code, "message": message, "status": status}}


def _basic_ok(headers: dict[str, str], basic: tuple[str, str] | None) -> bool:
    """Whether the request carries the (user, password) a fake requires (None: none needed)."""
    if basic is None:
        return True
    import base64

    return headers.get("Authorization") == "Basic " + base64.b64encode(":".join(basic).encode()).decode()
