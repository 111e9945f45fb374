"""GitHub error paths, its answers planned one by one: rate limits waited
out, 5xx retried then a clean failure, a 422 race, a failed label as a warning."""

from __future__ import annotations

import json
import time
from dataclasses import replace

import pytest

from gitops_bot.core.errors import GitOpsBotError, ServiceUnavailable, UsageError
from gitops_bot.forges.github.adapter import GitHub, repository_from_url
from testkit.github_responses import API, CFG, REPO, Planned, client, pull


def test_primary_rate_limit_is_waited_out_then_succeeds(rsps: Planned) -> None:
    reset = str(int(time.time()) + 1)
    rsps.get(
        f"{REPO}/pulls",
        status=403,
        json={"message": "API rate limit exceeded for installation ID 1."},
        headers={"X-RateLimit-Remaining": "0", "X-RateLimit-Reset": reset},
    )
    rsps.get(f"{REPO}/pulls", json=[pull(7)])
    assert list(client().open_pulls("gitops-bot")) == ["gitops-bot/staging"]
    assert len(rsps.waits) == 1 and 0 <= rsps.waits[0] <= 1  # until the reset, not a minute


def test_rate_limit_beyond_the_bound_ends_cleanly(rsps: Planned) -> None:
    rsps.get(
        f"{REPO}/pulls",
        status=403,
        json={"message": "API rate limit exceeded"},
        headers={"X-RateLimit-Remaining": "0", "X-RateLimit-Reset": str(int(time.time()) + 3600)},
    )
    with pytest.raises(ServiceUnavailable, match=r"rate limit.*resets at"):
        client(max_wait=2).open_pulls("gitops-bot")


def test_429_with_retry_after_is_retried(rsps: Planned) -> None:
    rsps.get(f"{REPO}/pulls", status=429, json={"message": "slow down"}, headers={"Retry-After": "0"})
    rsps.get(f"{REPO}/pulls", json=[])
    assert client().open_pulls("gitops-bot") == {}


def test_5xx_is_retried_then_unavailable(rsps: Planned) -> None:
    for _ in range(5):
        rsps.post(f"{REPO}/pulls", status=502, json={"message": "Bad Gateway"})
    with pytest.raises(ServiceUnavailable) as err:
        client(max_wait=60).create("gitops-bot/staging", "main", "t", "b", draft=False)
    assert rsps.waits == [0.5, 1.0, 2.0, 4.0]  # five attempts, the back-off doubling between them
    assert err.value.exit_code == 3
    assert "ghp_secret" not in str(err.value)


def test_422_already_exists_is_a_no_op_and_the_open_pr_is_used(rsps: Planned) -> None:
    rsps.post(
        f"{REPO}/pulls",
        status=422,
        json={
            "message": "Validation Failed",
            "errors": [{"message": "A pull request already exists for acme:gitops-bot/staging."}],
        },
    )
    rsps.get(f"{REPO}/pulls", json=[pull(3, title="t", body="b")])
    pr = client().create("gitops-bot/staging", "main", "t", "b", draft=False)
    assert pr.number == 3
    assert "head=acme%3Agitops-bot%2Fstaging" in rsps.calls[1].request.url


def test_other_422_is_a_clear_error(rsps: Planned) -> None:
    rsps.post(
        f"{REPO}/pulls",
        status=422,
        json={"message": "Validation Failed", "errors": [{"message": "head invalid"}]},
    )
    with pytest.raises(GitOpsBotError, match="HTTP 422"):
        client().create("gitops-bot/staging", "main", "t", "b", draft=False)


def test_bad_credentials_name_the_fix(rsps: Planned) -> None:
    rsps.get(f"{REPO}/pulls", status=401, json={"message": "Bad credentials"})
    with pytest.raises(GitOpsBotError, match="check the GitHub token"):
        client().open_pulls("gitops-bot")


def test_failed_label_is_a_warning_and_the_rest_goes_on(rsps: Planned) -> None:
    rsps.get(f"{REPO}/pulls", json=[pull(5)])
    rsps.post(
        f"{REPO}/issues/5/labels", status=403, json={"message": "Resource not accessible by integration"}
    )
    rsps.post(f"{REPO}/pulls/5/requested_reviewers", status=201, json=pull(5))
    g = client()
    pr = g.open_pulls("gitops-bot")["gitops-bot/staging"]
    warnings = g.decorate(pr, labels=["release"], reviewers=["alice"], assignees=[], auto_merge=None)
    assert len(warnings) == 1 and "labels" in warnings[0]
    assert json.loads(rsps.calls[-1].request.body) == {"reviewers": ["alice"]}


def test_no_credentials_is_a_usage_error() -> None:
    with pytest.raises(UsageError, match="GITHUB_TOKEN"):
        GitHub.connect(CFG, "acme/gitops", {})


@pytest.mark.parametrize(
    ("url", "repo"),
    [
        ("https://github.com/acme/gitops.git", "acme/gitops"),
        ("git@github.com:acme/gitops.git", "acme/gitops"),
        ("ssh://git@github.com/acme/gitops", "acme/gitops"),
        ("https://ghe.example.com/acme/gitops", "acme/gitops"),
        ("https://gitlab.com/acme/gitops.git", None),
        ("file:///srv/git/gitops.git", None),
    ],
)
def test_repository_from_remote_url(url: str, repo: str | None) -> None:
    assert repository_from_url(url, API) == repo


def test_github_app_credentials_become_an_installation_token(rsps: Planned) -> None:
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import rsa

    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    pem = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    ).decode()
    base = API
    rsps.get(f"{base}/repos/acme/gitops/installation", json={"id": 42, "app_id": 7})
    rsps.post(
        f"{base}/app/installations/42/access_tokens",
        status=201,
        json={"token": "ghs_installation_token_abc", "expires_at": "2099-01-01T00:00:00Z"},
    )
    rsps.get(f"{REPO}/pulls", json=[])
    g = GitHub.connect(CFG, "acme/gitops", {"GITHUB_APP_ID": "7", "GITHUB_APP_PRIVATE_KEY": pem})
    assert g.git_token == "ghs_installation_token_abc"
    assert g.open_pulls("gitops-bot") == {}
    assert rsps.calls[0].request.headers["Authorization"].startswith("Bearer ")  # the app's JWT
    assert rsps.calls[-1].request.headers["Authorization"] == "token ghs_installation_token_abc"


def test_only_pull_requests_from_this_repository_are_ours(rsps: Planned) -> None:
    """A fork's PR with a branch named like ours (the fork deleted: head.repo null) is not
    adopted, updated or auto-merged; GitHub's own spelling of the name may differ in case."""
    fork = pull(1, "gitops-bot/staging")
    fork["head"]["repo"] = None
    own = pull(2, "gitops-bot/dev")
    own["head"]["repo"] = {"full_name": "ACME/GitOps"}
    rsps.get(f"{REPO}/pulls", json=[fork, own])
    assert list(client().open_pulls("gitops-bot")) == ["gitops-bot/dev"]


def _app_key() -> str:
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import rsa

    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    return key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    ).decode()


def test_an_installation_token_near_its_end_is_renewed_before_the_next_call(rsps: Planned) -> None:
    """An installation token lives an hour; a run still going when it nears its end (a watch
    cycle waiting on gates) renews it first instead of meeting a 401 midway."""
    soon = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(time.time() + 60))
    rsps.get(f"{REPO}/installation", json={"id": 42, "app_id": 7, "app_slug": "acme-release"})
    rsps.post(
        f"{API}/app/installations/42/access_tokens",
        status=201,
        json={"token": "ghs_first", "expires_at": soon},
    )
    rsps.post(
        f"{API}/app/installations/42/access_tokens",
        status=201,
        json={"token": "ghs_second", "expires_at": "2099-01-01T00:00:00Z"},
    )
    rsps.get(f"{REPO}/pulls", json=[])
    g = GitHub.connect(CFG, "acme/gitops", {"GITHUB_APP_ID": "7", "GITHUB_APP_PRIVATE_KEY": _app_key()})
    assert g.open_pulls("gitops-bot") == {}
    asked = [c.request for c in rsps.calls]
    assert [r.url.split("?")[0].removeprefix(API) for r in asked] == [
        "/repos/acme/gitops/installation",
        "/app/installations/42/access_tokens",
        "/app/installations/42/access_tokens",
        "/repos/acme/gitops/pulls",
    ]
    assert asked[2].headers["Authorization"].startswith("Bearer ")  # the App's JWT asks again
    assert asked[-1].headers["Authorization"] == "token ghs_second"


def test_writes_are_spaced_by_the_write_interval(rsps: Planned) -> None:
    rsps.get(f"{REPO}/pulls", json=[pull(5)])
    rsps.post(f"{REPO}/issues/5/labels", json=[{"name": "release"}])
    rsps.post(f"{REPO}/issues/5/assignees", status=201, json=pull(5))
    cfg = replace(CFG, write_interval=1.0)
    g = GitHub.connect(cfg, "acme/gitops", {"GITHUB_TOKEN": "ghp_secret_value_123"})
    pr = g.open_pulls("gitops-bot")["gitops-bot/staging"]
    assert g.decorate(pr, labels=["release"], reviewers=[], assignees=["bob"], auto_merge=None) == []
    # the first write goes at once, the second waits out the rest of the interval
    assert len(rsps.waits) == 1 and 0.5 < rsps.waits[0] <= 1.0


def test_the_secondary_rate_limit_naming_no_time_is_waited_a_minute(rsps: Planned) -> None:
    rsps.get(
        f"{REPO}/pulls",
        status=403,
        json={
            "message": "You have exceeded a secondary rate limit. Please wait a few minutes before you try again."
        },
    )
    rsps.get(f"{REPO}/pulls", json=[])
    assert client(max_wait=120).open_pulls("gitops-bot") == {}
    assert rsps.waits == [60.0]


def test_a_refused_auto_merge_is_a_warning_in_githubs_words(rsps: Planned) -> None:
    """GraphQL answers its refusals with 200 and ``errors``: a refusal all the same."""
    rsps.get(f"{REPO}/pulls", json=[pull(5)])
    rsps.post(
        "https://ghe.example.com/api/graphql",
        json={
            "data": {"enablePullRequestAutoMerge": None},
            "errors": [{"message": "Pull request Auto merge is not allowed for this repository"}],
        },
    )
    g = client()
    pr = g.open_pulls("gitops-bot")["gitops-bot/staging"]
    warnings = g.decorate(pr, labels=[], reviewers=[], assignees=[], auto_merge="squash")
    assert len(warnings) == 1 and "Auto merge is not allowed for this repository" in warnings[0]
    sent = json.loads(rsps.calls[-1].request.body)
    assert sent["variables"] == {"input": {"pullRequestId": "PR_5", "mergeMethod": "SQUASH"}}


@pytest.mark.parametrize(
    ("status", "words"),
    [
        (
            403,
            "You have triggered an abuse detection mechanism. Please wait a few minutes before you try again.",
        ),
        (403, "API rate limit exceeded for installation ID 1."),
        (429, "You have exceeded a secondary rate limit."),
    ],
)
def test_a_rate_limit_said_only_in_words_is_waited_not_called_a_refusal(
    rsps: Planned, status: int, words: str
) -> None:
    """GitHub words some rate limits without their headers (an older Enterprise's abuse
    detection, a secondary limit as 429): waited out as a rate limit, never reported as the
    token's missing permission."""
    rsps.get(f"{REPO}/pulls", status=status, json={"message": words})
    rsps.get(f"{REPO}/pulls", json=[])
    assert client(max_wait=120).open_pulls("gitops-bot") == {}
    assert rsps.waits == [60.0]


def test_a_rate_limit_said_in_words_beyond_the_bound_is_unavailable_not_refused(rsps: Planned) -> None:
    rsps.get(f"{REPO}/pulls", status=403, json={"message": "API rate limit exceeded for user ID 1."})
    with pytest.raises(ServiceUnavailable, match="rate limit exhausted"):
        client(max_wait=30).open_pulls("gitops-bot")


def test_a_public_key_given_as_the_apps_key_is_one_usage_line() -> None:
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import rsa

    public = (
        rsa.generate_private_key(public_exponent=65537, key_size=2048)
        .public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
        .decode()
    )
    with pytest.raises(UsageError, match="private key in GITHUB_APP_PRIVATE_KEY is unusable"):
        GitHub.connect(CFG, "acme/gitops", {"GITHUB_APP_ID": "7", "GITHUB_APP_PRIVATE_KEY": public})


def test_a_token_ending_in_a_newline_is_read_without_it(rsps: Planned) -> None:
    rsps.get(f"{REPO}/pulls", json=[])
    g = GitHub.connect(CFG, "acme/gitops", {"GITHUB_TOKEN": "ghp_secret_value_123\n"})
    assert g.open_pulls("gitops-bot") == {}
    assert rsps.calls[0].request.headers["Authorization"] == "token ghp_secret_value_123"


def test_a_token_no_header_can_carry_is_one_usage_line() -> None:
    with pytest.raises(UsageError, match="no HTTP header can carry") as err:
        GitHub.connect(CFG, "acme/gitops", {"GITHUB_TOKEN": "ghp_abc\u00a0def"})
    assert "ghp_abc" not in str(err.value)


@pytest.mark.parametrize(
    ("installation", "token", "match"),
    [
        ({"app_id": 7}, None, "installation of acme/gitops without its id"),
        (
            {"id": 42},
            {"token": "ghs_abc\u20acdef", "expires_at": None},
            "installation token that is no token",
        ),
        ({"id": 42}, {"expires_at": "2099-01-01T00:00:00Z"}, "installation token that is no token"),
    ],
)
def test_an_apps_odd_answers_are_one_line(
    rsps: Planned, installation: dict[str, object], token: dict[str, object] | None, match: str
) -> None:
    rsps.get(f"{REPO}/installation", json=installation)
    if token is not None:
        rsps.post(f"{API}/app/installations/42/access_tokens", status=201, json=token)
    with pytest.raises(ServiceUnavailable, match=match) as err:
        GitHub.connect(CFG, "acme/gitops", {"GITHUB_APP_ID": "7", "GITHUB_APP_PRIVATE_KEY": _app_key()})
    assert "\n" not in str(err.value) and "\u20ac" not in str(err.value)


def test_a_422_that_is_not_the_race_is_the_refusal_it_says(rsps: Planned) -> None:
    """The race is a value read from GitHub's errors[] where the answer is parsed: a 422 for
    another reason is not looked up and adopted, whatever words its message holds."""
    from gitops_bot.core.errors import ForgeError

    rsps.post(
        f"{REPO}/pulls",
        status=422,
        json={
            "message": "Validation Failed: a branch that already exists?",
            "errors": [
                {"resource": "PullRequest", "code": "custom", "message": "No commits between main and x"}
            ],
        },
    )
    with pytest.raises(ForgeError) as caught:
        client().create("gitops-bot/staging", "main", "t", "b", draft=False)
    assert caught.value.race is False and caught.value.status == 422
    assert "No commits between main and x" in str(caught.value)
    assert [c.request.method for c in rsps.calls] == ["POST"]  # nothing listed, nothing adopted


@pytest.mark.parametrize("errors", [5, True, 1.5])
def test_a_422_whose_errors_is_no_list_is_the_refusal_it_says(rsps: Planned, errors: object) -> None:
    """errors[] not a list (a number, a boolean) was iterated where the race is read: a
    TypeError's traceback instead of the refusal's one line."""
    from gitops_bot.core.errors import ForgeError

    rsps.post(f"{REPO}/pulls", status=422, json={"message": "Validation Failed", "errors": errors})
    with pytest.raises(ForgeError, match="HTTP 422") as caught:
        client().create("gitops-bot/staging", "main", "t", "b", draft=False)
    assert caught.value.race is False


@pytest.mark.parametrize("before", [235, 245, 255, 285])
def test_a_refusal_echoing_the_token_near_the_cut_shows_none_of_it(rsps: Planned, before: int) -> None:
    """GitHub's words were cut to 300 characters before redaction: a token straddling the cut
    showed its first characters."""
    from gitops_bot.core import log
    from gitops_bot.core.errors import ForgeError

    token = "ghp_" + "W3" * 18
    log.register_secret(token)
    rsps.post(f"{REPO}/pulls", status=401, json={"message": "y" * before + " " + token + " rest"})
    with pytest.raises(ForgeError) as caught:
        client().create("gitops-bot/staging", "main", "t", "b", draft=False)
    assert token[:8] not in str(caught.value), str(caught.value)
