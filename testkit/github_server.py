"""A local HTTP server speaking the GitHub REST endpoints gitops-bot calls,
with GitHub's JSON shapes, backed by a real bare git remote (a PR's head must exist there).

It records every request and answers 404 to anything it does not implement, recording that
too (``unexpected``), so a test fails on calls it did not plan for (Renovate's http-mock rule).
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import re
import secrets
import subprocess
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, ClassVar
from urllib.parse import urlencode, urlparse

import jwt

from testkit import source_repos
from testkit.contract import Contract, example
from testkit.forge_server import Answer, NotFound, Recorded, Recording, merge_branch
from testkit.forge_server import git as _git
from testkit.github_gitdata import GitData
from testkit.jsonapi import JSONServer


@dataclass
class FakeGitHub(Recording, JSONServer):
    repository: str  # owner/name
    remote: Path  # the bare repository PR heads live in
    token: str = "ghp_test_token_0123456789"
    identity: str = "gitops-bot"  # the token's user: GET /user, and the author of what it writes
    default_branch: str = "main"
    pulls: list[dict[str, Any]] = field(default_factory=list)
    issues: list[dict[str, Any]] = field(default_factory=list)  # issues proper (pulls are issues too)
    requests: list[Recorded] = field(default_factory=list)
    unexpected: list[Recorded] = field(default_factory=list)
    fail: dict[str, tuple[int, dict[str, Any], dict[str, str]]] = field(default_factory=dict)
    lock: threading.Lock = field(default_factory=threading.Lock)
    sources: dict[str, Path] = field(default_factory=dict)  # owner/name -> an image's source repository
    # a commit's checks: sha -> [(name, status, conclusion)] check runs, [(context, state)] statuses
    check_runs: dict[str, list[tuple[str, str, str | None]]] = field(default_factory=dict)
    statuses: dict[str, list[tuple[str, str]]] = field(default_factory=dict)
    # sha -> the combined status's ``state`` answered whatever the statuses listed say (a
    # status set between two page reads)
    combined_state: dict[str, str] = field(default_factory=dict)
    # a hostile server: list answers name a next page (``Link: rel="next"``) up to this page
    # number, whatever the list holds (0: lists are one page, as this fake keeps them short)
    endless_pages: int = 0
    endless_only: str = ""  # ...for the lists whose path ends so ("/issues"); "": every list
    # GitHub stamps a pull request's creation by its own clock: the real one, or the tests'
    # controlled clock where the bot's clock is set too (min_age counted from the stamp)
    clock: Callable[[], datetime] = field(default=lambda: datetime.now(UTC))
    # where GitHub's web pages are (a pull request's ``html_url``): the playground serves them
    # (testkit.forge_view); elsewhere a name that resolves nowhere
    web_url: str = "https://github.test"
    # a GitHub App (a test that connects as one): its id and public key check the JWT that asks
    # for the repository's installation and its tokens; each token issued is good for the rest
    # of the API until it expires (``token_life`` seconds by the fake's clock)
    app_id: str | None = None
    app_public_key: str | None = None
    app_slug: str = "acme-release"
    installation_id: int = 42
    token_life: float = 3600.0
    installation_tokens: dict[str, datetime] = field(default_factory=dict)
    _asking: threading.local = field(default_factory=threading.local)
    # each conditional listing answered: its ETag where the request named it (a 304), else ""
    validated: list[str] = field(default_factory=list)
    api_prefix: ClassVar[str] = "/api/v3"
    outside_contract: ClassVar[tuple[str, ...]] = ("/graphql", "/api/graphql")
    contract: Contract | None = field(default_factory=lambda: Contract.load("github"))

    def __post_init__(self) -> None:
        self._serve(self.handle)
        self.git_data = GitData(self.remote, f"{self.url}/repos/{self.repository}/git")

    # -- state helpers for tests -----------------------------------------------------

    def open_pulls(self) -> list[dict[str, Any]]:
        return [p for p in self.pulls if p["state"] == "open"]

    def merge(self, number: int) -> None:
        """Squash-merge a PR the way GitHub does: the three-way merge of head and base as one
        commit on the base, in the bare remote, then delete the head branch."""
        pr = self._pull(number)
        assert pr is not None and pr["state"] == "open"
        head, base = pr["head"]["ref"], pr["base"]["ref"]
        # GitHub's default squash message: the PR title and number, then the commits' bodies
        # (so trailers such as Gitops-Bot-Release survive the squash); the squash commit is
        # authored by the PR's author and committed by GitHub.
        bodies = _git(self.remote, "log", "--format=%b", f"refs/heads/{base}..refs/heads/{head}").strip()
        message = f"{pr['title']} (#{number})" + (f"\n\n{bodies}" if bodies else "")
        pr["head"]["sha"] = _git(self.remote, "rev-parse", f"refs/heads/{head}")
        merged = merge_branch(self.remote, head, base, message, ("GitHub", "noreply@github.com"), squash=True)
        when = self.clock().strftime("%Y-%m-%dT%H:%M:%SZ")
        pr.update(state="closed", merged=True, merged_at=when, closed_at=when, merge_commit_sha=merged)

    # -- the API ---------------------------------------------------------------------

    def _checks(self, path: str, sha: str, what: str, query: dict[str, list[str]]) -> Answer:
        """GitHub's own examples (``check-run-paginated``, ``combined-commit-status``) with
        their runs and statuses replaced by the commit's, paged as GitHub pages them
        (``per_page``, 30 by default and 100 at most, and ``page``; ``Link`` naming the next
        and last pages). The combined status lists the newest status of each context, counts
        them all in ``total_count``, and says in ``state`` the worst of them all, whatever
        page is read (or ``combined_state``'s word for the commit, where a test sets one)."""
        per_page = min(int(query.get("per_page", ["30"])[0]), 100)
        page = int(query.get("page", ["1"])[0])
        if what == "status":
            answer = example("github", "combined-commit-status")
            template = answer["statuses"][0]
            newest: dict[str, str] = {}  # the statuses are kept newest first
            for context, state in self.statuses.get(sha, []):
                newest.setdefault(context, state)
            listed = [{**template, "context": c, "state": st, "sha": sha} for c, st in newest.items()]
            worst = next((w for w in ("error", "failure", "pending") if w in newest.values()), "success")
            answer.update(
                state=self.combined_state.get(sha, worst if listed else "pending"),
                statuses=listed[(page - 1) * per_page : page * per_page],
                sha=sha,
                total_count=len(listed),
            )
            return 200, answer, self._page_links(path, query, page, per_page, len(listed))
        answer = example("github", "check-run-paginated")
        template = answer["check_runs"][0]
        runs = [
            {**template, "name": n, "status": st, "conclusion": c, "head_sha": sha, "id": i + 1}
            for i, (n, st, c) in enumerate(self.check_runs.get(sha, []))
        ]
        answer.update(total_count=len(runs), check_runs=runs[(page - 1) * per_page : page * per_page])
        return 200, answer, self._page_links(path, query, page, per_page, len(runs))

    def _page_links(
        self, path: str, query: dict[str, list[str]], page: int, per_page: int, total: int
    ) -> dict[str, str]:
        """``Link`` as GitHub sends it on a page that is not the last: the next and the last."""
        last = max(1, -(-total // per_page))
        if page >= last:
            return {}

        def at(n: int) -> str:
            return f"{self.url}{self.api_prefix}{path}?" + urlencode(
                {**{k: v[0] for k, v in query.items()}, "page": n}
            )

        return {"Link": f'<{at(page + 1)}>; rel="next", <{at(last)}>; rel="last"'}

    def handle(self, method: str, raw_path: str, body: Any, headers: dict[str, str]) -> Answer:
        # the App's routes take its JWT only, every other route a token only, as GitHub's do
        self._asking.auth = headers.get("Authorization", "")
        self._asking.path = urlparse(raw_path).path.removeprefix(self.api_prefix)
        self._asking.validator = next((v for k, v in headers.items() if k.lower() == "if-none-match"), "")
        return super().handle(method, raw_path, body, headers)

    def _app_route(self, path: str) -> bool:
        return path in (
            f"/repos/{self.repository}/installation",
            f"/app/installations/{self.installation_id}/access_tokens",
        )

    def authorised(self, headers: dict[str, str]) -> bool:
        said = headers.get("Authorization", "")
        scheme, _, token = said.partition(" ")
        if scheme not in ("token", "Bearer"):
            return False
        if token == self.token and not self._app_route(getattr(self._asking, "path", "")):
            return True
        if self._app_route(getattr(self._asking, "path", "")):
            return self._app_jwt(said)
        expires = self.installation_tokens.get(token)
        return expires is not None and self.clock() < expires

    def _app_jwt(self, said: str) -> bool:
        """A JWT the App signed (RS256), naming it as issuer, living at most GitHub's 10 minutes."""
        if not (self.app_id and self.app_public_key and said.startswith("Bearer ")):
            return False
        try:
            claims = jwt.decode(
                said.removeprefix("Bearer "),
                self.app_public_key,
                algorithms=["RS256"],
                options={"require": ["iat", "exp", "iss"]},
                leeway=60,
            )
        except jwt.PyJWTError:
            return False
        return str(claims["iss"]) == self.app_id and claims["exp"] - claims["iat"] <= 660

    def _app(self, method: str, path: str) -> Answer | None:
        """The App's two routes: its installation on the repository, a token for it."""
        if not self._app_jwt(getattr(self._asking, "auth", "")):
            return None
        if path == f"/repos/{self.repository}/installation" and method == "GET":
            found = example("github", "installation")
            found.update(id=self.installation_id, app_id=int(str(self.app_id)), app_slug=self.app_slug)
            return 200, found, {}
        if path == f"/app/installations/{self.installation_id}/access_tokens" and method == "POST":
            token = f"ghs_{secrets.token_hex(18)}"
            expires = self.clock() + timedelta(seconds=self.token_life)
            self.installation_tokens[token] = expires
            made = example("github", "installation-token")
            made.update(token=token, expires_at=expires.strftime("%Y-%m-%dT%H:%M:%SZ"))
            return 201, made, {}
        return None

    def route(
        self, method: str, path: str, query: dict[str, list[str]], body: Any
    ) -> tuple[int, Any, dict[str, str]]:
        app = self._app(method, path)
        if app is not None:
            return app
        compare = re.fullmatch(r"/repos/([^/]+/[^/]+)/compare/([^/.]+)\.\.\.([^/.]+)", path)
        if compare and method == "GET" and compare.group(1) in self.sources:
            name, base, head = compare.groups()
            commits = source_repos.between(self.sources[name], base, head)
            if commits is None:
                raise NotFound
            return (
                200,
                source_repos.github(self.url + self.api_prefix, self.url, name, base, head, commits),
                {},
            )
        if path == "/user" and method == "GET":  # the authenticated user, as GitHub's example
            me = example("github", "private-user-response-with-public-and-private-profile-information")
            me.update(login=self.identity, html_url=f"{self.web_url}/{self.identity}")
            return 200, me, {}
        repo = f"/repos/{self.repository}"
        checks = re.fullmatch(rf"{re.escape(repo)}/commits/([0-9a-f]{{40}})/(check-runs|status)", path)
        if checks and method == "GET":
            return self._checks(path, checks.group(1), checks.group(2), query)
        status = re.fullmatch(rf"{re.escape(repo)}/statuses/([0-9a-f]{{40}})", path)
        if status and method == "POST":  # kept where the checks gate reads statuses, newest first
            sha, context = status.group(1), body.get("context", "default")
            self.statuses[sha] = [
                (context, body["state"]),
                *[s for s in self.statuses.get(sha, []) if s[0] != context],
            ]
            made = example("github", "status")
            made.update(state=body["state"], context=context, description=body.get("description"))
            return 201, made, {"Location": f"{self.url}{self.api_prefix}{repo}/statuses/{sha}"}
        if path == repo and method == "GET":
            return 200, self._repo_json(), {}
        if path.startswith(f"{repo}/git/"):
            answer = self.git_data.route(method, path.removeprefix(f"{repo}/git/"), body)
            if answer is None:
                raise NotFound
            return answer
        if path == f"{repo}/pulls" and method == "GET":
            state = query.get("state", ["open"])[0]
            head = query.get("head", [None])[0]
            found = [
                p
                for p in self.pulls
                if (state == "all" or p["state"] == state)
                and (head is None or f"{self.repository.split('/')[0]}:{p['head']['ref']}" == head)
            ]
            return self._conditional(found, self._next_link(path, query))
        if path == f"{repo}/pulls" and method == "POST":
            head = body["head"]
            if any(p["head"]["ref"] == head and p["state"] == "open" for p in self.pulls):
                return (
                    422,
                    _validation(f"A pull request already exists for {self.repository.split('/')[0]}:{head}."),
                    {},
                )
            try:
                sha = _git(self.remote, "rev-parse", "--verify", f"refs/heads/{head}")
            except subprocess.CalledProcessError:
                return 422, _validation("head invalid"), {}
            pr = self._new_pull(body, sha)
            self.pulls.append(pr)
            return 201, pr, {}
        if path == f"{repo}/issues" and method == "GET":
            return 200, self._list_issues(query), self._next_link(path, query)
        if path == f"{repo}/issues" and method == "POST":
            made = self._new_issue(body)
            self.issues.append(made)
            return 201, made, {}
        only = re.fullmatch(rf"{repo}/issues/(\d+)", path)
        issue = self._issue(int(only.group(1))) if only else None
        if issue is not None and method == "PATCH":
            for k in ("title", "body", "state"):
                if k in body:
                    issue[k] = body[k]
            return 200, issue, {}
        m = re.fullmatch(rf"{repo}/(pulls|issues)/(\d+)(/[a-z_]+)?", path)
        if m:
            pull = self._pull(int(m.group(2)))
            if pull is None:
                raise NotFound
            pr = pull
            kind, sub = m.group(1), m.group(3)
            if kind == "pulls" and sub is None and method == "GET":
                return 200, pr, {}
            if kind == "pulls" and sub is None and method == "PATCH":
                if body.get("state") == "closed":  # its head as it was, for the web view
                    with contextlib.suppress(subprocess.CalledProcessError):
                        pr["head"]["sha"] = _git(self.remote, "rev-parse", f"refs/heads/{pr['head']['ref']}")
                for k in ("title", "body", "state"):
                    if k in body:
                        pr[k] = body[k]
                return 200, pr, {}
            if kind == "pulls" and sub == "/requested_reviewers" and method == "POST":
                user = example("github", "pull-request")["user"]
                pr["requested_reviewers"] = [{**user, "login": r} for r in body.get("reviewers", [])]
                return 201, pr, {}
            if kind == "issues" and sub == "/labels" and method == "POST":
                names = body if isinstance(body, list) else body.get("labels", [])
                for n in names:
                    if n not in [x["name"] for x in pr["labels"]]:
                        label = example("github", "label-items")[0]
                        label.update(name=n, color="ededed", default=False, description="")
                        pr["labels"].append(label)
                return 200, pr["labels"], {}
            if kind == "issues" and sub == "/comments" and method == "POST":
                pr["comments_list"].append(body["body"])
                comment = example("github", "issue-comment")
                comment.update(id=len(pr["comments_list"]), body=body["body"])
                return 201, comment, {}
            if kind == "issues" and sub == "/assignees" and method == "POST":
                user = example("github", "pull-request")["user"]
                pr["assignees"] = [{**user, "login": a} for a in body.get("assignees", [])]
                issue = example("github", "issue")
                issue.update(
                    number=pr["number"], title=pr["title"], assignees=pr["assignees"], labels=pr["labels"]
                )
                return 201, issue, {}
        if (
            path in ("/graphql", "/api/graphql")
            and method == "POST"
            and "enablePullRequestAutoMerge" in body.get("query", "")
        ):
            node = body["variables"]["input"]["pullRequestId"]
            for p in self.pulls:
                if p["node_id"] == node:
                    # the REST shape GitHub then shows (``auto-merge`` schema): lowercase method
                    method = str(body["variables"]["input"].get("mergeMethod") or "MERGE").lower()
                    user = example("github", "pull-request")["user"]
                    p["auto_merge"] = {
                        "enabled_by": user,
                        "merge_method": method,
                        "commit_title": "",
                        "commit_message": "",
                    }
            return (
                200,
                {"data": {"enablePullRequestAutoMerge": {"actor": None, "clientMutationId": None}}},
                {},
            )
        if (
            path in ("/graphql", "/api/graphql")
            and method == "POST"
            and "disablePullRequestAutoMerge" in body.get("query", "")
        ):
            node = body["variables"]["input"]["pullRequestId"]
            for p in self.pulls:
                if p["node_id"] == node:
                    p["auto_merge"] = None
            return (
                200,
                {"data": {"disablePullRequestAutoMerge": {"actor": None, "clientMutationId": None}}},
                {},
            )
        raise NotFound

    def _issue(self, number: int) -> dict[str, Any] | None:
        return next((i for i in self.issues if i["number"] == number), None)

    def _next_number(self) -> int:
        """Issues and pull requests share one sequence of numbers, as on GitHub."""
        return max((x["number"] for x in [*self.pulls, *self.issues]), default=0) + 1

    def _conditional(self, found: Any, headers: dict[str, str]) -> Answer:
        """A listing with its ETag, or 304 and no body where the request's If-None-Match names
        it: GitHub's conditional requests ("Use conditional requests if appropriate")."""
        tag = (
            '"' + hashlib.sha256(json.dumps([found, headers], sort_keys=True).encode()).hexdigest()[:32] + '"'
        )
        self.validated.append(tag if getattr(self._asking, "validator", "") == tag else "")
        if getattr(self._asking, "validator", "") == tag:
            return 304, None, {"ETag": tag}
        return 200, found, {**headers, "ETag": tag}

    def _next_link(self, path: str, query: dict[str, list[str]]) -> dict[str, str]:
        number = int(query.get("page", ["1"])[0])
        if number >= self.endless_pages or not path.endswith(self.endless_only):
            return {}
        nxt = urlencode({**{k: v[0] for k, v in query.items()}, "page": number + 1})
        return {"Link": f'<{self.url}{self.api_prefix}{path}?{nxt}>; rel="next"'}

    def _list_issues(self, query: dict[str, list[str]]) -> list[dict[str, Any]]:
        """GitHub's issue listing: issues and pull requests (these with ``pull_request``), by
        state and by labels (every one named, comma-separated), newest first."""
        state = query.get("state", ["open"])[0]
        wanted = [n for n in query.get("labels", [""])[0].split(",") if n]
        out = []
        for item in [*self.issues, *(self._pull_as_issue(p) for p in self.pulls)]:
            names = {x["name"] for x in item["labels"]}
            if (state == "all" or item["state"] == state) and all(n in names for n in wanted):
                out.append(item)
        return sorted(out, key=lambda i: -i["number"])

    def _pull_as_issue(self, pr: dict[str, Any]) -> dict[str, Any]:
        issue = self._issue_shape(pr["number"], pr["title"], pr["body"], pr["labels"])
        issue.update(state=pr["state"], html_url=pr["html_url"])
        issue["pull_request"].update(url=pr["url"], html_url=pr["html_url"])
        return issue

    def _new_issue(self, body: dict[str, Any], author: str | None = None) -> dict[str, Any]:
        """An issue as ``author`` (default: the token's user) writes it."""
        labels = []
        for n in body.get("labels", []):
            label = example("github", "label-items")[0]
            label.update(name=n, color="ededed", default=False, description="")
            labels.append(label)
        issue = self._issue_shape(self._next_number(), body["title"], body.get("body", ""), labels)
        issue.pop("pull_request")
        issue["user"].update(login=author or self.identity, url=f"{self.url}/users/{author or self.identity}")
        return issue

    def _issue_shape(self, n: int, title: str, body: str, labels: list[Any]) -> dict[str, Any]:
        """An issue shaped as GitHub's own example (octokit's ``issue``), with these values."""
        api = f"{self.url}/repos/{self.repository}"
        issue: dict[str, Any] = example("github", "issue")
        issue.update(
            id=5000 + n,
            node_id=f"I_node{n}",
            number=n,
            state="open",
            title=title,
            body=body,
            labels=labels,
            url=f"{api}/issues/{n}",
            html_url=f"{self.web_url}/{self.repository}/issues/{n}",
            assignee=None,
            assignees=[],
            milestone=None,
            closed_at=None,
            comments=0,
        )
        return issue

    def _pull(self, number: int) -> dict[str, Any] | None:
        return next((p for p in self.pulls if p["number"] == number), None)

    def _repo_json(self) -> dict[str, Any]:
        owner, name = self.repository.split("/")
        return {
            "id": 1,
            "name": name,
            "full_name": self.repository,
            "owner": {"login": owner},
            "default_branch": self.default_branch,
            "url": f"{self.url}/repos/{self.repository}",
            "html_url": f"{self.web_url}/{self.repository}",
        }

    def _new_pull(self, body: dict[str, Any], sha: str) -> dict[str, Any]:
        """A pull request shaped as GitHub's own example (octokit's ``pull-request``), with
        this repository's values where they matter."""
        n = self._next_number()
        api = f"{self.url}/repos/{self.repository}"
        pr: dict[str, Any] = example("github", "pull-request")
        head, base = pr["head"], pr["base"]
        head.update(ref=body["head"], sha=sha, label=f"{self.repository.split('/')[0]}:{body['head']}")
        base.update(ref=body["base"], label=f"{self.repository.split('/')[0]}:{body['base']}")
        for side in (head, base):
            side["repo"].update(full_name=self.repository, name=self.repository.split("/")[1])
        pr.update(
            id=1000 + n,
            node_id=f"PR_node{n}",
            number=n,
            state="open",
            title=body["title"],
            body=body.get("body", ""),
            draft=bool(body.get("draft", False)),
            created_at=self.clock().strftime("%Y-%m-%dT%H:%M:%SZ"),
            updated_at=self.clock().strftime("%Y-%m-%dT%H:%M:%SZ"),
            merged=False,
            merged_at=None,
            closed_at=None,
            merge_commit_sha=None,
            merged_by=None,
            mergeable=None,
            url=f"{api}/pulls/{n}",
            issue_url=f"{api}/issues/{n}",
            html_url=f"{self.web_url}/{self.repository}/pull/{n}",
            labels=[],
            assignee=None,
            assignees=[],
            requested_reviewers=[],
            requested_teams=[],
            comments_list=[],
            auto_merge=None,
        )
        return pr


def _validation(message: str) -> dict[str, Any]:
    return {
        "message": "Validation Failed",
        "errors": [{"resource": "PullRequest", "code": "custom", "message": message}],
        "documentation_url": "https://docs.github.com/rest/pulls/pulls#create-a-pull-request",
    }
