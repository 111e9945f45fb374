"""Pull requests on Gitea and Forgejo (Codeberg), through their REST API v1 with the bot's one
HTTP client (:mod:`gitops_bot.net.service`).

No well-kept Python client covers both (py-gitea and giteapy are unmaintained or generated
for one version), and the bot needs eight endpoints, so it speaks them directly. Forgejo is a
Gitea fork with the same v1 API for everything used here.

Drafts are Gitea's "WIP:" title prefix (the API has no draft field). Labels are sent as ids
(looked up by name: older servers take no names). Auto-merge is Gitea's "merge when checks
succeed" (1.17+), deleting the branch after the merge.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any, Self
from urllib.parse import quote, urlsplit

from gitops_bot.core import checks
from gitops_bot.core.checks import Check, CheckState
from gitops_bot.core.errors import ForgeError, RemoteUnknown, UsageError
from gitops_bot.core.log import register_secret
from gitops_bot.forges import forge, issues
from gitops_bot.forges.compare_kit import SHA
from gitops_bot.forges.forge import Adapter, ChangeRequest, Decorations, Steps
from gitops_bot.forges.gitea.entry import GIT_USER, TOKEN_ENVS
from gitops_bot.forges.issues import Issue
from gitops_bot.forges.kit import Api, Environ, TransportOrNone, Words, numbered, under, unexpected
from gitops_bot.forges.remotes import kind_from_url, no_repository, remote_project, remote_server
from gitops_bot.forges.settings import ForgeConfig
from gitops_bot.net.service import Answer, Credential

PAGE = 50  # Gitea's default maximum page size (MAX_RESPONSE_ITEMS): a page never holds more
MAX_PAGES = 100
DRAFT_PREFIX = "WIP: "
# a commit status's state; "warning" is Gitea's passing-with-remarks, as its merge check reads it
_STATES = {
    "success": CheckState.SUCCESS,
    "warning": CheckState.SUCCESS,
    "pending": CheckState.PENDING,
    "skipped": CheckState.SKIPPED,
    "failure": CheckState.FAILURE,
    "error": CheckState.FAILURE,
}
HINTS = {
    401: "check the Gitea/Forgejo token (GITEA_TOKEN or forge.token_env)",
    403: "the token needs the write:repository and write:issue scopes on the repository",
    404: "check forge.repository, forge.api_url and the token's access to the repository",
    409: "the pull request changed meanwhile; run again",
    422: "the server refused the pull request's fields; check labels, reviewers and the base branch",
}


def token_from(fcfg: ForgeConfig, environ: Mapping[str, str], api_url: str) -> str | None:
    """``forge.token_env``, else GITEA_TOKEN, FORGEJO_TOKEN; inside Gitea/Forgejo Actions the
    job's GITHUB_TOKEN too, but only when GITHUB_SERVER_URL is this very server (a token from
    github.com is never sent to another host)."""
    names = [fcfg.token_env] if fcfg.token_env else list(TOKEN_ENVS)
    if not fcfg.token_env and _host(environ.get("GITHUB_SERVER_URL", "")) == _host(api_url):
        names.append("GITHUB_TOKEN")
    return next((environ[n] for n in names if environ.get(n)), None)


def _host(url: str) -> str:
    return (urlsplit(url).hostname or "").lower() if url else ""


class Gitea(Adapter):
    """The :class:`~gitops_bot.forges.forge.Forge` adapter for Gitea and Forgejo."""

    noun = "pull request"
    git_user = GIT_USER

    def __init__(self, api: Api, repository: str, *, git_token: str | None, name: str = "Gitea") -> None:
        self._api = api
        self.repository = repository
        self.git_token = git_token
        self.name = name
        self._identity: str | None = None
        self._repo = "/repos/" + "/".join(quote(p, safe="") for p in repository.split("/"))

    @classmethod
    def connect(
        cls, fcfg: ForgeConfig, url: str, environ: Environ, *, transport: TransportOrNone = None
    ) -> Self:
        name = "Forgejo" if (fcfg.type or kind_from_url(url)) == "forgejo" else "Gitea"
        repository = fcfg.repository or remote_project(url, nested=False)
        if repository is None:
            raise no_repository(name, url, "forge.repository (owner/name)")
        server = remote_server(url)
        api_url = fcfg.api_url or (f"{server}/api/v1" if server else None)
        if api_url is None:
            raise RemoteUnknown(f"cannot tell the {name} API of {url}", hint="set forge.api_url")
        token = token_from(fcfg, environ, api_url)
        if not token:
            raise UsageError(
                f"no {name} token",
                hint=f"set {fcfg.token_env or ' or '.join(TOKEN_ENVS)} "
                "(scopes write:repository and write:issue)",
            )
        register_secret(token)
        # the token goes to this API's origin only
        api = Api(words(name), api_url, Credential.scheme("token", token), transport=transport)
        return cls(api, repository, git_token=token, name=name)

    # -- the API -------------------------------------------------------------------------

    def _request(self, method: str, path: str, **kwargs: Any) -> Any:
        return self._api.call(method, path, **kwargs)

    def _pages(self, path: str, what: str, **params: Any) -> list[Any]:
        return list(self._api.list(path, numbered(PAGE), what, pages=MAX_PAGES, params=params).items)

    # -- a commit's checks (gitops_bot.core.checks.CommitChecks) ------------------------

    def commit_checks(self, sha: str) -> tuple[Check, ...]:
        """The combined status's statuses (``GET /repos/{owner}/{repo}/commits/{ref}/status``):
        Gitea Actions, Woodpecker, Drone and other CI report there. Gitea pages the statuses
        (``page``, ``limit``) and counts them all in ``X-Total-Count`` (the body's
        ``total_count`` is the page's): read to that count within
        :data:`~gitops_bot.core.checks.MAX_CHECKS`, or not at all."""
        if not SHA.match(sha):
            raise UsageError(f"not a commit id: {sha[:80]!r}")
        bound = checks.MAX_CHECKS
        listed = self._api.list(
            f"{self._repo}/commits/{sha}/status",
            # a commit with no status: Gitea answers an empty CombinedStatus
            numbered(PAGE, under("statuses", missing_is_empty=True), count=_total_count),
            "statuses",
            pages=bound // PAGE + 1,
            max_items=bound,
            too_many=lambda read, said: checks.unread(self.name, "statuses", read, said),
        )
        statuses = listed.items
        checks.read_whole(self.name, "statuses", len(statuses), listed.count)
        out = []
        for s in statuses:
            name, state = (s.get(k) if isinstance(s, dict) else None for k in ("context", "status"))
            if isinstance(name, str) and isinstance(state, str):
                out.append(Check(name, _STATES.get(state, CheckState.FAILURE), state))
        return checks.newest(out)

    # -- pull requests -------------------------------------------------------------------

    def _open(self, wanted: Callable[[str], bool]) -> dict[str, ChangeRequest]:
        out = {}
        for item in self._pages(f"{self._repo}/pulls", "open pull requests", state="open"):
            pr = _pr(item, self.name)
            # ours only when the head branch is in this repository: a fork's pull request (its
            # repo gone: null) with a branch named like ours must not be adopted and decorated
            head_repo = (item.get("head") or {}).get("repo") or {}
            name = head_repo.get("full_name") if isinstance(head_repo, dict) else None
            if wanted(pr.head) and isinstance(name, str) and name.lower() == self.repository.lower():
                out[pr.head] = pr
        return out

    def closed_unmerged(self, branch: str) -> list[ChangeRequest]:
        """Closed pull requests of ``branch`` in this repository that were not merged."""
        out = []
        for item in self._pages(f"{self._repo}/pulls", "closed pull requests", state="closed"):
            pr = _pr(item, self.name)
            head_repo = (item.get("head") or {}).get("repo") or {}
            name = head_repo.get("full_name") if isinstance(head_repo, dict) else None
            mine = isinstance(name, str) and name.lower() == self.repository.lower()
            if pr.head == branch and mine and item.get("merged") is not True:
                out.append(pr)
        return out

    def create(self, branch: str, base: str, title: str, body: str, *, draft: bool) -> ChangeRequest:
        title_sent = forge.draft_title(title, draft, DRAFT_PREFIX)
        payload = {"head": branch, "base": base, "title": title_sent, "body": body}
        return forge.create_or_adopt(
            lambda: _pr(self._request("POST", f"{self._repo}/pulls", json=payload), self.name),
            lambda: self._open(lambda head: head == branch).get(branch),
            lambda found: self.update(found, title, body),
        )

    def update(self, pr: ChangeRequest, title: str, body: str) -> ChangeRequest:
        if pr.title == title and pr.body == body:
            return pr
        current = pr.raw.get("title", "") if isinstance(pr.raw, dict) else ""
        payload = {"title": forge.keep_draft(current, title, DRAFT_PREFIX), "body": body}
        return _pr(self._request("PATCH", f"{self._repo}/pulls/{pr.number}", json=payload), self.name)

    def steps(self, pr: ChangeRequest, want: Decorations) -> Steps:
        n = pr.number
        steps: Steps = []
        if want.labels:
            steps.append(("labels", lambda: self._add_labels(n, want.labels)))
        if want.reviewers:
            wanted = {"reviewers": list(want.reviewers)}
            steps.append(("reviewers", lambda: self._post(f"pulls/{n}/requested_reviewers", wanted)))
        if want.assignees:
            people = {"assignees": list(want.assignees)}
            steps.append(
                ("assignees", lambda: self._request("PATCH", f"{self._repo}/issues/{n}", json=people))
            )
        if want.auto_merge:
            style = want.auto_merge
            steps.append(("auto-merge", lambda: self._auto_merge(n, style)))
        return steps

    def _auto_merge(self, number: int, style: str) -> None:
        """``POST .../pulls/{n}/merge`` with ``merge_when_checks_succeed``, answered as Gitea's
        and Forgejo's server code does: 201 scheduled (checks pending), 200 merged now (the
        checks had passed already), 409 already scheduled (a rerun: fine) or a merge conflict,
        405 not mergeable (a draft, merged already, merge style not allowed, no permission)."""
        merge = {"Do": style, "merge_when_checks_succeed": True, "delete_branch_after_merge": True}
        try:
            self._post(f"pulls/{number}/merge", merge)
        except ForgeError as exc:
            if exc.status == 409 and "already scheduled" in str(exc).lower():
                return
            if exc.status == 405:
                raise ForgeError(
                    f"{self.name} will not merge PR #{number}: {exc}",
                    status=405,
                    hint="check the merge style is allowed in the repository's settings, "
                    "the PR is not a draft, and the token's user may merge",
                ) from None
            raise

    def close(self, pr: ChangeRequest, comment: str) -> None:
        self._post(f"issues/{pr.number}/comments", {"body": comment})
        self._request("PATCH", f"{self._repo}/pulls/{pr.number}", json={"state": "closed"})

    def _post(self, sub: str, payload: Any) -> Any:
        return self._request("POST", f"{self._repo}/{sub}", json=payload)

    # -- issues (the dashboard: gitops_bot.forges.issues.IssueBoard) ----------------------

    def issues_labelled(self, label: str) -> list[Issue]:
        found = self._pages(
            f"{self._repo}/issues", "labelled issues", state="all", type="issues", labels=label
        )
        return [_issue(i, self.name) for i in found]

    def create_issue(self, title: str, body: str, label: str) -> Issue:
        """Gitea takes labels by id, and only ones the repository has: a missing label is
        refused before the issue is made, so no unlabelled dashboard is left to duplicate."""
        ids = self._label_ids([label])
        made = self._post("issues", {"title": title, "body": body, "labels": ids})
        return _issue(made, self.name)

    def edit_issue(self, issue: Issue, title: str, body: str) -> Issue:
        edited = self._request(
            "PATCH", f"{self._repo}/issues/{issue.number}", json={"title": title, "body": body}
        )
        return _issue(edited, self.name)

    def identity(self) -> str:
        """The token's user (``GET /user``; a scoped token needs ``read:user``), whose ``login``
        is what an issue's ``user`` names; asked once per adapter."""
        if self._identity is None:
            me = self._request("GET", "/user")
            login = me.get("login") if isinstance(me, dict) else None
            if not isinstance(login, str) or not login:
                raise forge.no_identity(self.name)
            self._identity = login
        return self._identity

    def _label_ids(self, names: Sequence[str]) -> list[int]:
        labels = self._pages(f"{self._repo}/labels", "labels")
        known = {x.get("name"): x.get("id") for x in labels if isinstance(x, dict)}
        missing = [n for n in names if not isinstance(known.get(n), int)]
        if missing:
            raise ForgeError(
                f"no such label in {self.repository}: {', '.join(missing)}",
                status=None,
                hint="create the labels in the repository",
            )
        return [int(str(known[n])) for n in names]

    def _add_labels(self, number: int, names: Sequence[str]) -> None:
        labels = self._pages(f"{self._repo}/labels", "labels")
        known = {x.get("name"): x.get("id") for x in labels if isinstance(x, dict)}
        missing = [n for n in names if not isinstance(known.get(n), int)]
        ids = [known[n] for n in names if n not in missing]
        if ids:
            self._post(f"issues/{number}/labels", {"labels": ids})
        if missing:
            raise ForgeError(
                f"no such label in {self.repository}: {', '.join(missing)}",
                status=None,
                hint="create the labels in the repository",
            )


def _issue(item: Any, name: str) -> Issue:
    return issues.github_shaped(name, item)


def _pr(item: Any, name: str) -> ChangeRequest:
    try:
        head = item["head"]["ref"]
    except (KeyError, TypeError):
        raise unexpected(name) from None
    get = item.get
    base = get("base")
    target = base.get("ref") if isinstance(base, dict) else None
    return forge.change_request(
        name, get("number"), get("html_url"), head, get("title"), get("body"), item, get("created_at"), target
    )


def _total_count(answer: Answer) -> int | None:
    """``X-Total-Count``: every status of the commit (the body's ``total_count`` is the
    page's); older servers may not count, and then the pages end the listing."""
    total = answer.header("X-Total-Count").strip()
    # ASCII only: str.isdigit() is also true of a latin-1 header's '²', which int() refuses
    return int(total) if total.isascii() and total.isdigit() and len(total) < 10 else None


def words(name: str) -> Words:
    # 409/422 on create: a pull request for the branch exists (another run opened it)
    return Words(name, HINTS, race=lambda status, body: status in (409, 422))
