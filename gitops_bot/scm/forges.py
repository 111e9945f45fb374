"""Which forge a repository lives on, and its adapter.

From ``forge: type`` when the config says; else from the remote URL's host (github.com,
gitlab.com, codeberg.org, bitbucket.org, dev.azure.com and {org}.visualstudio.com); else
GitHub, as before forges existed (GitHub Enterprise names its host in ``github: api_url``).
A Bitbucket Data Center server is named by ``forge: {type: bitbucket-data-center}``.

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
from gitops_bot.scm import azure_devops, bitbucket_cloud, bitbucket_dc, gitea
from gitops_bot.scm.forge import KNOWN_HOSTS, Forge, kind_from_url, remote_server
from gitops_bot.scm.settings import ForgeSettings, GitHubConfig


def kind(cfg: ForgeSettings, url: str) -> str:
    azure = "azure-devops" if azure_devops.is_azure_host(url) else None
    return cfg.forge.type or kind_from_url(url) or azure or "github"


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
    if chosen == "azure-devops":
        return azure_devops.AzureDevOps.connect(cfg.forge, url, environ)
    if chosen == "bitbucket-cloud":
        bitbucket_cloud.refuse_auto_merge(_auto_merge(cfg))
        return bitbucket_cloud.BitbucketCloud.connect(cfg.forge, url, environ)
    if chosen == "bitbucket-data-center":
        return bitbucket_dc.BitbucketDataCenter.connect(cfg.forge, url, environ)
    github_cfg = _github_settings(cfg)
    repository = github_cfg.repository or repository_from_url(url, github_cfg.api_url)
    if repository is None:
        raise UsageError(
            f"cannot tell the GitHub repository of {url}",
            hint="set github.repository (owner/name) in gitops-bot.yaml; on GitLab, Gitea or "
            "Forgejo set forge: {type: gitlab|gitea|forgejo, api_url: ...}",
        )
    return GitHub.connect(github_cfg, repository, environ)


def _auto_merge(cfg: ForgeSettings) -> str | None:
    """``pull_request.auto_merge`` of a whole configuration (choosing a forge needs only
    ``github`` and ``forge``; a configuration without ``pull_request`` asks for none)."""
    auto = getattr(getattr(cfg, "pull_request", None), "auto_merge", None)
    return auto if isinstance(auto, str) else None


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
    elif chosen == "azure-devops":
        return _azure_git_secret(cfg, url, forge.git_token)
    elif chosen == "bitbucket-cloud":
        # git goes to bitbucket.org, the API to api.bitbucket.org (or the server tests name)
        bb = cfg.forge.api_url
        public = bb is None or Origin.of(bb) == Origin.of(bitbucket_cloud.API)
        where = bitbucket_cloud.WEB if public else bb
    elif chosen == "bitbucket-data-center":
        where = bitbucket_dc.locate(cfg.forge, url).server
    else:
        where = cfg.forge.api_url or remote_server(url)
    return Secret.for_urls(forge.git_token, [where], f"the {chosen} token")


def _azure_git_secret(cfg: ForgeSettings, url: str, token: str) -> Secret:
    """The server the repository is on, and an https remote of the cloud service itself
    ({org}.visualstudio.com is dev.azure.com under its old name); never another host."""
    server = azure_devops.locate(cfg.forge, url).server
    cloud_remote = url if url.startswith("https://") and azure_devops.is_azure_host(url) else None
    return Secret.for_urls(token, [server, cloud_remote], "the Azure DevOps token")


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
        *_azure_candidates(url, environ),
        *_bitbucket_candidates(environ),
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


def _bitbucket_candidates(environ: Mapping[str, str]) -> list[tuple[str, str, list[str | None]]]:
    """BITBUCKET_TOKEN for bitbucket.org (an access token, git user ``x-token-auth``) and for
    the Data Center server BITBUCKET_SERVER_URL names (as Data Center's git takes it); a user's
    API token or app password (git user BITBUCKET_USERNAME) for bitbucket.org."""
    cloud: list[str | None] = [bitbucket_cloud.WEB]
    token = bitbucket_cloud.TOKEN_ENV
    out = [
        (token, bitbucket_cloud.ACCESS_TOKEN_USER, cloud),
        (token, bitbucket_dc.git_user(environ), [environ.get(bitbucket_dc.SERVER_ENV)]),
    ]
    user = environ.get(bitbucket_cloud.USER_ENV)
    if user:
        out += [
            (name, user, cloud) for name in (bitbucket_cloud.API_TOKEN_ENV, bitbucket_cloud.APP_PASSWORD_ENV)
        ]
    return out


def _azure_candidates(url: str, environ: Mapping[str, str]) -> list[tuple[str, str, list[str | None]]]:
    """AZURE_DEVOPS_TOKEN for the cloud service (dev.azure.com, and this remote when it is an
    {org}.visualstudio.com one) and the server the pipeline names; SYSTEM_ACCESSTOKEN only for
    the server the pipeline names (SYSTEM_COLLECTIONURI): it issued that token."""
    cloud: list[str | None] = [azure_devops.CLOUD]
    if url.startswith("https://") and azure_devops.is_azure_host(url):
        cloud.append(url)
    pipeline = azure_devops.pipeline_server(environ)
    user = azure_devops.AzureDevOps.git_user
    return [
        (azure_devops.TOKEN_ENV, user, [*cloud, pipeline]),
        (azure_devops.PIPELINE_TOKEN_ENV, user, [pipeline]),
    ]
