"""Google Artifact Registry (``LOCATION-docker.pkg.dev/PROJECT/REPOSITORY/IMAGE``): the tag's
version (the digest it names now), then that image's ``uploadTime`` (never ``buildTime``, the
image's own word), from ``artifactregistry.googleapis.com``.

Asked with an OAuth access token: the registry's own credential when it is one (the
workload's Google identity, ``auth: gcp``; a docker login or credential helper that gives the
access token as its password), else ``$GOOGLE_OAUTH_ACCESS_TOKEN``."""

from __future__ import annotations

from collections.abc import Mapping
from urllib.parse import quote

from gitops_bot.registry.pushtime.base import (
    DIGEST,
    Calls,
    NoAnswer,
    NoPushTime,
    Pushed,
    Question,
    bearer,
    field,
    pushed,
    secret,
    status_ok,
)

SUFFIX = "-docker.pkg.dev"
# the user names under which a registry credential's password is an OAuth access token: the
# documented docker login user, and docker-credential-gcloud's
TOKEN_USERS = frozenset({"oauth2accesstoken", "_dcgcloud_token"})


class ArtifactRegistry:
    kind = "gar"
    source = "Google Artifact Registry"
    token_env: str | None = "GOOGLE_OAUTH_ACCESS_TOKEN"
    on_registry = False

    def recognises(self, host: str) -> bool:
        return host.endswith(SUFFIX) and len(host) > len(SUFFIX)

    def api(self, host: str, environ: Mapping[str, str]) -> str:
        return "https://artifactregistry.googleapis.com"

    def look(self, calls: Calls, q: Question) -> Pushed | NoPushTime:
        location = q.host[: -len(SUFFIX)]
        project, _, rest = q.repository.partition("/")
        repo, _, image = rest.partition("/")
        if not (project and repo and image):
            return NoPushTime(f"{self.source}: {q.repository!r} is not PROJECT/REPOSITORY/IMAGE")
        token = self._token(calls, q.host)
        if not token:
            return NoPushTime(
                f"{self.source}: no Google access token: give the workload a Google identity (auth: gcp) "
                f"or set ${self.token_env}"
            )
        auth = bearer(token)
        headers = {"Accept": "application/json"}
        parent = f"{q.base}/v1/projects/{quote(project, safe='')}/locations/{quote(location, safe='')}"
        parent += f"/repositories/{quote(repo, safe='')}"
        package = quote(image, safe="")  # an image with slashes is one escaped segment
        # the tag first: the version (digest) it names now, so a moved tag is said to be one
        status, body, _ = calls.get(
            f"{parent}/packages/{package}/tags/{quote(q.tag, safe='')}", headers, auth
        )
        if status == 404:
            return NoPushTime(f"{self.source}: no tag {q.repository}:{q.tag}")
        status_ok(status, f"{q.repository}:{q.tag}")
        version = field(body, "version")
        named = version.rpartition("/versions/")[2] if isinstance(version, str) else None
        if not named or not DIGEST.fullmatch(named):
            raise NoAnswer(f"answered no digest for {q.tag}")
        if q.digest is not None and named != q.digest:
            return pushed(self.source, q.tag, q.digest, named, None, "uploadTime")
        status, body, _ = calls.get(f"{parent}/dockerImages/{package}@{named}", headers, auth)
        if status == 404:
            return NoPushTime(f"{self.source}: no image {q.repository}@{named[:19]}")
        status_ok(status, f"{q.repository}@{named[:19]}")
        if not isinstance(body, dict):
            raise NoAnswer("answered an image that is not an object")
        return pushed(self.source, q.tag, q.digest, named, body.get("uploadTime"), "uploadTime")

    def _token(self, calls: Calls, host: str) -> str | None:
        found = calls.credential(host)
        if found is not None and secret(lambda: found.username) in TOKEN_USERS:
            token = secret(lambda: found.password)
            if token:
                return token
        return calls.environ.get(str(self.token_env)) or None
