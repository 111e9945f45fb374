"""GitHub error paths with `responses` (PyGithub speaks through requests): rate limits waited
out, 5xx retried then a clean failure, a 422 race, a failed label as a warning."""

from __future__ import annotations

import json
import time

import pytest
import responses

from gitops_bot.core.errors import GitOpsBotError, ServiceUnavailable, UsageError
from gitops_bot.forges.github.adapter import GitHub, repository_from_url
from testkit.github_responses import API, CFG, REPO, client, pull


def test_primary_rate_limit_is_waited_out_then_succeeds(rsps: responses.RequestsMock) -> None:
    reset = str(int(time.time()) + 1)
    rsps.get(
        f"{REPO}/pulls",
        status=403,
        json={"message": "API rate limit exceeded for installation ID 1."},
        headers={"X-RateLimit-Remaining": "0", "X-RateLimit-Reset": reset},
    )
    rsps.get(f"{REPO}/pulls", json=[pull(7)])
    t0 = time.monotonic()
    assert list(client().open_pulls("gitops-bot")) == ["gitops-bot/staging"]
    assert time.monotonic() - t0 < 5


def test_rate_limit_beyond_the_bound_ends_cleanly(rsps: responses.RequestsMock) -> None:
    rsps.get(
        f"{REPO}/pulls",
        status=403,
        json={"message": "API rate limit exceeded"},
        headers={"X-RateLimit-Remaining": "0", "X-RateLimit-Reset": str(int(time.time()) + 3600)},
    )
    with pytest.raises(ServiceUnavailable, match="rate limit"):
        client(max_wait=2).open_pulls("gitops-bot")


def test_429_with_retry_after_is_retried(rsps: responses.RequestsMock) -> None:
    rsps.get(f"{REPO}/pulls", status=429, json={"message": "slow down"}, headers={"Retry-After": "0"})
    rsps.get(f"{REPO}/pulls", json=[])
    assert client().open_pulls("gitops-bot") == {}


def test_5xx_is_retried_then_unavailable(rsps: responses.RequestsMock) -> None:
    for _ in range(5):
        rsps.post(f"{REPO}/pulls", status=502, json={"message": "Bad Gateway"})
    with pytest.raises(ServiceUnavailable) as err:
        client().create("gitops-bot/staging", "main", "t", "b", draft=False)
    assert err.value.exit_code == 3
    assert "ghp_secret" not in str(err.value)


def test_422_already_exists_is_a_no_op_and_the_open_pr_is_used(rsps: responses.RequestsMock) -> None:
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


def test_other_422_is_a_clear_error(rsps: responses.RequestsMock) -> None:
    rsps.post(
        f"{REPO}/pulls",
        status=422,
        json={"message": "Validation Failed", "errors": [{"message": "head invalid"}]},
    )
    with pytest.raises(GitOpsBotError, match="HTTP 422"):
        client().create("gitops-bot/staging", "main", "t", "b", draft=False)


def test_bad_credentials_name_the_fix(rsps: responses.RequestsMock) -> None:
    rsps.get(f"{REPO}/pulls", status=401, json={"message": "Bad credentials"})
    with pytest.raises(GitOpsBotError, match="check the GitHub token"):
        client().open_pulls("gitops-bot")


def test_failed_label_is_a_warning_and_the_rest_goes_on(rsps: responses.RequestsMock) -> None:
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


def test_github_app_credentials_become_an_installation_token(rsps: responses.RequestsMock) -> None:
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import rsa

    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    pem = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    ).decode()
    base = "https://ghe.example.com:443/api/v3"
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


def test_only_pull_requests_from_this_repository_are_ours(rsps: responses.RequestsMock) -> None:
    """A fork's PR with a branch named like ours (the fork deleted: head.repo null) is not
    adopted, updated or auto-merged; GitHub's own spelling of the name may differ in case."""
    fork = pull(1, "gitops-bot/staging")
    fork["head"]["repo"] = None
    own = pull(2, "gitops-bot/dev")
    own["head"]["repo"] = {"full_name": "ACME/GitOps"}
    rsps.get(f"{REPO}/pulls", json=[fork, own])
    assert list(client().open_pulls("gitops-bot")) == ["gitops-bot/dev"]
