"""The branch an open change request merges into, as each forge's listing says it: the bot
matches its open requests by head and base (one into another branch is not the release's)."""

from __future__ import annotations

from typing import Any

from gitops_bot.forges.gitea import adapter as gitea
from gitops_bot.forges.github import adapter as github
from gitops_bot.forges.gitlab import adapter as gitlab

CREATED = "2026-01-02T03:04:05Z"


def _github_shaped(base: Any) -> dict[str, Any]:
    return {
        "number": 3,
        "html_url": "https://forge.example/acme/gitops/pull/3",
        "head": {"ref": "gitops-bot/staging"},
        "base": base,
        "title": "t",
        "body": "b",
        "created_at": CREATED,
    }


def test_each_forges_listing_gives_the_base() -> None:
    assert github._pr(_github_shaped({"ref": "env/staging"})).base == "env/staging"
    assert gitea._pr(_github_shaped({"ref": "env/staging"}), "Gitea").base == "env/staging"
    mr = {
        "iid": 3,
        "web_url": "https://forge.example/acme/gitops/-/merge_requests/3",
        "source_branch": "gitops-bot/staging",
        "target_branch": "env/staging",
        "title": "t",
        "description": "b",
        "created_at": CREATED,
    }
    assert gitlab._mr(mr).base == "env/staging"


def test_a_base_the_forge_does_not_say_is_none() -> None:
    for odd in (None, "main", {"ref": 5}, {"ref": ""}):
        assert github._pr(_github_shaped(odd)).base is None
