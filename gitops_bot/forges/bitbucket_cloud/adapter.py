"""Pull requests on Bitbucket Cloud (bitbucket.org), through its REST API 2.0 with the bot's
one HTTP client (:mod:`gitops_bot.net.service`).

Atlassian publishes no maintained Python client, and the bot needs seven endpoints, so it
speaks them directly, like the Gitea and Azure DevOps adapters.

What Bitbucket Cloud has and has not, as its published description says
(``testkit/specs/bitbucket-cloud-subset.json``):

- real drafts (``draft``), reviewers by account (``uuid``), resolved here from a workspace
  member's nickname or display name (or given as ``{uuid}`` or an Atlassian account id);
- the repository's *effective default reviewers* (its own and its project's) are what the web
  UI adds to a new pull request; a pull request created through the API gets only the
  reviewers the request names, so the bot adds them itself, as the UI would;
- no labels and no assignees: configured ones are a warning on the pull request, nothing
  else;
- no auto-merge in the API (only the branch restriction ``allow_auto_merge_when_builds_pass``,
  which a person applies in the UI): ``pull_request.auto_merge`` is refused when the run starts
  (:func:`refuse_auto_merge`) rather than merging behind the merge checks' back;
- closing declines the pull request after a comment.

Lists are pages that name the ``next`` one; a ``next`` page on another origin or outside the
API is never followed (the token would go with it).

Authentication: a repository, project or workspace access token as Bearer
(``BITBUCKET_TOKEN`` or ``forge.token_env``), or a user's API token or app password as Basic
(``BITBUCKET_USERNAME`` + ``BITBUCKET_API_TOKEN``/``BITBUCKET_APP_PASSWORD``; an API token goes
to the REST API with the account's email, ``BITBUCKET_EMAIL``); git sends the same secret,
under ``x-token-auth`` for an access token, under the user name otherwise.
"""

from __future__ import annotations

import base64
import re
from collections.abc import Callable, Mapping, Sequence
from typing import Any, Self
from urllib.parse import quote, urlsplit

import httpx

from gitops_bot.core import checks
from gitops_bot.core.checks import Check, CheckState
from gitops_bot.core.errors import ForgeError, ForgeUnavailable, UsageError
from gitops_bot.core.log import register_secret
from gitops_bot.core.record import record
from gitops_bot.forges import bitbucket, forge
from gitops_bot.forges.bitbucket_cloud.entry import (
    ACCESS_TOKEN_USER,
    API,
    API_TOKEN_ENV,
    APP_PASSWORD_ENV,
    TOKEN_ENV,
    USER_ENV,
    refuse_auto_merge,
)
from gitops_bot.forges.compare_kit import SHA
from gitops_bot.forges.forge import Adapter, ChangeRequest, Decorations, Steps
from gitops_bot.forges.kit import Api, Environ, NextPage, Paging, TransportOrNone, Words, under, unexpected
from gitops_bot.forges.remotes import no_repository, project_path
from gitops_bot.forges.settings import ForgeConfig
from gitops_bot.net import limits
from gitops_bot.net.service import Answer, Credential

NAME = "Bitbucket Cloud"
# a build status's state
_STATES = {
    "SUCCESSFUL": CheckState.SUCCESS,
    "INPROGRESS": CheckState.PENDING,
    "FAILED": CheckState.FAILURE,
    "STOPPED": CheckState.FAILURE,
}
PAGELEN = 50  # the pull request list's maximum page length
MAX_PAGES = 100
EMAIL_ENV = "BITBUCKET_EMAIL"  # the REST API takes an API token with the account's email
HINTS = {
    400: "Bitbucket refused the request's fields; check the branches and reviewers",
    401: f"check the token ({TOKEN_ENV} or forge.token_env; or {USER_ENV} with {API_TOKEN_ENV} "
    f"or {APP_PASSWORD_ENV})",
    403: "the token needs the pullrequest:write and repository:write scopes on the repository",
    404: "check forge.repository (workspace/repository) and the token's access to it",
}
_UUID = re.compile(r"^\{[0-9a-fA-F-]{36}\}$")


@record
class Credentials:
    secret: str  # what git sends as the password, and what is never printed
    header: str  # the Authorization value for the API
    git_user: str


def credentials(fcfg: ForgeConfig, environ: Mapping[str, str]) -> Credentials | None:
    """``forge.token_env`` or BITBUCKET_TOKEN as a Bearer access token; else a user's secret as
    Basic: an API token (BITBUCKET_API_TOKEN, with BITBUCKET_EMAIL for the API) or an app
    password (BITBUCKET_APP_PASSWORD), git sending it under BITBUCKET_USERNAME."""
    token = environ.get(fcfg.token_env or TOKEN_ENV)
    if token:
        return Credentials(token, f"Bearer {token}", ACCESS_TOKEN_USER)
    user = environ.get(USER_ENV)
    password = environ.get(API_TOKEN_ENV) or environ.get(APP_PASSWORD_ENV)
    if fcfg.token_env or not (user and password):
        return None
    api_user = environ.get(EMAIL_ENV) if environ.get(API_TOKEN_ENV) else None
    basic = base64.b64encode(f"{api_user or user}:{password}".encode()).decode()
    return Credentials(password, f"Basic {basic}", user)


def pipeline_repository(environ: Mapping[str, str]) -> str | None:
    """``workspace/slug`` from Bitbucket Pipelines' BITBUCKET_WORKSPACE and BITBUCKET_REPO_SLUG."""
    workspace, slug = environ.get("BITBUCKET_WORKSPACE"), environ.get("BITBUCKET_REPO_SLUG")
    return f"{workspace}/{slug}" if workspace and slug else None


class BitbucketCloud(Adapter):
    """The :class:`~gitops_bot.forges.forge.Forge` adapter for Bitbucket Cloud."""

    name = NAME
    noun = "pull request"

    def __init__(self, api: Api, repository: str, api_url: str, creds: Credentials) -> None:
        self._api = api
        self.repository = repository
        self.api_url = api_url.rstrip("/")
        self.git_token: str | None = creds.secret
        self.git_user = creds.git_user
        workspace, slug = (quote(p, safe="") for p in repository.split("/"))
        self._workspace = workspace
        self._repo = f"/repositories/{workspace}/{slug}"

    @classmethod
    def connect(
        cls, fcfg: ForgeConfig, url: str, environ: Environ, *, transport: TransportOrNone = None
    ) -> Self:
        repository = (
            fcfg.repository
            or project_path(url, {"bitbucket.org"}, nested=False)
            or pipeline_repository(environ)
        )
        if repository is None or repository.count("/") != 1:
            raise no_repository(NAME, url, "forge.repository (workspace/repository)")
        creds = credentials(fcfg, environ)
        if creds is None:
            raise UsageError(
                "no Bitbucket Cloud token",
                hint=f"set {fcfg.token_env or TOKEN_ENV} to a repository access token (scopes "
                f"pullrequest:write, repository:write), or {USER_ENV} with {API_TOKEN_ENV} "
                f"(and {EMAIL_ENV}) or {APP_PASSWORD_ENV}",
            )
        register_secret(creds.secret)
        register_secret(creds.header.split(" ", 1)[1])
        api_url = (fcfg.api_url or API).rstrip("/")
        # the token goes to this API's origin only
        credential = Credential("Authorization", creds.header)
        api = Api(WORDS, api_url, credential, transport=transport)
        return cls(api, repository, api_url, creds)

    # -- the API -------------------------------------------------------------------------

    def _request(self, method: str, path: str, **kwargs: Any) -> Any:
        return self._api.call(method, path, **kwargs)

    def _pages(
        self, path: str, size: int, params: Mapping[str, str] | None = None, *, statuses: bool = False
    ) -> tuple[Any, ...]:
        """Every item of a list (``values``), following each page's ``next`` link while it
        stays on this API; a commit's ``statuses`` within the checks' bound."""
        paging = Paging(size, under("values"), self._next, {"pagelen": str(size)})
        return self._api.list(
            path,
            paging,
            "statuses" if statuses else path,
            pages=MAX_PAGES,
            params=params,
            max_items=checks.MAX_CHECKS if statuses else None,
            too_many=_unread if statuses else None,
        ).items

    def _next(self, answer: Answer, items: list[Any], page: int) -> NextPage:
        link = answer.json.get("next") if isinstance(answer.json, dict) else None
        return self._same_api(link) if link else None

    def _same_api(self, link: Any) -> str:
        """A ``next`` link, only when it is on this API's origin and under its path."""
        base = urlsplit(self.api_url)
        target = urlsplit(link) if isinstance(link, str) else None
        if target is None or (target.scheme, target.netloc) != (base.scheme, base.netloc):
            raise ForgeUnavailable(
                f"{NAME} named a next page on another origin ({str(link)[:100]})",
                hint="check forge.api_url",
            )
        # judged as it will be sent: httpx removes dot segments, so /2.0/../x goes to /x
        try:
            sent = httpx.URL(str(link))
        except httpx.InvalidURL:
            raise unexpected(NAME) from None
        escaped = sent.raw_path.split(b"?", 1)[0].lower()  # %2e%2e: dots a server may undo
        if b"%2e" in escaped or not (sent.path + "/").startswith(base.path.rstrip("/") + "/"):
            raise unexpected(NAME)
        return str(sent)

    # -- pull requests -------------------------------------------------------------------

    def _open(self, wanted: Callable[[str], bool]) -> dict[str, ChangeRequest]:
        out = {}
        for item in self._pages(f"{self._repo}/pullrequests", PAGELEN, {"state": "OPEN"}):
            pr = self._pr(item)
            # a fork's pull request with a branch named like ours is not ours
            source_repo = ((item.get("source") or {}).get("repository") or {}).get("full_name")
            ours = isinstance(source_repo, str) and source_repo.lower() == self.repository.lower()
            if wanted(pr.head) and ours:
                out[pr.head] = pr
        return out

    def create(self, branch: str, base: str, title: str, body: str, *, draft: bool) -> ChangeRequest:
        payload = {
            "type": "pullrequest",
            "title": title,
            "description": body,
            "source": {"branch": {"name": branch}},
            "destination": {"branch": {"name": base}},
            "close_source_branch": True,
            "draft": draft,
        }
        return forge.create_or_adopt(
            lambda: self._pr(self._request("POST", f"{self._repo}/pullrequests", json=payload)),
            lambda: self._open(lambda head: head == branch).get(branch),
            lambda found: self.update(found, title, body),
            # "There is already an open pull request from ... to ..." (400) or a conflict
        )

    def update(self, pr: ChangeRequest, title: str, body: str) -> ChangeRequest:
        if pr.title == title and pr.body == body:
            return pr
        # the list leaves reviewers out; a PUT without them would drop the reviewers
        current = self._request("GET", f"{self._repo}/pullrequests/{pr.number}")
        payload = {
            "type": "pullrequest",
            "title": title,
            "description": body,
            "reviewers": [
                {"type": "user", "uuid": u}
                for u in _uuids(current.get("reviewers") if isinstance(current, dict) else [])
            ],
        }
        return self._pr(self._request("PUT", f"{self._repo}/pullrequests/{pr.number}", json=payload))

    def steps(self, pr: ChangeRequest, want: Decorations) -> Steps:
        steps: Steps = []
        if want.labels:
            steps.append(("labels", bitbucket.no_labels))
        # every new pull request: the repository's default reviewers, as the web UI adds them
        # (a step of its own: a token that may not read them still gets the configured ones)
        steps.append(("default reviewers", lambda: self._add_reviewers(pr, self._default_reviewers())))
        if want.reviewers:
            steps.append(("reviewers", lambda: self._reviewers(pr, want.reviewers)))
        if want.assignees:
            steps.append(("assignees", bitbucket.no_assignees))
        if want.auto_merge:
            steps.append(("auto-merge", lambda: refuse_auto_merge(want.auto_merge)))
        return steps

    def _default_reviewers(self) -> list[str]:
        pages = self._pages(f"{self._repo}/effective-default-reviewers", 100)
        uuids = [(d.get("user") or {}).get("uuid") for d in pages if isinstance(d, dict)]
        return [u for u in uuids if isinstance(u, str)]

    def _reviewers(self, pr: ChangeRequest, names: Sequence[str]) -> None:
        wanted, unknown = self._accounts(names)
        self._add_reviewers(pr, wanted)
        if unknown:
            raise ForgeError(
                f"no member of workspace {self._workspace} named {', '.join(unknown)}",
                status=None,
                hint="name reviewers by their Bitbucket nickname or {uuid}",
            )

    def _add_reviewers(self, pr: ChangeRequest, uuids: Sequence[str]) -> None:
        """The reviewers the pull request has (read now: the list leaves them out) and ``uuids``
        not among them, but never its author (Bitbucket refuses that)."""
        if not uuids:
            return
        current = self._request("GET", f"{self._repo}/pullrequests/{pr.number}")
        if not isinstance(current, dict):
            raise unexpected(NAME)
        author = (current.get("author") or {}).get("uuid")
        have = _uuids(current.get("reviewers"))
        add = list(dict.fromkeys(u for u in uuids if u != author and u not in have))
        if add:
            payload = {
                "type": "pullrequest",
                "reviewers": [{"type": "user", "uuid": u} for u in [*have, *add]],
            }
            self._request("PUT", f"{self._repo}/pullrequests/{pr.number}", json=payload)

    def _accounts(self, names: Sequence[str]) -> tuple[list[str], list[str]]:
        """uuids of reviewers named by nickname, display name or account id (the workspace's
        members), or given as ``{uuid}`` already, in the configured order; and the names no
        member has."""
        people: dict[str, str] = {}
        if any(not _UUID.match(n) for n in names):
            for member in self._pages(f"/workspaces/{self._workspace}/members", 100):
                user = member.get("user") if isinstance(member, dict) else None
                if isinstance(user, dict) and isinstance(user.get("uuid"), str):
                    for key in ("nickname", "display_name", "account_id"):
                        if isinstance(user.get(key), str):
                            people.setdefault(user[key].lower(), user["uuid"])
        found = [
            n if _UUID.match(n) else people[n.lower()] for n in names if _UUID.match(n) or n.lower() in people
        ]
        return found, [n for n in names if not _UUID.match(n) and n.lower() not in people]

    def commit_checks(self, sha: str) -> tuple[Check, ...]:
        """The commit's build statuses, the newest per key."""
        if not SHA.match(sha):
            raise UsageError(f"not a commit id: {sha[:80]!r}")
        listed = self._pages(f"{self._repo}/commit/{sha}/statuses", 100, statuses=True)
        return bitbucket.build_checks(listed, _STATES)

    def close(self, pr: ChangeRequest, comment: str) -> None:
        self._request(
            "POST",
            f"{self._repo}/pullrequests/{pr.number}/comments",
            json={"type": "pullrequest_comment", "content": {"raw": comment}},
        )
        self._request("POST", f"{self._repo}/pullrequests/{pr.number}/decline")

    def _pr(self, item: Any) -> ChangeRequest:
        if not isinstance(item, dict):
            raise unexpected(NAME)
        try:
            head = item["source"]["branch"]["name"]
            url = item["links"]["html"]["href"]
        except (KeyError, TypeError):
            raise unexpected(NAME) from None
        summary = item.get("summary")
        body = summary.get("raw") if isinstance(summary, dict) else item.get("description")
        dest = item.get("destination")
        branch = dest.get("branch") if isinstance(dest, dict) else None
        target = branch.get("name") if isinstance(branch, dict) else None
        return forge.change_request(
            NAME, item.get("id"), url, head, item.get("title"), body, item, item.get("created_on"), target
        )


def _uuids(accounts: Any) -> list[str]:
    if not isinstance(accounts, list):
        return []
    return [a["uuid"] for a in accounts if isinstance(a, dict) and isinstance(a.get("uuid"), str)]


def _message(body: bytes, reason: str) -> str:
    """Bitbucket Cloud's error shape: ``{"type": "error", "error": {"message": ..., "detail": ...}}``."""
    try:
        data = limits.loads(body)
    except ValueError:
        return reason
    error = data.get("error") if isinstance(data, dict) else None
    if not isinstance(error, dict) or not error.get("message"):
        return reason
    detail = error.get("detail")
    return f"{error['message']} ({detail})" if isinstance(detail, str) and detail else str(error["message"])


def _unread(read: int, said: int | None) -> Exception:
    return checks.unread(NAME, "statuses", read, said)


# "There is already an open pull request from ... to ..." (400) or a conflict
WORDS = Words(NAME, HINTS, _message, race=lambda status, body: status in (400, 409))
