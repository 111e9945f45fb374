"""Which forge a repository lives on, and its adapter: the registry of forges (:data:`ENTRIES`,
one :class:`~gitops_bot.forges.forge.ForgeEntry` per forge package), and the rules for which
host a forge token may go to — kept together here, where they are reviewed as one.

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

In a fleet of several repositories (:mod:`gitops_bot.commands.fleet`), a token the forge reads
by default (no ``token_env`` written, e.g. ``GITHUB_TOKEN``) was not given to any one
repository: whoever writes one repository's config must not send it to a host of their
choosing with ``api_url`` or a remote on their own server. Unless the repository's entry
lists it, such a variable is bound to the hosts the operator's environment names for it (the
same as the first fetch's), and a config pointing the forge elsewhere is refused
(:func:`check_fleet_defaults`).
"""

from __future__ import annotations

from collections.abc import Mapping

from gitops_bot.core.errors import UsageError
from gitops_bot.core.log import redact
from gitops_bot.core.secret import EnvView, Origin, Secret, origins
from gitops_bot.forges.azure_devops import adapter as azure_devops
from gitops_bot.forges.azure_devops import entry as azure_entry
from gitops_bot.forges.bitbucket_cloud import adapter as bitbucket_cloud
from gitops_bot.forges.bitbucket_cloud import entry as bitbucket_cloud_entry
from gitops_bot.forges.bitbucket_dc import adapter as bitbucket_dc
from gitops_bot.forges.bitbucket_dc import entry as bitbucket_dc_entry
from gitops_bot.forges.forge import KNOWN_HOSTS, Forge, ForgeEntry, MergeSubject, kind_from_url, remote_server
from gitops_bot.forges.gitea import adapter as gitea
from gitops_bot.forges.gitea import entry as gitea_entry
from gitops_bot.forges.github import entry as github_entry
from gitops_bot.forges.gitlab import entry as gitlab_entry
from gitops_bot.forges.settings import ForgeSettings


def kind(cfg: ForgeSettings, url: str) -> str:
    azure = "azure-devops" if azure_devops.is_azure_host(url) else None
    return cfg.forge.type or kind_from_url(url) or azure or "github"


DEFAULT_GIT_USER = "x-access-token"  # GitHub's, for a fetch no token goes with

ENTRIES: tuple[ForgeEntry, ...] = (
    github_entry.ENTRY,
    gitea_entry.ENTRY,
    gitlab_entry.ENTRY,
    azure_entry.ENTRY,
    bitbucket_cloud_entry.ENTRY,
    bitbucket_dc_entry.ENTRY,
)
"""Every forge the bot speaks, one line each: adding a forge is its folder and a line here."""

FORGES: dict[str, ForgeEntry] = {name: e for e in ENTRIES for name in e.names}


def entry(kind_name: str) -> ForgeEntry:
    """The forge a ``forge: type`` (or a host's kind) names; GitHub for a name it does not know
    (the configuration's schema refuses those before a run gets here)."""
    return FORGES.get(kind_name, github_entry.ENTRY)


def merge_subjects() -> tuple[MergeSubject, ...]:
    """How every forge's merges name the change request they merged, in the registry's order:
    a GitOps repository's history may hold merges made on any of them (a migration)."""
    return tuple(m for e in ENTRIES for m in e.merge_subjects)


def with_issues() -> tuple[str, ...]:
    """The ``forge: type`` names of the forges that keep an issue board (the dashboard)."""
    return tuple(name for e in ENTRIES if e.issues for name in e.names)


def connect(cfg: ForgeSettings, url: str, environ: Mapping[str, str]) -> Forge:
    """The adapter of the forge the repository is on (:func:`kind`), once the fleet's token
    rules allow it; each forge's entry imports its client library only when called."""
    chosen = kind(cfg, url)
    check_fleet_defaults(cfg, url, environ)
    return entry(chosen).connect(cfg, url, environ)


def git_secret(cfg: ForgeSettings, url: str, forge: Forge) -> Secret | None:
    """The forge's git token, bound to the forge's own host (None when it has none)."""
    if not forge.git_token:
        return None
    chosen = kind(cfg, url)
    if chosen == "azure-devops":
        return _azure_git_secret(cfg, url, forge.git_token)
    return Secret.for_urls(forge.git_token, _git_hosts(cfg, url, chosen), f"the {chosen} token")


def _git_hosts(cfg: ForgeSettings, url: str, chosen: str) -> list[str | None]:
    """The host(s) git sends the forge's token to."""
    where: str | None
    if chosen == "github":
        api = github_entry.settings(cfg).api_url
        where = "https://github.com" if Origin.of(api) == Origin.of("https://api.github.com") else api
    elif chosen == "gitlab":
        lab = cfg.forge.api_url
        where = lab.removesuffix("/").removesuffix("/api/v4") if lab else remote_server(url)
    elif chosen == "azure-devops":
        return _azure_hosts(cfg, url)
    elif chosen == "bitbucket-cloud":
        # git goes to bitbucket.org, the API to api.bitbucket.org (or the server tests name)
        bb = cfg.forge.api_url
        public = bb is None or Origin.of(bb) == Origin.of(bitbucket_cloud.API)
        where = bitbucket_cloud.WEB if public else bb
    elif chosen == "bitbucket-data-center":
        where = bitbucket_dc.locate(cfg.forge, url).server
    else:
        where = cfg.forge.api_url or remote_server(url)
    return [where]


def _azure_git_secret(cfg: ForgeSettings, url: str, token: str) -> Secret:
    """The server the repository is on, and an https remote of the cloud service itself
    ({org}.visualstudio.com is dev.azure.com under its old name); never another host."""
    return Secret.for_urls(token, _azure_hosts(cfg, url), "the Azure DevOps token")


def _azure_hosts(cfg: ForgeSettings, url: str) -> list[str | None]:
    server = azure_devops.locate(cfg.forge, url).server
    cloud_remote = url if url.startswith("https://") and azure_devops.is_azure_host(url) else None
    return [server, cloud_remote]


def _default_reads(cfg: ForgeSettings, chosen: str) -> list[str]:
    """The environment variables the forge's adapter reads a secret from, as the config has it
    (a written ``token_env``, else the forge's defaults). The pipeline's own tokens
    (SYSTEM_ACCESSTOKEN, Gitea Actions' GITHUB_TOKEN) are left out: the adapters use them only
    for the server the pipeline names."""
    if chosen == "github":
        gh = github_entry.settings(cfg)
        return [gh.token_env, gh.app_key_env]
    written = cfg.forge.token_env
    if written:
        return [written]
    return {
        "gitlab": ["GITLAB_TOKEN", "CI_JOB_TOKEN"],
        "gitea": list(gitea.TOKEN_ENVS),
        "forgejo": list(gitea.TOKEN_ENVS),
        "azure-devops": [azure_devops.TOKEN_ENV],
        "bitbucket-cloud": [
            bitbucket_cloud.TOKEN_ENV,
            bitbucket_cloud.API_TOKEN_ENV,
            bitbucket_cloud.APP_PASSWORD_ENV,
        ],
        "bitbucket-data-center": [bitbucket_dc.TOKEN_ENV],
    }.get(chosen, [])


def _api_hosts(cfg: ForgeSettings, chosen: str) -> list[str | None]:
    """Where the forge's API client sends the token, besides git's host(s)."""
    if chosen == "github":
        return [github_entry.settings(cfg).api_url]
    return [cfg.forge.api_url]


def _named_hosts(name: str, url: str, environ: Mapping[str, str]) -> list[str | None]:
    """The hosts the operator's environment names for a variable: its forge's public host(s)
    (and API host) and the server the CI platform names, as for the first fetch."""
    hosts = [h for n, _user, listed in _candidates(url, environ) if n == name for h in listed]
    if name in ("GITHUB_TOKEN", "GITHUB_APP_PRIVATE_KEY"):
        github = ["https://github.com", environ.get("GITHUB_SERVER_URL")]
        hosts += [*github, "https://api.github.com", environ.get("GITHUB_API_URL")]
    if name in (bitbucket_cloud.TOKEN_ENV, bitbucket_cloud.API_TOKEN_ENV, bitbucket_cloud.APP_PASSWORD_ENV):
        hosts += [bitbucket_cloud.WEB, bitbucket_cloud.API]
    return hosts


def check_fleet_defaults(cfg: ForgeSettings, url: str, environ: Mapping[str, str]) -> None:
    """In a fleet of several (``environ`` an :class:`EnvView` with ``allowed``), refuse a config
    that would send a variable its entry does not list (one the forge reads by default) to a
    host the operator's environment does not name for it. One repository: nothing to check."""
    allowed = environ.allowed if isinstance(environ, EnvView) else None
    if allowed is None:
        return
    chosen = kind(cfg, url)
    sends_to = origins([*_git_hosts(cfg, url, chosen), *_api_hosts(cfg, chosen)])
    for name in _default_reads(cfg, chosen):
        if name in allowed or not environ.get(name):
            continue
        elsewhere = sorted(sends_to - origins(_named_hosts(name, url, environ)))
        if elsewhere:
            raise UsageError(
                f"the config of {redact(url)} points the {chosen} forge at {elsewhere[0]}, which "
                f"the environment does not name for {name}; a repository of a fleet may send it "
                "only to the hosts the operator named",
                hint=f"list {name} under this repository's 'env:' in the repositories file "
                "(or set token_env to a variable listed there)",
            )


def _public(kind_name: str) -> list[str]:
    return [f"https://{host}" for host, k in KNOWN_HOSTS.items() if k == kind_name]


def first_fetch_credentials(url: str, environ: Mapping[str, str]) -> tuple[Secret | None, str]:
    """(token, git user) for the fetch that reads the config, before the forge is known for
    sure: a forge token set in the environment, bound to its forge's public host and to the
    server the CI platform names; the first whose binding covers ``url`` (GitHub's first, as
    before). A host no one named gets no token."""
    candidates = _candidates(url, environ)
    known = kind_from_url(url)
    if known in ("gitea", "forgejo"):  # a Gitea token first on Codeberg, as the forge would choose
        candidates = candidates[3:] + candidates[:3]
    for name, user, hosts in candidates:
        if environ.get(name):
            secret = Secret.for_urls(environ[name], hosts, f"${name}")
            if secret.allows(url):
                return secret, user
    return None, DEFAULT_GIT_USER


def first_fetch_with_app(url: str, environ: Mapping[str, str]) -> tuple[Secret | None, str]:
    """:func:`first_fetch_credentials`, else on GitHub (or a host nobody knows) a GitHub App
    from the default variables (``GITHUB_APP_ID`` + ``GITHUB_APP_PRIVATE_KEY``)."""
    token, user = first_fetch_credentials(url, environ)
    if token is None and kind_from_url(url) in (None, "github"):
        found = github_entry.app_credentials(url, environ)
        if found is not None:
            return found
    return token, user


def _candidates(url: str, environ: Mapping[str, str]) -> list[tuple[str, str, list[str | None]]]:
    """(variable, git user, the hosts the environment names for it), GitHub's first."""
    github_hosts = ["https://github.com", environ.get("GITHUB_SERVER_URL")]
    gitlab_hosts = ["https://gitlab.com", environ.get("CI_SERVER_URL")]
    gitea_hosts = [*_public("forgejo"), *_public("gitea"), environ.get("GITHUB_SERVER_URL")]
    return [
        ("GITHUB_TOKEN", "x-access-token", github_hosts),
        ("GITLAB_TOKEN", "oauth2", gitlab_hosts),
        ("CI_JOB_TOKEN", "gitlab-ci-token", gitlab_hosts),
        *((name, gitea.Gitea.git_user, gitea_hosts) for name in gitea.TOKEN_ENVS),
        *_azure_candidates(url, environ),
        *_bitbucket_candidates(environ),
    ]


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
