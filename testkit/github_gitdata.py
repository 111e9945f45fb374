"""GitHub's Git Data API (blobs, trees, commits, refs) over the fake's bare remote: what
the bot calls to create a commit through the API, as argocd-image-updater does. GitHub signs
such commits with its own key and marks them verified; the fake records which commits it made
that way (``api_commits``) and answers ``verification.verified: true`` like GitHub does."""

from __future__ import annotations

import base64
import os
import subprocess
import tempfile
from pathlib import Path
from typing import Any

Answer = tuple[int, Any, dict[str, str]]
WEB_FLOW = {"GIT_COMMITTER_NAME": "GitHub", "GIT_COMMITTER_EMAIL": "noreply@github.com"}
BOT = {"GIT_AUTHOR_NAME": "gitops-bot[bot]", "GIT_AUTHOR_EMAIL": "gitops-bot[bot]@users.noreply.github.com"}


def _git(remote: Path, *args: str, stdin: bytes | None = None, env: dict[str, str] | None = None) -> str:
    done = subprocess.run(
        ["git", "-C", str(remote), *args],
        input=stdin,
        capture_output=True,
        check=True,
        env={**os.environ, **(env or {})},
    )
    return done.stdout.decode().strip()


def _exists(remote: Path, ref: str) -> str | None:
    try:
        return _git(remote, "rev-parse", "--verify", "--quiet", ref)
    except subprocess.CalledProcessError:
        return None


def _unprocessable(message: str) -> Answer:
    return 422, {"message": message, "documentation_url": "https://docs.github.com/rest/git"}, {}


class GitData:
    def __init__(self, remote: Path, url: str) -> None:
        self.remote = remote
        self.url = url  # https://HOST/repos/owner/name/git
        self.api_commits: list[str] = []

    def route(self, method: str, path: str, body: Any) -> Answer | None:
        """``path`` is what follows ``/repos/owner/name/git/``; None when not served."""
        kind, _, rest = path.partition("/")
        if (kind, method) == ("blobs", "POST"):
            data = (
                base64.b64decode(body["content"])
                if body.get("encoding") == "base64"
                else body["content"].encode()
            )
            sha = _git(self.remote, "hash-object", "-w", "--stdin", stdin=data)
            return 201, {"sha": sha, "url": f"{self.url}/blobs/{sha}"}, {}
        if (kind, method) == ("trees", "GET") and _exists(self.remote, f"{rest}^{{tree}}"):
            return 200, self._tree(rest), {}
        if (kind, method) == ("trees", "POST"):
            return 201, self._tree(self._write_tree(body)), {}
        if (kind, method) == ("commits", "GET") and _exists(self.remote, f"{rest}^{{commit}}"):
            return 200, self._commit(rest), {}
        if (kind, method) == ("commits", "POST"):
            parents = [a for p in body.get("parents", []) for a in ("-p", p)]
            sha = _git(
                self.remote,
                "commit-tree",
                body["tree"],
                *parents,
                stdin=body["message"].encode(),
                env={**BOT, **WEB_FLOW},
            )
            self.api_commits.append(sha)
            return 201, self._commit(sha), {}
        if kind == "ref" and method == "GET":
            found = _exists(self.remote, f"refs/{rest}")
            return (200, self._ref(rest, found), {}) if found else None
        if kind == "refs":
            return self._refs(method, rest, body)
        return None

    def _refs(self, method: str, rest: str, body: Any) -> Answer | None:
        if method == "POST" and not rest:
            if _exists(self.remote, body["ref"]):
                return _unprocessable("Reference already exists")
            _git(self.remote, "update-ref", body["ref"], body["sha"])
            return 201, self._ref(body["ref"].removeprefix("refs/"), body["sha"]), {}
        if method == "PATCH":
            old = _exists(self.remote, f"refs/{rest}")
            if old is None:
                return None
            if (
                not body.get("force")
                and subprocess.run(
                    ["git", "-C", str(self.remote), "merge-base", "--is-ancestor", old, body["sha"]],
                    check=False,
                ).returncode
            ):
                return _unprocessable("Update is not a fast forward")
            _git(self.remote, "update-ref", f"refs/{rest}", body["sha"])
            return 200, self._ref(rest, body["sha"]), {}
        return None

    def _write_tree(self, body: dict[str, Any]) -> str:
        with tempfile.TemporaryDirectory() as tmp:
            env = {"GIT_INDEX_FILE": str(Path(tmp) / "index")}
            if body.get("base_tree"):
                _git(self.remote, "read-tree", body["base_tree"], env=env)
            # --index-info works in a bare repository: "0 <zero sha>" removes, "mode sha" sets
            lines = [
                f"{e['mode']} {e['sha']}\t{e['path']}" if e.get("sha") else f"0 {'0' * 40}\t{e['path']}"
                for e in body["tree"]
            ]
            _git(
                self.remote, "update-index", "--index-info", stdin="\n".join(lines).encode() + b"\n", env=env
            )
            return _git(self.remote, "write-tree", env=env)

    def _tree(self, sha: str) -> dict[str, Any]:
        return {"sha": sha, "url": f"{self.url}/trees/{sha}", "tree": [], "truncated": False}

    def _commit(self, sha: str) -> dict[str, Any]:
        """A Git commit in the shape of GitHub's example (octokit's ``git-commit``)."""
        fields = _git(self.remote, "show", "-s", "--format=%T%n%P%n%an%n%ae%n%aI%n%cn%n%ce%n%cI", sha).split(
            "\n"
        )
        html = self.url.replace("/repos/", "/").removesuffix("/git")
        signed = sha in self.api_commits
        return {
            "sha": sha,
            "node_id": f"C_{sha[:12]}",
            "url": f"{self.url}/commits/{sha}",
            "html_url": f"{html}/commit/{sha}",
            "author": {"name": fields[2], "email": fields[3], "date": fields[4]},
            "committer": {"name": fields[5], "email": fields[6], "date": fields[7]},
            "message": _git(self.remote, "show", "-s", "--format=%B", sha),
            "tree": {"sha": fields[0], "url": f"{self.url}/trees/{fields[0]}"},
            "parents": [
                {"sha": p, "url": f"{self.url}/commits/{p}", "html_url": f"{html}/commit/{p}"}
                for p in fields[1].split()
            ],
            "verification": {
                "verified": signed,
                "reason": "valid" if signed else "unsigned",
                "signature": "-----BEGIN PGP SIGNATURE-----\n...\n-----END PGP SIGNATURE-----"
                if signed
                else None,
                "payload": f"tree {fields[0]}\n..." if signed else None,
                "verified_at": fields[7] if signed else None,
            },
        }

    def _ref(self, ref: str, sha: str) -> dict[str, Any]:
        return {
            "ref": f"refs/{ref}",
            "node_id": f"REF_{ref}",
            "url": f"{self.url}/refs/{ref}",
            "object": {"sha": sha, "type": "commit", "url": f"{self.url}/commits/{sha}"},
        }
