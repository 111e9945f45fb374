"""The forge seam's error paths: GitLab and Gitea on the one client, their faults through
httpx.MockTransport (GitHub's planned one by one on the same); the bounded retry on its own;
choosing the forge and its config errors."""

from __future__ import annotations

import json
import re
import socket
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from typing import Any

import httpx
import pytest

from gitops_bot.config import ForgeConfig, parse
from gitops_bot.core.errors import ConfigError, ForgeError, ForgeUnavailable, UsageError
from gitops_bot.forges import forge as forge_mod
from gitops_bot.forges import kit, remotes
from gitops_bot.forges import registry as forges
from gitops_bot.forges.gitea.adapter import Gitea
from gitops_bot.forges.github.adapter import GitHub
from gitops_bot.forges.gitlab.adapter import GitLab
from gitops_bot.forges.remotes import project_path
from testkit.github_responses import REPO, Planned, client, mocked_github

SECRET = "glpat-secret-value-0123456789"
MRS = "https://gitlab.example.com/api/v4/projects/acme%2Fgitops/merge_requests"
GITLAB = ForgeConfig(type="gitlab", api_url="https://gitlab.example.com/api/v4", repository="acme/gitops")
GITEA = ForgeConfig(type="gitea", api_url="https://gitea.example.com/api/v1", repository="acme/gitops")


@pytest.fixture
def waits(monkeypatch: pytest.MonkeyPatch) -> list[float]:
    """The waits the retry asked for, instead of sleeping them."""
    seen: list[float] = []
    monkeypatch.setattr(kit, "_sleep", seen.append)
    return seen


def mr(iid: int, branch: str = "gitops-bot/staging", *, source: int = 1) -> dict:  # type: ignore[type-arg]
    return {
        "iid": iid,
        "project_id": 1,
        "source_project_id": source,
        "target_project_id": 1,
        "title": "Draft: t",
        "description": "b",
        "source_branch": branch,
        "target_branch": "main",
        "web_url": f"https://gitlab.example.com/acme/gitops/-/merge_requests/{iid}",
        "state": "opened",
    }


@pytest.fixture
def rsps(monkeypatch: pytest.MonkeyPatch) -> Iterator[Planned]:
    yield from mocked_github(monkeypatch)


class Scripted:
    """GitLab's side of a conversation, one (method, URL, answer) per request in order; the
    requests seen, and every planned answer given (a request nobody planned for fails)."""

    def __init__(self, *planned: tuple[str, str, httpx.Response]) -> None:
        self.planned = list(planned)
        self.seen: list[httpx.Request] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.seen.append(request)
        assert self.planned, f"unplanned {request.method} {request.url}"
        method, url, answer = self.planned.pop(0)
        asked = request.url.raw_path.decode().split("?")[0]
        assert (request.method, f"{request.url.scheme}://{request.url.host}{asked}") == (method, url)
        return answer

    def body(self, n: int) -> Any:
        return json.loads(self.seen[n].content or b"{}")


def gitlab(
    handler: Callable[[httpx.Request], httpx.Response], environ: dict[str, str] | None = None
) -> GitLab:
    return GitLab.connect(
        GITLAB, "file:///x", environ or {"GITLAB_TOKEN": SECRET}, transport=httpx.MockTransport(handler)
    )


# -- GitLab ------------------------------------------------------------------------------


def test_gitlab_rate_limit_is_waited_out_then_only_own_branches_are_listed(waits: list[float]) -> None:
    limited = httpx.Response(429, json={"message": "Too Many Requests"}, headers={"Retry-After": "7"})
    listed = [mr(1), mr(2, "feature/x"), mr(3, "gitops-bot/dev", source=9)]
    lab = Scripted(("GET", MRS, limited), ("GET", MRS, httpx.Response(200, json=listed)))
    found = gitlab(lab).open_pulls("gitops-bot")
    assert list(found) == ["gitops-bot/staging"] and waits == [7.0]
    assert found["gitops-bot/staging"].title == "t"  # the draft marker is not the bot's title
    assert lab.seen[0].headers["PRIVATE-TOKEN"] == SECRET and "Authorization" not in lab.seen[0].headers
    assert lab.seen[1].url.params["state"] == "opened" and lab.seen[1].url.params["per_page"] == "100"


def test_gitlab_5xx_is_retried_within_the_bound_then_exit_3(waits: list[float]) -> None:
    lab = Scripted(*[("GET", MRS, httpx.Response(502, text="bad gateway"))] * kit.ATTEMPTS)
    with pytest.raises(ForgeUnavailable) as exc:
        gitlab(lab).open_pulls("gitops-bot")
    assert exc.value.exit_code == 3 and "GitLab unavailable (HTTP 502)" in str(exc.value)
    assert len(waits) == kit.ATTEMPTS - 1 and lab.planned == []


def test_gitlab_retry_after_beyond_two_minutes_is_not_waited(waits: list[float]) -> None:
    slow = httpx.Response(429, json={"message": "slow down"}, headers={"Retry-After": "3600"})
    with pytest.raises(ForgeUnavailable, match="rate limit exhausted"):
        gitlab(Scripted(("GET", MRS, slow))).open_pulls("gitops-bot")
    assert waits == []


@pytest.mark.parametrize(
    ("status", "code", "hint"),
    [
        (401, 3, "GITLAB_TOKEN"),
        (403, 3, "api and write_repository"),
        (404, 3, "forge.repository"),
        (422, 3, ""),
    ],
)
def test_gitlab_refusals_are_one_line_with_an_exit_code(status: int, code: int, hint: str) -> None:
    refused = httpx.Response(status, json={"message": f"{status} refused {SECRET}"})
    with pytest.raises(ForgeError) as exc:
        gitlab(Scripted(("GET", MRS, refused))).open_pulls("gitops-bot")
    text = str(exc.value)
    assert exc.value.exit_code == code and f"HTTP {status}" in text and hint in text
    assert SECRET not in text and "\n" not in text


def test_gitlab_409_on_create_updates_the_request_another_run_opened() -> None:
    lab = Scripted(
        ("POST", MRS, httpx.Response(409, json={"message": ["Another open merge request already exists"]})),
        ("GET", MRS, httpx.Response(200, json=[mr(4)])),
        (
            "PUT",
            f"{MRS}/4",
            httpx.Response(200, json={**mr(4), "title": "Draft: new", "description": "body"}),
        ),
    )
    pr = gitlab(lab).create("gitops-bot/staging", "main", "new", "body", draft=False)
    assert pr.number == 4 and pr.title == "new"
    assert lab.body(2)["title"] == "Draft: new"  # stays a draft
    assert lab.body(0)["remove_source_branch"] is True and lab.planned == []


def test_gitlab_unknown_reviewer_and_refused_label_are_warnings() -> None:
    api = "https://gitlab.example.com/api/v4"
    lab = Scripted(
        ("GET", MRS, httpx.Response(200, json=[mr(5)])),
        ("PUT", f"{MRS}/5", httpx.Response(422, json={"message": "labels invalid"})),
        ("GET", f"{api}/users", httpx.Response(200, json=[])),
        ("GET", f"{api}/version", httpx.Response(200, json={"version": "17.11.0-ee", "revision": "x"})),
        ("PUT", f"{MRS}/5/merge", httpx.Response(200, json=mr(5))),
    )
    gl = gitlab(lab)
    pr = gl.open_pulls("gitops-bot")["gitops-bot/staging"]
    warnings = gl.decorate(pr, labels=["x"], reviewers=["nobody"], assignees=[], auto_merge="squash")
    assert [w.split(": could not set ")[1].split(":")[0] for w in warnings] == ["labels", "reviewers"]
    assert all(w.startswith("MR !5") for w in warnings)
    assert lab.body(1) == {"add_labels": ["x"]} and lab.seen[2].url.params["username"] == "nobody"
    assert lab.body(4) == {"auto_merge": True, "should_remove_source_branch": True, "squash": True}


def test_gitlab_ci_job_token_is_the_fallback() -> None:
    lab = Scripted(("GET", MRS, httpx.Response(200, json=[])))
    gl = gitlab(lab, {"CI_JOB_TOKEN": SECRET})
    assert gl.open_pulls("gitops-bot") == {}
    assert lab.seen[0].headers["JOB-TOKEN"] == SECRET and "PRIVATE-TOKEN" not in lab.seen[0].headers
    assert (gl.git_user, gl.git_token) == ("gitlab-ci-token", SECRET)


def test_gitlab_without_a_token_is_a_usage_error() -> None:
    with pytest.raises(UsageError, match=r"no GitLab token.*GITLAB_TOKEN"):
        gitlab(Scripted(), {"GITHUB_TOKEN": "x"})


def test_gitlab_pages_are_followed_by_x_next_page_on_its_own_origin_to_the_end() -> None:
    """GitLab's offset pagination names the next page in X-Next-Page (empty on the last); the
    page is asked on the configured server, whatever host a Link header names."""
    elsewhere = '<https://elsewhere.example.com/api/v4/x?page=2>; rel="next"'
    lab = Scripted(
        (
            "GET",
            MRS,
            httpx.Response(200, json=[mr(1, "feature/a")], headers={"X-Next-Page": "2", "Link": elsewhere}),
        ),
        ("GET", MRS, httpx.Response(200, json=[mr(2)], headers={"X-Next-Page": ""})),
    )
    assert list(gitlab(lab).open_pulls("gitops-bot")) == ["gitops-bot/staging"]
    assert [r.url.params.get("page") for r in lab.seen] == [None, "2"]
    assert {r.url.host for r in lab.seen} == {"gitlab.example.com"}


@pytest.mark.parametrize("named", ["9" * 30, "-1", "two"])
def test_gitlab_a_next_page_number_that_is_none_fails_closed(named: str) -> None:
    lab = Scripted(("GET", MRS, httpx.Response(200, json=[mr(1)], headers={"X-Next-Page": named})))
    with pytest.raises(ForgeUnavailable, match=r"GitLab named its next page unreadably \(X-Next-Page "):
        gitlab(lab).open_pulls("gitops-bot")
    assert len(lab.seen) == 1


def test_gitlab_a_next_link_to_another_origin_fails_closed_without_the_token() -> None:
    """Keyset pagination names the next page only in Link: one on another origin is not asked
    (the token would go with it), and the listing is not taken as ended."""
    elsewhere = '<https://elsewhere.example.com/api/v4/x?page=2>; rel="next"'
    lab = Scripted(("GET", MRS, httpx.Response(200, json=[mr(1)], headers={"Link": elsewhere})))
    with pytest.raises(ForgeUnavailable, match=r"GitLab is unavailable \(a URL on another origin") as exc:
        gitlab(lab).open_pulls("gitops-bot")
    assert "\n" not in str(exc.value) and len(lab.seen) == 1


# -- Gitea (faults through httpx.MockTransport) ----------------------------------------------


def gitea(handler: Callable[[httpx.Request], httpx.Response]) -> Gitea:
    return Gitea.connect(
        GITEA, "file:///x", {"FORGEJO_TOKEN": SECRET}, transport=httpx.MockTransport(handler)
    )


def pull(n: int, head: str = "gitops-bot/staging") -> dict:  # type: ignore[type-arg]
    repo = {"full_name": "acme/gitops"}
    return {
        "number": n,
        "html_url": f"https://g/{n}",
        "title": "WIP: t",
        "body": "b",
        "head": {"ref": head, "repo": repo},
    }


def test_gitea_connection_failures_are_retried_then_exit_3(waits: list[float]) -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("refused", request=request)

    with pytest.raises(
        ForgeUnavailable, match=r"Gitea unreachable: cannot connect to gitea.example.com"
    ) as exc:
        gitea(handler).open_pulls("gitops-bot")
    assert exc.value.exit_code == 3 and waits == [0.5, 1.0, 2.0, 4.0]


def test_a_forge_nothing_listens_for_is_said_unreachable_with_what_to_check(waits: list[float]) -> None:
    """A refused connection is no answer of the forge's load: the line says what the transport
    found (refused) and the hint what to check, where it said 'unavailable (HTTP no answer)'
    and 'run again later'."""
    held = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    held.bind(("127.0.0.1", 0))  # bound, not listening: every connection refused
    try:
        port = held.getsockname()[1]
        config = ForgeConfig(
            type="gitea", api_url=f"http://127.0.0.1:{port}/api/v1", repository="acme/gitops"
        )
        with pytest.raises(ForgeUnavailable) as exc:
            Gitea.connect(config, "file:///x", {"FORGEJO_TOKEN": SECRET}).open_pulls("gitops-bot")
    finally:
        held.close()
    said = f"{exc.value} {exc.value.hint}"
    line = f"Gitea unreachable: cannot connect to 127.0.0.1:{port}: connection refused"
    assert line in str(exc.value), said
    assert f"runs at 127.0.0.1:{port} and listens on that port" in (exc.value.hint or ""), said
    assert exc.value.exit_code == 3 and SECRET not in said and "\n" not in said


def test_gitea_rate_limit_reset_then_pages_are_all_read(waits: list[float]) -> None:
    answers = iter(
        [
            httpx.Response(
                403, json={"message": "rate"}, headers={"RateLimit-Remaining": "0", "Retry-After": "3"}
            ),
            httpx.Response(200, json=[pull(n, f"gitops-bot/e{n}") for n in range(50)]),
            httpx.Response(200, json=[pull(99)]),
        ]
    )
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return next(answers)

    found = gitea(handler).open_pulls("gitops-bot")
    assert len(found) == 51 and waits == [3.0]
    assert [r.url.params["page"] for r in seen] == ["1", "1", "2"]
    assert seen[0].headers["Authorization"] == f"token {SECRET}"


def test_gitea_answer_that_is_not_a_pull_request_is_refused(waits: list[float]) -> None:
    bad = [{"number": "1; drop", "html_url": 3, "head": {"ref": "gitops-bot/x"}}]
    with pytest.raises(ForgeUnavailable, match="not a change request"):
        gitea(lambda r: httpx.Response(200, json=bad)).open_pulls("gitops-bot")
    with pytest.raises(ForgeUnavailable, match="a page of open pull requests of another shape"):
        gitea(lambda r: httpx.Response(200, json={"message": "hi"})).open_pulls("gitops-bot")
    with pytest.raises(ForgeUnavailable, match=r"Gitea is unavailable \(answered something that is not JSON"):
        gitea(lambda r: httpx.Response(200, content=b"<html>")).open_pulls("gitops-bot")
    multi_line = httpx.Response(422, json={"message": "bad\n\nthing"})
    with pytest.raises(ForgeError, match=r"HTTP 422\): bad thing; "):
        gitea(lambda r: multi_line).open_pulls("gitops-bot")


def test_gitea_adopts_only_pull_requests_whose_branch_is_in_this_repository() -> None:
    """A fork's pull request named like ours (its fork deleted: head.repo null) is not ours to
    update, decorate or auto-merge; the repository's own name matches without regard to case."""
    fork = {**pull(1, "gitops-bot/staging"), "head": {"ref": "gitops-bot/staging", "repo": None}}
    other = {
        **pull(2, "gitops-bot/dev"),
        "head": {"ref": "gitops-bot/dev", "repo": {"full_name": "eve/gitops"}},
    }
    own = {
        **pull(3, "gitops-bot/prod"),
        "head": {"ref": "gitops-bot/prod", "repo": {"full_name": "Acme/GitOps"}},
    }
    found = gitea(lambda r: httpx.Response(200, json=[fork, other, own])).open_pulls("gitops-bot")
    assert list(found) == ["gitops-bot/prod"]


def test_gitea_409_race_updates_the_existing_pull_keeping_its_wip_marker() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        if request.method == "POST":
            return httpx.Response(409, json={"message": "pull request already exists"})
        if request.method == "GET":
            return httpx.Response(200, json=[pull(8)])
        return httpx.Response(201, json={**pull(8), **json.loads(request.content)})

    pr = gitea(handler).create("gitops-bot/staging", "main", "new", "body", draft=False)
    assert (pr.number, pr.title, pr.body) == (8, "new", "body")
    assert pr.raw["title"] == "WIP: new"


def test_gitea_missing_label_is_a_warning_and_known_ones_are_sent_by_id() -> None:
    sent: list[tuple[str, object]] = []

    def handler(request: httpx.Request) -> httpx.Response:
        if request.url.path.endswith("/labels") and request.method == "GET":
            return httpx.Response(200, json=[{"id": 11, "name": "release"}])
        sent.append((f"{request.method} {request.url.path}", json.loads(request.content)))
        return httpx.Response(201, json={})

    g = gitea(handler)
    pr = forge_mod.ChangeRequest(3, "u", "gitops-bot/x", "t", "b", pull(3))
    warnings = g.decorate(pr, labels=["release", "nope"], reviewers=["al"], assignees=[], auto_merge="rebase")
    assert warnings == [
        "PR #3: could not set labels: no such label in acme/gitops: nope; create the labels in the repository"
    ]
    assert sent == [
        ("POST /api/v1/repos/acme/gitops/issues/3/labels", {"labels": [11]}),
        ("POST /api/v1/repos/acme/gitops/pulls/3/requested_reviewers", {"reviewers": ["al"]}),
        (
            "POST /api/v1/repos/acme/gitops/pulls/3/merge",
            {"Do": "rebase", "merge_when_checks_succeed": True, "delete_branch_after_merge": True},
        ),
    ]


# -- the retry on its own ----------------------------------------------------------------------


def _api(*answers: httpx.Response, max_wait: float = kit.MAX_WAIT) -> kit.Api:
    """A forge API answering ``answers`` in turn, then 200 "ok"."""
    queue = list(answers)

    def handler(request: httpx.Request) -> httpx.Response:
        return queue.pop(0) if queue else httpx.Response(200, json="ok")

    words = kit.Words("GitLab", {}, lambda body, reason: reason)
    return kit.Api(
        words,
        "https://gitlab.example.com/api/v4",
        None,
        max_wait=max_wait,
        transport=httpx.MockTransport(handler),
    )


def test_retry_after_as_an_http_date_and_ratelimit_reset_are_honoured(waits: list[float]) -> None:
    later = format_datetime(datetime.now(UTC) + timedelta(seconds=30), usegmt=True)
    api = _api(
        httpx.Response(503, text="busy", headers={"Retry-After": later}),
        httpx.Response(
            429, text="limit", headers={"RateLimit-Reset": str(int(datetime.now(UTC).timestamp()) + 20)}
        ),
    )
    assert api.call("GET", "/x") == "ok"
    assert 25 < waits[0] <= 30 and 15 < waits[1] <= 20


def test_total_wait_is_bounded(waits: list[float]) -> None:
    """The budget counts the waits asked for: a third wait of 50 s would pass 120 s."""
    limited = [httpx.Response(429, text="limit", headers={"Retry-After": "50"}) for _ in range(5)]
    with pytest.raises(
        ForgeUnavailable, match=r"GitLab rate limit exhausted \(HTTP 429\) after 100s of retries"
    ):
        _api(*limited, max_wait=120).call("GET", "/x")
    assert waits == [50.0, 50.0]


def test_one_retry_loop_a_request() -> None:
    """The forge's wait rule rides the one client's retry: a request enters one retry loop."""
    from gitops_bot.net import retry

    entered: list[int] = []
    real = retry.call

    def counted(*args: Any, **kw: Any) -> Any:
        entered.append(1)
        return real(*args, **kw)

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(retry, "call", counted)
        assert _api().call("GET", "/x") == "ok"
    assert entered == [1]


# -- choosing the forge --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("url", "kind"),
    [
        ("https://gitlab.com/group/sub/project.git", "gitlab"),
        ("git@gitlab.com:group/project.git", "gitlab"),
        ("ssh://git@codeberg.org/acme/gitops.git", "forgejo"),
        ("https://github.com/acme/gitops", "github"),
        ("https://git.example.com/acme/gitops.git", None),
        ("file:///srv/gitops.git", None),
    ],
)
def test_forge_kind_from_the_remote_host(url: str, kind: str | None) -> None:
    assert remotes.kind_from_url(url) == kind


def test_project_paths_from_remote_urls() -> None:
    hosts = {"gitlab.example.com"}
    assert project_path("https://gitlab.example.com/a/b/c.git", hosts, nested=True) == "a/b/c"
    assert project_path("ssh://git@gitlab.example.com:2222/a/b.git", hosts, nested=True) == "a/b"
    assert project_path("git@gitlab.example.com:a/b/c", hosts, nested=False) is None
    assert project_path("https://gitlab.example.com/a/../b", hosts, nested=True) is None
    assert project_path("https://other.example.com/a/b", hosts, nested=True) is None


def test_first_fetch_token_follows_the_host() -> None:
    env = {"GITHUB_TOKEN": "gh-token", "GITLAB_TOKEN": "gl-token", "FORGEJO_TOKEN": "fj-token"}

    def chosen(url: str, environ: dict[str, str]) -> tuple[str | None, str]:
        secret, user = forges.first_fetch_credentials(url, environ)
        return (secret.value if secret else None), user

    assert chosen("https://gitlab.com/a/b.git", env) == ("gl-token", "oauth2")
    assert chosen("https://codeberg.org/a/b.git", env) == ("fj-token", "gitops-bot")
    # a host nobody named gets no token at all, never the GitHub one guessed onto it
    assert chosen("https://git.example.com/a/b.git", env) == (None, "x-access-token")
    assert chosen("https://gitlab.com/a/b.git", {"CI_JOB_TOKEN": "job-token"}) == (
        "job-token",
        "gitlab-ci-token",
    )
    on_ci = {**env, "CI_SERVER_URL": "https://git.example.com"}
    assert chosen("https://git.example.com/a/b.git", on_ci) == ("gl-token", "oauth2")


BASE = "version: 1\nimages: []\nenvironments: []\n"


@pytest.mark.parametrize(
    ("section", "line", "message"),
    [
        ("forge:\n  type: bitbucket\n", 5, "forge type 'bitbucket' is unknown"),
        ("forge:\n  api_url: https://git.example.com/api/v4\n", 5, "needs forge type"),
        ("forge:\n  type: gitlab\n  api_url: git.example.com\n", 6, "must be a URL"),
        ("forge:\n  type: gitea\n  token_env: abc-123-secret\n", 6, "name an environment variable"),
        ("forge:\n  type: gitlab\n  repository: ../etc\n", 6, "owner/name or group/sub/project"),
        ("forge:\n  kind: gitlab\n", 5, "kind"),
    ],
)
def test_forge_config_errors_name_file_and_line(section: str, line: int, message: str) -> None:
    with pytest.raises(ConfigError) as exc:
        parse(BASE + section, "gitops-bot.yaml")
    assert str(exc.value).startswith(f"gitops-bot.yaml:{line}: ") and message in str(exc.value)


def test_gitlab_project_id_is_accepted_as_a_number() -> None:
    assert parse(BASE + "forge:\n  type: gitlab\n  repository: 42\n", "c.yaml").forge.repository == "42"


def test_forge_config_selects_the_adapter() -> None:
    cfg = parse(BASE + "forge:\n  type: forgejo\n  api_url: https://git.example.com/api/v1/\n", "c.yaml")
    assert cfg.forge == ForgeConfig(type="forgejo", api_url="https://git.example.com/api/v1")
    adapter = forges.connect(cfg, "https://git.example.com/acme/gitops.git", {"FORGEJO_TOKEN": SECRET})
    assert isinstance(adapter, Gitea) and adapter.name == "Forgejo" and adapter.repository == "acme/gitops"
    with pytest.raises(UsageError, match=re.escape("forge: {type: gitlab|gitea|forgejo")):
        forges.connect(parse(BASE, "c.yaml"), "https://git.example.com/a/b/c.git", {})


def test_gitea_actions_job_token_is_used_only_for_its_own_server() -> None:
    cfg = parse(BASE + "forge:\n  type: gitea\n", "c.yaml")
    url = "https://git.example.com/acme/gitops.git"
    inside = {"GITHUB_TOKEN": SECRET, "GITHUB_SERVER_URL": "https://git.example.com"}
    assert forges.connect(cfg, url, inside).git_token == SECRET
    on_github = {"GITHUB_TOKEN": SECRET, "GITHUB_SERVER_URL": "https://github.com"}
    with pytest.raises(UsageError, match="no Gitea token"):
        forges.connect(cfg, url, on_github)


def test_git_gets_the_forge_user_and_token_only_through_the_environment() -> None:
    import base64

    from gitops_bot.core.secret import Secret
    from gitops_bot.git.gitcli import auth_env

    token = Secret.for_urls(SECRET, ["https://gitlab.com"])
    env = auth_env("https://gitlab.com/acme/gitops.git", token, "gitlab-ci-token")
    header = env["GIT_CONFIG_VALUE_0"].removeprefix("Authorization: Basic ")
    assert base64.b64decode(header).decode() == f"gitlab-ci-token:{SECRET}"
    assert "GIT_CONFIG_VALUE_0" not in auth_env("ssh://git@gitlab.com/acme/gitops.git", token, "oauth2")


def test_draft_is_the_title_prefix_and_not_part_of_the_bots_title() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        sent = json.loads(request.content)
        return httpx.Response(201, json={**pull(9), "title": sent["title"], "body": sent["body"]})

    pr = gitea(handler).create("gitops-bot/staging", "main", "staging: release", "b", draft=True)
    assert pr.raw["title"] == "WIP: staging: release" and pr.title == "staging: release"


def test_oversized_answers_are_refused() -> None:
    big = httpx.Response(200, content=b"[" + b" " * kit.MAX_BODY + b"]")
    with pytest.raises(ForgeUnavailable, match="GitLab is unavailable \\(answered more than 8 MiB"):
        gitlab(Scripted(("GET", MRS, big))).open_pulls("gitops-bot")
    big = httpx.Response(200, content=b"[" + b" " * kit.MAX_BODY + b"]")
    with pytest.raises(ForgeUnavailable, match="more than"):
        gitea(lambda r: big).open_pulls("gitops-bot")


def test_redirects_are_not_followed_with_the_token() -> None:
    lab = Scripted(("GET", MRS, httpx.Response(301, headers={"Location": "https://elsewhere.example.com/"})))
    with pytest.raises(ForgeUnavailable, match=r"redirected to another origin \(https://elsewhere") as exc:
        gitlab(lab).open_pulls("gitops-bot")
    assert str(exc.value).startswith("GitLab") and len(lab.seen) == 1
    moved = httpx.Response(302, headers={"Location": "https://elsewhere.example.com/"})
    pr = forge_mod.ChangeRequest(3, "u", "gitops-bot/x", "t", "b", mr(3))
    with pytest.raises(
        ForgeUnavailable, match=r"GitLab redirected the request \(HTTP 302\) to https://elsewhere"
    ):
        gitlab(Scripted(("PUT", f"{MRS}/3", moved))).update(pr, "new", "b")  # a write's: never followed
    moved = httpx.Response(302, headers={"Location": "https://elsewhere.example.com/"})
    asked: list[httpx.Request] = []
    with pytest.raises(ForgeUnavailable, match=r"redirected to another origin \(https://elsewhere"):
        gitea(lambda r: asked.append(r) or moved).open_pulls("gitops-bot")
    assert [r.url.host for r in asked] == ["gitea.example.com"]  # never asked there, token or not


def test_gitlab_answer_that_is_not_json_is_a_clean_failure() -> None:
    login = httpx.Response(200, text="<html>login</html>", headers={"Content-Type": "text/html"})
    with pytest.raises(
        ForgeUnavailable, match=r"GitLab is unavailable \(answered something that is not JSON"
    ):
        gitlab(Scripted(("GET", MRS, login))).open_pulls("gitops-bot")
    created = httpx.Response(201, text="<html>login</html>", headers={"Content-Type": "text/html"})
    with pytest.raises(ForgeUnavailable, match="GitLab answered something that is not a change request"):
        gitlab(Scripted(("POST", MRS, created))).create("gitops-bot/x", "main", "t", "b", draft=False)


def test_forge_section_also_configures_github_enterprise() -> None:
    text = (
        BASE + "forge:\n  type: github\n  api_url: https://ghe.example.com/api/v3\n  token_env: GHE_TOKEN\n"
    )
    adapter = forges.connect(
        parse(text, "c.yaml"), "https://ghe.example.com/acme/gitops.git", {"GHE_TOKEN": SECRET}
    )
    assert isinstance(adapter, GitHub) and adapter.repository == "acme/gitops" and adapter.git_token == SECRET


# -- one rule for every forge's refusals -------------------------------------------------


@pytest.mark.parametrize("status", [401, 403, 404, 409, 422])
def test_a_refusal_exits_3_with_the_forges_own_words_on_every_forge(rsps: Planned, status: int) -> None:
    """A forge refusing a write is exit 3 with the forge's message; GitHub, GitLab and Gitea alike."""
    words = {"message": "Validation Failed", "errors": [{"message": f"refused {status} here"}]}
    rsps.get(f"{REPO}/pulls", status=status, json=words)

    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(status, json={"message": f"refused {status} here"})

    adapters = [client(), gitlab(handler), gitea(handler)]
    for adapter in adapters:
        with pytest.raises(ForgeError) as exc:
            adapter.open_pulls("gitops-bot")
        assert exc.value.exit_code == 3, (adapter.name, str(exc.value))
        assert f"HTTP {status}" in str(exc.value) and f"refused {status} here" in str(exc.value)


@pytest.mark.parametrize("reset", ["²", "9" * 30, "nan", "-1"])
def test_a_ratelimit_reset_that_is_no_plausible_time_falls_back_to_the_policys_back_off(
    waits: list[float], reset: str
) -> None:
    # the header as bytes: a server may send any latin-1 byte in it
    api = _api(httpx.Response(429, text="limit", headers=[(b"RateLimit-Reset", reset.encode("latin-1"))]))
    assert api.call("GET", "/x") == "ok"
    assert len(waits) == 1 and 0 <= waits[0] < 60


@pytest.mark.parametrize("total", ["\u00b2", "\u00b9\u00b2", " 7\u00b3"])
def test_gitea_counting_its_statuses_in_digits_int_refuses_reads_as_no_count(total: str) -> None:
    """X-Total-Count of a latin-1 superscript digit: str.isdigit() says yes, int() raises
    (a ValueError's traceback where the gate reads the commit's checks)."""

    def handler(request: httpx.Request) -> httpx.Response:
        body = {"state": "success", "statuses": [{"context": "ci", "status": "success"}]}
        return httpx.Response(200, json=body, headers=[(b"X-Total-Count", total.encode("latin-1"))])

    found = gitea(handler).commit_checks("a" * 40)
    assert [c.name for c in found] == ["ci"]
