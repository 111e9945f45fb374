"""Repository URLs of deploy objects that name no repository as written: an example's host or
owner, a token to replace, a value a generator fills; and how init says each."""

from __future__ import annotations

import re

# a documentation host (RFC 2606) or an owner the person is to replace: a template's URL, no
# repository to read nor to run init in
_EXAMPLE_URL = re.compile(
    r"://(?:[\w-]+\.)*example\.(?:com|org|net)\b"
    r"|[/:]your[-_]?(?:org|organi[sz]ation|user(?:name)?|name|account|company|repo|project)\b",
    re.IGNORECASE,
)
EXAMPLE_URL = "a placeholder URL (an example host or owner), not a repository: write the real one there"


def example_url(url: str) -> bool:
    return _EXAMPLE_URL.search(url) is not None


def url_said(kind: str, url: str, where: str) -> str:
    """What a deploy object's repository URL is, where it is no repository to run init in: an
    example's, or one an ApplicationSet's generator fills ({{.values.repoURL}}, a plugin's
    {{ .params.repoURL }}: a URL per generated Application, this repository perhaps one)."""
    if example_url(url):
        return EXAMPLE_URL
    if kind == "ApplicationSet" and "{{" in url:
        return (
            "a URL its generator fills for each Application it generates: where one is this "
            "repository, write the environment it deploys by hand (its path under environments:)"
        )
    return where


# a token written for the URL (a tutorial's __YOUR_PLATFORM_GITOPS_REPO_URL__): a person or a
# setup script replaces it in a copy, so no repository is named to run init in
_TOKEN_URL = re.compile(r"\s*__[A-Za-z][A-Za-z0-9_]*__\s*")
TOKEN_SAID = (
    "a placeholder to replace (by hand or by a tool), not a repository: run init where it is replaced, "
    "or write the real URL there"
)


def token_url(url: str) -> bool:
    return _TOKEN_URL.fullmatch(url) is not None
