"""Pull requests on Azure DevOps Repos (dev.azure.com, {org}.visualstudio.com, Azure DevOps
Server), through the Git REST API 7.1 with the bot's one HTTP client
(:mod:`gitops_bot.net.service`).

Microsoft's Python client (azure-devops) is generated, pins old msrest and covers hundreds of
services; the bot needs six Git endpoints and one identity search, so it speaks them directly,
like the Gitea adapter. Every call names ``api-version=7.1``.

Azure has real drafts (``isDraft``), labels created by name on the fly, reviewers by identity
id (resolved from a unique name or email through the identities API, on ``vssps.dev.azure.com``
for the cloud), no assignees, and auto-complete in place of auto-merge: ``autoCompleteSetBy``
(the identity the token acts as: the pull request's creator, since the bot opened it) with
``completionOptions``. Closing abandons the pull request after a comment thread.

Authentication: a personal access token as Basic with an empty user name (``AZURE_DEVOPS_TOKEN``
or ``forge.token_env``), or the pipeline's ``System.AccessToken`` (``SYSTEM_ACCESSTOKEN``) as
Bearer, the latter only when ``SYSTEM_COLLECTIONURI`` names this very server.
"""

from __future__ import annotations

import base64
from collections.abc import Mapping, Sequence
from typing import Any, Self
from urllib.parse import quote

from gitops_bot.core import checks
from gitops_bot.core.checks import Check, CheckState
from gitops_bot.core.errors import ForgeError, UsageError
from gitops_bot.core.log import register_secret
from gitops_bot.forges import forge
from gitops_bot.forges.azure_devops.entry import (
    CLOUD,
    GIT_USER,
    PIPELINE_TOKEN_ENV,
    TOKEN_ENV,
    AzureRemote,
    locate,
    origin_of,
    pipeline_server,
)
from gitops_bot.forges.compare_kit import SHA
from gitops_bot.forges.forge import Adapter, ChangeRequest, Decorations, Steps
from gitops_bot.forges.kit import (
    Api,
    Environ,
    NextPage,
    Paging,
    TransportOrNone,
    Words,
    skipping,
    under,
    unexpected,
)
from gitops_bot.forges.settings import ForgeConfig
from gitops_bot.net.service import Answer, Credential

NAME = "Azure DevOps"
API_VERSION = "7.1"
PAGE = 100  # $top per page of pull requests
# a commit status's state (GitStatusState); "notApplicable" did not apply to this commit
_STATES = {
    "succeeded": CheckState.SUCCESS,
    "notSet": CheckState.PENDING,
    "pending": CheckState.PENDING,
    "notApplicable": CheckState.SKIPPED,
    "failed": CheckState.FAILURE,
    "error": CheckState.FAILURE,
}
MAX_PAGES = 100
MAX_DESCRIPTION = 4000  # characters: Azure refuses a longer pull request description
# the bot's auto_merge styles as Azure's GitPullRequestMergeStrategy
STRATEGIES = {"merge": "noFastForward", "squash": "squash", "rebase": "rebase", "rebase-merge": "rebaseMerge"}
HINTS = {
    400: "Azure DevOps refused the request's fields; check the branches, labels and reviewers",
    401: f"check the token ({TOKEN_ENV}, forge.token_env or the pipeline's System.AccessToken)",
    403: "the token's identity needs Contribute and Contribute to pull requests on the repository "
    "(in a pipeline: the project's Build Service)",
    404: "check forge.repository (organization/project/repository) and forge.api_url",
    409: "the pull request changed meanwhile; run again",
}


def _rest(r: AzureRemote) -> tuple[str, str, str]:
    return r.organization, r.project, r.repository


def identities_url(server: str) -> str:
    """Where identities are searched: the cloud's vssps host, an Azure DevOps Server itself."""
    return "https://vssps.dev.azure.com" if server.rstrip("/") == CLOUD else server


def credentials(fcfg: ForgeConfig, environ: Mapping[str, str], server: str) -> tuple[str, str] | None:
    """(token, Authorization value): ``forge.token_env`` or AZURE_DEVOPS_TOKEN as a PAT (Basic,
    empty user); else SYSTEM_ACCESSTOKEN as Bearer when SYSTEM_COLLECTIONURI is on this server
    (a pipeline's token is never sent to a server that did not issue it)."""
    pat = environ.get(fcfg.token_env or TOKEN_ENV)
    if pat:
        return pat, "Basic " + base64.b64encode(f":{pat}".encode()).decode()
    if fcfg.token_env:
        return None
    job = environ.get(PIPELINE_TOKEN_ENV)
    if job and pipeline_server(environ) == origin_of(server):
        return job, f"Bearer {job}"
    return None


class AzureDevOps(Adapter):
    """The :class:`~gitops_bot.forges.forge.Forge` adapter for Azure DevOps Repos."""

    name = NAME
    noun = "pull request"
    ref = "PR !"
    git_user = GIT_USER

    def __init__(
        self,
        api: Api,
        remote: AzureRemote,
        *,
        git_token: str | None,
        identities: Api | None = None,
        required_reviewers: bool = False,
    ) -> None:
        self._api = api
        self._identities = identities or api
        self.remote = remote
        self.git_token = git_token
        self.required_reviewers = required_reviewers
        org, project, repo = (quote(p, safe="") for p in _rest(remote))
        self._org = f"/{org}"
        self._repo = f"/{org}/{project}/_apis/git/repositories/{repo}"
        self._web = f"{remote.server}/{org}/{project}/_git/{repo}"

    @classmethod
    def connect(
        cls, fcfg: ForgeConfig, url: str, environ: Environ, *, transport: TransportOrNone = None
    ) -> Self:
        remote = locate(fcfg, url)
        found = credentials(fcfg, environ, remote.server)
        if found is None:
            raise UsageError(
                "no Azure DevOps token",
                hint=f"set {fcfg.token_env or TOKEN_ENV} to a PAT (Code: read & write), or pass "
                f"the pipeline's System.AccessToken as {PIPELINE_TOKEN_ENV}",
            )
        token, header = found
        register_secret(token)
        register_secret(header.split(" ", 1)[1])

        def api(base: str) -> Api:
            # one client per origin, the token bound to it: sent there only
            credential = Credential("Authorization", header)
            return Api(WORDS, base, credential, params={"api-version": API_VERSION}, transport=transport)

        ids = identities_url(remote.server)
        return cls(
            api(remote.server),
            remote,
            git_token=token,
            identities=api(ids) if ids != remote.server else None,
            required_reviewers=fcfg.required_reviewers,
        )

    # -- the API -------------------------------------------------------------------------

    def _json(self, method: str, path: str, **kwargs: Any) -> Any:
        return self._api.call(method, path, **kwargs)

    # -- pull requests -------------------------------------------------------------------

    def _active(self, **criteria: str) -> list[ChangeRequest]:
        params = {
            "searchCriteria.status": "active",
            **{f"searchCriteria.{k}": v for k, v in criteria.items()},
        }
        out = []
        listed = self._api.list(
            f"{self._repo}/pullrequests", PULLS, "active pull requests", pages=MAX_PAGES, params=params
        )
        for item in listed.items:
            if isinstance(item, dict) and item.get("forkSource") is None:  # a fork's is not ours
                out.append(self._pr(item))
        return out

    def open_pulls(self, prefix: str) -> dict[str, ChangeRequest]:
        return {pr.head: pr for pr in self._active() if pr.head.startswith(prefix + "/")}

    def create(self, branch: str, base: str, title: str, body: str, *, draft: bool) -> ChangeRequest:
        payload = {
            "sourceRefName": f"refs/heads/{branch}",
            "targetRefName": f"refs/heads/{base}",
            "title": title,
            "description": fit(body),
            "isDraft": draft,
        }

        def find() -> ChangeRequest | None:
            found = self._active(sourceRefName=f"refs/heads/{branch}")
            return next((pr for pr in found if pr.head == branch), None)

        return forge.create_or_adopt(
            lambda: self._pr(self._json("POST", f"{self._repo}/pullrequests", json=payload)),
            find,
            lambda found: self.update(found, title, body),
            # TF401179: an active pull request for the source and target branch already exists
        )

    def update(self, pr: ChangeRequest, title: str, body: str) -> ChangeRequest:
        if pr.title == title and pr.body == fit(body):
            return pr
        payload = {"title": title, "description": fit(body)}
        return self._pr(self._json("PATCH", f"{self._repo}/pullrequests/{pr.number}", json=payload))

    def steps(self, pr: ChangeRequest, want: Decorations) -> Steps:
        n = pr.number
        raw = pr.raw if isinstance(pr.raw, dict) else {}
        steps: Steps = []
        have = {x.get("name") for x in raw.get("labels") or [] if isinstance(x, dict)}
        missing = [label for label in want.labels if label not in have]
        if missing:
            steps.append(("labels", lambda: [self._post(n, "labels", {"name": x}) for x in missing]))
        if want.reviewers:
            steps.append(("reviewers", lambda: self._reviewers(n, want.reviewers, raw)))
        if want.assignees:
            steps.append(("assignees", _no_assignees))
        if want.auto_merge:
            style = want.auto_merge
            steps.append(("auto-complete", lambda: self._auto_complete(pr, style)))
        return steps

    def _reviewers(self, number: int, names: Sequence[str], raw: Mapping[str, Any]) -> None:
        present = {
            str(r.get("uniqueName", "")).lower() for r in raw.get("reviewers") or [] if isinstance(r, dict)
        }
        unknown = []
        for name in names:
            if name.lower() in present:
                continue
            identity = self._identity(name)
            if identity is None:
                unknown.append(name)
                continue
            vote = {"id": identity, "vote": 0, "isRequired": self.required_reviewers}
            self._json("PUT", f"{self._repo}/pullRequests/{number}/reviewers/{identity}", json=vote)
        if unknown:
            raise ForgeError(
                f"no Azure DevOps identity for {', '.join(unknown)}",
                status=None,
                hint="name reviewers by their unique name (email) in the organization",
            )

    def _identity(self, name: str) -> str | None:
        """The identity id of a unique name or email (the identities search, General filter)."""
        params = {"searchFilter": "General", "filterValue": name, "queryMembership": "None"}
        data = self._identities.call("GET", f"{self._org}/_apis/identities", params=params)
        items = data.get("value") if isinstance(data, dict) else None
        if not isinstance(items, list):
            raise unexpected(NAME)
        for item in items:
            ident = item.get("id") if isinstance(item, dict) else None
            if isinstance(ident, str) and item.get("isActive", True) is not False:
                return ident
        return None

    def _auto_complete(self, pr: ChangeRequest, style: str) -> None:
        """Auto-complete as the token's identity (the pull request's creator: the bot opened it),
        squashing or merging as configured and deleting the source branch after completion."""
        raw = pr.raw if isinstance(pr.raw, dict) else {}
        strategy = STRATEGIES.get(style, "noFastForward")
        options = raw.get("completionOptions") or {}
        if raw.get("autoCompleteSetBy") and options.get("mergeStrategy") == strategy:
            return  # set on an earlier run
        creator = (raw.get("createdBy") or {}).get("id")
        if not isinstance(creator, str):
            raise ForgeError(f"{NAME} did not say who created PR !{pr.number}", status=None)
        payload = {
            "autoCompleteSetBy": {"id": creator},
            "completionOptions": {"mergeStrategy": strategy, "deleteSourceBranch": True},
        }
        self._json("PATCH", f"{self._repo}/pullrequests/{pr.number}", json=payload)

    def commit_checks(self, sha: str) -> tuple[Check, ...]:
        """The commit's statuses (``GET .../commits/{commitId}/statuses?latestOnly=true``):
        what pipelines and other services posted, the newest per context (``genre/name``); every
        page, within :data:`~gitops_bot.core.checks.MAX_CHECKS`, or not at all."""
        if not SHA.match(sha):
            raise UsageError(f"not a commit id: {sha[:80]!r}")
        bound = checks.MAX_CHECKS
        listed = self._api.list(
            f"{self._repo}/commits/{sha}/statuses",
            skipping(PAGE, under("value"), top="top", skip="skip"),
            "statuses",
            pages=bound // PAGE + 1,
            params={"latestOnly": "true"},
            max_items=bound,
            too_many=lambda read, said: checks.unread(NAME, "statuses", read, said),
        )
        out: list[Check] = []
        for s in listed.items:
            context = s.get("context") if isinstance(s, dict) else None
            name = context.get("name") if isinstance(context, dict) else None
            state = s.get("state") if isinstance(s, dict) else None
            if isinstance(name, str) and isinstance(state, str):
                genre = context.get("genre") if isinstance(context, dict) else None
                full = f"{genre}/{name}" if isinstance(genre, str) and genre else name
                out.append(Check(full, _STATES.get(state, CheckState.FAILURE), state))
        return checks.newest(out)

    def close(self, pr: ChangeRequest, comment: str) -> None:
        thread = {
            "comments": [{"parentCommentId": 0, "content": comment, "commentType": "text"}],
            "status": "closed",
        }
        self._post(pr.number, "threads", thread)
        self._json("PATCH", f"{self._repo}/pullrequests/{pr.number}", json={"status": "abandoned"})

    def _post(self, number: int, sub: str, payload: Any) -> Any:
        return self._json("POST", f"{self._repo}/pullRequests/{number}/{sub}", json=payload)

    def _pr(self, item: Any) -> ChangeRequest:
        if not isinstance(item, dict):
            raise unexpected(NAME)
        source = item.get("sourceRefName")
        if not isinstance(source, str) or not source.startswith("refs/heads/"):
            raise unexpected(NAME)
        number = item.get("pullRequestId")
        web = f"{self._web}/pullrequest/{number}"
        get = item.get
        return forge.change_request(
            NAME,
            number,
            web,
            source.removeprefix("refs/heads/"),
            get("title"),
            get("description"),
            item,
            get("creationDate"),
            _branch(get("targetRefName")),
        )


def _branch(ref: Any) -> str | None:
    return ref.removeprefix("refs/heads/") if isinstance(ref, str) and ref.startswith("refs/heads/") else None


def fit(body: str) -> str:
    """The description as Azure keeps it: at most 4000 characters."""
    if len(body) <= MAX_DESCRIPTION:
        return body
    note = "\n\n… (cut to Azure DevOps' 4000 characters)"
    return body[: MAX_DESCRIPTION - len(note)] + note


_no_assignees = forge.lacks("Azure DevOps", "assignees", "name them as reviewers instead")


def _following(answer: Answer, items: list[Any], page: int) -> NextPage:
    """``x-ms-continuationtoken`` names the next page when the service sends one; else
    ``$skip`` past a full page."""
    token = answer.header("x-ms-continuationtoken")
    if token:
        return {"continuationToken": token}
    return None if len(items) < PAGE else {"$skip": str(page * PAGE)}


PULLS = Paging(PAGE, under("value"), _following, {"$top": str(PAGE)})
# TF401179: an active pull request for the source and target branch already exists
WORDS = Words(NAME, HINTS, race=lambda status, body: status == 409)
