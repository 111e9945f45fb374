"""A local HTTP server speaking the Azure DevOps Git REST 7.1 endpoints gitops-bot calls (pull
requests: list, create, update, labels, reviewers, comment threads; the identities search),
backed by a real bare git remote. Completing a pull request squashes or merges as its
``completionOptions.mergeStrategy`` says and deletes the source branch when asked.

Shapes follow the published description (``testkit/specs/azure-devops-*``, from
MicrosoftDocs/vsts-rest-api-specs) and its own examples
(``specification/git/7.1/httpExamples/pullRequests/GET__git_repositories__repositoryId__pullRequests.json``:
the ``repository``/``createdBy``/``reviewers`` objects; every list wrapped as
``{"count": n, "value": [...]}``). Errors as the service sends them: ``{"$id": "1",
"innerException": null, "message": "TF401179: ...", "typeName": "...", "typeKey": "...",
"errorCode": 0, "eventId": 3000}``. Every request must carry ``api-version=7.1`` (the
description makes it required). The pull request list pages with ``$top``/``$skip``.
"""

from __future__ import annotations

import base64
import re
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import quote, unquote, urlparse

from testkit import source_repos
from testkit.contract import Contract
from testkit.forge_server import Answer, FakeForge, NotFound, merge_branch

DATE = "2026-11-23T12:00:00.0000000Z"
DEFAULT_TOP = 101  # what the service answers per page when $top is not given


def error(status: int, message: str, type_name: str, type_key: str) -> Answer:
    """An error as Azure DevOps sends one (a serialised .NET exception)."""
    body = {
        "$id": "1",
        "innerException": None,
        "message": message,
        "typeName": f"{type_name}, Microsoft.TeamFoundation.SourceControl.WebServer",
        "typeKey": type_key,
        "errorCode": 0,
        "eventId": 3000,
    }
    return status, body, {}


def identity_ref(server: str, org: str, who: dict[str, str]) -> dict[str, Any]:
    return {
        "id": who["id"],
        "displayName": who["displayName"],
        "uniqueName": who["uniqueName"],
        "url": f"{server}/{org}/_apis/Identities/{who['id']}",
        "imageUrl": f"{server}/{org}/_api/_common/identityImage?id={who['id']}",
    }


@dataclass
class FakeAzureDevOps(FakeForge):
    organization: str = "acme"
    project: str = "Web Site"
    repository: str = "gitops"
    # the token's identity (a PAT's owner, or the project's Build Service for a job token)
    bot: dict[str, str] = field(
        default_factory=lambda: {
            "id": "d6245f20-2af8-44f4-9451-8107cb2767db",
            "displayName": "Web Site Build Service (acme)",
            "uniqueName": "Build\\a7573007-bbb3-4341-b726-0c4148a07853",
        }
    )
    people: list[dict[str, str]] = field(
        default_factory=lambda: [
            {
                "id": "8c8c7d32-6b1b-47f4-b2e9-30b477b5ab3d",
                "displayName": "Alice Liddell",
                "uniqueName": "alice@example.com",
            },
            {
                "id": "0b7f4c5e-2c1f-4d2b-9a57-c5a1b9c1f0aa",
                "displayName": "Bob Builder",
                "uniqueName": "bob@example.com",
            },
        ]
    )
    bearer: str | None = None  # a pipeline's System.AccessToken, accepted as Bearer
    checks: str = "pending"  # the branch policies' verdict: pending | success
    contract: Contract | None = None
    identity_contract: Contract | None = None
    repository_id: str = "3411ebc1-d5aa-464f-9615-0b527bc66719"
    project_id: str = "a7573007-bbb3-4341-b726-0c4148a07853"
    number_key = "pullRequestId"
    # "{organization}/{project}/{repository}" -> an image's source repository (commitsbatch)
    sources: dict[str, Path] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.contract = self.contract or Contract.load("azure-devops")
        self.identity_contract = self.identity_contract or Contract.load("azure-devops-identities")
        super().__post_init__()

    # -- the exchange --------------------------------------------------------------------

    def handle(self, method: str, raw_path: str, body: Any, headers: dict[str, str]) -> Answer:
        answer = self._handle(method, raw_path, body, headers)
        url = urlparse(raw_path)
        contract = self.identity_contract if "/_apis/identities" in url.path else self.contract
        assert contract is not None
        injected = any(re.fullmatch(key, f"{method} {url.path}") for key in self.fail)
        query = f"?{url.query}" if url.query else ""
        contract.check(method, url.path + query, body, answer[0], answer[1], answer_too=not injected)
        return answer

    def stop(self) -> None:
        super().stop()
        assert self.identity_contract is not None
        self.identity_contract.assert_clean()

    def authorised(self, headers: dict[str, str]) -> bool:
        lowered = {k.lower(): v for k, v in headers.items()}
        value = lowered.get("authorization", "")
        basic = "Basic " + base64.b64encode(f":{self.token}".encode()).decode()
        return value == basic or (self.bearer is not None and value == f"Bearer {self.bearer}")

    def route(self, method: str, path: str, query: dict[str, list[str]], body: Any) -> Answer:
        if query.get("api-version") != ["7.1"]:
            return error(
                400,
                "The requested REST API version of 7.1 is required (api-version missing).",
                "Microsoft.VisualStudio.Services.WebApi.VssVersionOutOfRangeException",
                "VssVersionOutOfRangeException",
            )
        if path == f"/{self.organization}/_apis/identities" and method == "GET":
            return self._identities(query)
        path = unquote(path)
        batch = re.fullmatch(r"/([^/]+)/([^/]+)/_apis/git/repositories/([^/]+)/commitsbatch", path)
        if batch and method == "POST" and "/".join(batch.groups()) in self.sources:
            return self._commits(batch.groups(), query, body)
        repo = f"/{self.organization}/{self.project}/_apis/git/repositories/{self.repository}"
        statuses = re.fullmatch(rf"{re.escape(repo)}/commits/([0-9a-f]{{40}})/statuses", path)
        if statuses and method == "GET":
            return self._statuses(statuses.group(1), query)
        if path == f"{repo}/pullrequests":
            return self._collection(method, query, body)
        m = re.fullmatch(rf"{re.escape(repo)}/pull[rR]equests/(\d+)(?:/([a-z]+)(?:/([^/]+))?)?", path)
        if not m:
            raise NotFound
        pr = self._find(int(m.group(1)))
        if pr is None:
            return error(
                404,
                f"TF401180: The requested pull request was not found. ({m.group(1)})",
                "Microsoft.TeamFoundation.Git.Server.GitPullRequestNotFoundException",
                "GitPullRequestNotFoundException",
            )
        where = f"{method} {m.group(2) or ''}"
        if where == "PATCH ":
            return self._update(pr, body)
        if where == "POST labels":
            return self._label(pr, body)
        if where == "PUT reviewers" and m.group(3):
            return self._reviewer(pr, m.group(3), body)
        if where == "POST threads":
            return self._comment_thread(pr, body)
        raise NotFound

    # -- commits -------------------------------------------------------------------------

    def _commits(self, names: tuple[str, ...], query: dict[str, list[str]], body: dict[str, Any]) -> Answer:
        """The commits reachable from ``itemVersion`` and not from ``compareVersion``, newest
        first, ``$skip``/``$top`` (100 when not given, as the service)."""
        head = (body.get("itemVersion") or {}).get("version", "")
        base = (body.get("compareVersion") or {}).get("version", "")
        commits = source_repos.between(self.sources["/".join(names)], base, head)
        if commits is None:
            unknown = (
                head if source_repos.between(self.sources["/".join(names)], head, head) is None else base
            )
            return error(
                404,
                f"TF401175:The version descriptor <Commit: {unknown}> could not be resolved to a "
                f"version in the repository {names[2]}",
                "Microsoft.TeamFoundation.Git.Server.GitUnresolvableToCommitException",
                "GitUnresolvableToCommitException",
            )
        org, project, repo = (quote(n) for n in names)
        api = f"{self.url}/{org}/_apis/git/repositories/{self.repository_id}"
        items = source_repos.azure_devops(api, f"{self.url}/{org}/{project}/_git/{repo}", commits)
        skip = int(query.get("$skip", ["0"])[0])
        top = int(query.get("$top", ["100"])[0])
        page = items[skip : skip + top]
        return 200, {"count": len(page), "value": page}, {}

    # -- pull requests -------------------------------------------------------------------

    def _find(self, number: int) -> dict[str, Any] | None:
        return next((p for p in self.pulls if p["pullRequestId"] == number), None)

    def open_pulls(self) -> list[dict[str, Any]]:
        return [p for p in self.pulls if p["status"] == "active"]

    def _statuses(self, sha: str, query: dict[str, list[str]]) -> Answer:
        """GitStatus items, newest first; ``latestOnly=true`` keeps the newest per context,
        as the service does; ``top``/``skip`` page them."""
        listed = []
        for i, (name, state) in enumerate(self.commit_statuses.get(sha, [])):
            genre, _, short = name.rpartition("/")
            listed.append(
                {
                    "id": i + 1,
                    "state": state,
                    "description": f"{short}: {state}",
                    "context": {"name": short, "genre": genre} if genre else {"name": short},
                    "creationDate": "2026-11-20T10:00:00Z",
                    "targetUrl": f"https://dev.azure.com/{self.organization}/_build/results?buildId={i + 1}",
                }
            )
        if query.get("latestOnly") == ["true"]:
            newest: dict[str, dict[str, Any]] = {}
            for x in listed:
                newest.setdefault(str(x["context"]), x)
            listed = list(newest.values())
        skip, top = int(query.get("skip", ["0"])[0]), int(query.get("top", ["100"])[0])
        page = listed[skip : skip + top]
        return 200, {"count": len(page), "value": page}, {}

    def _collection(self, method: str, query: dict[str, list[str]], body: Any) -> Answer:
        if method == "GET":
            status = query.get("searchCriteria.status", ["active"])[0]
            source = query.get("searchCriteria.sourceRefName", [None])[0]
            found = [
                p
                for p in self.pulls
                if (status == "all" or p["status"] == status) and source in (None, p["sourceRefName"])
            ]
            found.sort(key=lambda p: -int(p["pullRequestId"]))  # newest first, as the service
            skip = int(query.get("$skip", ["0"])[0])
            top = int(query.get("$top", [str(DEFAULT_TOP)])[0])
            page = [self._public(p) for p in found[skip : skip + top]]
            return 200, {"count": len(page), "value": page}, {}
        if method != "POST":
            raise NotFound
        source, target = body.get("sourceRefName", ""), body.get("targetRefName", "")
        if any(p["sourceRefName"] == source and p["targetRefName"] == target for p in self.open_pulls()):
            return error(
                409,
                "TF401179: An active pull request for the source and target branch already exists.",
                "Microsoft.TeamFoundation.Git.Server.GitPullRequestExistsException",
                "GitPullRequestExistsException",
            )
        sha = self.branch_sha(source.removeprefix("refs/heads/"))
        if sha is None or self.branch_sha(target.removeprefix("refs/heads/")) is None:
            return error(
                400,
                f"TF401398: The pull request cannot be activated because the source and/or the "
                f"target branch no longer exists, or the requested refs are not branches ({source})",
                "Microsoft.TeamFoundation.Git.Server.InvalidArgumentValueException",
                "InvalidArgumentValueException",
            )
        pr = self._new(body, sha)
        self.pulls.append(pr)
        return 200, self._public(pr), {}

    def _new(self, body: dict[str, Any], sha: str) -> dict[str, Any]:
        n = len(self.pulls) + 1
        return {
            "repository": self._repository(),
            "pullRequestId": n,
            "codeReviewId": n,
            "status": "active",
            "createdBy": identity_ref(self.url, self.organization, self.bot),
            "creationDate": DATE,
            "title": body["title"],
            "description": body.get("description", ""),
            "sourceRefName": body["sourceRefName"],
            "targetRefName": body["targetRefName"],
            "mergeStatus": "queued",
            "isDraft": bool(body.get("isDraft", False)),
            "mergeId": str(uuid.uuid4()),
            "lastMergeSourceCommit": {"commitId": sha, "url": f"{self._api()}/commits/{sha}"},
            "reviewers": [],
            "labels": [],
            "url": f"{self._api()}/pullRequests/{n}",
            "supportsIterations": True,
            "comments_list": [],
        }

    def _api(self) -> str:
        return f"{self.url}/{self.organization}/_apis/git/repositories/{self.repository_id}"

    def _repository(self) -> dict[str, Any]:
        return {
            "id": self.repository_id,
            "name": self.repository,
            "url": self._api(),
            "project": {"id": self.project_id, "name": self.project, "state": "wellFormed"},
            "webUrl": f"{self.url}/{self.organization}/{quote(self.project)}/_git/{self.repository}",
        }

    def _public(self, pr: dict[str, Any]) -> dict[str, Any]:
        return {k: v for k, v in pr.items() if k != "comments_list"}

    def _update(self, pr: dict[str, Any], body: dict[str, Any]) -> Answer:
        if pr["status"] != "active":
            return error(
                400,
                f"TF401181: The pull request cannot be edited due to its state. ({pr['pullRequestId']})",
                "Microsoft.TeamFoundation.Git.Server.InvalidArgumentValueException",
                "InvalidArgumentValueException",
            )
        for key in ("title", "description", "status", "isDraft", "completionOptions"):
            if key in body:
                pr[key] = body[key]
        if "autoCompleteSetBy" in body:
            setter = body["autoCompleteSetBy"].get("id")
            if setter != self.bot["id"]:  # only yourself may set auto-complete
                return error(
                    400,
                    "TF401214: The auto-complete identity must be the caller.",
                    "Microsoft.TeamFoundation.Git.Server.InvalidArgumentValueException",
                    "InvalidArgumentValueException",
                )
            pr["autoCompleteSetBy"] = identity_ref(self.url, self.organization, self.bot)
        if body.get("status") == "abandoned":
            pr["closedDate"] = DATE
            pr["closedBy"] = identity_ref(self.url, self.organization, self.bot)
        return 200, self._public(pr), {}

    def _label(self, pr: dict[str, Any], body: dict[str, Any]) -> Answer:
        name = body["name"]
        found = next((x for x in pr["labels"] if x["name"].lower() == name.lower()), None)
        if found is None:
            ident = str(uuid.uuid5(uuid.NAMESPACE_URL, name))
            found = {"id": ident, "name": name, "active": True, "url": f"{self.url}/_apis/tags/{ident}"}
            pr["labels"].append(found)
        return 200, found, {}

    def _reviewer(self, pr: dict[str, Any], ident: str, body: dict[str, Any]) -> Answer:
        who = next((p for p in self.people if p["id"] == ident), None)
        if who is None or body.get("vote", 0) != 0 or body.get("id", ident) != ident:
            return error(
                400,
                f"TF401290: The identity {ident} could not be added as a reviewer.",
                "Microsoft.TeamFoundation.Git.Server.InvalidArgumentValueException",
                "InvalidArgumentValueException",
            )
        entry = {
            **identity_ref(self.url, self.organization, who),
            "reviewerUrl": f"{pr['url']}/reviewers/{ident}",
            "vote": 0,
            "isRequired": bool(body.get("isRequired", False)),
        }
        pr["reviewers"] = [r for r in pr["reviewers"] if r["id"] != ident] + [entry]
        return 200, entry, {}

    def _comment_thread(self, pr: dict[str, Any], body: dict[str, Any]) -> Answer:
        comments = body.get("comments") or []
        if not comments:
            return error(
                400,
                "The thread must contain at least one comment.",
                "Microsoft.TeamFoundation.SourceControl.WebServer.InvalidArgumentValueException",
                "InvalidArgumentValueException",
            )
        pr["comments_list"] += [c["content"] for c in comments]
        n = len(pr["comments_list"])
        author = identity_ref(self.url, self.organization, self.bot)
        thread = {
            "id": n,
            "publishedDate": DATE,
            "lastUpdatedDate": DATE,
            "comments": [
                {
                    "id": i + 1,
                    "parentCommentId": c.get("parentCommentId", 0),
                    "author": author,
                    "content": c["content"],
                    "publishedDate": DATE,
                    "lastUpdatedDate": DATE,
                    "lastContentUpdatedDate": DATE,
                    "commentType": c.get("commentType", "text"),
                    "usersLiked": [],
                }
                for i, c in enumerate(comments)
            ],
            "status": body.get("status", "active"),
            "isDeleted": False,
        }
        return 200, thread, {}

    def _identities(self, query: dict[str, list[str]]) -> Answer:
        wanted = query.get("filterValue", [""])[0].lower()
        found = [
            {
                "id": p["id"],
                "providerDisplayName": p["displayName"],
                "isActive": True,
                "isContainer": False,
                "subjectDescriptor": f"aad.{p['id']}",
                "resourceVersion": 2,
                "metaTypeId": 0,
            }
            for p in self.people
            if wanted in (p["uniqueName"].lower(), p["displayName"].lower(), p["uniqueName"].split("@")[0])
        ]
        return 200, {"count": len(found), "value": found}, {}

    # -- what the tests drive ------------------------------------------------------------

    def view(self, pr: dict[str, Any]) -> dict[str, Any]:
        options = pr.get("completionOptions") or {}
        return {
            "number": pr["pullRequestId"],
            "state": "open" if pr["status"] == "active" else pr["status"],
            "head": pr["sourceRefName"].removeprefix("refs/heads/"),
            "base": pr["targetRefName"].removeprefix("refs/heads/"),
            "title": pr["title"],
            "body": pr["description"],
            "labels": [x["name"] for x in pr["labels"]],
            "reviewers": [r["uniqueName"] for r in pr["reviewers"]],
            "required": [r["uniqueName"] for r in pr["reviewers"] if r.get("isRequired")],
            "assignees": [],
            "auto_merge": options.get("mergeStrategy") if pr.get("autoCompleteSetBy") else None,
            "delete_source_branch": options.get("deleteSourceBranch"),
            "comments": pr["comments_list"],
            "url": pr["repository"]["webUrl"] + f"/pullrequest/{pr['pullRequestId']}",
            "draft": pr["isDraft"],
        }

    def merge(self, number: int) -> None:
        """Complete the pull request as its completion options say."""
        pr = self._find(number)
        if pr is None:
            raise NotFound
        options = pr.get("completionOptions") or {}
        head = pr["sourceRefName"].removeprefix("refs/heads/")
        base = pr["targetRefName"].removeprefix("refs/heads/")
        message = f"Merged PR {number}: {pr['title']}"
        squash = options.get("mergeStrategy") == "squash"
        merge_branch(
            self.remote, head, base, message, ("Azure DevOps", "azuredevops@microsoft.com"), squash=squash
        )
        pr.update(status="completed", closedDate=DATE)

    def finish_checks(self, status: str = "success") -> None:
        """The branch policies pass: pull requests set to auto-complete complete."""
        self.checks = status
        if status == "success":
            for pr in self.open_pulls():
                if pr.get("autoCompleteSetBy"):
                    self.merge(pr["pullRequestId"])
