"""Which source URLs the Azure DevOps and Bitbucket comparisons recognise (the forms an OCI
``org.opencontainers.image.source`` label or ``source.repository`` carries), where each is
asked, and that a URL they do not recognise, or one that would walk the API's path, is one
line with no request sent; a commit list that never ends is read to the page cap only, and says so."""

from __future__ import annotations

import httpx
import pytest

from gitops_bot.core.secret import Origin, Secret
from gitops_bot.forges import compare_kit as compare
from gitops_bot.forges.azure_devops import compare as azure_compare
from gitops_bot.forges.bitbucket_dc import compare as dc_compare
from gitops_bot.forges.compare_kit import CompareUnavailable
from gitops_bot.forges.sources import Sources, hosts_for

BASE, HEAD = "a" * 40, "b" * 40


@pytest.mark.parametrize(
    ("url", "server", "project", "slug"),
    [
        ("https://bb.example.com/projects/ACME/repos/app", "https://bb.example.com", "ACME", "app"),
        ("https://bb.example.com/projects/ACME/repos/app/browse", "https://bb.example.com", "ACME", "app"),
        (
            "https://bb.example.com/bitbucket/projects/ACME/repos/app/browse?at=main",
            "https://bb.example.com/bitbucket",
            "ACME",
            "app",
        ),
        ("https://bb.example.com/scm/acme/app.git", "https://bb.example.com", "acme", "app"),
        ("https://me@bb.example.com/context/scm/~me/app.git", "https://bb.example.com/context", "~me", "app"),
    ],
)
def test_data_center_source_urls_name_server_project_and_repository(
    url: str, server: str, project: str, slug: str
) -> None:
    found = dc_compare.remote_of(url)
    assert found is not None and (found.server, found.project, found.slug) == (server, project, slug)


@pytest.mark.parametrize(
    "url",
    ["https://bb.example.com/acme/app", "https://bb.example.com/projects/ACME", "https://bb.example.com/"],
)
def test_a_url_that_is_no_data_center_repository_is_not_recognised(url: str) -> None:
    assert dc_compare.remote_of(url) is None


@pytest.mark.parametrize(
    "url",
    [
        "https://dev.azure.com/acme/Web%20Site/_git/app",
        "https://acme@dev.azure.com/acme/Web%20Site/_git/app",
        "https://acme.visualstudio.com/Web%20Site/_git/app",
        "https://acme.visualstudio.com/DefaultCollection/Web%20Site/_git/app",
    ],
)
def test_azure_devops_cloud_urls_are_all_asked_of_dev_azure_com(url: str) -> None:
    web = Origin.of(url)
    assert web is not None
    assert azure_compare.web_origin(url, web) == Origin.of("https://dev.azure.com")


def _refusing() -> httpx.MockTransport:
    def handler(request: httpx.Request) -> httpx.Response:
        raise AssertionError(f"no request expected, got {request.url}")

    return httpx.MockTransport(handler)


@pytest.mark.parametrize(
    ("kind", "api", "url", "said"),
    [
        (
            "azure-devops",
            "https://ado.example.com",
            "https://ado.example.com/acme/app",
            "not an Azure Repos URL",
        ),
        (
            "azure-devops",
            "https://ado.example.com",
            "https://ado.example.com/c/../_git/app",
            "not an Azure Repos URL",
        ),
        (
            "bitbucket-data-center",
            "https://bb.example.com",
            "https://bb.example.com/acme/app",
            "not a Bitbucket Data",
        ),
        (
            "bitbucket-data-center",
            "https://bb.example.com",
            "https://bb.example.com/projects/../repos/app",
            "not a Bitbucket Data",
        ),
        (
            "bitbucket-cloud",
            "https://api.bitbucket.org/2.0",
            "https://bitbucket.org/acme/app/src",
            "not a repository URL",
        ),
    ],
)
def test_an_unrecognised_source_url_is_one_line_and_nothing_is_asked(
    kind: str, api: str, url: str, said: str
) -> None:
    token = Secret.for_urls("secret-token-value", [api])
    sources = Sources(hosts_for(kind, api, None, token), transport=_refusing())
    with pytest.raises(CompareUnavailable, match=said):
        sources.compare(url, BASE, HEAD)


def test_a_commit_list_that_never_ends_is_read_to_the_page_cap_only() -> None:
    """A hostile (or broken) Bitbucket naming a next page forever with nothing on it."""
    asked: list[str] = []

    def handler(request: httpx.Request) -> httpx.Response:
        asked.append(str(request.url))
        nxt = f"https://api.bitbucket.org/2.0/repositories/acme/app/commits?page={len(asked) + 1}"
        return httpx.Response(200, json={"values": [], "next": nxt})

    sources = Sources(hosts_for("bitbucket-cloud", None, None, None), transport=httpx.MockTransport(handler))
    with pytest.raises(CompareUnavailable, match=f"did not end within {compare.MAX_PAGES} pages"):
        sources.compare("https://bitbucket.org/acme/app", BASE, HEAD)
    assert len(asked) == compare.MAX_PAGES
