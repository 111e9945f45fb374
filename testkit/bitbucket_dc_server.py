"""A local HTTP server speaking the Bitbucket Data Center REST endpoints gitops-bot calls (pull
requests: list, create, read, update, comment, decline, participants, merge with auto-merge;
the Default Reviewers plugin's reviewers), backed by a real bare git remote, under ``/rest``.

Shapes follow Atlassian's published description
(``testkit/specs/bitbucket-data-center-9.2-subset.json``, from
``https://dac-static.atlassian.com/server/bitbucket/9.2.swagger.v3.json`` as vendored by
github.com/coderabbitai/bitbucket): ``RestPullRequest`` with ``fromRef``/``toRef``,
``version``, ``reviewers`` as participants, ``links.self`` a list of ``{href}``; paged lists
(``size``/``limit``/``isLastPage``/``start``/``values``/``nextPageStart``). As the server
does: every update must name the current ``version`` (else 409
``PullRequestOutOfDateException``); a PUT keeps exactly the reviewers it names; one open pull
request per source and target branch (409 ``DuplicatePullRequestException``); auto-merge is
refused (403) unless the repository allows it, and a pull request set to auto-merge merges
when its checks pass. Errors are ``{"errors": [{"context": null, "message": ...,
"exceptionName": ...}]}``. Merging writes the server's subject ``Pull request #{n}: {title}``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, ClassVar

from testkit import source_repos
from testkit.contract import Contract
from testkit.forge_server import Answer, FakeForge, NotFound, git, merge_branch

CREATED = 1763899200000  # 2025-11-23T12:00:00Z in milliseconds, as the server writes times


def error(status: int, message: str, exception: str) -> Answer:
    """An error as Bitbucket Data Center sends one."""
    name = f"com.atlassian.bitbucket.{exception}"
    return status, {"errors": [{"message": message, "exceptionName": name}]}, {}


def person(name: str, display: str, ident: int) -> dict[str, Any]:
    return {
        "name": name,
        "emailAddress": f"{name}@example.com",
        "active": True,
        "displayName": display,
        "id": ident,
        "slug": name,
        "type": "NORMAL",
    }


@dataclass
class FakeBitbucketDataCenter(FakeForge):
    project: str = "ACME"
    slug: str = "gitops"
    bot: dict[str, Any] = field(default_factory=lambda: person("gitops-bot", "gitops-bot", 3))
    people: list[dict[str, Any]] = field(
        default_factory=lambda: [person("alice", "Alice Liddell", 101), person("bob", "Bob Builder", 102)]
    )
    default_reviewers: list[str] = field(default_factory=list)  # user names the plugin requires
    # "{projectKey}/{repositorySlug}" -> an image's source repository (its commits)
    sources: dict[str, Path] = field(default_factory=dict)
    auto_merge_allowed: bool = True
    checks: str = "pending"  # the merge checks' verdict: pending | success
    page_limit: int = 25  # the server's default limit
    contract: Contract | None = None
    api_prefix: ClassVar[str] = "/rest"
    number_key: ClassVar[str] = "id"
    repository_id: ClassVar[int] = 1

    def __post_init__(self) -> None:
        self.contract = self.contract or Contract.load("bitbucket-data-center")
        super().__post_init__()

    def authorised(self, headers: dict[str, str]) -> bool:
        return {k.lower(): v for k, v in headers.items()}.get("authorization") == f"Bearer {self.token}"

    def refusal(self, status: int, message: str) -> Answer:
        return error(status, message, "rest.RestException")

    def denied(self) -> Answer:
        return error(
            401,
            "Authentication failed. Please check your credentials and try again.",
            "auth.IncorrectPasswordAuthenticationException",
        )

    def absent(self) -> Answer:
        return error(404, "This resource does not exist.", "rest.NoSuchResourceException")

    # -- the exchange --------------------------------------------------------------------

    def route(self, method: str, path: str, query: dict[str, list[str]], body: Any) -> Answer:
        commits = re.fullmatch(r"/api/latest/projects/([^/]+)/repos/([^/]+)/commits", path)
        if commits and method == "GET" and "/".join(commits.groups()) in self.sources:
            return self._commits(self.sources["/".join(commits.groups())], commits.group(2), query)
        builds = re.fullmatch(r"/build-status/latest/commits/([0-9a-f]{40})", path)
        if builds and method == "GET":
            found = [
                {
                    "key": key,
                    "name": key,
                    "state": state,
                    "url": f"https://ci.example.com/{key}",
                    "description": f"{key}: {state}",
                    "dateAdded": 1763632800000,
                }
                for key, state in self.commit_statuses.get(builds.group(1), [])
            ]
            return self._page(found, query)
        repo = f"/api/latest/projects/{self.project}/repos/{self.slug}"
        defaults = f"/default-reviewers/latest/projects/{self.project}/repos/{self.slug}/reviewers"
        if path == defaults and method == "GET":
            return 200, [self._person(n) for n in self.default_reviewers], {}
        if path == f"{repo}/pull-requests":
            if method == "GET":
                state = query.get("state", ["OPEN"])[0]
                shas = self._heads()
                found = [self._public(p, shas) for p in self.pulls if state == "ALL" or p["state"] == state]
                return self._page(found, query)
            if method == "POST":
                return self._create(body)
            raise NotFound
        m = re.fullmatch(rf"{re.escape(repo)}/pull-requests/(\d+)(/[a-z-]+)?", path)
        if not m:
            raise NotFound
        pr = next((p for p in self.pulls if p["id"] == int(m.group(1))), None)
        if pr is None:
            return error(
                404,
                f"Pull request {m.group(1)} does not exist in {self.project}/{self.slug}.",
                "pull.NoSuchPullRequestException",
            )
        where = f"{method} {m.group(2) or ''}"
        if where == "GET ":
            return 200, self._public(pr), {}
        if where == "POST /comments":
            pr["comments_list"].append(body["text"])
            n = len(pr["comments_list"])
            comment = {
                "id": n,
                "version": 0,
                "text": body["text"],
                "author": self.bot,
                "createdDate": CREATED,
            }
            return 201, comment, {}
        if where == "POST /participants":
            return self._participant(pr, body)
        stale = self._stale(pr, where, query, body)
        if stale is not None:
            return stale
        if where == "PUT ":
            return self._update(pr, body)
        if where == "POST /decline":
            pr["state"] = "DECLINED"
            pr["version"] += 1
            return 200, self._public(pr), {}
        if where == "POST /merge":
            return self._merge_call(pr, body)
        raise NotFound

    def _stale(self, pr: dict[str, Any], where: str, query: dict[str, list[str]], body: Any) -> Answer | None:
        """Optimistic locking: a write must name the version the pull request has now."""
        if where not in ("PUT ", "POST /decline", "POST /merge"):
            return None
        given = (body or {}).get("version", query.get("version", [None])[0])
        if pr["state"] != "OPEN":
            return error(409, "The pull request is not open.", "pull.IllegalPullRequestStateException")
        if given is None or int(given) != pr["version"]:
            return error(
                409,
                f"You are attempting to modify a pull request based on out-of-date information "
                f"(version {given}, now {pr['version']}).",
                "pull.PullRequestOutOfDateException",
            )
        return None

    def _commits(self, source: Path, slug: str, query: dict[str, list[str]]) -> Answer:
        """``until`` and not ``since``, newest first, in ``start``/``limit`` pages."""
        since, until = query.get("since", [""])[0], query.get("until", ["HEAD"])[0]
        found = source_repos.between(source, since, until) if since else None
        if found is None:
            unknown = until if source_repos.between(source, until, until) is None else since
            return error(
                404,
                f"Commit '{unknown}' does not exist in repository '{slug}'.",
                "commit.NoSuchCommitException",
            )
        return self._page(source_repos.bitbucket_dc(found), query)

    def _page(self, items: list[Any], query: dict[str, list[str]]) -> Answer:
        start = int(query.get("start", ["0"])[0])
        limit = int(query.get("limit", [str(self.page_limit)])[0])
        chunk = items[start : start + limit]
        last = start + limit >= len(items)
        page: dict[str, Any] = {
            "size": len(chunk),
            "limit": limit,
            "isLastPage": last,
            "start": start,
            "values": chunk,
        }
        if not last:
            page["nextPageStart"] = start + limit
        return 200, page, {}

    def _person(self, name: str) -> dict[str, Any]:
        found = next((p for p in [*self.people, self.bot] if p["name"] == name), None)
        if found is None:
            raise KeyError(name)
        return found

    def _heads(self) -> dict[str, str]:
        """Every branch's commit, read once per answer."""
        lines = git(self.remote, "for-each-ref", "--format=%(refname:short) %(objectname)", "refs/heads/")
        return dict(line.split(" ", 1) for line in lines.splitlines() if line)

    def _ref(self, branch: str, shas: dict[str, str]) -> dict[str, Any]:
        return {
            "id": f"refs/heads/{branch}",
            "displayId": branch,
            "latestCommit": shas.get(branch, ""),
            "repository": {
                "id": self.repository_id,
                "slug": self.slug,
                "name": self.slug,
                "project": {"key": self.project, "id": 1, "name": "Acme"},
            },
        }

    def _create(self, body: dict[str, Any]) -> Answer:
        source = body["fromRef"]["id"].removeprefix("refs/heads/")
        target = body["toRef"]["id"].removeprefix("refs/heads/")
        if self.branch_sha(source) is None or self.branch_sha(target) is None:
            return error(
                404,
                f"Repository {self.project}/{self.slug} does not have a branch {source}.",
                "repository.NoSuchBranchException",
            )
        if any(p["source"] == source and p["target"] == target for p in self.open_pulls()):
            return error(
                409,
                "Only one pull request may be open for a given source and target branch",
                "pull.DuplicatePullRequestException",
            )
        n = len(self.pulls) + 1
        pr = {
            "id": n,
            "version": 0,
            "state": "OPEN",
            "title": body["title"],
            "description": body.get("description", ""),
            "source": source,
            "target": target,
            "draft": bool(body.get("draft", False)),
            "reviewers": [r["user"]["name"] for r in body.get("reviewers", [])],
            "auto_merge": None,
            "comments_list": [],
        }
        self.pulls.append(pr)
        return 201, self._public(pr), {}

    def _update(self, pr: dict[str, Any], body: dict[str, Any]) -> Answer:
        for key in ("title", "description", "draft"):
            if key in body:
                pr[key] = body[key]
        # the reviewers the request names are the reviewers that stay
        pr["reviewers"] = [r["user"]["name"] for r in body.get("reviewers", [])]
        pr["version"] += 1
        return 200, self._public(pr), {}

    def _participant(self, pr: dict[str, Any], body: dict[str, Any]) -> Answer:
        name = body["user"]["name"]
        if body.get("role") != "REVIEWER":
            return error(
                400, "Only the REVIEWER role may be assigned.", "pull.IllegalPullRequestRoleException"
            )
        try:
            who = self._person(name)
        except KeyError:
            return error(404, f"User {name} does not exist.", "user.NoSuchUserException")
        if who is self.bot:
            return error(
                400, "The author cannot be a reviewer.", "pull.InvalidPullRequestParticipantException"
            )
        if name not in pr["reviewers"]:
            pr["reviewers"].append(name)
            pr["version"] += 1
        return 200, {"user": who, "role": "REVIEWER", "approved": False, "status": "UNAPPROVED"}, {}

    def _merge_call(self, pr: dict[str, Any], body: dict[str, Any]) -> Answer:
        if body.get("autoMerge") and not self.auto_merge_allowed:
            return error(
                403,
                "Auto-merge is not enabled for this repository.",
                "pull.automerge.AutoMergeDisabledException",
            )
        if body.get("autoMerge") and self.checks != "success":
            pr["auto_merge"] = body.get("strategyId", "no-ff")
            return 200, self._public(pr), {}
        self.merge(pr["id"])
        return 200, self._public(pr), {}

    def _public(self, pr: dict[str, Any], shas: dict[str, str] | None = None) -> dict[str, Any]:
        n = pr["id"]
        shas = self._heads() if shas is None else shas
        return {
            "id": n,
            "version": pr["version"],
            "title": pr["title"],
            "description": pr["description"],
            "state": pr["state"],
            "open": pr["state"] == "OPEN",
            "closed": pr["state"] != "OPEN",
            "draft": pr["draft"],
            "createdDate": CREATED,
            "updatedDate": CREATED,
            "fromRef": self._ref(pr["source"], shas),
            "toRef": self._ref(pr["target"], shas),
            "locked": False,
            "author": {"user": self.bot, "role": "AUTHOR", "approved": False, "status": "UNAPPROVED"},
            "reviewers": [
                {"user": self._person(r), "role": "REVIEWER", "approved": False, "status": "UNAPPROVED"}
                for r in pr["reviewers"]
            ],
            "participants": [],
            "links": {"self": [{"href": self._web(n)}]},
        }

    def _web(self, n: int) -> str:
        return f"{self.url}/projects/{self.project}/repos/{self.slug}/pull-requests/{n}"

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
            "reviewers": list(pr["reviewers"]),
            "assignees": [],
            "auto_merge": pr["auto_merge"],
            "comments": pr["comments_list"],
            "url": self._web(pr["id"]),
            "draft": pr["draft"],
        }

    def merge(self, number: int) -> None:
        pr = self.find(number)
        where = f"{self.project}/{self.slug} from {pr['source']} to {pr['target']}"
        message = f"Pull request #{number}: {pr['title']}\n\nMerge in {where}"
        squash = (pr["auto_merge"] or "").startswith("squash")
        merge_branch(
            self.remote,
            pr["source"],
            pr["target"],
            message,
            ("Bitbucket", "bitbucket@example.com"),
            squash=squash,
        )
        pr["state"] = "MERGED"
        pr["version"] += 1

    def finish_checks(self, status: str = "success") -> None:
        """The merge checks pass: pull requests set to auto-merge merge."""
        self.checks = status
        if status == "success":
            for pr in self.open_pulls():
                if pr["auto_merge"]:
                    self.merge(pr["id"])
