"""A local HTTP server speaking the GitLab v4 endpoints gitops-bot calls (forges/gitlab/adapter.py)
(merge requests, notes, the merge endpoint, user lookup, project issues for the dashboard),
with GitLab's JSON shapes, backed by a real bare git remote. Merging makes a merge commit,
GitLab's default merge method.

Merge semantics as GitLab's (``PUT .../merge``, REST docs "Merge a merge request"):

- a new merge request has no ``head_pipeline``; CI creates it a little later (here: once the
  merge request was read ``pipeline_after_reads`` times; ``ci=False``: never);
- ``merge_when_pipeline_succeeds: true`` sets auto-merge while the head pipeline runs, and
  merges at once when there is no pipeline yet (GitLab issue 37292) or it already succeeded;
- ``auto_merge: true`` (GitLab 17.11+, ``version``) sets auto-merge and waits for the checks;
  an older GitLab ignores the unknown parameter, so the call is a plain, immediate merge;
- :meth:`FakeGitLab.finish_pipeline` ends the head pipeline; success merges an auto-merge MR;
- ``POST .../cancel_merge_when_pipeline_succeeds`` turns auto-merge off, the merge request open.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, ClassVar
from urllib.parse import quote, unquote

from testkit import source_repos
from testkit.contract import Contract, docs_example
from testkit.forge_server import Answer, FakeForge, NotFound, merge_branch

NOTES = "post /api/v4/projects/{id}/merge_requests/{merge_request_iid}/notes"
# issues are not in GitLab's description either: held to doc/api/issues.md's examples
ISSUE_LIST = "get /api/v4/projects/{id}/issues"
ISSUE_NEW = "post /api/v4/projects/{id}/issues"
ISSUE_EDIT = "put /api/v4/projects/{id}/issues/{issue_iid}"


@dataclass
class FakeGitLab(FakeForge):
    project: str = "acme/gitops"
    project_id: int = 42
    users: dict[str, int] = field(default_factory=lambda: {"alice": 7, "bob": 8})
    job_token: str | None = None  # accepted as JOB-TOKEN, like CI_JOB_TOKEN
    version: str = "17.11.0-ee"  # what GET /version answers
    ci: bool = True  # the project has a pipeline for merge requests
    pipeline_after_reads: int = 1  # reads of a new MR before its head pipeline shows
    sources: dict[str, Path] = field(default_factory=dict)  # group/project -> an image's source repository
    # project issues: {iid, title, description, labels, state}; numbered apart from merge
    # requests, as GitLab numbers them (#n for issues, !n for merge requests)
    # (``author``: the username that wrote it; absent: "root", someone other than the token's)
    issues: list[dict[str, Any]] = field(default_factory=list)
    identity: str = "gitops-bot"  # the token's user: GET /user, and the author of what it writes
    api_prefix: ClassVar[str] = "/api/v4"
    number_key: ClassVar[str] = "iid"
    # every request and answer is held to GitLab's published description, and the notes
    # endpoint it lacks to GitLab's docs example (testkit/specs/)
    contract: Contract | None = field(default_factory=lambda: Contract.load("gitlab"))

    def authorised(self, headers: dict[str, str]) -> bool:
        lowered = {k.lower(): v for k, v in headers.items()}
        if self.job_token and lowered.get("job-token") == self.job_token:
            return True
        return lowered.get("private-token") == self.token

    def view(self, pr: dict[str, Any]) -> dict[str, Any]:
        return {
            "number": pr["iid"],
            "state": "open" if pr["state"] == "opened" else pr["state"],
            "head": pr["source_branch"],
            "base": pr["target_branch"],
            "title": pr["title"],
            "body": pr["description"],
            "labels": pr["labels"],
            "reviewers": [u["username"] for u in pr["reviewers"]],
            "assignees": [u["username"] for u in pr["assignees"]],
            "auto_merge": _auto_merge(pr),
            "comments": pr["notes"],
            "url": pr["web_url"],
        }

    def merge(self, number: int) -> None:
        pr = self.find(number)
        head, base = pr["source_branch"], pr["target_branch"]
        message = f"Merge branch '{head}' into '{base}'\n\n{pr['title']}\n\nSee merge request !{number}"
        merge_branch(self.remote, head, base, message, ("GitLab", "gitlab@example.com"), squash=False)
        pr["state"] = "merged"

    def finish_pipeline(self, number: int, status: str = "success") -> None:
        pr = self.find(number)
        assert pr["head_pipeline"] is not None, "no pipeline to finish"
        pr["head_pipeline"]["status"] = status
        if status == "success" and pr["merge_when_pipeline_succeeds"]:
            self.merge(number)

    def _supports_auto_merge(self) -> bool:
        found = re.match(r"(\d+)\.(\d+)", self.version)
        return found is not None and (int(found.group(1)), int(found.group(2))) >= (17, 11)

    def _read(self, pr: dict[str, Any]) -> dict[str, Any]:
        if self.ci and pr["head_pipeline"] is None and pr["state"] == "opened":
            pr["_reads"] += 1
            if pr["_reads"] >= self.pipeline_after_reads:
                sha = self.branch_sha(pr["source_branch"]) or ""
                pr["head_pipeline"] = {
                    "id": 9000 + pr["iid"],
                    "sha": sha,
                    "ref": pr["source_branch"],
                    "status": "running",
                }
        return pr

    def _merge_call(self, pr: dict[str, Any], body: dict[str, Any]) -> Answer:
        if pr["state"] != "opened":
            return 405, {"message": "405 Method Not Allowed"}, {}
        pr["squash"] = bool(body.get("squash", pr["squash"]))
        pipeline = pr["head_pipeline"]
        if body.get("auto_merge") and self._supports_auto_merge():
            if pipeline is not None and pipeline["status"] == "success":
                self.merge(pr["iid"])
            else:
                pr["merge_when_pipeline_succeeds"] = True
            return 200, public(pr), {}
        if (
            body.get("merge_when_pipeline_succeeds")
            and pipeline is not None
            and pipeline["status"] == "running"
        ):
            pr["merge_when_pipeline_succeeds"] = True
            return 200, public(pr), {}
        # no pipeline yet, a finished one, or a parameter this version does not know: merge now
        self.merge(pr["iid"])
        return 200, public(pr), {}

    def route(self, method: str, path: str, query: dict[str, list[str]], body: Any) -> Answer:
        if path == "/version" and method == "GET":
            return 200, {"version": self.version, "revision": "6d0a9cc2b1c"}, {}
        if path == "/user" and method == "GET":  # the token's user, as doc/api/users.md shows it
            me = docs_example("gitlab", "get /api/v4/user")
            me.update(username=self.identity, web_url=f"https://gitlab.test/{self.identity}")
            return 200, me, {}
        if path == "/users" and method == "GET":
            name = query.get("username", [""])[0]
            found = [{"id": uid, "username": n} for n, uid in self.users.items() if n == name]
            return 200, found, {}
        compare = re.fullmatch(r"/projects/([^/]+)/repository/compare", path)
        if compare and method == "GET" and unquote(compare.group(1)) in self.sources:
            name, base, head = unquote(compare.group(1)), query["from"][0], query["to"][0]
            commits = source_repos.between(self.sources[name], base, head)
            if commits is None:
                raise NotFound
            return 200, source_repos.gitlab(self.url, name, base, head, commits), {}
        statuses = re.fullmatch(r"/projects/([^/]+)/repository/commits/([0-9a-f]{40})/statuses", path)
        if (
            statuses
            and method == "GET"
            and statuses.group(1) in (quote(self.project, safe=""), str(self.project_id))
        ):
            sha = statuses.group(2)
            listed = [
                {
                    "id": 90 + i,
                    "sha": sha,
                    "ref": "main",
                    "status": state,
                    "name": name,
                    "target_url": f"https://gitlab.test/acme/gitops/-/jobs/{90 + i}",
                    "description": None,
                    "created_at": "2026-11-20T10:00:00.000Z",
                    "allow_failure": False,
                    "pipeline_id": 101,
                }
                for i, (name, state) in enumerate(self.commit_statuses.get(sha, []))
            ]
            return self.page(path, listed, query, "per_page")
        issues = re.fullmatch(r"/projects/([^/]+)/issues(?:/(\d+))?", path)
        if issues and issues.group(1) in (quote(self.project, safe=""), str(self.project_id)):
            return self._issues(method, path, query, body, issues.group(2))
        m = re.fullmatch(
            r"/projects/([^/]+)/merge_requests(?:/(\d+)(/notes|/merge|/cancel_merge_when_pipeline_succeeds)?)?",
            path,
        )
        if not m or m.group(1) not in (quote(self.project, safe=""), str(self.project_id)):
            raise NotFound
        if m.group(2) is None:
            return self._collection(method, path, query, body)
        pr = self.find(int(m.group(2)))
        sub = m.group(3)
        if sub is None and method == "GET":
            return 200, public(self._read(pr)), {}
        if sub is None and method == "PUT":
            return 200, public(self._edit(pr, body)), {}
        if sub == "/notes" and method == "POST":
            pr["notes"].append(body["body"])
            return 201, self._note(pr, body["body"]), {}
        if sub == "/merge" and method == "PUT":
            return self._merge_call(pr, body)
        if sub == "/cancel_merge_when_pipeline_succeeds" and method == "POST":
            # the merge request as it is now, auto-merge off (its description's 201 answer)
            pr["merge_when_pipeline_succeeds"] = False
            return 201, public(pr), {}
        raise NotFound

    def _collection(self, method: str, path: str, query: dict[str, list[str]], body: Any) -> Answer:
        if method == "GET":
            state = query.get("state", ["all"])[0]
            found = [p for p in self.pulls if state == "all" or p["state"] == state]
            return self.page(path, [public(p) for p in found], query, "per_page")
        if method != "POST":
            raise NotFound
        head = body["source_branch"]
        if any(p["source_branch"] == head and p["state"] == "opened" for p in self.pulls):
            return 409, {"message": ["Another open merge request already exists for this source branch"]}, {}
        if self.branch_sha(head) is None:
            return 422, {"message": ["Source branch does not exist"]}, {}
        pr = self._new(body)
        self.pulls.append(pr)
        return 201, public(pr), {}

    def _issues(
        self, method: str, path: str, query: dict[str, list[str]], body: Any, iid: str | None
    ) -> Answer:
        """List (``state``: all, opened or closed; ``labels``: comma-separated names, every one
        required), create (``labels`` comma-separated, made when missing, as GitLab does) and
        edit (``title``, ``description``, ``state_event``)."""
        if iid is None and method == "GET":
            state = query.get("state", ["all"])[0]
            wanted = [n for n in query.get("labels", [""])[0].split(",") if n]
            found = [
                i
                for i in self.issues
                if (state == "all" or i["state"] == state) and all(n in i["labels"] for n in wanted)
            ]
            return self.page(path, [self._issue(i, ISSUE_LIST) for i in found], query, "per_page")
        if iid is None and method == "POST":
            labels = [n.strip() for n in str(body.get("labels") or "").split(",") if n.strip()]
            made = {
                "iid": len(self.issues) + 1,
                "title": body["title"],
                "description": body.get("description"),
                "labels": labels,
                "state": "opened",
                "author": self.identity,
            }
            self.issues.append(made)
            return 201, self._issue(made, ISSUE_NEW), {}
        one = next((i for i in self.issues if iid is not None and i["iid"] == int(iid)), None)
        if one is None or method != "PUT":
            raise NotFound
        for key in ("title", "description"):
            if key in body:
                one[key] = body[key]
        event = body.get("state_event")
        one["state"] = {"close": "closed", "reopen": "opened"}.get(event, one["state"])
        return 200, self._issue(one, ISSUE_EDIT), {}

    def _issue(self, issue: dict[str, Any], operation: str) -> dict[str, Any]:
        """An issue as GitLab answers ``operation``, on its docs example (doc/api/issues.md)."""
        shape: dict[str, Any] = docs_example("gitlab", operation)
        shape = shape[0] if isinstance(shape, list) else shape
        n = issue["iid"]
        api = f"{self.url}/api/v4/projects/{self.project_id}/issues/{n}"
        shape.update(
            {
                "id": 7000 + n,
                "iid": n,
                "project_id": self.project_id,
                "title": issue["title"],
                "description": issue["description"],
                "state": issue["state"],
                "labels": list(issue["labels"]),
                "milestone": None,
                "assignees": [],
                "assignee": None,
                "closed_at": "2026-01-02T03:04:05.000Z" if issue["state"] == "closed" else None,
                "closed_by": None,  # the docs: absent when the account that closed it is gone
                "due_date": None,
                "user_notes_count": 0,
                "web_url": f"https://gitlab.test/{self.project}/-/issues/{n}",
                "author": {
                    **shape["author"],
                    "username": issue.get("author", "root"),
                    "web_url": f"https://gitlab.test/{issue.get('author', 'root')}",
                },
                "references": {"short": f"#{n}", "relative": f"#{n}", "full": f"{self.project}#{n}"},
                "_links": {
                    "self": api,
                    "notes": f"{api}/notes",
                    "award_emoji": f"{api}/award_emoji",
                    "project": f"{self.url}/api/v4/projects/{self.project_id}",
                },
            }
        )
        if "has_tasks" in shape:
            shape["has_tasks"], shape["task_status"] = False, "0 of 0 checklist items completed"
        return shape

    def _note(self, pr: dict[str, Any], text: str) -> dict[str, Any]:
        """A Note as GitLab answers it, on GitLab's docs example (doc/api/notes.md)."""
        note: dict[str, Any] = docs_example("gitlab", NOTES)
        return {
            **note,
            "id": 300 + len(pr["notes"]),
            "body": text,
            "noteable_id": pr["id"],
            "noteable_iid": pr["iid"],
            "project_id": self.project_id,
        }

    def _edit(self, pr: dict[str, Any], body: dict[str, Any]) -> dict[str, Any]:
        for key in ("title", "description"):
            if key in body:
                pr[key] = body[key]
        if body.get("state_event") == "close":
            pr["state"] = "closed"
        # GitLab takes a list or a comma-separated string (CommaSeparatedToArray), splitting both
        given = body.get("add_labels") or []
        names = given.split(",") if isinstance(given, str) else [n for x in given for n in str(x).split(",")]
        for name in (n.strip() for n in names):
            if name and name not in pr["labels"]:
                pr["labels"].append(name)
        by_id = {uid: n for n, uid in self.users.items()}
        for key, target in (("reviewer_ids", "reviewers"), ("assignee_ids", "assignees")):
            if key in body:
                pr[target] = [{"id": i, "username": by_id[i]} for i in body[key]]
        return pr

    def _new(self, body: dict[str, Any]) -> dict[str, Any]:
        n = len(self.pulls) + 1
        return {
            "id": 5000 + n,
            "iid": n,
            "project_id": self.project_id,
            "source_project_id": self.project_id,
            "target_project_id": self.project_id,
            "state": "opened",
            "title": body["title"],
            "description": body.get("description", ""),
            "source_branch": body["source_branch"],
            "target_branch": body["target_branch"],
            "draft": body["title"].startswith("Draft:"),
            "force_remove_source_branch": bool(body.get("remove_source_branch")),
            "web_url": f"https://gitlab.test/{self.project}/-/merge_requests/{n}",
            # GitLab stamps a merge request's creation by its own clock: the fake, by the real one
            "created_at": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.000Z"),
            "labels": [],
            "reviewers": [],
            "assignees": [],
            "merge_when_pipeline_succeeds": False,
            "squash": False,
            "head_pipeline": None,
            "notes": [],
            "_reads": 0,
        }


def _auto_merge(pr: dict[str, Any]) -> str | None:
    if not pr["merge_when_pipeline_succeeds"]:
        return None
    return "squash" if pr["squash"] else "merge"


def public(pr: dict[str, Any]) -> dict[str, Any]:
    """A merge request as GitLab sends it: the fake's bookkeeping (read counter, note bodies)
    stays out; GitLab gives the notes as a count, ``user_notes_count``."""
    shown = {k: v for k, v in pr.items() if not k.startswith("_") and k != "notes"}
    shown["user_notes_count"] = len(pr["notes"])
    return shown
