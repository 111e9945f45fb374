"""Gitea's and Forgejo's answer to "what is between two revisions": the GitHub-shaped
``GET /repos/{owner}/{repo}/compare/{base}...{head}``, one call."""

from __future__ import annotations

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
    return kit.github_shaped(ask, pulls="pulls", own_page=False)
