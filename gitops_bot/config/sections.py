"""The sections beside images and environments: ``registries``, ``git``, ``pull_request``,
``github`` and ``forge`` (``argocd`` and ``metrics``, which fewer files write, are read by
:mod:`.argocd` and :mod:`.metrics`). Their keys are declared once, on the settings
dataclasses (:mod:`gitops_bot.core.settings`); each section here adds how its keys are built
into the settings and what spans them."""

from __future__ import annotations

from typing import TYPE_CHECKING

from gitops_bot.config.kinds import MapOf, Nested, Scalar, Value, imported, section_of
from gitops_bot.config.settings import GitConfig, PullRequestConfig
from gitops_bot.config.spec import Values, url_host
from gitops_bot.core.model import Grouping, SigningMethod, normalise_host
from gitops_bot.core.secret import is_loopback_host, metadata_host
from gitops_bot.core.settings import URL as URL
from gitops_bot.forges.settings import ForgeConfig, GitHubConfig
from gitops_bot.registry.settings import RegistryConfig

if TYPE_CHECKING:
    pass

SIGNING_METHODS = tuple(m.value for m in SigningMethod)


def _registry(v: Values) -> RegistryConfig:
    host = normalise_host(v.key)
    metadata = metadata_host(url_host("//" + host))
    if metadata is not None:  # its answers are read and its token sent: never the machine's own
        raise v.error(
            v.line,
            f"{v.what} is {metadata}, this machine's cloud metadata service (its credentials): "
            "name the registry's own host",
        )
    mirror = v.node.get("mirror")
    if isinstance(mirror, str):
        mirrored = normalise_host(mirror.split("/", 1)[0])
        if mirrored == host:
            raise v.error(v.line_of("mirror"), f"{v.what}: 'mirror' names the registry itself")
        if (found := metadata_host(url_host("//" + mirrored))) is not None:
            raise v.error(
                v.line_of("mirror"),
                f"{v.what}: 'mirror' is {found}, this machine's cloud metadata service: name a registry",
            )
    if ("username_env" in v.node) != ("password_env" in v.node):
        raise v.error(v.line_of(), f"{v.what} needs both 'username_env' and 'password_env'")
    if v.node.get("tls") is False and not (v.node.get("insecure") or is_loopback_host(host)):
        raise v.error(
            v.line_of("tls"),
            f"{v.what}: plain http needs 'insecure: true' (tokens would cross the network unencrypted)",
        )
    return RegistryConfig(host=host, **v.values)


REGISTRY = section_of(
    RegistryConfig,
    _registry,
    name="registry",
    schema={"dependentRequired": {"username_env": ["password_env"], "password_env": ["username_env"]}},
)
REGISTRIES = MapOf(REGISTRY, "'registries'", "registry {key!r}")


# Imported by name when a file writes 'git: signing' (or the JSON Schema is written): see
# config.trust.
TRUST = "gitops_bot.config.trust"


GIT = section_of(
    GitConfig,
    lambda v: GitConfig(**v.values),
    kinds={"signing": Nested(imported(TRUST, "SIGNING"), "'git: signing'")},
    name="git",
    description="How the bot's commits and branches are made: base branch, author, message, signing.",
)


def _pull_request(v: Values) -> PullRequestConfig:
    auto = {True: "merge", False: None}.get(v["auto_merge"], v["auto_merge"])
    lists = {k: v[k] for k in ("labels", "reviewers", "assignees")}
    return PullRequestConfig(group=Grouping(v["group"]), draft=v["draft"], auto_merge=auto, **lists)


PULL_REQUEST = section_of(
    PullRequestConfig,
    _pull_request,
    kinds={"auto_merge": Value()},
    name="pullRequest",
    description="How the bot's pull requests (merge requests) are opened, on any forge.",
)


GITHUB = section_of(
    GitHubConfig,
    lambda v: GitHubConfig(**(v.values | {"api_url": v["api_url"].rstrip("/")})),
    name="github",
    description="GitHub: the repository, the API (GitHub Enterprise Server), the token or App.",
)


def _forge(v: Values) -> ForgeConfig:
    if v["api_url"] is not None and v["type"] is None:
        raise v.error(v.line_of("api_url"), "forge api_url needs forge type (gitlab, gitea, ...)")
    api_url, repo = v["api_url"], v["repository"]
    return ForgeConfig(
        type=v["type"],
        api_url=api_url.rstrip("/") if api_url else None,
        repository=None if repo is None else str(repo),
        token_env=v["token_env"],
        required_reviewers=v["required_reviewers"],
    )


FORGE = section_of(
    ForgeConfig,
    _forge,
    kinds={"repository": Scalar((str, int))},  # GitLab: a project id too
    name="forge",
    schema={"dependentRequired": {"api_url": ["type"]}},
    description="Where pull requests go when the remote's host does not say (GitLab, Gitea, "
    "Forgejo, Azure DevOps, Bitbucket): docs/concepts/forges.md.",
)
