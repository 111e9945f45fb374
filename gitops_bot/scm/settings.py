"""The scm package's settings: the GitHub API and the forge change requests go to.

``config`` reads them from ``github:`` and ``forge:``; this package never imports ``config``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

FORGES = ("github", "gitlab", "gitea", "forgejo", "azure-devops", "bitbucket-cloud", "bitbucket-data-center")


@dataclass(frozen=True)
class GitHubConfig:
    repository: str | None = None  # owner/name; None: from the origin URL
    api_url: str = "https://api.github.com"
    token_env: str = "GITHUB_TOKEN"
    app_id_env: str = "GITHUB_APP_ID"
    app_key_env: str = "GITHUB_APP_PRIVATE_KEY"
    write_interval: float = 1.0  # seconds between write requests (GitHub's guidance)


@dataclass(frozen=True)
class ForgeConfig:
    """Where change requests go when the remote's host does not say (docs/concepts/forges.md)."""

    type: str | None = None  # one of FORGES; None: from the remote
    # https://git.example.com/api/v4 (GitLab), .../api/v1 (Gitea), the server (Bitbucket DC)
    api_url: str | None = None
    # GitLab group/sub/project or id, Gitea owner/name, Bitbucket workspace/repo or PROJECT/repo
    repository: str | None = None
    token_env: str | None = None  # None: GITLAB_TOKEN (CI_JOB_TOKEN), GITEA_TOKEN (FORGEJO_TOKEN)
    # Azure DevOps: reviewers are added as required (True) or optional (False) reviewers
    required_reviewers: bool = False


class ForgeSettings(Protocol):
    """What choosing a forge needs of a whole configuration (``config.Config`` is one)."""

    @property
    def github(self) -> GitHubConfig: ...

    @property
    def forge(self) -> ForgeConfig: ...


@dataclass(frozen=True)
class SourceConfig:
    """Where an image's source lives when its OCI labels do not say (docs/concepts/release-contents.md):
    ``repository`` stands in for ``org.opencontainers.image.source``, and ``revision_from_tag``
    (a regular expression with a ``sha`` group) reads the commit from the tag when
    ``org.opencontainers.image.revision`` is missing."""

    repository: str | None = None
    revision_from_tag: str | None = None
