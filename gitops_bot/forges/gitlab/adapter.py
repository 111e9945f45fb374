"""Merge requests on gitlab.com and self-managed GitLab, through its REST API v4 with the bot's
one HTTP client (:mod:`gitops_bot.net.service`), as the other forges without a client library.

The bot calls a dozen endpoints; a client library for them brought a second HTTP stack
(requests and requests-toolbelt) to every install, its own retries and its own reading of
answers. Here each call is one :meth:`~gitops_bot.forges.kit.Api.call` (origin-bound credential,
30 s deadline, 8 MiB, redirects within the origin, JSON that is JSON), asked again by the
client on rate limits and 5xx within the same 2-minute bound as every forge's,
``Retry-After`` and ``RateLimit-Reset`` honoured.

Credentials as GitLab takes them: a personal, project or group access token as
``PRIVATE-TOKEN``; GitLab CI's job token (``CI_JOB_TOKEN``) as ``JOB-TOKEN``; each sent to
the configured server's origin only.

Listings (open merge requests, the dashboard's issues, a commit's statuses) are read to their
end or not at all (:meth:`~gitops_bot.forges.kit.Api.list`), following GitLab's own
paging: ``X-Next-Page`` (offset pagination: a page number, empty on the last page), else a
``Link: rel="next"`` (keyset pagination names only that), within each listing's page bound
and the shared listing time.

Drafts are GitLab's "Draft: " title prefix. Merge requests are opened with "delete source
branch", so a merged one leaves no branch behind.

Auto-merge (``auto_merge: squash`` also squashes): asking for "merge when pipeline succeeds"
before the merge request's pipeline exists makes GitLab merge at once, untested (GitLab issue
37292), and a just-opened merge request has no pipeline yet. GitLab 17.11 and later take
``auto_merge: true`` ("merge when checks pass"), which waits for the pipeline; on an older
GitLab (or one whose version cannot be read) the bot first waits, bounded, for the merge
request's head pipeline, and leaves auto-merge unset with a warning if none appears.
"""

from __future__ import annotations

import dataclasses
import re
import time
from collections.abc import Callable, Mapping, Sequence
from typing import Any, Self
from urllib.parse import quote

from gitops_bot.core import checks, numbers
from gitops_bot.core.checks import Check, CheckState
from gitops_bot.core.errors import ForgeError, ForgeUnavailable, RemoteUnknown, UsageError
from gitops_bot.core.log import register_secret
from gitops_bot.forges import forge, kit
from gitops_bot.forges.compare_kit import SHA
from gitops_bot.forges.forge import Adapter, ChangeRequest, Decorations, Steps
from gitops_bot.forges.issues import Issue
from gitops_bot.forges.kit import Api, Environ, NextPage, Paging, TransportOrNone, Words, array, unexpected
from gitops_bot.forges.remotes import no_repository, remote_project, remote_server
from gitops_bot.forges.settings import ForgeConfig
from gitops_bot.net import limits
from gitops_bot.net.service import Answer, Credential, link_next

NAME = "GitLab"
DRAFT_PREFIX = "Draft: "
# a commit status's (a job's) status; "manual" and "skipped" jobs did not run
_STATES = {
    "success": CheckState.SUCCESS,
    "created": CheckState.PENDING,
    "waiting_for_resource": CheckState.PENDING,
    "preparing": CheckState.PENDING,
    "pending": CheckState.PENDING,
    "running": CheckState.PENDING,
    "scheduled": CheckState.PENDING,
    "manual": CheckState.SKIPPED,
    "skipped": CheckState.SKIPPED,
    "failed": CheckState.FAILURE,
    "canceled": CheckState.FAILURE,
}
PER_PAGE = 100  # GitLab's largest page
MAX_OPEN_PAGES = 50  # of open merge requests read when looking for the bot's own
MAX_ISSUE_PAGES = 10  # of labelled issues read when looking for the dashboard
AUTO_MERGE_SINCE = (17, 11)  # PUT .../merge takes auto_merge=true from this version on
PIPELINE_WAIT = 120.0  # seconds an older GitLab is given to create a new MR's head pipeline
PIPELINE_POLL = 3.0
HINTS = {
    401: "check GITLAB_TOKEN (not expired, not revoked)",
    403: "the token needs the api and write_repository scopes and Developer access; "
    "CI_JOB_TOKEN cannot open merge requests: set GITLAB_TOKEN to a project access token",
    404: "check forge.repository, forge.api_url and the token's access to the project",
    409: "another merge request holds this branch, or the project is busy; run again",
    422: "GitLab refused the merge request's fields; check the base branch and labels",
}


class GitLab(Adapter):
    """The :class:`~gitops_bot.forges.forge.Forge` adapter for GitLab (SaaS and self-managed)."""

    noun = "merge request"
    name = NAME
    change_ref = "!"  # GitLab Markdown's reference to a merge request (#n is issue n)
    ref = "MR !"

    def __init__(self, api: Api, project: str, *, git_token: str, git_user: str) -> None:
        self._api = api
        self.project_path = project
        # GitLab's id of a project: its number, or its path URL-encoded whole ("acme%2Fgitops")
        self._project = f"/projects/{quote(project, safe='')}"
        self.git_token: str | None = git_token
        self.git_user = git_user
        self.pipeline_wait = PIPELINE_WAIT
        self.pipeline_poll = PIPELINE_POLL
        self._sleep: Callable[[float], None] = time.sleep
        self._version: tuple[int, int] | None = None
        self._identity: str | None = None

    @classmethod
    def connect(
        cls, fcfg: ForgeConfig, url: str, environ: Environ, *, transport: TransportOrNone = None
    ) -> Self:
        """``GITLAB_TOKEN`` (or ``forge.token_env``), else ``CI_JOB_TOKEN`` inside GitLab CI."""
        project = fcfg.repository or remote_project(url, nested=True)
        if project is None:
            raise no_repository(NAME, url, "forge.repository (group/project or the project id)")
        server = _server(fcfg.api_url, url)
        token = environ.get(fcfg.token_env or "GITLAB_TOKEN")
        job_token = None if token else environ.get("CI_JOB_TOKEN")
        secret = token or job_token
        if not secret:
            raise UsageError(
                "no GitLab token",
                hint=f"set {fcfg.token_env or 'GITLAB_TOKEN'} to a project access token "
                "(api and write_repository scopes, Developer role)",
            )
        register_secret(secret)
        credential = Credential("PRIVATE-TOKEN" if token else "JOB-TOKEN", secret)
        api = Api(WORDS, f"{server}/api/v4", credential, transport=transport)
        return cls(api, project, git_token=secret, git_user="oauth2" if token else "gitlab-ci-token")

    # -- the API -------------------------------------------------------------------------

    def _request(self, method: str, path: str, **kwargs: Any) -> Any:
        return self._api.call(method, path, **kwargs)

    def _list(
        self,
        path: str,
        what: str,
        pages: int,
        params: Mapping[str, object],
        max_items: int | None = None,
    ) -> kit.Listed:
        """Every item of a listing, as GitLab pages it (:data:`PAGING`)."""
        return self._api.list(
            path,
            PAGING,
            what,
            pages=pages,
            params=params,
            max_items=max_items,
            too_many=None if max_items is None else lambda read, said: checks.unread(NAME, what, read, said),
        )

    # -- merge requests ------------------------------------------------------------------

    def _open(self, wanted: Callable[[str], bool]) -> dict[str, ChangeRequest]:
        listed = self._list(
            f"{self._project}/merge_requests", "open merge requests", MAX_OPEN_PAGES, {"state": "opened"}
        )
        out = {}
        for item in listed.items:
            cr = _mr(item)
            # ours only when the source branch is in this project: a fork's merge request with
            # a branch named like ours must not be adopted, decorated or auto-merged
            same_project = item.get("source_project_id") == item.get("target_project_id")
            if wanted(cr.head) and same_project:
                out[cr.head] = cr
        return out

    def create(self, branch: str, base: str, title: str, body: str, *, draft: bool) -> ChangeRequest:
        payload = {
            "source_branch": branch,
            "target_branch": base,
            "title": forge.draft_title(title, draft, DRAFT_PREFIX),
            "description": body,
            "remove_source_branch": True,
        }
        return forge.create_or_adopt(
            lambda: _mr(self._request("POST", f"{self._project}/merge_requests", json=payload)),
            lambda: self._open(lambda head: head == branch).get(branch),
            lambda found: self.update(found, title, body),
        )

    def update(self, pr: ChangeRequest, title: str, body: str) -> ChangeRequest:
        if pr.title == title and pr.body == body:
            return pr
        mr = pr.raw if isinstance(pr.raw, dict) else {}
        current = mr.get("title")
        draft = forge.keep_draft(current if isinstance(current, str) else "", title, DRAFT_PREFIX)
        self._put(pr, {"title": draft, "description": body})
        return dataclasses.replace(pr, title=title, body=body)

    def steps(self, pr: ChangeRequest, want: Decorations) -> Steps:
        steps: Steps = []
        if want.labels:
            # a JSON array, as GitLab's API description types add_labels (GitLab also splits a
            # comma-separated string, which the description does not admit)
            steps.append(("labels", lambda: self._put(pr, {"add_labels": list(want.labels)})))
        if want.reviewers:
            steps.append(
                ("reviewers", lambda: self._put(pr, {"reviewer_ids": self._user_ids(want.reviewers)}))
            )
        if want.assignees:
            steps.append(
                ("assignees", lambda: self._put(pr, {"assignee_ids": self._user_ids(want.assignees)}))
            )
        if want.auto_merge:
            steps.append(("auto-merge", lambda: self._auto_merge(pr, squash=want.auto_merge == "squash")))
        return steps

    def _auto_merge(self, pr: ChangeRequest, *, squash: bool) -> None:
        options = {"should_remove_source_branch": True, "squash": squash}
        if self.version() >= AUTO_MERGE_SINCE:
            self._put(pr, {**options, "auto_merge": True}, "/merge")
            return
        # An older GitLab ignores auto_merge (and would merge now); its
        # merge_when_pipeline_succeeds merges at once while no pipeline exists yet.
        if not self._head_pipeline(pr):
            raise ForgeError(
                f"GitLab created no pipeline for MR !{pr.number} within {self.pipeline_wait:.0f}s, "
                "and asking for auto-merge now would merge it untested",
                status=None,
                hint="merge it by hand once CI passed, or upgrade GitLab to 17.11+ (auto_merge)",
            )
        self._put(pr, {**options, "merge_when_pipeline_succeeds": True}, "/merge")

    def version(self) -> tuple[int, int]:
        """GitLab's (major, minor) from ``GET /version``; (0, 0) when it cannot be read (a
        CI job token may not read it): the cautious path that waits for the pipeline."""
        if self._version is None:
            try:
                answer = self._request("GET", "/version")
            except ForgeError:
                answer = None
            said = answer.get("version") if isinstance(answer, dict) else None
            found = re.match(r"(\d+)\.(\d+)", said) if isinstance(said, str) else None
            try:
                self._version = (
                    (numbers.count(found.group(1)), numbers.count(found.group(2))) if found else (0, 0)
                )
            except numbers.OutOfRange:
                self._version = (0, 0)
        return self._version

    def _head_pipeline(self, pr: ChangeRequest) -> bool:
        """Whether the merge request has a head pipeline, polled for at most ``pipeline_wait``."""
        path = f"{self._project}/merge_requests/{pr.number}"
        deadline = time.monotonic() + self.pipeline_wait
        while True:
            answer = self._request("GET", path)
            if isinstance(answer, dict) and isinstance(answer.get("head_pipeline"), dict):
                return True
            if time.monotonic() + self.pipeline_poll > deadline:
                return False
            self._sleep(self.pipeline_poll)

    def commit_checks(self, sha: str) -> tuple[Check, ...]:
        """The commit's statuses (``GET /projects/:id/repository/commits/:sha/statuses``): its
        pipelines' jobs and the statuses external systems set, the latest per name; every page,
        within :data:`~gitops_bot.core.checks.MAX_CHECKS`, or not at all."""
        if not SHA.match(sha):
            raise UsageError(f"not a commit id: {sha[:80]!r}")
        bound = checks.MAX_CHECKS
        path = f"{self._project}/repository/commits/{sha}/statuses"
        listed = self._list(path, "statuses", bound // PER_PAGE + 1, {}, max_items=bound)
        statuses = listed.items
        # GitLab counts a listing in X-Total (not past 10,000): fewer read is a listing cut short
        checks.read_whole(NAME, "statuses", len(statuses), _count(listed.last.header("X-Total")))
        out = []
        for s in statuses:
            name, state = (s.get(k) if isinstance(s, dict) else None for k in ("name", "status"))
            if not isinstance(name, str) or not isinstance(state, str):
                continue
            said = _STATES.get(state, CheckState.FAILURE)
            if said is CheckState.FAILURE and state == "failed" and s.get("allow_failure") is True:
                said, state = CheckState.SUCCESS, "failed (allowed to fail)"
            out.append(Check(name, said, state))
        return checks.newest(out)

    def withdraw_auto_merge(self, pr: ChangeRequest) -> list[str]:
        """``POST .../cancel_merge_when_pipeline_succeeds``: the one call for either way of
        asking (``auto_merge`` and the older ``merge_when_pipeline_succeeds``)."""
        path = f"{self._project}/merge_requests/{pr.number}/cancel_merge_when_pipeline_succeeds"
        step = ("auto-merge off", lambda: self._request("POST", path))
        return forge.decorate_steps(f"MR !{pr.number}", [step], (ForgeError,))

    def close(self, pr: ChangeRequest, comment: str) -> None:
        self._request("POST", f"{self._project}/merge_requests/{pr.number}/notes", json={"body": comment})
        self._put(pr, {"state_event": "close"})

    def _put(self, pr: ChangeRequest, data: dict[str, Any], sub: str = "") -> None:
        self._request("PUT", f"{self._project}/merge_requests/{pr.number}{sub}", json=data)

    # -- issues (the dashboard: gitops_bot.forges.issues.IssueBoard) ----------------------

    def issues_labelled(self, label: str) -> list[Issue]:
        """GitLab lists issues apart from merge requests, so no merge request is ever taken for
        the dashboard. ``labels`` is comma-separated; the config refuses a comma in the name."""
        query = {"state": "all", "labels": label}
        listed = self._list(f"{self._project}/issues", "labelled issues", MAX_ISSUE_PAGES, query)
        return [_issue(i) for i in listed.items]

    def create_issue(self, title: str, body: str, label: str) -> Issue:
        """GitLab makes a label it does not have yet, as GitHub does."""
        data = {"title": title, "description": body, "labels": label}
        return _issue(self._request("POST", f"{self._project}/issues", json=data))

    def edit_issue(self, issue: Issue, title: str, body: str) -> Issue:
        data = {"title": title, "description": body}
        return _issue(self._request("PUT", f"{self._project}/issues/{issue.number}", json=data))

    def identity(self) -> str:
        """The token's user (``GET /user``), whose ``username`` is what an issue's ``author``
        names; asked once per adapter."""
        if self._identity is None:
            me = self._request("GET", "/user")
            name = me.get("username") if isinstance(me, dict) else None
            if not isinstance(name, str) or not name:
                raise forge.no_identity(NAME)
            self._identity = name
        return self._identity

    def _user_ids(self, names: Sequence[str]) -> list[int]:
        ids: list[int] = []
        missing: list[str] = []
        for name in names:
            users = self._request("GET", "/users", params={"username": name})
            found = [
                u
                for u in (users if isinstance(users, list) else [])
                if isinstance(u, dict) and u.get("username") == name
            ]
            if not found:
                missing.append(name)
                continue
            uid = _count(found[0].get("id"))
            if uid is None:
                raise ForgeUnavailable(
                    f"GitLab answered the user {name} without a numeric id", hint="check forge.api_url"
                )
            ids.append(uid)
        if missing:
            raise ForgeError(
                f"no such GitLab user: {', '.join(missing)}", status=None, hint="check the names"
            )
        return ids


def next_page(answer: Answer, items: list[Any], page: int) -> NextPage:
    """GitLab's paging: offset pagination names the next page's number in ``X-Next-Page``
    (empty on the last page), which is asked on this service's own URL; keyset pagination
    names only a ``Link: rel="next"``. Past GitLab's count limit ``X-Next-Page`` still names
    the next page (only ``X-Total`` stops being sent)."""
    if any(k.lower() == "x-next-page" for k, _ in answer.reply.headers):
        said = answer.header("X-Next-Page").strip()
        if not said:
            return None
        try:
            return {"page": str(numbers.count(said, "X-Next-Page"))}
        except numbers.OutOfRange as exc:
            raise ForgeUnavailable(
                f"GitLab named its next page unreadably ({exc})", hint="check forge.api_url"
            ) from None
    return link_next(answer, items, page)


PAGING = Paging(PER_PAGE, array, next_page, {"per_page": str(PER_PAGE)})


def _count(value: Any) -> int | None:
    """An outside count (a header's or a field's), or None when it is not one."""
    try:
        return numbers.count(value)
    except numbers.OutOfRange:
        return None


def _mr(item: Any) -> ChangeRequest:
    if not isinstance(item, dict):
        raise unexpected(NAME)
    get = item.get
    return forge.change_request(
        NAME,
        get("iid"),
        get("web_url"),
        get("source_branch"),
        get("title"),
        get("description"),
        item,
        get("created_at"),
        get("target_branch"),
    )


def _issue(item: Any) -> Issue:
    """An issue from GitLab's answer; one that is not an issue's shape is the forge's error."""
    get = item.get if isinstance(item, dict) else (lambda _k: None)
    number, url, title = get("iid"), get("web_url"), get("title")
    if not isinstance(number, int) or not isinstance(url, str) or not isinstance(title, str):
        raise unexpected(NAME)
    body, author = get("description"), get("author")
    login = author.get("username") if isinstance(author, dict) else None
    return Issue(
        number,
        url,
        title,
        body if isinstance(body, str) else "",
        get("state") == "opened",
        login if isinstance(login, str) else "",
        item,
    )


def _message(body: bytes, reason: str) -> str:
    """GitLab's own words in an error answer: ``message`` (a text, a list, or a field -> errors
    object), else OAuth's ``error``; the status's reason when the body says nothing readable.
    Bounded depth: a hostile error answer must not reach the interpreter's recursion limit."""
    try:
        data = limits.loads(body)
    except ValueError:
        data = None
    message = data.get("message") or data.get("error") if isinstance(data, dict) else None
    return str(message or reason)


def _server(api_url: str | None, url: str) -> str:
    """The server's root; ``forge.api_url`` may name it or its v4 API."""
    server = api_url.removesuffix("/api/v4") if api_url else remote_server(url)
    if server is None:
        raise RemoteUnknown(f"cannot tell the GitLab server of {url}", hint="set forge.api_url")
    return server


WORDS = Words(NAME, HINTS, _message, race=lambda status, body: status == 409)
