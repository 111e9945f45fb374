"""The forges package's settings: the GitHub API and the forge change requests go to.

``config`` reads them from ``github:`` and ``forge:``; this package never imports ``config``.
"""

from __future__ import annotations

import re
from typing import Protocol

from gitops_bot.core.record import record
from gitops_bot.core.settings import COMPILES, URL, between, holds, matches, one_of, setting

FORGES = ("github", "gitlab", "gitea", "forgejo", "azure-devops", "bitbucket-cloud", "bitbucket-data-center")


@record
class GitHubConfig:
    """The ``github:`` section: the repository and the API it is reached at."""

    repository: str | None = setting(
        None,
        "The GitOps repository on GitHub, owner/name (default: from the remote's URL).",
        rules=(matches(r"^[\w.-]+/[\w.-]+$", "github repository {value!r} must be owner/name"),),
    )
    api_url: str = setting(
        "https://api.github.com",
        "GitHub's API; GitHub Enterprise Server: https://HOST/api/v3.",
        rules=(
            matches(
                "^https?://",
                "github api_url {value!r} must be a URL (GitHub Enterprise: https://HOST/api/v3)",
            ),
        ),
    )
    token_env: str = setting("GITHUB_TOKEN", "Default GITHUB_TOKEN.")
    app_id_env: str = setting("GITHUB_APP_ID", "Default GITHUB_APP_ID.")
    app_key_env: str = setting("GITHUB_APP_PRIVATE_KEY", "Default GITHUB_APP_PRIVATE_KEY.")
    # seconds between write requests (GitHub's guidance)
    write_interval: float = setting(
        1.0,
        "Seconds between two writes (GitHub's guidance against secondary rate limits).",
        # bounded: each write sleeps it, so 1e6 held an update for days and 1e300 ended it in a
        # traceback (a sleep too long to ask)
        rules=(between(0, 60, "github write_interval must be between 0 and 60 seconds"),),
    )


def _forge_repository_problem(repo: str | int) -> str | None:
    text = str(repo)
    # an Azure DevOps project name may hold spaces ("Web Site"), inside a segment; a Bitbucket
    # Data Center personal repository's project is ~USER
    segment = r"[\w.-]+(?: [\w.-]+)*"
    return None if ".." not in text and re.match(rf"^(?:\d+|~?{segment}(?:/{segment})+)$", text) else ""


@record
class ForgeConfig:
    """Where change requests go when the remote's host does not say (docs/concepts/forges.md)."""

    # None: from the remote
    type: str | None = setting(
        None,
        "The forge, when the remote's host does not say: " + ", ".join(FORGES) + ".",
        rules=(one_of(FORGES, f"forge type {{value!r}} is unknown; use one of {', '.join(FORGES)}"),),
    )
    # https://git.example.com/api/v4 (GitLab), .../api/v1 (Gitea), the server (Bitbucket DC)
    api_url: str | None = setting(
        None,
        "The forge's API: https://git.example.com/api/v4 (GitLab), .../api/v1 (Gitea, Forgejo), the "
        "server (Bitbucket Data Center); default: from the remote's host.",
        rules=(matches(URL, "forge api_url {value!r} must be a URL, e.g. https://git.example.com/api/v4"),),
    )
    # GitLab group/sub/project or id (read as a string or an integer), Gitea owner/name,
    # Bitbucket workspace/repository (Cloud) or PROJECT/repository (Data Center)
    repository: str | None = setting(
        None,
        "owner/name, group/sub/project, a GitLab project id, Azure DevOps' "
        "organization/project/repository, or Bitbucket's workspace/repository (Cloud) or "
        "PROJECT/repository (Data Center).",
        rules=(
            holds(
                _forge_repository_problem, "forge repository {text!r} must be owner/name or group/sub/project"
            ),
        ),
    )
    token_env: str | None = setting(
        None,
        "The variable holding the forge's token (default: the forge's own, e.g. GITLAB_TOKEN or "
        "CI_JOB_TOKEN, GITEA_TOKEN or FORGEJO_TOKEN).",
    )
    # Azure DevOps: reviewers are added as required (True) or optional (False) reviewers
    required_reviewers: bool = setting(
        False, "Azure DevOps: add pull_request reviewers as required reviewers (false: optional)."
    )


class ForgeSettings(Protocol):
    """What choosing a forge needs of a whole configuration (``config.Config`` is one)."""

    @property
    def github(self) -> GitHubConfig: ...

    @property
    def forge(self) -> ForgeConfig: ...


@record
class SourceConfig:
    """Where an image's source lives when its OCI labels do not say (docs/concepts/release-contents.md):
    ``repository`` stands in for ``org.opencontainers.image.source``, and ``revision_from_tag``
    (a regular expression with a ``sha`` group) reads the commit from the tag when
    ``org.opencontainers.image.revision`` is missing."""

    repository: str | None = setting(
        None,
        "The source repository's web URL, when the image has no org.opencontainers.image.source label.",
        rules=(
            matches(
                r"^https?://[^/\s]+/[^\s]+$",
                "'repository' {value!r} of {what} must be the source's web URL (https://host/owner/name)",
            ),
        ),
    )
    revision_from_tag: str | None = setting(
        None,
        "A regular expression with a (?P<sha>...) group reading the commit from the tag, "
        "when the image has no org.opencontainers.image.revision label.",
        rules=(COMPILES,),
    )
