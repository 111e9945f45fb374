"""Pull requests on GitHub and GitHub Enterprise, through PyGithub.

Idempotent by construction (argocd-image-updater's ``pr_github.go`` shape): the branch name is
deterministic, an open PR for it is looked up before one is created and updated in place, a
422 "already exists" is not an error, and a failed label, reviewer or auto-merge request is a
warning. Every exchange goes through :mod:`gitops_bot.net` (proxies, trust store, deadline, byte
cap) and the forge retry: rate limits (403/429 with ``X-RateLimit-Remaining: 0`` or
``Retry-After``) and 5xx are waited out up to a bound; beyond it the run ends cleanly.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any, TypeVar
from urllib.parse import urlparse

import github
import jwt
import requests
from github import Auth, Github, GithubException, GithubIntegration
from github.Requester import (
    HTTPRequestsConnectionClass,
    HTTPSRequestsConnectionClass,
    Requester,
    RequestsResponse,
)

from gitops_bot.core import checks
from gitops_bot.core.checks import Check, State
from gitops_bot.core.errors import GitHubError, GitHubUnavailable, GitOpsBotError, UsageError
from gitops_bot.core.instants import epoch_instant, later, retry_after_seconds
from gitops_bot.core.log import get_logger, redact, register_secret
from gitops_bot.forges import forge, requests_net, statuses
from gitops_bot.forges.compare_kit import SHA
from gitops_bot.forges.forge import MAX_WAIT, Listing, PullRequest, decorate_steps
from gitops_bot.forges.github import checks as checks_github
from gitops_bot.forges.github import commits as github_commits
from gitops_bot.forges.issues import Issue
from gitops_bot.forges.settings import GitHubConfig
from gitops_bot.git.git import Workspace

log = get_logger(__name__)
T = TypeVar("T")
MAX_PAGES = 100  # of one listing (open pull requests, labelled issues)
CHECKS_PAGE = 100  # check runs or statuses a page: GitHub's largest per_page
BACKOFF = forge.BACKOFF  # seconds, doubled per retry
DEADLINE = requests_net.DEADLINE  # seconds for one exchange, in all


class _NetExchange:
    """What PyGithub's two connection classes get here: their ``requests.Session`` replaced by
    :func:`~gitops_bot.forges.requests_net.session` (net-layer proxies, trust store, total deadline,
    streamed byte cap; no urllib3 retry), and each exchange retried by
    :func:`gitops_bot.forges.forge.retrying`, the one retry policy. An exhausted retry hands
    PyGithub the last answer (its exception names the status and rate-limit reset) or raises
    the last connection error, so the messages stay GitHub's own."""

    session: requests.Session
    input: Any

    def _net(self) -> None:
        self.session.close()  # PyGithub's own, with its urllib3 adapter: never used
        self.session = requests_net.session(deadline=DEADLINE)

    def getresponse(self) -> RequestsResponse:
        exchange = super().getresponse  # type: ignore[misc]

        def attempt() -> RequestsResponse:
            if hasattr(self.input, "seek"):
                self.input.seek(0)  # an upload is sent whole on every attempt
            try:
                answer: RequestsResponse = exchange()
            except requests_net.AnswerTooLarge:
                raise  # the cap is the answer's size, not a passing fault
            except requests.RequestException as exc:
                raise forge.HTTPFailure(None, {}, type(exc).__name__) from exc
            if answer.status < 400:
                return answer
            headers = dict(answer.headers)
            if answer.status == 403 and "secondary rate limit" in answer.read().lower():
                # GitHub: "wait at least one minute" when it names no time
                headers.setdefault("Retry-After", "60")
            raise forge.HTTPFailure(answer.status, headers, "") from _Answer(answer)

        try:
            return forge.retrying(attempt, max_wait=self.max_wait, backoff=BACKOFF)
        except (forge.Exhausted, forge.HTTPFailure) as exc:
            failure = exc.failure if isinstance(exc, forge.Exhausted) else exc
            cause = failure.__cause__
            if isinstance(cause, _Answer) and (
                cause.answer.status < 500 or isinstance(exc, forge.HTTPFailure)
            ):
                return cause.answer  # a refusal or a rate limit: PyGithub's exception says which
            if isinstance(cause, _Answer):  # an error page need not be JSON PyGithub can read
                raise requests.exceptions.RetryError(f"HTTP {failure.status}") from None
            raise cause or requests.ConnectionError("no answer") from None

    max_wait: float = MAX_WAIT


class _Answer(Exception):
    """Carries an answer PyGithub turns into its exception once retrying is over."""

    def __init__(self, answer: RequestsResponse) -> None:
        super().__init__(answer.status)
        self.answer = answer


class _NetHTTPS(_NetExchange, HTTPSRequestsConnectionClass):
    def __init__(self, *args: Any, **kw: Any) -> None:
        super().__init__(*args, **kw)
        self._net()


class _NetHTTP(_NetExchange, HTTPRequestsConnectionClass):
    """Plain http (a GitHub Enterprise on http, the local test server): its own class because
    PyGithub builds the URL from the class's scheme and default port."""

    def __init__(self, *args: Any, **kw: Any) -> None:
        super().__init__(*args, **kw)
        self._net()


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
    """The :class:`~gitops_bot.forges.forge.Forge` adapter for GitHub and GitHub Enterprise."""

    noun = "pull request"
    name = "GitHub"
    git_user = "x-access-token"

    def __init__(self, gh: Github, repository: str, *, git_token: str, identity: str | None = None) -> None:
        self.repository = repository
        self.owner = repository.split("/")[0]
        self.git_token: str | None = git_token
        self._gh = gh
        self._repo = gh.get_repo(repository)  # lazy: the Github objects are built lazy=True
        self._identity = identity  # known at connect for a GitHub App; else asked when needed

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
        # PyGithub builds every connection (Github, GithubIntegration, the installation
        # token's requester) from these class attributes, so they are the one place to put all
        # its exchanges on the net layer and the forge retry; GithubRetry is switched off.
        https = type("_NetHTTPS", (_NetHTTPS,), {"max_wait": max_wait})
        http = type("_NetHTTP", (_NetHTTP,), {"max_wait": max_wait})
        Requester.injectConnectionClasses(http, https)
        common: dict[str, Any] = {
            "base_url": cfg.api_url,
            "retry": None,
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
            # an installation token has no user (GET /user refuses it): what it writes is
            # authored by the App's bot user, "<slug>[bot]", the slug named by the installation
            slug = installation.raw_data.get("app_slug")
            identity = f"{slug}[bot]" if isinstance(slug, str) and slug else None
            return cls(gh, repository, git_token=git_token, identity=identity)
        raise UsageError(
            "no GitHub credentials",
            hint=f"set {cfg.token_env} (a token with contents and pull-requests write), "
            f"or {cfg.app_id_env} and {cfg.app_key_env} for a GitHub App",
        )

    def _listed(self, what: str, listed: Iterable[T]) -> list[T]:
        """Every item of a PyGithub paginated list, within :class:`Listing`'s bounds (PyGithub
        follows ``Link: rel="next"`` for as long as the server names one)."""
        return Listing("GitHub", what, MAX_PAGES).read(lambda: list(listed))

    def git_data(self, fn: Callable[[Any], T]) -> T:
        """``fn(repository)`` on the PyGithub repository, with this module's error mapping: the
        Git Data API calls of :mod:`gitops_bot.forges.github.commits` go through here."""
        return _call(lambda: fn(self._repo))

    # -- pull requests -----------------------------------------------------------------

    def open_pulls(self, prefix: str) -> dict[str, PullRequest]:
        """Open PRs whose head branch is one of ours (one listing, all pages)."""
        out = {}
        for p in _call(lambda: self._listed("open pull requests", self._repo.get_pulls(state="open"))):
            pr = _pr(p)
            head = p._rawData.get("head")
            repo = head.get("repo") if isinstance(head, dict) else None
            full_name = repo.get("full_name") if isinstance(repo, dict) else None
            # a fork's PR named like ours (its fork deleted: repo null) is not ours to adopt
            if pr.head.startswith(prefix + "/") and (
                isinstance(full_name, str) and full_name.lower() == self.repository.lower()
            ):
                out[pr.head] = pr
        return out

    def find_open(self, branch: str) -> PullRequest | None:
        head = f"{self.owner}:{branch}"
        listed = self._repo.get_pulls(state="open", head=head)
        pulls = _call(lambda: self._listed("open pull requests", listed))
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

    def commit_pusher(self) -> _ApiCommits:
        """Commits created by GitHub through its Git Data API, which it signs and shows Verified."""
        return _ApiCommits(self)

    def withdraw_auto_merge(self, pr: PullRequest) -> list[str]:
        """GraphQL's ``disablePullRequestAutoMerge`` (REST has no call for it)."""
        raw = pr.raw
        return decorate_steps(
            f"PR #{pr.number}",
            [("auto-merge off", lambda: _call(lambda: raw.disable_automerge()))],
            (GitOpsBotError,),
        )

    def close(self, pr: PullRequest, comment: str) -> None:
        raw = pr.raw
        _call(lambda: raw.create_issue_comment(comment))
        _call(lambda: raw.edit(state="closed"))

    # -- a commit's checks (gitops_bot.core.checks.CommitChecks) ------------------------

    def commit_checks(self, sha: str) -> tuple[Check, ...]:
        """The check runs (``GET .../commits/{ref}/check-runs``) and the combined status
        (``GET .../commits/{ref}/status``), each listing read to the end its ``total_count``
        names, within :data:`~gitops_bot.core.checks.MAX_CHECKS`, or not at all. A status
        and a check run of one name are two checks: branch protection requires both."""
        if not SHA.match(sha):
            raise UsageError(f"not a commit id: {sha[:80]!r}")
        requester, base = self._repo._requester, f"{self._repo.url}/commits/{sha}"

        def get(path: str, **params: Any) -> Any:
            return _call(lambda: requester.requestJsonAndCheck("GET", f"{base}/{path}", parameters=params))[1]

        def listing(path: str, key: str, what: str) -> tuple[list[Any], dict[str, Any]]:
            """Every entry under ``key``, page by page, and the first page's answer."""
            entries: list[Any] = []
            first: dict[str, Any] = {}
            said = 0
            for page in range(1, -(-checks.MAX_CHECKS // CHECKS_PAGE) + 1):  # the pages the bound fills
                data = get(path, per_page=CHECKS_PAGE, page=page)
                listed = data.get(key) if isinstance(data, dict) else None
                total = data.get("total_count") if isinstance(data, dict) else None
                if not isinstance(listed, list) or not isinstance(total, int) or isinstance(total, bool):
                    raise GitHubUnavailable(
                        f"GitHub answered its {what} without {key} and total_count",
                        hint="check github.api_url",
                    )
                first = first or data
                entries += listed
                said = max(said, total)  # a count that grew between pages: the larger must be read
                if said > checks.MAX_CHECKS:
                    break  # not read further: judged below
                if len(listed) < CHECKS_PAGE or len(entries) >= said:
                    break
            checks.read_whole("GitHub", what, len(entries), said)
            return entries, first

        def read() -> tuple[Check, ...]:
            listed, _ = listing("check-runs", "check_runs", "check runs")
            runs = checks_github.from_check_runs({"check_runs": listed})
            listed, combined = listing("status", "statuses", "statuses")
            statuses = checks_github.from_combined_status({"statuses": listed})
            return checks.newest(
                [
                    *(replace(c, kind=checks.RUN) for c in runs),
                    *(replace(c, kind=checks.STATUS) for c in statuses),
                    *_beyond_statuses(combined.get("state"), statuses),
                ]
            )

        # the pages of both listings within one listing's time bound
        return Listing("GitHub", f"checks on {sha[:12]}", MAX_PAGES).read(read)

    # -- a status the bot reports (gitops_bot.forges.statuses.CommitStatuses) ---------------

    def report_status(self, sha: str, context: str, state: State, description: str) -> None:
        """``POST /repos/{owner}/{repo}/statuses/{sha}`` (the token needs ``statuses: write``)."""
        if not SHA.match(sha):
            raise UsageError(f"not a commit id: {sha[:80]!r}")
        requester = self._repo._requester
        body = {
            "state": state.value,
            "context": context,
            "description": description[: statuses.MAX_DESCRIPTION],
        }
        _call(lambda: requester.requestJsonAndCheck("POST", f"{self._repo.url}/statuses/{sha}", input=body))

    # -- issues (the dashboard: gitops_bot.forges.issues.IssueBoard) ----------------------

    def issues_labelled(self, label: str) -> list[Issue]:
        listed = self._repo.get_issues(state="all", labels=[label])  # lazy: no request yet
        found = _call(lambda: self._listed("labelled issues", listed))
        # GitHub lists pull requests as issues too; they carry ``pull_request``. Read from the
        # listed answer: PyGithub's attribute would fetch each issue again to learn it is absent
        return [_issue(i) for i in found if "pull_request" not in i._rawData]

    def create_issue(self, title: str, body: str, label: str) -> Issue:
        return _issue(_call(lambda: self._repo.create_issue(title=title, body=body, labels=[label])))

    def edit_issue(self, issue: Issue, title: str, body: str) -> Issue:
        raw = issue.raw
        _call(lambda: raw.edit(title=title, body=body))
        return Issue(issue.number, issue.url, title, body, issue.open, issue.author, raw)

    def identity(self) -> str:
        """The token's user (``GET /user``), or the App's bot user named at connect; asked
        once per adapter."""
        if self._identity is None:
            login = _call(lambda: self._gh.get_user().login)
            if not isinstance(login, str) or not login:
                raise forge.no_identity("GitHub")
            self._identity = login
        return self._identity


def _issue(i: Any) -> Issue:
    user = i._rawData.get("user")  # read from the answer: PyGithub's attribute may fetch again
    login = user.get("login") if isinstance(user, dict) else None
    author = login if isinstance(login, str) else ""
    return Issue(i.number, i.html_url, i.title or "", i.body or "", i.state == "open", author, i)


def _pr(p: Any) -> PullRequest:
    """The answer as it came, its fields checked (a forge's answer is input like any other):
    PyGithub's attribute of a missing field is None, which would surface far from here."""
    raw = getattr(p, "_rawData", None)
    got: dict[str, Any] = raw if isinstance(raw, dict) else {}
    head = got.get("head")
    ref = head.get("ref") if isinstance(head, dict) else None
    number = got.get("number")
    checked = forge.change_request(
        "GitHub",
        None if isinstance(number, bool) else number,
        got.get("html_url"),
        ref,
        got.get("title"),
        got.get("body"),
        p,
        got.get("created_at"),
    )
    return replace(checked, title=got.get("title") or "")  # GitHub's drafts are not a title marker


def _beyond_statuses(state: Any, statuses: Sequence[Check]) -> list[Check]:
    """GitHub's combined ``state``, over every status of the commit, as one more check when it
    is worse than the statuses read say: a failing or pending status the pages did not show
    (a status set between two page reads) must not let the gate pass. GitHub says ``pending``
    for a commit with no status at all: nothing then."""
    if not statuses or not isinstance(state, str) or state == "success":
        return []
    worst = State.PENDING if state == "pending" else State.FAILURE  # error, failure, a new word
    shown = {c.state for c in statuses}
    if State.FAILURE in shown or (worst is State.PENDING and State.PENDING in shown):
        return []
    return [Check("combined status", worst, state, kind=checks.SUMMARY)]


def _call(fn: Callable[[], T]) -> T:
    try:
        return fn()
    except GithubException as exc:
        raise _error(exc) from None
    except requests.RequestException as exc:
        raise _unavailable(exc) from None


def _error(exc: GithubException) -> GitOpsBotError:
    headers = {k.lower() for k in exc.headers or {}}
    if (
        isinstance(exc, github.RateLimitExceededException)
        or exc.status == 429
        or (exc.status == 403 and ("rate limit" in str(exc.data).lower() or "retry-after" in headers))
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
    h = {k.lower(): str(v) for k, v in headers.items()}
    at = epoch_instant(h.get("x-ratelimit-reset", ""))
    wait = retry_after_seconds(h.get("retry-after", ""), 0.0) if at is None else None
    if wait is not None:
        at = later(datetime.fromtimestamp(time.time(), UTC), timedelta(seconds=wait))
    return at.strftime(", resets at %Y-%m-%d %H:%M:%S UTC") if at else ""


def _unavailable(exc: Exception) -> GitHubUnavailable:
    name = type(exc).__name__
    if isinstance(exc, requests_net.AnswerTooLarge):  # streamed and stopped there, never read whole
        return GitHubUnavailable(
            f"GitHub answered more than {requests_net.LIMIT} bytes", hint="check github.api_url"
        )
    if isinstance(exc, requests.exceptions.RetryError):
        return GitHubUnavailable(f"GitHub unavailable ({exc}) after retries", hint="run again later")
    return GitHubUnavailable(f"cannot reach GitHub ({name})", hint="check github.api_url and the network")


class _ApiCommits:
    def __init__(self, gh: GitHub) -> None:
        self._gh = gh

    def push(self, ws: Workspace, branch: str, lease: tuple[str, str | None] | None) -> str:
        return github_commits.push(self._gh, ws, branch, lease)
