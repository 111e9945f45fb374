"""Which forge a repository lives on, and its adapter.

From ``forge: type`` when the config says; else from the remote URL's host (github.com,
gitlab.com, codeberg.org); else GitHub, as before forges existed (GitHub Enterprise names its
host in ``github: api_url``).

Which host a forge token may go to: a token belongs to one forge, and git gets it only for
that forge's host (:func:`git_secret`): a GitHub token for github.com or the GitHub Enterprise
host of ``github.api_url``, a GitLab token for gitlab.com or the configured GitLab server, and
so on. Before the config is read (the first fetch), a token goes only to its forge's public
host or to the server the CI platform names (``GITHUB_SERVER_URL`` on GitHub/Gitea/Forgejo
Actions, ``CI_SERVER_URL`` on GitLab CI); it is never guessed onto a host nobody named.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace

from gitops_bot.core.errors import UsageError
from gitops_bot.core.secret import Origin, Secret
from gitops_bot.scm import gitea
from gitops_bot.scm.forge import KNOWN_HOSTS, Forge, kind_from_url, remote_server
from gitops_bot.scm.settings import ForgeSettings, GitHubConfig


def kind(cfg: ForgeSettings, url: str) -> str:
    return cfg.forge.type or kind_from_url(url) or "github"


def connect(cfg: ForgeSettings, url: str, environ: Mapping[str, str]) -> Forge:
    # PyGithub and python-gitlab (with requests and PyJWT) cost ~0.4 s of CPU to import: only
    # a run that talks to its forge pays it, not `plan` or a dry run
    from gitops_bot.scm import gitlab
    from gitops_bot.scm.github import GitHub, repository_from_url

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


def git_secret(cfg: ForgeSettings, url: str, forge: Forge) -> Secret | None:
    """The forge's git token, bound to the forge's own host (None when it has none)."""
    if not forge.git_token:
        return None
    chosen = kind(cfg, url)
    where: str | None
    if chosen == "github":
        api = _github_settings(cfg).api_url
        where = "https://github.com" if Origin.of(api) == Origin.of("https://api.github.com") else api
    elif chosen == "gitlab":
        lab = cfg.forge.api_url
        where = lab.removesuffix("/").removesuffix("/api/v4") if lab else remote_server(url)
    else:
        where = cfg.forge.api_url or remote_server(url)
    return Secret.for_urls(forge.git_token, [where], f"the {chosen} token")


def _public(kind_name: str) -> list[str]:
    return [f"https://{host}" for host, k in KNOWN_HOSTS.items() if k == kind_name]


def first_fetch_credentials(url: str, environ: Mapping[str, str]) -> tuple[Secret | None, str]:
    """(token, git user) for the fetch that reads the config, before the forge is known for
    sure: a forge token set in the environment, bound to its forge's public host and to the
    server the CI platform names; the first whose binding covers ``url`` (GitHub's first, as
    before). A host no one named gets no token."""
    github_hosts = ["https://github.com", environ.get("GITHUB_SERVER_URL")]
    gitlab_hosts = ["https://gitlab.com", environ.get("CI_SERVER_URL")]
    gitea_hosts = [*_public("forgejo"), *_public("gitea"), environ.get("GITHUB_SERVER_URL")]
    candidates = [
        ("GITHUB_TOKEN", "x-access-token", github_hosts),
        ("GITLAB_TOKEN", "oauth2", gitlab_hosts),
        ("CI_JOB_TOKEN", "gitlab-ci-token", gitlab_hosts),
        *((name, gitea.Gitea.git_user, gitea_hosts) for name in gitea.TOKEN_ENVS),
    ]
    known = kind_from_url(url)
    if known in ("gitea", "forgejo"):  # a Gitea token first on Codeberg, as the forge would choose
        candidates = candidates[3:] + candidates[:3]
    for name, user, hosts in candidates:
        if environ.get(name):
            secret = Secret.for_urls(environ[name], hosts, f"${name}")
            if secret.allows(url):
                return secret, user
    return None, "x-access-token"
