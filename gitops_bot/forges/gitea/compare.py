"""Gitea's and Forgejo's answer to "what is between two revisions": the GitHub-shaped
``GET /repos/{owner}/{repo}/compare/{base}...{head}``, one call."""

from __future__ import annotations

from typing import Any

from gitops_bot.core.secret import Origin
from gitops_bot.forges import compare_kit as kit
from gitops_bot.net.auth import OriginAuth


def source_api(api_url: str | None, remote: str | None) -> tuple[Origin | None, str]:
    """The server the GitOps remote (or the configured API) is on, its API under ``/api/v1``."""
    web = Origin.of(api_url or remote or "")
    return web, api_url or (f"{web}/api/v1" if web is not None else "")


def source_auth(api_url: str, token: str) -> OriginAuth:
    return OriginAuth(api_url, f"token {token}")


def compare(ask: kit.Ask) -> kit.Comparison:
    if ask.path.count("/") != 1:
        raise kit.CompareUnavailable(
            f"source {ask.repository[:100]!r} is not a repository URL {ask.kind} names"
        )
    answer = kit.get(
        ask.client, f"{ask.api_url}/repos/{ask.path}/compare/{ask.base}...{ask.head}", {}, ask.auth
    )
    return parse(answer, f"{ask.page}/compare/{ask.base}...{ask.head}", ask.page)


def parse(answer: Any, url: str, page: str) -> kit.Comparison:
    commits = [kit.hub_commit(c) for c in kit.listed(answer, "commits")]
    total = answer.get("total_commits")
    return kit.Comparison(
        tuple(commits),
        total if isinstance(total, int) and total >= len(commits) else len(commits),
        url,
        f"{page}/pulls/",
    )
