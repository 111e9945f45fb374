"""Pull requests on GitHub and GitHub Enterprise, through its REST API with the bot's one HTTP
client (:mod:`gitops_bot.net.service`), as every other forge's.

The bot calls about twenty endpoints. PyGithub covered them, but it brought a second HTTP
stack (requests, urllib3, charset-normalizer, PyNaCl) to every install, its own retries, its
own reading of answers and its own pagination, each of which had to be bent back onto the one
client; without it an install is five packages lighter and GitHub's calls get what every other
call gets directly. Each call is one :meth:`~gitops_bot.forges.kit.Api.call`
(origin-bound credential, 30 s deadline, 8 MiB, redirects within the origin, JSON that is
JSON), asked again by the client on rate limits and 5xx within the same 2-minute bound as
every forge's: ``Retry-After``, ``X-RateLimit-Remaining: 0`` with ``X-RateLimit-Reset``, and
the secondary limit's 403 that names no time ("wait at least one minute"). Writes are
spaced by ``github.write_interval`` (GitHub's guidance against the secondary limits).

Idempotent by construction (argocd-image-updater's ``pr_github.go`` shape): the branch name is
deterministic, an open PR for it is looked up before one is created and updated in place, a
422 "already exists" adopts the PR another run just opened, and a failed label, reviewer or
auto-merge request is a warning. Listings follow ``Link: rel="next"`` to their end or fail
(:meth:`~gitops_bot.forges.kit.Api.list`). Auto-merge is GraphQL's (REST has no call).

Credentials: a token (``GITHUB_TOKEN``), or a GitHub App: its RS256 JWT (PyJWT) asks for the
repository's installation and an installation token, renewed before its hour runs out.
"""

from __future__ import annotations

import dataclasses
import functools
import re
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import replace
from typing import Any
from urllib.parse import quote, urlparse

import httpx
import jwt

from gitops_bot.core import checks
from gitops_bot.core.checks import Check, CheckState
from gitops_bot.core.errors import ForgeError, ForgeUnavailable, UsageError
from gitops_bot.core.instants import outside_instant
from gitops_bot.core.log import redact, register_secret, renewing
from gitops_bot.forges import forge, issues, kit, statuses
from gitops_bot.forges.compare_kit import SHA
from gitops_bot.forges.forge import Adapter, ChangeRequest, Decorations, Steps
from gitops_bot.forges.github import checks as checks_github
from gitops_bot.forges.github import commits as github_commits
from gitops_bot.forges.issues import Issue
from gitops_bot.forges.kit import MAX_WAIT, Api, Words, linked, numbered
from gitops_bot.forges.settings import GitHubConfig
from gitops_bot.git.git import GitWorkspace
from gitops_bot.net import limits
from gitops_bot.net.service import Credential

NAME = "GitHub"
MAX_PAGES = 100  # of one listing (open pull requests, labelled issues)
PER_PAGE = 100  # GitHub's largest page
CHECKS_PAGE = 100  # check runs or statuses a page: GitHub's largest per_page
SECONDARY_WAIT = 60.0  # GitHub: "wait at least one minute" when its secondary limit names no time
# how GitHub words a rate limit, whatever the headers say
_LIMIT_WORDS = ("rate limit", "abuse detection", "please wait a few minutes")
RENEW_BEFORE = 300.0  # seconds before an installation token's expiry it is renewed
APP_JWT_SECONDS = 540  # an App's JWT: GitHub takes at most 10 minutes (clock drift: iat 60 s back)
# GitHub's media type and the REST version the calls below are written against
HEADERS = {"Accept": "application/vnd.github+json", "X-GitHub-Api-Version": "2022-11-28"}
HINTS = {
    401: "check the GitHub token",
    403: "the token needs contents and pull-requests write access to the repository",
    404: "check github.repository and the token's access to it",
}
WORDS = Words(
    NAME,
    HINTS,
    lambda body, reason: _message(body, reason),
    race=lambda s, b: _race(s, b),
    limit_words=_LIMIT_WORDS,
    word_wait=SECONDARY_WAIT,
)
_ENABLE_AUTO_MERGE = (
    "mutation($input: EnablePullRequestAutoMergeInput!) "
    "{ enablePullRequestAutoMerge(input: $input) { clientMutationId } }"
)
_ENABLE_HINT = (
    "allow auto-merge in the repository's settings; GitHub takes it only while the pull request "
    "waits for required checks or reviews"
)
_DISABLE_HINT = "the token needs pull-requests write access; turn auto-merge off on the pull request by hand"
_DISABLE_AUTO_MERGE = (
    "mutation($input: DisablePullRequestAutoMergeInput!) "
    "{ disablePullRequestAutoMerge(input: $input) { clientMutationId } }"
)


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


def graphql_url(api_url: str) -> str:
    """GitHub's GraphQL endpoint beside its REST API: ``/graphql`` on api.github.com, and
    ``/api/graphql`` beside a GitHub Enterprise server's ``/api/v3``."""
    base = api_url.rstrip("/")
    return base.removesuffix("/v3") + "/graphql" if base.endswith("/api/v3") else base + "/graphql"


class GitHub(Adapter):
    """The :class:`~gitops_bot.forges.forge.Forge` adapter for GitHub and GitHub Enterprise."""

    noun = "pull request"
    name = NAME
    git_user = "x-access-token"

    def __init__(
        self,
        api: Api,
        repository: str,
        *,
        git_token: str,
        identity: str | None = None,
        write_interval: float = 0.0,
        graphql: str | None = None,
        renew: Callable[[], tuple[str, float | None]] | None = None,
        expires: float | None = None,
    ) -> None:
        self._api = api
        self.repository = repository
        self.owner = repository.split("/")[0]
        self.git_token: str | None = git_token
        self._identity = identity  # known at connect for a GitHub App; else asked when needed
        self._repo = "/repos/" + "/".join(quote(p, safe="") for p in repository.split("/"))
        self._graphql = graphql or graphql_url(api.base)
        self.write_interval = write_interval
        self._last_write = float("-inf")
        self._renew, self._expires = renew, expires  # an App's installation token: (token, expiry)
        self._lock = threading.Lock()

    @classmethod
    def connect(
        cls,
        cfg: GitHubConfig,
        repository: str,
        environ: Mapping[str, str],
        *,
        max_wait: float = MAX_WAIT,
        transport: httpx.BaseTransport | None = None,
    ) -> GitHub:
        """A token from ``cfg.token_env``, or a GitHub App (id + private key) exchanged for an
        installation token. ``max_wait`` bounds how long a rate limit is waited out."""

        def service(credential: Credential, words: Words = WORDS) -> Api:
            return Api(
                words, cfg.api_url, credential, max_wait=max_wait, headers=HEADERS, transport=transport
            )

        common: dict[str, Any] = {"write_interval": cfg.write_interval}
        # a secret file or a pasted value often ends in a newline, which no header can carry
        token = (environ.get(cfg.token_env) or "").strip()
        app_id, app_key = environ.get(cfg.app_id_env), environ.get(cfg.app_key_env)
        if token:
            return cls(service(Credential.scheme("token", token)), repository, git_token=token, **common)
        if app_id and app_key:
            register_secret(app_key)
            app = _App(cfg, app_id, app_key.replace("\\n", "\n"), repository, service)
            installation, slug = app.installation()
            git_token, expires = app.token(installation)
            # an installation token has no user (GET /user refuses it): what it writes is
            # authored by the App's bot user, "<slug>[bot]", the slug named by the installation
            return cls(
                service(Credential.scheme("token", git_token)),
                repository,
                git_token=git_token,
                identity=f"{slug}[bot]" if slug else None,
                renew=lambda: app.token(installation),
                expires=expires,
                **common,
            )
        raise UsageError(
            "no GitHub credentials",
            hint=f"set {cfg.token_env} (a token with contents and pull-requests write), "
            f"or {cfg.app_id_env} and {cfg.app_key_env} for a GitHub App",
        )

    # -- the API -------------------------------------------------------------------------

    def request(self, method: str, path: str, **kwargs: Any) -> Any:
        """One call's decoded answer, asked again and worded as every forge's; also the Git
        Data API's way in (:mod:`gitops_bot.forges.github.commits`)."""
        self._fresh_token()
        if method != "GET":
            self._space_writes()
        return self._api.call(method, path, **kwargs)

    def _list(self, path: str, what: str, **params: object) -> list[Any]:
        """Every item of a listing, page by page as ``Link: rel="next"`` names them."""
        self._fresh_token()
        return list(self._api.list(path, linked(PER_PAGE), what, pages=MAX_PAGES, params=params).items)

    def _space_writes(self) -> None:
        """At most one write a ``write_interval``: GitHub's guidance against its secondary rate
        limits, which a burst of writes (labels, reviewers, a comment) meets first."""
        with self._lock:
            wait = self._last_write + self.write_interval - time.monotonic()
            if wait > 0:
                kit._sleep(wait)
            self._last_write = time.monotonic()

    def _fresh_token(self) -> None:
        """An App's installation token lives an hour: renewed a few minutes before it ends, so a
        long run (a watch cycle waiting on gates) never meets a 401 midway."""
        if self._renew is None or self._expires is None or time.time() < self._expires - RENEW_BEFORE:
            return
        with self._lock:
            if time.time() >= self._expires - RENEW_BEFORE:
                token, self._expires = self._renew()
                self._api.service.credential = Credential.scheme("token", token)

    # -- pull requests -------------------------------------------------------------------

    def _open(self, wanted: Callable[[str], bool], **params: object) -> dict[str, ChangeRequest]:
        out = {}
        for item in self._list(f"{self._repo}/pulls", "open pull requests", state="open", **params):
            pr = _pr(item)
            head = item.get("head")
            repo = head.get("repo") if isinstance(head, dict) else None
            full_name = repo.get("full_name") if isinstance(repo, dict) else None
            # a fork's PR named like ours (its fork deleted: repo null) is not ours to adopt
            if (
                wanted(pr.head)
                and isinstance(full_name, str)
                and full_name.lower() == self.repository.lower()
            ):
                out[pr.head] = pr
        return out

    def closed_unmerged(self, branch: str) -> list[ChangeRequest]:
        """Closed PRs of ``branch`` in this repository that were not merged (``merged_at`` null)."""
        out = []
        for item in self._list(
            f"{self._repo}/pulls", "closed pull requests", state="closed", head=f"{self.owner}:{branch}"
        ):
            pr = _pr(item)
            head = item.get("head") if isinstance(item, dict) else None
            repo = head.get("repo") if isinstance(head, dict) else None
            full_name = repo.get("full_name") if isinstance(repo, dict) else None
            mine = isinstance(full_name, str) and full_name.lower() == self.repository.lower()
            if pr.head == branch and mine and item.get("merged_at") is None:
                out.append(pr)
        return out

    def find_open(self, branch: str) -> ChangeRequest | None:
        """The open PR of ``branch`` in this repository (GitHub filters by ``owner:branch``)."""
        return self._open(lambda head: head == branch, head=f"{self.owner}:{branch}").get(branch)

    def create(self, branch: str, base: str, title: str, body: str, *, draft: bool) -> ChangeRequest:
        payload = {"head": branch, "base": base, "title": title, "body": body, "draft": draft}

        try:
            return _pr(self.request("POST", f"{self._repo}/pulls", json=payload))
        except ForgeError as exc:
            # another run opened it a moment ago (_race); any other refusal is what it says
            found = self.find_open(branch) if exc.race else None
            if found is None:
                raise
            return self.update(found, title, body)

    def update(self, pr: ChangeRequest, title: str, body: str) -> ChangeRequest:
        if pr.title == title and pr.body == body:
            return pr
        self.request("PATCH", f"{self._repo}/pulls/{pr.number}", json={"title": title, "body": body})
        return dataclasses.replace(pr, title=title, body=body)

    def steps(self, pr: ChangeRequest, want: Decorations) -> Steps:
        n = pr.number
        steps: Steps = []
        if want.labels:
            wanted = {"labels": list(want.labels)}
            steps.append(
                ("labels", lambda: self.request("POST", f"{self._repo}/issues/{n}/labels", json=wanted))
            )
        if want.reviewers:
            asked = {"reviewers": list(want.reviewers)}
            steps.append(
                (
                    "reviewers",
                    lambda: self.request("POST", f"{self._repo}/pulls/{n}/requested_reviewers", json=asked),
                )
            )
        if want.assignees:
            people = {"assignees": list(want.assignees)}
            steps.append(
                ("assignees", lambda: self.request("POST", f"{self._repo}/issues/{n}/assignees", json=people))
            )
        if want.auto_merge:
            method = want.auto_merge.upper()
            steps.append(
                ("auto-merge", lambda: self._mutate(_ENABLE_AUTO_MERGE, pr, _ENABLE_HINT, mergeMethod=method))
            )
        return steps

    def commit_pusher(self) -> _ApiCommits:
        """Commits created by GitHub through its Git Data API, which it signs and shows Verified."""
        return _ApiCommits(self)

    def withdraw_auto_merge(self, pr: ChangeRequest) -> list[str]:
        """GraphQL's ``disablePullRequestAutoMerge`` (REST has no call for it)."""
        return forge.decorate_steps(
            f"PR #{pr.number}",
            [("auto-merge off", lambda: self._mutate(_DISABLE_AUTO_MERGE, pr, _DISABLE_HINT))],
            (ForgeError,),
        )

    def _mutate(self, query: str, pr: ChangeRequest, hint: str, **fields: str) -> None:
        """A GraphQL mutation on the pull request (its ``node_id``); GraphQL answers its own
        refusals with 200 and ``errors``, which are refusals here too."""
        node = pr.raw.get("node_id") if isinstance(pr.raw, dict) else None
        if not isinstance(node, str) or not node:
            raise _odd(f"PR #{pr.number} without its node_id")
        variables = {"input": {"pullRequestId": node, **fields}}
        answer = self.request("POST", self._graphql, json={"query": query, "variables": variables})
        errors = answer.get("errors") if isinstance(answer, dict) else None
        if errors:
            said = _said({"errors": errors if isinstance(errors, list) else [errors]})
            raise ForgeError(
                redact(f"GitHub refused the request: {said or 'GraphQL errors without a message'}"),
                status=None,
                hint=hint,
            )

    def close(self, pr: ChangeRequest, comment: str) -> None:
        self.request("POST", f"{self._repo}/issues/{pr.number}/comments", json={"body": comment})
        self.request("PATCH", f"{self._repo}/pulls/{pr.number}", json={"state": "closed"})

    # -- a commit's checks (gitops_bot.core.checks.CommitChecks) ------------------------

    def commit_checks(self, sha: str) -> tuple[Check, ...]:
        """The check runs (``GET .../commits/{ref}/check-runs``) and the combined status
        (``GET .../commits/{ref}/status``), each listing read to the end its ``total_count``
        names, within :data:`~gitops_bot.core.checks.MAX_CHECKS`, or not at all. A status
        and a check run of one name are two checks: branch protection requires both."""
        if not SHA.match(sha):
            raise UsageError(f"not a commit id: {sha[:80]!r}")
        base = f"{self._repo}/commits/{sha}"

        def listing(path: str, key: str, what: str) -> kit.Listed:
            """Every entry under ``key`` to the ``total_count`` GitHub names, within the bound."""
            bound = checks.MAX_CHECKS
            paging = numbered(
                CHECKS_PAGE,
                checks_github.envelope(key, what),
                limit="per_page",
                count=checks_github.total_count,
            )
            listed = self._api.list(
                f"{base}/{path}",
                paging,
                what,
                pages=bound // CHECKS_PAGE + 1,
                max_items=bound,
                too_many=lambda read, said: checks.unread(NAME, what, read, said),
            )
            checks.read_whole(NAME, what, len(listed.items), listed.count)
            return listed

        runs = checks_github.from_check_runs(
            {"check_runs": list(listing("check-runs", "check_runs", "check runs").items)}
        )
        listed = listing("status", "statuses", "statuses")
        # the combined state is over every status of the commit, on each page alike
        combined = listed.last.json
        statuses_read = checks_github.from_combined_status({"statuses": list(listed.items)})
        return checks.newest(
            [
                *(replace(c, kind=checks.RUN) for c in runs),
                *(replace(c, kind=checks.STATUS) for c in statuses_read),
                *checks_github.beyond_statuses(
                    combined.get("state") if isinstance(combined, dict) else None, statuses_read
                ),
            ]
        )

    # -- a status the bot reports (gitops_bot.forges.statuses.CommitStatuses) ---------------

    def report_status(self, sha: str, context: str, state: CheckState, description: str) -> None:
        """``POST /repos/{owner}/{repo}/statuses/{sha}`` (the token needs ``statuses: write``)."""
        if not SHA.match(sha):
            raise UsageError(f"not a commit id: {sha[:80]!r}")
        body = {
            "state": state.value,
            "context": context,
            "description": description[: statuses.MAX_DESCRIPTION],
        }
        self.request("POST", f"{self._repo}/statuses/{sha}", json=body)

    # -- issues (the dashboard: gitops_bot.forges.issues.IssueBoard) ----------------------

    def issues_labelled(self, label: str) -> list[Issue]:
        found = self._list(f"{self._repo}/issues", "labelled issues", state="all", labels=label)
        # GitHub lists pull requests as issues too; they carry ``pull_request``
        return [_issue(i) for i in found if not (isinstance(i, dict) and "pull_request" in i)]

    def create_issue(self, title: str, body: str, label: str) -> Issue:
        made = self.request(
            "POST", f"{self._repo}/issues", json={"title": title, "body": body, "labels": [label]}
        )
        return _issue(made)

    def edit_issue(self, issue: Issue, title: str, body: str) -> Issue:
        self.request("PATCH", f"{self._repo}/issues/{issue.number}", json={"title": title, "body": body})
        return Issue(issue.number, issue.url, title, body, issue.open, issue.author, issue.raw)

    def identity(self) -> str:
        """The token's user (``GET /user``), or the App's bot user named at connect; asked
        once per adapter."""
        if self._identity is None:
            me = self.request("GET", "/user")
            login = me.get("login") if isinstance(me, dict) else None
            if not isinstance(login, str) or not login:
                raise forge.no_identity(NAME)
            self._identity = login
        return self._identity


@functools.lru_cache(maxsize=4)
def _signing_key(pem: str) -> Any:
    """An App's PEM private key parsed once a process, by PyJWT's own reading of it (RS256's:
    the same refusals as when it was given the text to sign with: not a key, not RSA, not
    parseable). A refusal raises and is not kept; a few keys at most (one App a process)."""
    return jwt.get_algorithm_by_name("RS256").prepare_key(pem)


class _App:
    """A GitHub App as the bot uses one: its JWT (RS256, signed with the App's private key)
    names the repository's installation and asks for that installation's token."""

    def __init__(
        self,
        cfg: GitHubConfig,
        app_id: str,
        key: str,
        repository: str,
        service: Callable[[Credential, Words], Api],
    ) -> None:
        self.cfg, self.app_id, self.key, self.repository = cfg, app_id, key, repository
        self.service = service
        # the key parsed and checked at the first JWT, then kept (and across connections, by
        # _signing_key): cryptography checks an RSA key's consistency each time it loads one
        # (~0.04-0.1 s of CPU), and an App signs a JWT at connect and at every renewal of its
        # installation token, and each connection (a `watch` cycle's, say) makes a new _App
        self._signing: Any = None
        self.words = replace(
            WORDS,
            hints={
                401: f"check {cfg.app_id_env} and that {cfg.app_key_env} is that App's private key",
                404: f"install the GitHub App on {repository} (or check {cfg.app_id_env})",
            },
        )

    def _ask(self, method: str, path: str) -> Any:
        # a JWT signed for each request, valid minutes: it replaces the App's last one
        with renewing(f"GitHub App {self.app_id} JWT at {self.cfg.api_url}"):
            credential = Credential.bearer(self._jwt())
        api = self.service(credential, self.words)
        try:
            return api.call(method, path)
        finally:
            api.close()

    def _jwt(self) -> str:
        now = int(time.time())
        try:
            if self._signing is None:
                # PyJWT's own reading of a PEM (RS256's): the same refusals as when it was
                # given the text to sign with (not a key, not RSA, not parseable)
                self._signing = _signing_key(self.key)
            return jwt.encode(
                {"iat": now - 60, "exp": now + APP_JWT_SECONDS, "iss": self.app_id},
                self._signing,
                algorithm="RS256",
            )
        except (jwt.PyJWTError, ValueError, TypeError, AttributeError) as exc:
            # AttributeError: a public key where the private one belongs (it has no sign())
            raise UsageError(
                f"the GitHub App private key in {self.cfg.app_key_env} is unusable ({type(exc).__name__})",
                hint="set it to the App's PEM private key (newlines may be written as \\n)",
            ) from None

    def installation(self) -> tuple[int, str | None]:
        """(the installation's id, the App's slug) for the repository."""
        found = self._ask("GET", f"/repos/{self.repository}/installation")
        number = found.get("id") if isinstance(found, dict) else None
        if not isinstance(number, int) or isinstance(number, bool):
            raise _odd(f"the installation of {self.repository} without its id")
        slug = found.get("app_slug")
        return number, slug if isinstance(slug, str) and slug else None

    def token(self, installation: int) -> tuple[str, float | None]:
        """An installation token and when it expires (seconds since the epoch)."""
        made = self._ask("POST", f"/app/installations/{installation}/access_tokens")
        token = made.get("token") if isinstance(made, dict) else None
        # a header value: visible ASCII, or the request could not even be written
        if not isinstance(token, str) or not token or not all("!" <= c <= "~" for c in token):
            raise _odd("an installation token that is no token")
        # renewed hourly for as long as a watch runs: it replaces the installation's last one
        register_secret(token, renews=[f"GitHub App installation {installation} at {self.cfg.api_url}"])
        expires = outside_instant(made.get("expires_at"), NAME)
        return token, expires.timestamp() if expires else None


def _race(status: int, body: Any) -> bool:
    """422 "A pull request already exists for owner:branch": another run opened it a moment
    ago, said in one of GitHub's documented ``errors[]``; any other 422 (a head that does not
    exist) is the refusal it says."""
    errors = body.get("errors") if isinstance(body, dict) else None
    return (
        status == 422
        and isinstance(errors, list)  # an answer's field, whatever its type
        and any(isinstance(e, dict) and "already exists" in str(e.get("message") or "") for e in errors)
    )


def _odd(what: str) -> ForgeUnavailable:
    return ForgeUnavailable(f"GitHub answered {what}", hint="check github.api_url")


def _issue(item: Any) -> Issue:
    return issues.github_shaped(NAME, item)


def _pr(item: Any) -> ChangeRequest:
    """The answer as it came, its fields checked (a forge's answer is input like any other)."""
    got: dict[str, Any] = item if isinstance(item, dict) else {}
    head = got.get("head")
    ref = head.get("ref") if isinstance(head, dict) else None
    number = got.get("number")
    checked = forge.change_request(
        NAME,
        None if isinstance(number, bool) else number,
        got.get("html_url"),
        ref,
        got.get("title"),
        got.get("body"),
        got,
        got.get("created_at"),
        _ref(got.get("base")),
    )
    # GitHub's drafts are a field, not a title marker: the title is what it says
    return dataclasses.replace(checked, title=got.get("title") or "")


def _ref(side: Any) -> Any:
    return side.get("ref") if isinstance(side, dict) else None


def _message(body: bytes, reason: str) -> str:
    """GitHub's own words: ``message`` and each ``errors[].message`` (GraphQL's errors too),
    on one line; the status's reason when the body says nothing readable."""
    try:
        data = limits.loads(body)
    except ValueError:
        # redacted before it is cut: a secret cut short would no longer be found whole
        return " ".join(redact(body[: 64 << 10].decode("utf-8", "replace")).split())[:300] or reason
    return _said(data) or reason


def _said(data: Any) -> str:
    if not isinstance(data, dict):
        return ""
    parts = [str(data.get("message") or "")]
    errors = data.get("errors")
    for err in errors if isinstance(errors, list) else []:
        text = err.get("message") or err.get("code") if isinstance(err, dict) else err
        parts.append(str(text or ""))
    return " ".join(redact("; ".join(p for p in parts if p)).split())[:300]


class _ApiCommits:
    def __init__(self, gh: GitHub) -> None:
        self._gh = gh

    def push(self, ws: GitWorkspace, branch: str, lease: tuple[str, str | None] | None) -> str:
        return github_commits.push(self._gh, ws, branch, lease)
