"""Bitbucket servers that page without end: the adapters read at most ``MAX_PAGES`` pages of a
list, and a list longer than that is a failure said in one line, never a silently shortened
list (a pull request on a page not read would look absent: opened again, or left open when it
should be closed). Against the local fakes held to Atlassian's published descriptions."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest

from gitops_bot.core.errors import ForgeError, ForgeUnavailable
from gitops_bot.forges.bitbucket_cloud import adapter as bitbucket_cloud
from gitops_bot.forges.bitbucket_dc import adapter as bitbucket_dc
from gitops_bot.forges.settings import ForgeConfig
from testkit.bitbucket_cloud_server import FakeBitbucketCloud
from testkit.bitbucket_dc_server import FakeBitbucketDataCenter, error
from testkit.forge_repo import remote_with_branch
from testkit.forge_server import stored_pull

BRANCH = "gitops-bot/staging/app"


@pytest.fixture
def remote(tmp_path: Path) -> Path:
    return remote_with_branch(tmp_path, BRANCH)


def test_cloud_open_pull_requests_beyond_the_page_bound_fail_rather_than_go_missing(
    remote: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(bitbucket_cloud, "MAX_PAGES", 2)
    with FakeBitbucketCloud(remote) as server:
        for n in range(1, 121):  # 50 a page: the bot's own is on the third
            branch = BRANCH if n == 120 else f"feature/{n}"
            server.pulls.append(stored_pull(n, branch, close_source_branch=True, closed_by=None))
        cfg = ForgeConfig(type="bitbucket-cloud", api_url=f"{server.url}/2.0")
        bb = bitbucket_cloud.BitbucketCloud.connect(
            cfg, "https://bitbucket.org/acme/gitops.git", {"BITBUCKET_TOKEN": server.token}
        )
        with pytest.raises(ForgeUnavailable, match="more than 2 pages") as caught:
            bb.open_pulls("gitops-bot")
        assert "\n" not in str(caught.value) and server.token not in str(caught.value)
        assert len([r for r in server.requests if r.method == "GET"]) == 2


def test_data_center_open_pull_requests_beyond_the_page_bound_fail_rather_than_go_missing(
    remote: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(bitbucket_dc, "MAX_PAGES", 2)
    with FakeBitbucketDataCenter(remote) as server:
        for n in range(1, 251):  # 100 a page: the bot's own is on the third
            branch = BRANCH if n == 250 else f"feature/{n}"
            server.pulls.append(stored_pull(n, branch, version=0, auto_merge=None))
        cfg = ForgeConfig(type="bitbucket-data-center", api_url=server.url, repository="ACME/gitops")
        bb = bitbucket_dc.BitbucketDataCenter.connect(
            cfg, f"{server.url}/scm/acme/gitops.git", {"BITBUCKET_TOKEN": server.token}
        )
        with pytest.raises(ForgeUnavailable, match="more than 2 pages") as caught:
            bb.open_pulls("gitops-bot")
        assert "\n" not in str(caught.value) and server.token not in str(caught.value)
        assert len([r for r in server.requests if r.method == "GET"]) == 2


def test_a_list_within_the_bound_is_read_whole(remote: Path) -> None:
    with FakeBitbucketCloud(remote) as server:
        for n in range(1, 121):
            server.pulls.append(
                stored_pull(
                    n, BRANCH if n == 120 else f"feature/{n}", close_source_branch=True, closed_by=None
                )
            )
        cfg = ForgeConfig(type="bitbucket-cloud", api_url=f"{server.url}/2.0")
        bb = bitbucket_cloud.BitbucketCloud.connect(
            cfg, "https://bitbucket.org/acme/gitops.git", {"BITBUCKET_TOKEN": server.token}
        )
        assert list(bb.open_pulls("gitops-bot")) == [BRANCH]


@pytest.mark.parametrize("dots", ["..", "%2e%2e", "%2E."])
def test_a_next_page_climbing_out_of_the_api_with_dot_segments_is_never_followed(
    remote: Path, dots: str
) -> None:
    """``/2.0/../elsewhere/...`` starts with the API's path as written, but the request goes to
    ``/elsewhere/...``, outside the API, with the token: the link is judged as it will be sent."""
    with FakeBitbucketCloud(remote) as server:
        server.next_origin = f"{server.url}/2.0/{dots}/elsewhere"
        for n in range(1, 61):
            server.pulls.append(stored_pull(n, f"feature/{n}", close_source_branch=True, closed_by=None))
        cfg = ForgeConfig(type="bitbucket-cloud", api_url=f"{server.url}/2.0")
        bb = bitbucket_cloud.BitbucketCloud.connect(
            cfg, "https://bitbucket.org/acme/gitops.git", {"BITBUCKET_TOKEN": server.token}
        )
        with pytest.raises(ForgeUnavailable):
            bb.open_pulls("gitops-bot")
        assert [r.path for r in server.requests if "elsewhere" in r.path] == []


def test_an_error_body_echoing_the_token_reaches_the_message_redacted(remote: Path) -> None:
    with FakeBitbucketDataCenter(remote) as server:
        server.fail[r"GET .*/pull-requests"] = error(
            400, f"bad header Authorization: Bearer {server.token}\nsecond line", "rest.RestException"
        )
        cfg = ForgeConfig(type="bitbucket-data-center", api_url=server.url, repository="ACME/gitops")
        bb = bitbucket_dc.BitbucketDataCenter.connect(
            cfg, f"{server.url}/scm/acme/gitops.git", {"BITBUCKET_TOKEN": server.token}
        )
        with pytest.raises(ForgeError) as caught:
            bb.open_pulls("gitops-bot")
        assert server.token not in str(caught.value) and "\n" not in str(caught.value)
        assert "HTTP 400" in str(caught.value)


@pytest.mark.parametrize(
    "remote_url",
    ["http://bb.example.com/scm/acme/gitops.git", "http://bb.example.com/ctx/scm/acme/gitops.git"],
)
def test_a_data_center_token_never_goes_over_plain_http_to_a_server_named_by_an_http_remote(
    remote_url: str,
) -> None:
    """Without forge.api_url the server is read from the remote; a plain-http clone URL must
    not put the Bearer token on the wire in clear (the other forges take https for it too)."""
    sent: list[httpx.Request] = []

    def answer(request: httpx.Request) -> httpx.Response:
        sent.append(request)
        return httpx.Response(
            200, json={"size": 0, "limit": 100, "isLastPage": True, "start": 0, "values": []}
        )

    bb = bitbucket_dc.BitbucketDataCenter.connect(
        ForgeConfig(type="bitbucket-data-center"),
        remote_url,
        {"BITBUCKET_TOKEN": "bb_dc_token_0123456789"},
        transport=httpx.MockTransport(answer),
    )
    assert bb.open_pulls("gitops-bot") == {}
    assert [r.url.scheme for r in sent] == ["https"]
    assert all("authorization" in r.headers for r in sent)
