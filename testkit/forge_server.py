"""What the local forge API servers share (GitHub, GitLab, Gitea): a real bare git remote the
change requests' branches live in, a record of every request, canned failures, a token check,
and 404 plus an ``unexpected`` record for anything a server does not implement (Renovate's
http-mock rule: a test fails on calls it did not plan for).

Each server also offers :meth:`FakeForge.view`, one forge-neutral shape of a change request,
so the end-to-end scenarios can be written once for every forge.
"""

from __future__ import annotations

import os
import re
import subprocess
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, ClassVar
from urllib.parse import parse_qs, urlencode, urlparse

from testkit.jsonapi import JSONServer

Answer = tuple[int, Any, dict[str, str]]


@dataclass
class Recorded:
    method: str
    path: str
    body: Any


class NotFound(Exception):
    pass


class Recording:
    """Request recording, canned failures, the token check and the 404-plus-record rule, for
    any local API server (FakeGitHub too); the subclass says how it authenticates and routes."""

    requests: list[Recorded]
    unexpected: list[Recorded]
    fail: dict[str, Answer]
    lock: threading.Lock
    api_prefix: ClassVar[str] = ""

    def authorised(self, headers: dict[str, str]) -> bool:
        raise NotImplementedError

    def refusal(self, status: int, message: str) -> Answer:
        """An error answer in the service's error shape."""
        return status, {"message": message}, {}

    def denied(self) -> Answer:
        """The answer to a request without valid credentials."""
        return self.refusal(401, "Bad credentials")

    def absent(self) -> Answer:
        """The answer to a request nobody planned for."""
        return self.refusal(404, "Not Found")

    def route(self, method: str, path: str, query: dict[str, list[str]], body: Any) -> Answer:
        raise NotImplementedError

    def paths(self, method: str | None = None) -> list[str]:
        return [f"{r.method} {r.path}" for r in self.requests if method is None or r.method == method]

    def writes(self) -> int:
        return sum(1 for r in self.requests if r.method in ("POST", "PUT", "PATCH", "DELETE"))

    def handle(self, method: str, raw_path: str, body: Any, headers: dict[str, str]) -> Answer:
        answer = self._handle(method, raw_path, body, headers)
        url = urlparse(raw_path)
        contract = getattr(self, "contract", None)
        path = url.path.removeprefix(self.api_prefix)
        if contract is not None and path not in self.outside_contract:
            query = f"?{url.query}" if url.query else ""
            # a canned failure is deliberately off-spec (a hostile or broken server): only the
            # bot's request is held to the description then
            injected = any(re.fullmatch(key, f"{method} {path}") for key in self.fail)
            contract.check(method, path + query, body, answer[0], answer[1], answer_too=not injected)
        return answer

    # paths the API description does not cover (GitHub's GraphQL endpoint)
    outside_contract: ClassVar[tuple[str, ...]] = ()

    def _handle(self, method: str, raw_path: str, body: Any, headers: dict[str, str]) -> Answer:
        url = urlparse(raw_path)
        path = url.path.removeprefix(self.api_prefix)
        rec = Recorded(method, path + (f"?{url.query}" if url.query else ""), body)
        with self.lock:
            self.requests.append(rec)
            for key, answer in self.fail.items():
                if re.fullmatch(key, f"{method} {path}"):
                    return answer
            if not self.authorised(headers):
                return self.denied()
            try:
                return self.route(method, path, parse_qs(url.query), body)
            except NotFound:
                self.unexpected.append(rec)
                return self.absent()


def stored_pull(n: int, branch: str, **extra: Any) -> dict[str, Any]:
    """An open pull request as the Bitbucket fakes store it in ``pulls`` (number ``n``, from
    ``branch`` into main), for tests that fill a fake with more than the bot would create."""
    return {
        "id": n,
        "state": "OPEN",
        "title": f"t{n}",
        "description": "",
        "source": branch,
        "target": "main",
        "draft": False,
        "reviewers": [],
        "comments_list": [],
        **extra,
    }


@dataclass
class FakeForge(Recording, JSONServer):
    remote: Path  # the bare repository change-request heads live in
    token: str = "forge_test_token_0123456789"
    pulls: list[dict[str, Any]] = field(default_factory=list)
    requests: list[Recorded] = field(default_factory=list)
    unexpected: list[Recorded] = field(default_factory=list)
    fail: dict[str, Answer] = field(default_factory=dict)
    lock: threading.Lock = field(default_factory=threading.Lock)
    number_key: ClassVar[str] = "number"  # GitLab: "iid"
    # a hostile server: pages name a next one up to this page number, whatever the list holds
    endless_pages: int = 0
    endless_only: str = ""  # ...for the lists whose path ends so ("/issues"); "": every list
    # a commit's checks, as the forge names their states: sha -> [(name, state)], newest first
    commit_statuses: dict[str, list[tuple[str, str]]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self._serve(self.handle)

    # -- what each forge defines ----------------------------------------------------------

    def view(self, pr: dict[str, Any]) -> dict[str, Any]:
        """{number, state, head, base, title, body, labels, reviewers, assignees, auto_merge,
        comments, url}: the forge-neutral shape of one change request."""
        raise NotImplementedError

    def merge(self, number: int) -> None:
        raise NotImplementedError

    # -- shared ---------------------------------------------------------------------------

    def open_pulls(self) -> list[dict[str, Any]]:
        return [p for p in self.pulls if p["state"] in ("open", "opened")]

    def open_views(self) -> list[dict[str, Any]]:
        return [self.view(p) for p in self.open_pulls()]

    def find(self, number: int) -> dict[str, Any]:
        found = next((p for p in self.pulls if p[self.number_key] == number), None)
        if found is None:
            raise NotFound
        return found

    def branch_sha(self, branch: str) -> str | None:
        try:
            return git(self.remote, "rev-parse", "--verify", f"refs/heads/{branch}")
        except subprocess.CalledProcessError:
            return None

    def page(self, path: str, items: list[Any], query: dict[str, list[str]], size_key: str) -> Answer:
        """One page of ``items`` (``page`` from 1, ``size_key`` the page size), with the next
        page named in ``Link`` and ``X-Next-Page`` as GitLab and Gitea do."""
        number = int(query.get("page", ["1"])[0])
        size = int(query.get(size_key, ["20"])[0])
        chunk = items[(number - 1) * size : number * size]
        headers = {"X-Total-Count": str(len(items))}
        endless = number < self.endless_pages and path.endswith(self.endless_only)
        if number * size < len(items) or endless:
            nxt = urlencode({**{k: v[0] for k, v in query.items()}, "page": number + 1})
            headers["X-Next-Page"] = str(number + 1)
            headers["Link"] = f'<{self.url}{self.api_prefix}{path}?{nxt}>; rel="next"'
        return 200, chunk, headers


def merge_branch(
    remote: Path, head: str, base: str, message: str, committer: tuple[str, str], *, squash: bool
) -> str:
    """Merge ``head`` into ``base`` in a bare remote (a squash commit, or a merge commit with
    both parents), authored by the head's author, then delete ``head``; the merge's sha."""
    sha = git(remote, "rev-parse", f"refs/heads/{head}")
    parent = git(remote, "rev-parse", f"refs/heads/{base}")
    tree = git(remote, "merge-tree", "--write-tree", parent, sha).splitlines()[0]
    author = git(remote, "log", "-1", "--format=%an%x00%ae", sha).split("\0")
    ident = {
        "GIT_AUTHOR_NAME": author[0],
        "GIT_AUTHOR_EMAIL": author[1],
        "GIT_COMMITTER_NAME": committer[0],
        "GIT_COMMITTER_EMAIL": committer[1],
    }
    parents = ["-p", parent] + ([] if squash else ["-p", sha])
    merged = git(remote, "commit-tree", tree, *parents, "-m", message, env=ident)
    git(remote, "update-ref", f"refs/heads/{base}", merged)
    git(remote, "update-ref", "-d", f"refs/heads/{head}")
    return merged


def git(repo: Path, *args: str, env: dict[str, str] | None = None) -> str:
    return subprocess.run(
        ["git", "-C", str(repo), *args],
        check=True,
        capture_output=True,
        text=True,
        env={**os.environ, **env} if env else None,
    ).stdout.strip()
