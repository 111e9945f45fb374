"""Which forge a repository lives on, and its adapter.

From ``forge: type`` when the config says; else from the remote URL's host (github.com,
gitlab.com, codeberg.org); else GitHub, as before forges existed (GitHub Enterprise names its
host in ``github: api_url``).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace

from gitops_bot.errors import UsageError
from gitops_bot.scm import gitea, gitlab
from gitops_bot.scm.forge import Forge, kind_from_url
from gitops_bot.scm.github import GitHub, repository_from_url
from gitops_bot.scm.settings import ForgeSettings, GitHubConfig


def kind(cfg: ForgeSettings, url: str) -> str:
    return cfg.forge.type or kind_from_url(url) or "github"


def connect(cfg: ForgeSettings, url: str, environ: Mapping[str, str]) -> Forge:
    chosen = kind(cfg, url)
    if chosen == "gitlab":
        return gitlab.GitLab.connect(cfg.forge, url, environ)
    if chosen in ("gitea", "forgejo"):
        return gitea.Gitea.connect(cfg.forge, url, environ)
    github_cfg = _github_settings(cfg)
    repository = github_cfg.repository or repository_from_url(url, github_cfg.api_url)
    if repository is None:
        raise UsageError(
            f"cannot tell the GitHub repository of {url}",
            hint="set github.repository (owner/name) in gitops-bot.yaml; on GitLab, Gitea or "
            "Forgejo set forge: {type: gitlab|gitea|forgejo, api_url: ...}",
        )
    return GitHub.connect(github_cfg, repository, environ)


def _github_settings(cfg: ForgeSettings) -> GitHubConfig:
    """``github:``, with what ``forge:`` says on top (``forge: {type: github, api_url: ...}``)."""
    f = cfg.forge
    return replace(
        cfg.github,
        api_url=f.api_url or cfg.github.api_url,
        repository=f.repository or cfg.github.repository,
        token_env=f.token_env or cfg.github.token_env,
    )


def first_fetch_credentials(url: str, environ: Mapping[str, str]) -> tuple[str | None, str]:
    """(token, git user) for the fetch that reads the config, before the forge is known for
    sure: the known host's token, else the first forge token set (GitHub's first, as before)."""
    known = kind_from_url(url)
    github = [("GITHUB_TOKEN", "x-access-token")]
    gitlab_ = [("GITLAB_TOKEN", "oauth2"), ("CI_JOB_TOKEN", "gitlab-ci-token")]
    gitea_ = [(name, gitea.Gitea.git_user) for name in gitea.TOKEN_ENVS]
    by_kind = {"github": github, "gitlab": gitlab_, "gitea": gitea_, "forgejo": gitea_}
    order = by_kind.get(known or "", github + gitlab_ + gitea_)
    return next(((environ[n], user) for n, user in order if environ.get(n)), (None, "x-access-token"))
