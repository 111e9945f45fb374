"""GitHub Packages (``ghcr.io``): ``GET /orgs/{org}/packages/container/{name}/versions`` (or
``/users/{user}/...``), the version named by the digest, ``created_at``: when that digest was
first pushed. Needs a token with ``read:packages`` (``$GITHUB_TOKEN``), even for public
packages. Versions come newest first, a page of 100 at a time, read up to :data:`MAX_PAGES`."""

from __future__ import annotations

import time
from collections.abc import Mapping
from urllib.parse import quote

from gitops_bot.registry.pushtime.base import (
    DIGEST,
    TOTAL,
    Calls,
    NoAnswer,
    NoPushTime,
    Pushed,
    Question,
    bearer,
    field,
    pushed,
    status_ok,
)

PER_PAGE = 100  # GitHub's largest page
MAX_PAGES = 10  # a package's 1,000 newest versions; an older tag is unknown, not searched for ever
HEADERS = {"Accept": "application/vnd.github+json", "X-GitHub-Api-Version": "2022-11-28"}


class GitHubPackages:
    kind = "github"
    source = "GitHub Packages"
    token_env: str | None = "GITHUB_TOKEN"
    on_registry = False

    def recognises(self, host: str) -> bool:
        return host == "ghcr.io"

    def api(self, host: str, environ: Mapping[str, str]) -> str:
        return "https://api.github.com"

    def look(self, calls: Calls, q: Question) -> Pushed | NoPushTime:
        owner, _, package = q.repository.partition("/")
        if not owner or not package:
            return NoPushTime(f"{self.source}: {q.repository!r} is not OWNER/PACKAGE")
        token = calls.environ.get(str(self.token_env), "")
        if not token:
            return NoPushTime(f"{self.source}: ${self.token_env} is not set (a token with read:packages)")
        auth = bearer(token)
        name = quote(package, safe="")  # nested names ("repo/image") are one segment: repo%2Fimage
        deadline = time.monotonic() + TOTAL
        for scope in ("orgs", "users"):  # an owner is an organization or a user; 404 for the other
            url = f"{q.base}/{scope}/{quote(owner, safe='')}/packages/container/{name}/versions"
            for page in range(1, MAX_PAGES + 1):
                if time.monotonic() > deadline:
                    return NoPushTime(f"{self.source}: no answer within {TOTAL:g}s in all", unreadable=True)
                status, body, more = calls.page(url, page, PER_PAGE, HEADERS, auth)
                if status == 404 and page == 1:
                    if scope == "orgs":
                        break  # not an organization's: ask as a user's
                    return NoPushTime(
                        f"{self.source}: no package {owner}/{package} (or the token may not read it)"
                    )
                status_ok(status, f"package {owner}/{package}")
                if not isinstance(body, list):
                    raise NoAnswer("answered a page that is not a list of versions")
                for version in body:
                    tags = field(version, "metadata", "container", "tags")
                    if isinstance(tags, list) and q.tag in tags:
                        named = version.get("name")
                        if not isinstance(named, str) or not DIGEST.fullmatch(named):
                            raise NoAnswer(f"version tagged {q.tag} names no digest")
                        return pushed(
                            self.source, q.tag, q.digest, named, version.get("created_at"), "created_at"
                        )
                if not more or len(body) < PER_PAGE:
                    return NoPushTime(f"{self.source}: no version tagged {q.tag} in {owner}/{package}")
            else:
                return NoPushTime(
                    f"{self.source}: no version tagged {q.tag} among the {MAX_PAGES * PER_PAGE} newest"
                )
        return NoPushTime(f"{self.source}: no package {owner}/{package}")  # pragma: no cover
