"""GitHub's answer to "what is between two revisions": ``GET /repos/{owner}/{repo}/compare/{base}...{head}``,
one call; pull requests read from the squash title and merge subject."""

from __future__ import annotations

from typing import Any

from gitops_bot.core.secret import Origin
from gitops_bot.forges import compare_kit as kit
from gitops_bot.net.auth import OriginAuth

PUBLIC_API = "https://api.github.com"


def source_api(api_url: str | None, remote: str | None) -> tuple[Origin | None, str]:
    """The web origin source URLs name and the API to ask: github.com's, or a GitHub
    Enterprise server's (its API names its host)."""
    api = api_url or PUBLIC_API
    public = Origin.of(api) == Origin.of(PUBLIC_API)
    return Origin.of("https://github.com" if public else api), api


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
    html = answer.get("html_url")
    return kit.Comparison(
        tuple(commits),
        total if isinstance(total, int) and total >= len(commits) else len(commits),
        html if isinstance(html, str) and html.startswith(page + "/") else url,
        f"{page}/pull/",
    )
