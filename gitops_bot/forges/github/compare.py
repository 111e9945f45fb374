"""GitHub's answer to "what is between two revisions": ``GET /repos/{owner}/{repo}/compare/{base}...{head}``,
one call; pull requests read from the squash title and merge subject."""

from __future__ import annotations

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
    return kit.github_shaped(ask, pulls="pull", own_page=True)
