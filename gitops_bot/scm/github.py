"""Pull requests on GitHub and GitHub Enterprise, through PyGithub.

Idempotent by construction (argocd-image-updater's ``pr_github.go`` shape): the branch name is
deterministic, an open PR for it is looked up before one is created and updated in place, a
422 "already exists" is not an error, and a failed label, reviewer or auto-merge request is a
warning. Rate limits (403/429 with ``X-RateLimit-Remaining: 0`` or ``Retry-After``) are
waited out by PyGithub's ``GithubRetry`` up to a bound; beyond it the run ends cleanly.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable, Mapping, Sequence
from typing import Any, TypeVar
from urllib.parse import urlparse

import github
import jwt
import requests
from github import Auth, Github, GithubException, GithubIntegration, GithubRetry

from gitops_bot.errors import GitHubError, GitHubUnavailable, GitOpsBotError, UsageError
from gitops_bot.log import get_logger, redact, register_secret
from gitops_bot.scm.forge import PullRequest, decorate_steps
from gitops_bot.scm.settings import GitHubConfig

log = get_logger(__name__)
T = TypeVar("T")
BACKOFF = 0.5  # seconds, doubled per retry (urllib3 backoff_factor)


class _BoundedRetry(GithubRetry):
    """GithubRetry whose waits for one request, ``Retry-After`` included (urllib3 sleeps that
    uncapped), add up to at most ``max_rate_limit_wait``; a longer wait raises at once, and
    the run ends with exit 3 and the reset time instead of sleeping for an hour."""

    started: float | None = None

    def new(self, **kw: Any) -> _BoundedRetry:
        retry: _BoundedRetry = super().new(**kw)
        retry.started = self.started if self.started is not None else time.monotonic()
        return retry

    def sleep(self, response: Any = None) -> None:
        wait = self.get_retry_after(response) if response is not None else None
        wait = self.get_backoff_time() if wait is None else wait
        spent = time.monotonic() - (self.started or time.monotonic())
        if self.max_rate_limit_wait is not None and spent + wait > self.max_rate_limit_wait:
            status = response.status if response is not None else 429
            headers = dict(response.headers) if response is not None else {}
            raise github.RateLimitExceededExceedsMaxWait(
                status, {"message": "rate limit wait too long"}, headers, wait=wait
            )
        super().sleep(response)


def repository_from_url(url: str, api_url: str) -> str | None:
    """owner/name of a GitHub remote URL (https, ssh or scp-like), or None."""
    hosts = {"github.com"}
    api_host = urlparse(api_url).hostname or ""
    if api_host and api_host != "api.github.com":
        hosts.add(api_host)
    m = re.match(r"^(?:[a-z+]+://)?(?:[^@/]+@)?([^/:]+)(?::\d+)?[:/](.+?)(?:\.git)?/?$", url)
    if not m or m.group(1) not in hosts:
        return None
    path = m.group(2).strip("/")
    return path if re.match(r"^[\w.-]+/[\w.-]+$", path) else None


class GitHub:
    """The :class:`~gitops_bot.scm.forge.Forge` adapter for GitHub and GitHub Enterprise."""

    noun = "pull request"
    name = "GitHub"
    git_user = "x-access-token"

    def __init__(self, gh: Github, repository: str, *, git_token: str) -> None:
        self.repository = repository
        self.owner = repository.split("/")[0]
        self.git_token: str | None = git_token
        self._repo = gh.get_repo(repository)  # lazy: the Github objects are built lazy=True

    @classmethod
    def connect(
        cls,
        cfg: GitHubConfig,
        repository: str,
        environ: Mapping[str, str],
        *,
        max_wait: float = 120.0,
    ) -> GitHub:
        """A token from ``cfg.token_env``, or a GitHub App (id + private key) exchanged for an
        installation token. ``max_wait`` bounds how long a rate limit is waited out."""
        retry = _BoundedRetry(
            total=4,
            backoff_factor=BACKOFF,
            max_rate_limit_wait=max_wait,
            secondary_rate_wait=min(60, max_wait),
        )
        retry.status_forcelist = [*(retry.status_forcelist or []), 429]
        common: dict[str, Any] = {
            "base_url": cfg.api_url,
            "retry": retry,
            "timeout": 30,
            "lazy": True,
            "seconds_between_writes": cfg.write_interval or None,
        }
        token = environ.get(cfg.token_env)
        app_id, app_key = environ.get(cfg.app_id_env), environ.get(cfg.app_key_env)
        if token:
            register_secret(token)
            return cls(Github(auth=Auth.Token(token), **common), repository, git_token=token)
        if app_id and app_key:
            register_secret(app_key)
            app = Auth.AppAuth(app_id, app_key.replace("\\n", "\n"))
            owner, name = repository.split("/")
            try:
                installation = _call(
                    lambda: GithubIntegration(auth=app, **common).get_repo_installation(owner, name)
                )
            except (jwt.PyJWTError, ValueError, TypeError) as exc:
                raise UsageError(
                    f"the GitHub App private key in {cfg.app_key_env} is unusable ({type(exc).__name__})",
                    hint="set it to the App's PEM private key (newlines may be written as \\n)",
                ) from None
            inst_auth = app.get_installation_auth(installation.id)
            gh = Github(auth=inst_auth, **common)
            git_token = _call(lambda: inst_auth.token)
            register_secret(git_token)
            return cls(gh, repository, git_token=git_token)
        raise UsageError(
            "no GitHub credentials",
            hint=f"set {cfg.token_env} (a token with contents and pull-requests write), "
            f"or {cfg.app_id_env} and {cfg.app_key_env} for a GitHub App",
        )

    def git_data(self, fn: Callable[[Any], T]) -> T:
        """``fn(repository)`` on the PyGithub repository, with this module's error mapping: the
        Git Data API calls of :mod:`gitops_bot.scm.github_commits` go through here."""
        return _call(lambda: fn(self._repo))

    # -- pull requests -----------------------------------------------------------------

    def open_pulls(self, prefix: str) -> dict[str, PullRequest]:
        """Open PRs whose head branch is one of ours (one listing, all pages)."""
        out = {}
        for p in _call(lambda: list(self._repo.get_pulls(state="open"))):
            ref = p.head.ref
            # a fork's PR named like ours (its fork deleted: repo null) is not ours to adopt
            if ref.startswith(prefix + "/") and (
                p.head.repo is not None and p.head.repo.full_name.lower() == self.repository.lower()
            ):
                out[ref] = _pr(p)
        return out

    def find_open(self, branch: str) -> PullRequest | None:
        pulls = _call(lambda: list(self._repo.get_pulls(state="open", head=f"{self.owner}:{branch}")))
        return _pr(pulls[0]) if pulls else None

    def create(self, branch: str, base: str, title: str, body: str, *, draft: bool) -> PullRequest:
        try:
            p = self._repo.create_pull(base=base, head=branch, title=title, body=body, draft=draft)
        except GithubException as exc:
            if exc.status == 422 and "already exists" in str(exc.data):
                found = self.find_open(branch)  # another run opened it a moment ago
                if found is not None:
                    return self.update(found, title, body)
            raise _error(exc) from None
        except requests.RequestException as exc:
            raise _unavailable(exc) from None
        return _pr(p)

    def update(self, pr: PullRequest, title: str, body: str) -> PullRequest:
        if pr.title == title and pr.body == body:
            return pr
        raw = pr.raw
        _call(lambda: raw.edit(title=title, body=body))
        return PullRequest(pr.number, pr.url, pr.head, title, body, raw)

    def decorate(
        self,
        pr: PullRequest,
        *,
        labels: Sequence[str],
        reviewers: Sequence[str],
        assignees: Sequence[str],
        auto_merge: str | None,
    ) -> list[str]:
        """Labels, reviewers, assignees, auto-merge: each failure is a warning, returned."""
        raw = pr.raw
        steps: list[tuple[str, Callable[[], Any]]] = []
        if labels:
            steps.append(("labels", lambda: raw.add_to_labels(*labels)))
        if reviewers:
            steps.append(("reviewers", lambda: raw.create_review_request(reviewers=list(reviewers))))
        if assignees:
            steps.append(("assignees", lambda: raw.add_to_assignees(*assignees)))
        if auto_merge:
            steps.append(("auto-merge", lambda: raw.enable_automerge(merge_method=auto_merge.upper())))
        wrapped = [(what, lambda f=f: _call(f)) for what, f in steps]
        return decorate_steps(f"PR #{pr.number}", wrapped, (GitOpsBotError,))

    def close(self, pr: PullRequest, comment: str) -> None:
        raw = pr.raw
        _call(lambda: raw.create_issue_comment(comment))
        _call(lambda: raw.edit(state="closed"))


def _pr(p: Any) -> PullRequest:
    return PullRequest(p.number, p.html_url, p.head.ref, p.title or "", p.body or "", p)


def _call(fn: Callable[[], T]) -> T:
    try:
        return fn()
    except GithubException as exc:
        raise _error(exc) from None
    except requests.RequestException as exc:
        raise _unavailable(exc) from None


def _error(exc: GithubException) -> GitOpsBotError:
    if isinstance(exc, github.RateLimitExceededException) or (
        exc.status in (403, 429) and "rate limit" in str(exc.data).lower()
    ):
        return GitHubUnavailable(
            f"GitHub rate limit exhausted (HTTP {exc.status}){_reset(exc.headers or {})}",
            hint="run again after the limit resets",
        )
    if exc.status is not None and exc.status >= 500:
        return GitHubUnavailable(f"GitHub unavailable (HTTP {exc.status})", hint="run again later")
    hint = {
        401: "check the GitHub token",
        403: "the token needs contents and pull-requests write access to the repository",
        404: "check github.repository and the token's access to it",
    }.get(exc.status or 0)
    return GitHubError(
        redact(f"GitHub refused the request (HTTP {exc.status}): {_message(exc.data)}"),
        status=exc.status,
        hint=hint,
    )


def _message(data: Any) -> str:
    """GitHub's own words: ``message`` and each ``errors[].message``, on one line."""
    if not isinstance(data, dict):
        return " ".join(str(data).split())[:300]
    parts = [str(data.get("message") or "")]
    for err in data.get("errors") or []:
        text = err.get("message") or err.get("code") if isinstance(err, dict) else err
        parts.append(str(text or ""))
    return " ".join("; ".join(p for p in parts if p).split())[:300]


def _reset(headers: Mapping[str, str]) -> str:
    """'; resets at 12:34:56 UTC' from X-RateLimit-Reset (epoch) or Retry-After (seconds)."""
    h = {k.lower(): v for k, v in headers.items()}
    at: float | None = None
    if str(h.get("x-ratelimit-reset", "")).isdigit():
        at = float(h["x-ratelimit-reset"])
    elif str(h.get("retry-after", "")).isdigit():
        at = time.time() + float(h["retry-after"])
    return time.strftime(", resets at %Y-%m-%d %H:%M:%S UTC", time.gmtime(at)) if at else ""


def _unavailable(exc: Exception) -> GitHubUnavailable:
    name = type(exc).__name__
    if "RetryError" in name or "MaxRetry" in str(exc):
        return GitHubUnavailable("GitHub kept failing after retries", hint="run again later")
    return GitHubUnavailable(f"cannot reach GitHub ({name})", hint="check github.api_url and the network")
