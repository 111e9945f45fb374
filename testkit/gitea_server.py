"""A local HTTP server speaking the Gitea/Forgejo REST v1 endpoints gitops-bot calls (pull
requests, labels by id, reviewers, assignees, comments, merge-when-checks-succeed), with
Gitea's JSON shapes, backed by a real bare git remote. Merging makes a merge commit, Gitea's
default "merge" style.

Status codes as Gitea's and Forgejo's API handlers answer them (``routers/api/v1/repo/pull.go``):
``PATCH .../pulls/{n}`` answers 201 with the PullRequest; ``POST .../pulls/{n}/merge`` with
``merge_when_checks_succeed`` answers 201 with no body when it scheduled the merge (checks
pending), 200 with no body when the checks had passed and it merged at once, 409 when a merge
is already scheduled, 405 when the PR cannot be merged (a draft/WIP title, merged already, a
merge style the repository does not allow)."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, ClassVar

from testkit import source_repos
from testkit.contract import Contract
from testkit.forge_server import Answer, FakeForge, NotFound, merge_branch


@dataclass
class FakeGitea(FakeForge):
    repository: str = "acme/gitops"
    labels: dict[str, int] = field(default_factory=lambda: {"gitops-bot": 1, "release": 2, "other": 3})
    checks: str = "pending"  # the head commit's combined status: pending | success
    merge_styles: tuple[str, ...] = ("merge", "rebase", "rebase-merge", "squash", "fast-forward-only")
    sources: dict[str, Path] = field(default_factory=dict)  # owner/name -> an image's source repository
    issues: list[dict[str, Any]] = field(default_factory=list)  # issues proper (pulls are issues too)
    identity: str = "gitops-bot"  # the token's user: GET /user, and the author of what it writes
    api_prefix: ClassVar[str] = "/api/v1"
    # "forgejo": answer as Forgejo does (its version string) and be held to Forgejo's description
    flavour: str = "gitea"
    version: str = ""  # what GET /version answers; "" the flavour's vendored release
    # every request and answer is held to the flavour's published description (testkit/specs/)
    contract: Contract | None = None

    def __post_init__(self) -> None:
        if self.contract is None:
            self.contract = Contract.load(self.flavour)
        # Forgejo names itself "<forgejo>+gitea-<gitea it forked>" (its swagger info.version)
        self.version = self.version or str(self.contract.document["info"]["version"])
        super().__post_init__()

    def _combined(self, path: str, sha: str, query: dict[str, list[str]]) -> Answer:
        """A CombinedStatus, paged as Gitea pages it (``page``; ``limit``, 30 by default and 50
        at most): one page of the commit's statuses (CommitStatus), their worst as the state. As in
        Gitea's ``ToCombinedStatus``, the body's ``total_count`` and ``state`` are the page's;
        ``X-Total-Count`` counts them all, and ``Link`` names the next page."""
        statuses = [
            {
                "id": i + 1,
                "context": name,
                "status": state,
                "description": f"{name}: {state}",
                "target_url": f"https://ci.example.com/{sha[:7]}/{name}",
                "created_at": "2026-11-20T10:00:00Z",
                "updated_at": "2026-11-20T10:00:00Z",
            }
            for i, (name, state) in enumerate(self.commit_statuses.get(sha, []))
        ]
        limited = {**query, "limit": [str(min(int(query.get("limit", ["30"])[0]), 50))]}
        _, shown, headers = self.page(path, statuses, limited, "limit")
        headers.pop("X-Next-Page", None)  # GitLab's header, not Gitea's
        said = {s["status"] for s in shown}
        worst = next((w for w in ("error", "failure", "pending", "warning") if w in said), "success")
        combined = {
            "sha": sha,
            "state": worst if shown else "pending",
            "statuses": shown,
            "total_count": len(shown),
            "commit_url": f"{self.url}{self.api_prefix}/repos/{self.repository}/commits/{sha}",
        }
        return 200, combined, headers

    def authorised(self, headers: dict[str, str]) -> bool:
        lowered = {k.lower(): v for k, v in headers.items()}
        return lowered.get("authorization") == f"token {self.token}"

    def view(self, pr: dict[str, Any]) -> dict[str, Any]:
        return {
            "number": pr["number"],
            "state": pr["state"],
            "head": pr["head"]["ref"],
            "base": pr["base"]["ref"],
            "title": pr["title"],
            "body": pr["body"],
            "labels": [x["name"] for x in pr["labels"]],
            "reviewers": [u["login"] for u in pr["requested_reviewers"]],
            "assignees": [u["login"] for u in pr["assignees"]],
            "auto_merge": pr["auto_merge"],
            "comments": pr["comments_list"],
            "url": pr["html_url"],
        }

    def merge(self, number: int) -> None:
        pr = self.find(number)
        head, base = pr["head"]["ref"], pr["base"]["ref"]
        message = f"Merge pull request '{pr['title']}' (#{number}) from {head} into {base}"
        merge_branch(self.remote, head, base, message, ("Gitea", "gitea@example.com"), squash=False)
        pr.update(state="closed", merged=True)

    def route(self, method: str, path: str, query: dict[str, list[str]], body: Any) -> Answer:
        if path == "/version" and method == "GET":
            return 200, {"version": self.version}, {}
        compare = re.fullmatch(r"/repos/([^/]+/[^/]+)/compare/([^/.]+)\.\.\.([^/.]+)", path)
        if compare and method == "GET" and compare.group(1) in self.sources:
            name, base, head = compare.groups()
            commits = source_repos.between(self.sources[name], base, head)
            if commits is None:
                raise NotFound
            return 200, source_repos.gitea(self.url + self.api_prefix, self.url, name, commits), {}
        if path == "/user" and method == "GET":  # the token's user (a User)
            return 200, self.user(self.identity), {}
        repo = f"/repos/{self.repository}"
        status = re.fullmatch(rf"{re.escape(repo)}/commits/([0-9a-f]{{40}})/status", path)
        if status and method == "GET":
            return self._combined(path, status.group(1), query)
        if path == f"{repo}/labels" and method == "GET":
            items = [{"id": i, "name": n, "color": "ededed"} for n, i in self.labels.items()]
            return self.page(path, items, query, "limit")
        if path == f"{repo}/pulls":
            return self._collection(method, path, query, body)
        if path == f"{repo}/issues":
            return self._issues(method, path, query, body)
        only = re.fullmatch(rf"{repo}/issues/(\d+)", path)
        mine = next((i for i in self.issues if only and i["number"] == int(only.group(1))), None)
        if mine is not None and method == "PATCH":
            for key in ("title", "body", "state"):
                if key in body:
                    mine[key] = body[key]
            return 201, mine, {}
        m = re.fullmatch(rf"{repo}/(pulls|issues)/(\d+)(/[a-z_]+)?", path)
        if not m:
            raise NotFound
        pr, where = self.find(int(m.group(2))), f"{method} {m.group(1)}{m.group(3) or ''}"
        if where == "PATCH pulls":
            for key in ("title", "body", "state"):
                if key in body:
                    pr[key] = body[key]
            return 201, public(pr), {}
        if where == "PATCH issues":
            pr["assignees"] = [{"login": a} for a in body.get("assignees", [])]
            return 201, issue(pr), {}
        if where == "POST issues/labels":
            names = {i: n for n, i in self.labels.items()}
            pr["labels"] += [{"id": i, "name": names[i]} for i in body["labels"]]
            return 200, pr["labels"], {}
        if where == "POST pulls/requested_reviewers":
            pr["requested_reviewers"] = [{"login": r} for r in body["reviewers"]]
            return 201, [], {}
        if where == "POST issues/comments":
            pr["comments_list"].append(body["body"])
            n = len(pr["comments_list"])
            url = f"{pr['html_url']}#issuecomment-{n}"
            return (
                201,
                {"id": n, "body": body["body"], "html_url": url, "pull_request_url": pr["html_url"]},
                {},
            )
        if where == "POST pulls/merge":
            return self._merge_call(pr, body)
        raise NotFound

    def _merge_call(self, pr: dict[str, Any], body: dict[str, Any]) -> Answer:
        if pr["merged"]:
            return 405, {"message": "PR already merged", "url": ""}, {}
        if re.match(r"(?i)(wip:|\[wip\]|draft:|\[draft\])", pr["title"]):
            return 405, {"message": "PR is a work in progress", "url": ""}, {}
        if body.get("Do") not in self.merge_styles:
            return (
                405,
                {
                    "message": f"{body.get('Do')} is not allowed an allowed merge style for this repository",
                    "url": "",
                },
                {},
            )
        if body.get("merge_when_checks_succeed") and self.checks != "success":
            if pr["auto_merge"] is not None:
                message = "pull request is already scheduled to auto merge when checks succeed"
                return 409, {"message": message, "url": ""}, {}
            pr["auto_merge"] = body["Do"]
            return 201, None, {}
        self.merge(pr["number"])
        return 200, None, {}

    def finish_checks(self, status: str = "success") -> None:
        """The head commits' checks end; a scheduled auto-merge then merges."""
        self.checks = status
        if status == "success":
            for pr in self.open_pulls():
                if pr["auto_merge"] is not None:
                    self.merge(pr["number"])

    def _collection(self, method: str, path: str, query: dict[str, list[str]], body: Any) -> Answer:
        if method == "GET":
            state = query.get("state", ["open"])[0]
            found = [p for p in self.pulls if state == "all" or p["state"] == state]
            return self.page(path, [public(p) for p in found], query, "limit")
        if method != "POST":
            raise NotFound
        head = body["head"]
        if any(p["head"]["ref"] == head and p["state"] == "open" for p in self.pulls):
            return 409, {"message": f"pull request already exists for these targets [head: {head}]"}, {}
        sha = self.branch_sha(head)
        if sha is None:
            return 404, {"message": "The target couldn't be found."}, {}
        pr = self._new(body, sha)
        self.pulls.append(pr)
        return 201, public(pr), {}

    def _issues(self, method: str, path: str, query: dict[str, list[str]], body: Any) -> Answer:
        """Gitea's issue listing (``type``: issues, pulls or both; ``labels``: names, every one)
        and issue creation (labels by id, as Gitea takes them)."""
        if method == "GET":
            state = query.get("state", ["open"])[0]
            kind = query.get("type", [""])[0]
            wanted = [n for n in query.get("labels", [""])[0].split(",") if n]
            listed = [] if kind == "pulls" else list(self.issues)
            listed += [] if kind == "issues" else [issue(p) for p in self.pulls]
            found = [
                i
                for i in listed
                if (state == "all" or i["state"] == state)
                and all(n in {x["name"] for x in i["labels"]} for n in wanted)
            ]
            return self.page(path, sorted(found, key=lambda i: -i["number"]), query, "limit")
        if method != "POST":
            raise NotFound
        names = {i: n for n, i in self.labels.items()}
        n = self._next_number()
        made = {
            "id": 900 + n,
            "number": n,
            "state": "open",
            "title": body["title"],
            "body": body.get("body", ""),
            "html_url": f"https://gitea.test/{self.repository}/issues/{n}",
            "labels": [{"id": i, "name": names[i], "color": "ededed"} for i in body.get("labels", [])],
            "assignees": [],
            "comments": 0,
            "user": self.user(self.identity),
        }
        self.issues.append(made)
        return 201, made, {}

    def user(self, login: str) -> dict[str, Any]:
        """A User as Gitea sends it, with the fields the bot reads."""
        return {"id": 3 if login == self.identity else 4, "login": login, "full_name": "", "email": ""}

    def _next_number(self) -> int:
        """Issues and pull requests share one sequence of numbers, as in Gitea."""
        return max((x["number"] for x in [*self.pulls, *self.issues]), default=0) + 1

    def _new(self, body: dict[str, Any], sha: str) -> dict[str, Any]:
        n = self._next_number()
        repo = {"full_name": self.repository, "name": self.repository.split("/")[1]}
        return {
            "id": 700 + n,
            "number": n,
            "state": "open",
            "title": body["title"],
            "body": body.get("body", ""),
            "html_url": f"https://gitea.test/{self.repository}/pulls/{n}",
            # Gitea stamps a pull request's creation by its own clock: the fake, by the real one
            "created_at": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
            "head": {"ref": body["head"], "sha": sha, "repo": repo},
            "base": {"ref": body["base"], "repo": repo},
            "merged": False,
            "labels": [],
            "assignees": [],
            "requested_reviewers": [],
            "comments_list": [],
            "auto_merge": None,
        }


# the fake's own bookkeeping, which Gitea keeps elsewhere and never sends in a PullRequest
INTERNAL = ("comments_list", "auto_merge")


def public(pr: dict[str, Any]) -> dict[str, Any]:
    """A PullRequest as Gitea sends it (``comments`` is a count there)."""
    shown = {k: v for k, v in pr.items() if k not in INTERNAL}
    shown["comments"] = len(pr["comments_list"])
    return shown


def issue(pr: dict[str, Any]) -> dict[str, Any]:
    """The Issue a pull request is (what ``PATCH .../issues/{n}`` answers): no head, base or
    merged of its own, a ``pull_request`` summary instead."""
    keys = ("id", "number", "state", "title", "body", "html_url", "labels", "assignees")
    shown = {k: pr[k] for k in keys}
    shown["comments"] = len(pr["comments_list"])
    shown["pull_request"] = {"merged": pr["merged"], "html_url": pr["html_url"], "draft": False}
    return shown
