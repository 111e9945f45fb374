"""A local HTTP server speaking the Bitbucket Cloud REST 2.0 endpoints gitops-bot calls (pull
requests: list, create, read, update, comment, decline; the repository's effective default
reviewers; the workspace's members), backed by a real bare git remote, under ``/2.0``.

Shapes follow Atlassian's published description (``testkit/specs/bitbucket-cloud-subset.json``,
from ``https://dac-static.atlassian.com/cloud/bitbucket/swagger.v3.json`` as vendored by
github.com/coderabbitai/bitbucket) and its own examples: the effective default reviewers page
is the description's example (``default_reviewer_and_type`` with ``reviewer_type``
``project``/``repository``). As the service does: every list is a page
(``size``/``page``/``pagelen``/``values``) naming the ``next`` one by its full URL; the list of
pull requests leaves out ``reviewers`` ("for performance reasons, the API only includes this
list on a pull request's self URL"); a PUT that names ``reviewers`` replaces them, and the
author cannot be one (400); errors are ``{"type": "error", "error": {"message": ...}}``.
Merging writes Bitbucket's subject ``Merged in {branch} (pull request #{n})``.
"""

from __future__ import annotations

import base64
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, ClassVar
from urllib.parse import urlencode

from testkit import source_repos
from testkit.contract import Contract
from testkit.forge_server import Answer, FakeForge, NotFound, git, merge_branch

DATE = "2026-11-23T12:00:00.000000+00:00"


def error(status: int, message: str, detail: str | None = None) -> Answer:
    """An error as Bitbucket Cloud sends one."""
    body: dict[str, Any] = {"type": "error", "error": {"message": message}}
    if detail:
        body["error"]["detail"] = detail
    return status, body, {}


def user(nickname: str, display: str, uuid: str) -> dict[str, Any]:
    return {
        "type": "user",
        "display_name": display,
        "nickname": nickname,
        "uuid": uuid,
        "account_id": f"557058:{uuid.strip('{}')}",
    }


@dataclass
class FakeBitbucketCloud(FakeForge):
    repository: str = "acme/gitops"
    bot: dict[str, Any] = field(
        default_factory=lambda: user("gitops-bot", "gitops-bot", "{7c2f1c52-1d2b-4f8e-9a6f-0b6a1c5e2d10}")
    )
    people: list[dict[str, Any]] = field(
        default_factory=lambda: [
            user("alice", "Alice Liddell", "{504c3b62-8120-4f0c-a7bc-87800b9d6f70}"),
            user("bob", "Bob Builder", "{f0e0e8e9-66c1-4b85-a784-44a9eb9ef1a6}"),
        ]
    )
    # the repository's effective default reviewers (nicknames of people), with their kind
    default_reviewers: list[tuple[str, str]] = field(default_factory=list)
    app_password: tuple[str, str] | None = None  # (user, app password) accepted as Basic
    page_length: int = 10  # the service's default pagelen
    next_origin: str | None = None  # a hostile server: name the next page on this origin
    contract: Contract | None = None
    # "{workspace}/{repo_slug}" -> an image's source repository (its commits)
    sources: dict[str, Path] = field(default_factory=dict)
    api_prefix: ClassVar[str] = "/2.0"
    number_key: ClassVar[str] = "id"

    def __post_init__(self) -> None:
        self.contract = self.contract or Contract.load("bitbucket-cloud")
        super().__post_init__()

    def authorised(self, headers: dict[str, str]) -> bool:
        value = {k.lower(): v for k, v in headers.items()}.get("authorization", "")
        if value == f"Bearer {self.token}":
            return True
        if self.app_password is None:
            return False
        pair = ":".join(self.app_password).encode()
        return value == "Basic " + base64.b64encode(pair).decode()

    def refusal(self, status: int, message: str) -> Answer:
        return error(status, message)

    def denied(self) -> Answer:
        return error(401, "Token is invalid, expired, or not supported for this endpoint.")

    def absent(self) -> Answer:
        return error(404, "Resource not found")

    # -- the exchange --------------------------------------------------------------------

    def route(self, method: str, path: str, query: dict[str, list[str]], body: Any) -> Answer:
        commits = re.fullmatch(r"/repositories/([^/]+/[^/]+)/commits", path)
        if commits and method == "GET" and commits.group(1) in self.sources:
            return self._commits(path, commits.group(1), query)
        repo = f"/repositories/{self.repository}"
        workspace = self.repository.split("/")[0]
        statuses = re.fullmatch(rf"{re.escape(repo)}/commit/([0-9a-f]{{40}})/statuses", path)
        if statuses and method == "GET":
            sha = statuses.group(1)
            found: list[dict[str, Any]] = [
                {
                    "type": "build",
                    "key": key,
                    "name": key,
                    "state": state,
                    "refname": "main",
                    "url": f"https://ci.example.com/{sha[:7]}/{key}",
                    "description": f"{key}: {state}",
                    "created_on": "2026-11-20T10:00:00+00:00",
                    "updated_on": "2026-11-20T10:00:00+00:00",
                }
                for key, state in self.commit_statuses.get(sha, [])
            ]
            return self._page(path, found, query)
        if path == f"/workspaces/{workspace}/members" and method == "GET":
            members = [{"type": "workspace_membership", "user": p} for p in [*self.people, self.bot]]
            return self._page(path, members, query)
        if path == f"{repo}/effective-default-reviewers" and method == "GET":
            found = [
                {"type": "default_reviewer", "reviewer_type": kind, "user": self._person(nick)}
                for nick, kind in self.default_reviewers
            ]
            return self._page(path, found, query)
        if path == f"{repo}/pullrequests":
            if method == "GET":
                states = query.get("state", ["OPEN"])
                shas = self._heads()
                found = [self._public(p, listed=True, shas=shas) for p in self.pulls if p["state"] in states]
                return self._page(path, found, query)
            if method == "POST":
                return self._create(body)
            raise NotFound
        m = re.fullmatch(rf"{re.escape(repo)}/pullrequests/(\d+)(/[a-z]+)?", path)
        if not m:
            raise NotFound
        pr = next((p for p in self.pulls if p["id"] == int(m.group(1))), None)
        if pr is None:
            return error(404, "Pull request not found")
        where = f"{method} {m.group(2) or ''}"
        if where == "GET ":
            return 200, self._public(pr), {}
        if where == "PUT ":
            return self._update(pr, body)
        if where == "POST /comments":
            pr["comments_list"].append(body["content"]["raw"])
            comment = {
                "type": "pullrequest_comment",
                "id": len(pr["comments_list"]),
                "content": {"raw": body["content"]["raw"], "markup": "markdown", "html": ""},
                "user": self.bot,
                "created_on": DATE,
                "updated_on": DATE,
                "deleted": False,
            }
            return 201, comment, {}
        if where == "POST /decline":
            if pr["state"] != "OPEN":
                return error(400, "You can't decline a pull request that is not open.")
            pr.update(state="DECLINED", closed_by=self.bot)
            return 200, self._public(pr), {}
        raise NotFound

    def _commits(self, path: str, name: str, query: dict[str, list[str]]) -> Answer:
        """``include`` and not ``exclude`` (one of each here), newest first, paged by ``next``."""
        include, exclude = query.get("include", ["HEAD"])[0], query.get("exclude", [""])[0]
        found = source_repos.between(self.sources[name], exclude, include) if exclude else None
        if found is None:
            return self.absent()
        items = source_repos.bitbucket_cloud(self.url + self.api_prefix, self.url, name, found)
        return self._page(path, items, query)

    def _page(self, path: str, items: list[Any], query: dict[str, list[str]]) -> Answer:
        """One page of ``items``, the next named by its whole URL as the service does."""
        number = int(query.get("page", ["1"])[0])
        size = int(query.get("pagelen", [str(self.page_length)])[0])
        chunk = items[(number - 1) * size : number * size]
        page: dict[str, Any] = {"size": len(items), "page": number, "pagelen": size, "values": chunk}
        if number * size < len(items):
            params = urlencode({**{k: v[0] for k, v in query.items()}, "page": number + 1})
            origin = self.next_origin or self.url
            page["next"] = f"{origin}{self.api_prefix}{path}?{params}"
        return 200, page, {}

    def _person(self, nickname: str) -> dict[str, Any]:
        return next(p for p in [*self.people, self.bot] if p["nickname"] == nickname)

    def _repository(self) -> dict[str, Any]:
        return {
            "type": "repository",
            "full_name": self.repository,
            "name": self.repository.split("/")[1],
            "uuid": "{3b2a0b6e-58b1-4d6a-9e55-3a3c0d8e7f21}",
            "links": {"html": {"href": f"https://bitbucket.org/{self.repository}"}},
        }

    def _heads(self) -> dict[str, str]:
        """Every branch's commit, read once per answer."""
        lines = git(self.remote, "for-each-ref", "--format=%(refname:short) %(objectname)", "refs/heads/")
        return dict(line.split(" ", 1) for line in lines.splitlines() if line)

    def _endpoint(self, branch: str, shas: dict[str, str]) -> dict[str, Any]:
        out: dict[str, Any] = {"branch": {"name": branch}, "repository": self._repository()}
        if branch in shas:  # a merged and deleted branch has no commit to name
            out["commit"] = {"hash": shas[branch][:12]}
        return out

    def _create(self, body: dict[str, Any]) -> Answer:
        source = body["source"]["branch"]["name"]
        target = (body.get("destination") or {}).get("branch", {}).get("name", "main")
        if self.branch_sha(source) is None:
            return error(400, f"source branch {source} not found", "branch not found")
        if any(p["source"] == source and p["target"] == target for p in self.open_pulls()):
            return error(400, f"There is already an open pull request from {source} to {target}.")
        reviewers = [self._by_uuid(r["uuid"]) for r in body.get("reviewers", [])]
        n = len(self.pulls) + 1
        pr = {
            "id": n,
            "state": "OPEN",
            "title": body["title"],
            "description": body.get("description", ""),
            "source": source,
            "target": target,
            "draft": bool(body.get("draft", False)),
            "close_source_branch": bool(body.get("close_source_branch", False)),
            "reviewers": [r for r in reviewers if r is not None],
            "closed_by": None,
            "comments_list": [],
        }
        self.pulls.append(pr)
        url = f"{self.url}{self.api_prefix}/repositories/{self.repository}/pullrequests/{n}"
        return 201, self._public(pr), {"Location": url}

    def _by_uuid(self, uuid: str) -> dict[str, Any] | None:
        return next((p for p in [*self.people, self.bot] if p["uuid"] == uuid), None)

    def _update(self, pr: dict[str, Any], body: dict[str, Any]) -> Answer:
        if pr["state"] != "OPEN":
            return error(400, "Only open pull requests can be updated.")
        if "reviewers" in body:
            people = [self._by_uuid(r.get("uuid", "")) for r in body["reviewers"]]
            if any(p is None for p in people):
                return error(400, "reviewers: malformed reviewers list")
            if any(p is self.bot for p in people):
                return error(400, "gitops-bot is the author and cannot be included as a reviewer.")
            pr["reviewers"] = people
        for key in ("title", "description"):
            if key in body:
                pr[key] = body[key]
        return 200, self._public(pr), {}

    def _public(
        self, pr: dict[str, Any], *, listed: bool = False, shas: dict[str, str] | None = None
    ) -> dict[str, Any]:
        n = pr["id"]
        shas = self._heads() if shas is None else shas
        out: dict[str, Any] = {
            "type": "pullrequest",
            "id": n,
            "title": pr["title"],
            "description": pr["description"],
            "summary": {"raw": pr["description"], "markup": "markdown", "html": ""},
            "state": pr["state"],
            "author": self.bot,
            "source": self._endpoint(pr["source"], shas),
            "destination": self._endpoint(pr["target"], shas),
            "close_source_branch": pr["close_source_branch"],
            "draft": pr["draft"],
            "comment_count": len(pr["comments_list"]),
            "task_count": 0,
            "created_on": DATE,
            "updated_on": DATE,
            "links": {
                "self": {
                    "href": f"{self.url}{self.api_prefix}/repositories/{self.repository}/pullrequests/{n}"
                },
                "html": {"href": f"https://bitbucket.org/{self.repository}/pull-requests/{n}"},
            },
        }
        if pr["closed_by"] is not None:
            out["closed_by"] = pr["closed_by"]
        if not listed:
            out["reviewers"] = pr["reviewers"]
            out["participants"] = []
        return out

    # -- what the tests drive ------------------------------------------------------------

    def open_pulls(self) -> list[dict[str, Any]]:
        return [p for p in self.pulls if p["state"] == "OPEN"]

    def view(self, pr: dict[str, Any]) -> dict[str, Any]:
        return {
            "number": pr["id"],
            "state": "open" if pr["state"] == "OPEN" else pr["state"].lower(),
            "head": pr["source"],
            "base": pr["target"],
            "title": pr["title"],
            "body": pr["description"],
            "labels": [],
            "reviewers": [r["nickname"] for r in pr["reviewers"]],
            "assignees": [],
            "auto_merge": None,
            "comments": pr["comments_list"],
            "url": f"https://bitbucket.org/{self.repository}/pull-requests/{pr['id']}",
            "draft": pr["draft"],
        }

    def merge(self, number: int) -> None:
        pr = self.find(number)
        message = f"Merged in {pr['source']} (pull request #{number})\n\n{pr['title']}"
        merge_branch(
            self.remote,
            pr["source"],
            pr["target"],
            message,
            ("Bitbucket", "noreply@bitbucket.org"),
            squash=False,
        )
        pr["state"] = "MERGED"
