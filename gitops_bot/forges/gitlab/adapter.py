"""Merge requests on gitlab.com and self-managed GitLab, through python-gitlab.

python-gitlab's own retries are left out of play: a requests response hook turns every HTTP
error into a neutral :class:`~gitops_bot.forges.forge.HTTPFailure` (with the headers python-gitlab
drops), so rate limits and 5xx are retried by :func:`~gitops_bot.forges.forge.call` within the
same 2-minute bound as GitHub's, instead of python-gitlab's unbounded ``Retry-After`` sleeps.

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

import itertools
import re
import time
from collections.abc import Callable, Mapping, Sequence
from functools import partial
from typing import Any

import gitlab
import requests
from gitlab.v4.objects import ProjectMergeRequest

from gitops_bot.core import checks
from gitops_bot.core.checks import Check, State
from gitops_bot.core.errors import ForgeError, ForgeUnavailable, UsageError
from gitops_bot.core.log import register_secret
from gitops_bot.forges import requests_net
from gitops_bot.forges.compare_kit import SHA
from gitops_bot.forges.forge import (
    MAX_WAIT,
    ChangeRequest,
    HTTPFailure,
    Listing,
    call,
    change_request,
    check_answer,
    create_or_adopt,
    decorate_steps,
    draft_title,
    keep_draft,
    no_identity,
    no_repository,
    remote_project,
    remote_server,
    unexpected,
)
from gitops_bot.forges.issues import Issue
from gitops_bot.forges.settings import ForgeConfig
from gitops_bot.net import limits

DRAFT_PREFIX = "Draft: "
# a commit status's (a job's) status; "manual" and "skipped" jobs did not run
_STATES = {
    "success": State.SUCCESS,
    "created": State.PENDING,
    "waiting_for_resource": State.PENDING,
    "preparing": State.PENDING,
    "pending": State.PENDING,
    "running": State.PENDING,
    "scheduled": State.PENDING,
    "manual": State.SKIPPED,
    "skipped": State.SKIPPED,
    "failed": State.FAILURE,
    "canceled": State.FAILURE,
}
PER_PAGE = 100  # as the client is made (``per_page``)
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


class GitLab:
    """The :class:`~gitops_bot.forges.forge.Forge` adapter for GitLab (SaaS and self-managed)."""

    noun = "merge request"
    name = "GitLab"
    change_ref = "!"  # GitLab Markdown's reference to a merge request (#n is issue n)

    def __init__(self, gl: gitlab.Gitlab, project: str, *, git_token: str, git_user: str) -> None:
        self._gl = gl
        self.project_path = project
        self._project = gl.projects.get(project, lazy=True)
        self.git_token: str | None = git_token
        self.git_user = git_user
        self.max_wait = MAX_WAIT
        self.pipeline_wait = PIPELINE_WAIT
        self.pipeline_poll = PIPELINE_POLL
        self._sleep: Callable[[float], None] = time.sleep
        self._version: tuple[int, int] | None = None
        self._identity: str | None = None

    @classmethod
    def connect(
        cls,
        fcfg: ForgeConfig,
        url: str,
        environ: Mapping[str, str],
        *,
        session: requests.Session | None = None,
    ) -> GitLab:
        """``GITLAB_TOKEN`` (or ``forge.token_env``), else ``CI_JOB_TOKEN`` inside GitLab CI."""
        project = fcfg.repository or remote_project(url, nested=True)
        if project is None:
            raise no_repository("GitLab", url, "forge.repository (group/project or the project id)")
        server = _server(fcfg.api_url, url)
        token = environ.get(fcfg.token_env or "GITLAB_TOKEN")
        job_token = None if token else environ.get("CI_JOB_TOKEN")
        if not (token or job_token):
            raise UsageError(
                "no GitLab token",
                hint=f"set {fcfg.token_env or 'GITLAB_TOKEN'} to a project access token "
                "(api and write_repository scopes, Developer role)",
            )
        session = session or requests_net.session()  # proxies, trust, deadline, byte cap
        session.hooks["response"].append(_raise_failure)
        gl = gitlab.Gitlab(
            server,
            private_token=token,
            job_token=job_token,
            session=session,
            timeout=30,
            retry_transient_errors=False,
            per_page=PER_PAGE,
        )
        secret = token or job_token
        assert secret is not None
        register_secret(secret)
        return cls(gl, project, git_token=secret, git_user="oauth2" if token else "gitlab-ci-token")

    def _call(self, fn: Callable[[], Any]) -> Any:
        def once() -> Any:
            try:
                return fn()
            except requests_net.AnswerTooLarge:  # streamed and stopped there, never read whole
                raise ForgeUnavailable(
                    f"GitLab answered more than {requests_net.LIMIT} bytes", hint="check forge.api_url"
                ) from None
            except requests.RequestException as exc:
                raise HTTPFailure(None, {}, type(exc).__name__) from None
            except gitlab.exceptions.GitlabParsingError:
                raise unexpected(self.name) from None
            except gitlab.exceptions.GitlabError as exc:
                raise ForgeUnavailable(
                    f"GitLab answered unexpectedly ({type(exc).__name__})", hint="check forge.api_url"
                ) from None

        return call(self.name, once, HINTS, max_wait=self.max_wait)

    # -- merge requests ------------------------------------------------------------------

    def _open(self, wanted: Callable[[str], bool]) -> dict[str, ChangeRequest]:
        def listing() -> list[ProjectMergeRequest]:
            # the first page is requested when the iterator is made, so within the listing
            return Listing(self.name, "open merge requests", MAX_OPEN_PAGES).read(
                lambda: list(self._project.mergerequests.list(state="opened", iterator=True))
            )

        out = {}
        for mr in self._call(listing):
            cr = _mr(mr)
            same_project = mr.attributes.get("source_project_id") == mr.attributes.get("target_project_id")
            if wanted(cr.head) and same_project:
                out[cr.head] = cr
        return out

    def open_pulls(self, prefix: str) -> dict[str, ChangeRequest]:
        return self._open(lambda head: head.startswith(prefix + "/"))

    def create(self, branch: str, base: str, title: str, body: str, *, draft: bool) -> ChangeRequest:
        payload = {
            "source_branch": branch,
            "target_branch": base,
            "title": draft_title(title, draft, DRAFT_PREFIX),
            "description": body,
            "remove_source_branch": True,
        }
        return create_or_adopt(
            lambda: _mr(self._call(lambda: self._project.mergerequests.create(payload))),
            lambda: self._open(lambda head: head == branch).get(branch),
            lambda found: self.update(found, title, body),
            race=(409,),
        )

    def update(self, pr: ChangeRequest, title: str, body: str) -> ChangeRequest:
        if pr.title == title and pr.body == body:
            return pr
        mr = pr.raw
        current = str(mr.attributes.get("title") or "")
        self._put(pr, {"title": keep_draft(current, title, DRAFT_PREFIX), "description": body})
        return ChangeRequest(pr.number, pr.url, pr.head, title, body, mr, pr.opened)

    def decorate(
        self,
        pr: ChangeRequest,
        *,
        labels: Sequence[str],
        reviewers: Sequence[str],
        assignees: Sequence[str],
        auto_merge: str | None,
    ) -> list[str]:
        steps: list[tuple[str, Callable[[], object]]] = []
        if labels:
            # a JSON array, as GitLab's API description types add_labels (GitLab also splits a
            # comma-separated string, which the description does not admit)
            steps.append(("labels", lambda: self._put(pr, {"add_labels": list(labels)})))
        if reviewers:
            steps.append(("reviewers", lambda: self._put(pr, {"reviewer_ids": self._user_ids(reviewers)})))
        if assignees:
            steps.append(("assignees", lambda: self._put(pr, {"assignee_ids": self._user_ids(assignees)})))
        if auto_merge:
            steps.append(("auto-merge", lambda: self._auto_merge(pr, squash=auto_merge == "squash")))
        return decorate_steps(f"MR !{pr.number}", steps, (ForgeError,))

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
                answer = self._call(lambda: self._gl.http_get("/version"))
            except ForgeError:
                answer = None
            found = (
                re.match(r"(\d+)\.(\d+)", str(answer.get("version", "")))
                if isinstance(answer, dict)
                else None
            )
            self._version = (int(found.group(1)), int(found.group(2))) if found else (0, 0)
        return self._version

    def _head_pipeline(self, pr: ChangeRequest) -> bool:
        """Whether the merge request has a head pipeline, polled for at most ``pipeline_wait``."""
        mr = pr.raw
        path = f"{mr.manager.path}/{mr.encoded_id}"
        deadline = time.monotonic() + self.pipeline_wait
        while True:
            answer = self._call(lambda: self._gl.http_get(path))
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
        path = f"/projects/{self._project.encoded_id}/repository/commits/{sha}/statuses"

        def read() -> tuple[list[Any], Any]:
            # the first page is requested when the iterator is made, so within the listing; one
            # entry past the bound tells a longer listing from one that ends at the bound
            listing = self._gl.http_list(path, iterator=True, per_page=PER_PAGE)
            return list(itertools.islice(listing, checks.MAX_CHECKS + 1)), getattr(listing, "total", None)

        pages = checks.MAX_CHECKS // PER_PAGE + 1
        listed, said = self._call(lambda: Listing(self.name, f"statuses of {sha[:12]}", pages).read(read))
        # GitLab counts a listing in X-Total (not past 10,000): fewer read is a listing cut short
        checks.read_whole(self.name, "statuses", len(listed), said if isinstance(said, int) else None)
        out = []
        for s in listed:
            name, state = (s.get(k) if isinstance(s, dict) else None for k in ("name", "status"))
            if not isinstance(name, str) or not isinstance(state, str):
                continue
            said = _STATES.get(state, State.FAILURE)
            if said is State.FAILURE and state == "failed" and s.get("allow_failure") is True:
                said, state = State.SUCCESS, "failed (allowed to fail)"
            out.append(Check(name, said, state))
        return checks.newest(out)

    def commit_pusher(self) -> None:
        """No API-created commits here: commits are pushed with git and signed by the bot."""
        return None

    def close(self, pr: ChangeRequest, comment: str) -> None:
        mr = pr.raw
        self._call(lambda: mr.notes.create({"body": comment}))
        self._put(pr, {"state_event": "close"})

    def _put(self, pr: ChangeRequest, data: dict[str, Any], sub: str = "") -> None:
        mr = pr.raw
        path = f"{mr.manager.path}/{mr.encoded_id}{sub}"
        self._call(lambda: self._gl.http_put(path, post_data=data))

    # -- issues (the dashboard: gitops_bot.forges.issues.IssueBoard) ----------------------

    def issues_labelled(self, label: str) -> list[Issue]:
        """GitLab lists issues apart from merge requests, so no merge request is ever taken for
        the dashboard. ``labels`` is comma-separated; the config refuses a comma in the name."""
        path = self._project.issues.path

        def listing() -> list[Any]:
            query = {"state": "all", "labels": label}
            return Listing(self.name, "labelled issues", MAX_ISSUE_PAGES).read(
                lambda: list(self._gl.http_list(path, query_data=query, iterator=True))
            )

        return [_issue(i) for i in self._call(listing)]

    def create_issue(self, title: str, body: str, label: str) -> Issue:
        """GitLab makes a label it does not have yet, as GitHub does."""
        data = {"title": title, "description": body, "labels": label}
        return _issue(self._call(lambda: self._gl.http_post(self._project.issues.path, post_data=data)))

    def edit_issue(self, issue: Issue, title: str, body: str) -> Issue:
        path = f"{self._project.issues.path}/{issue.number}"
        data = {"title": title, "description": body}
        return _issue(self._call(lambda: self._gl.http_put(path, post_data=data)))

    def identity(self) -> str:
        """The token's user (``GET /user``), whose ``username`` is what an issue's ``author``
        names; asked once per adapter."""
        if self._identity is None:
            me = self._call(lambda: self._gl.http_get("/user"))
            name = me.get("username") if isinstance(me, dict) else None
            if not isinstance(name, str) or not name:
                raise no_identity("GitLab")
            self._identity = name
        return self._identity

    def _user_ids(self, names: Sequence[str]) -> list[int]:
        ids: list[int] = []
        missing: list[str] = []
        for name in names:
            users = self._call(partial(self._gl.users.list, username=name, get_all=False))
            match = [u.id for u in users if u.attributes.get("username") == name]
            ids += match[:1]
            if not match:
                missing.append(name)
        if missing:
            raise ForgeError(
                f"no such GitLab user: {', '.join(missing)}", status=None, hint="check the names"
            )
        return ids


def _mr(mr: Any) -> ChangeRequest:
    get = mr.attributes.get
    return change_request(
        "GitLab",
        get("iid"),
        get("web_url"),
        get("source_branch"),
        get("title"),
        get("description"),
        mr,
        get("created_at"),
    )


def _issue(item: Any) -> Issue:
    """An issue from GitLab's answer; one that is not an issue's shape is the forge's error."""
    get = item.get if isinstance(item, dict) else (lambda _k: None)
    number, url, title = get("iid"), get("web_url"), get("title")
    if not isinstance(number, int) or not isinstance(url, str) or not isinstance(title, str):
        raise unexpected("GitLab")
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


def _raise_failure(r: requests.Response, *args: Any, **kwargs: Any) -> None:
    """A response hook: runs before requests reads the body or follows a redirect."""
    check_answer("GitLab", r.status_code, r.headers)
    if r.status_code >= 400:
        try:  # bounded depth: a hostile error answer must not reach the interpreter's recursion limit
            data = limits.loads(r.content)
        except ValueError:
            data = None
        message = data.get("message") or data.get("error") if isinstance(data, dict) else None
        raise HTTPFailure(r.status_code, dict(r.headers), str(message or r.reason))


def _server(api_url: str | None, url: str) -> str:
    """python-gitlab wants the server's root; ``forge.api_url`` may name the v4 API."""
    server = api_url.removesuffix("/api/v4") if api_url else remote_server(url)
    if server is None:
        raise UsageError(f"cannot tell the GitLab server of {url}", hint="set forge.api_url")
    return server
