"""GitLab's answer to "what is between two revisions":
``GET /projects/:id/repository/compare?from=&to=&straight=true``, one call."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from gitops_bot.core.secret import Origin
from gitops_bot.forges import compare_kit as kit
from gitops_bot.net.auth import OriginAuth


def source_api(api_url: str | None, remote: str | None) -> tuple[Origin | None, str]:
    """The server the GitOps remote (or the configured API) is on, its API under ``/api/v4``."""
    web = Origin.of(api_url or remote or "")
    return web, api_url or (f"{web}/api/v4" if web is not None else "")


def source_auth(api_url: str, token: str) -> OriginAuth:
    return OriginAuth(api_url, token, header="PRIVATE-TOKEN")


def compare(ask: kit.Ask) -> kit.Comparison:
    url = f"{ask.api_url}/projects/{quote(ask.path, safe='')}/repository/compare"
    answer = kit.get(ask.service, url, {"from": ask.base, "to": ask.head, "straight": "true"})
    return parse(answer, f"{ask.page}/-/compare/{ask.base}...{ask.head}", ask.page)


def parse(answer: Any, url: str, page: str) -> kit.Comparison:
    # GitLab lists the commits newest first
    commits = [
        kit.commit(
            c.get("id"),
            c.get("title") or c.get("message"),
            None,
            c.get("author_name"),
            when=kit.instant(c.get("committed_date")),
        )
        for c in reversed(kit.listed(answer, "commits"))
    ]
    return kit.Comparison(tuple(commits), len(commits), url, None)
