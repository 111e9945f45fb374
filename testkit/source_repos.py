"""An image's source repository for the forge fakes: a real git repository whose commits the
fakes' compare endpoints answer (GitHub and Gitea ``/repos/{owner}/{repo}/compare/{basehead}``,
GitLab ``/projects/:id/repository/compare``) and their commit lists (Azure DevOps
``commitsbatch``, Bitbucket Cloud and Data Center ``/commits``), each in its forge's shape.

The GitHub answer is GitHub's own example (``commit-comparison`` of the vendored description)
with its commits replaced by the repository's; the Gitea and GitLab answers carry the fields
their descriptions name.
"""

from __future__ import annotations

import atexit
import copy
import functools
import os
import shutil
import subprocess
import tempfile
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from testkit.contract import example

SEP = "\x1f"


@dataclass(frozen=True)
class GitCommit:
    sha: str
    message: str
    author: str
    email: str
    date: str  # ISO 8601 with offset


def git(repo: Path, *args: str, env: dict[str, str] | None = None) -> str:
    return subprocess.run(
        ["git", "-C", str(repo), *args],
        check=True,
        capture_output=True,
        text=True,
        env={**os.environ, **env} if env else None,
    ).stdout.strip()


def make(path: Path, commits: list[tuple[str, str]], dates: list[str] | None = None) -> list[str]:
    """A repository at ``path`` with one commit per (subject, author name), oldest first; the
    commit ids in that order. ``dates``: each commit's time (RFC 3339; default one a day in
    November 2026).

    Every part of a commit is given (names, emails, times, the file), so the same arguments
    make the same commits: into a new or empty ``path``, the repository is a copy of the one
    the process built for them first (three git commands a commit were most of a test's time)."""
    if path.exists() and any(path.iterdir()):
        return _build(path, commits, dates)
    built, shas = _built(tuple(commits), None if dates is None else tuple(dates))
    shutil.copytree(built, path, symlinks=True, dirs_exist_ok=True)
    return list(shas)


@functools.cache
def _built(
    commits: tuple[tuple[str, str], ...], dates: tuple[str, ...] | None
) -> tuple[Path, tuple[str, ...]]:
    root = Path(tempfile.mkdtemp(prefix="gitops-bot-source-repo-"))
    atexit.register(shutil.rmtree, root, True)  # the test process's own, gone with it
    shas = _build(root / "repo", list(commits), None if dates is None else list(dates))
    return root / "repo", tuple(shas)


def _build(path: Path, commits: list[tuple[str, str]], dates: list[str] | None) -> list[str]:
    path.mkdir(parents=True, exist_ok=True)
    git(path, "init", "-q", "-b", "main")
    shas = []
    for n, (subject, author) in enumerate(commits):
        (path / "CHANGES").write_text(f"{n}\n", encoding="utf-8")
        git(path, "add", "CHANGES")
        email = f"{author.lower().replace(' ', '.')}@example.com"
        env = {
            "GIT_AUTHOR_NAME": author,
            "GIT_AUTHOR_EMAIL": email,
            "GIT_COMMITTER_NAME": author,
            "GIT_COMMITTER_EMAIL": email,
            "GIT_AUTHOR_DATE": dates[n] if dates else f"2026-11-{1 + n % 28:02d}T12:00:00+00:00",
            "GIT_COMMITTER_DATE": dates[n] if dates else f"2026-11-{1 + n % 28:02d}T12:00:00+00:00",
        }
        git(path, "-c", "commit.gpgsign=false", "commit", "-q", "-m", subject, env=env)
        shas.append(git(path, "rev-parse", "HEAD"))
    return shas


def between(repo: Path, base: str, head: str) -> list[GitCommit] | None:
    """The commits in ``head`` and not in ``base``, oldest first; None when either is unknown."""
    try:
        out = git(
            repo,
            "log",
            "--reverse",
            f"--format=%H{SEP}%an{SEP}%ae{SEP}%aI{SEP}%B%x1e",
            f"{base}..{head}",
            "--",
        )
    except subprocess.CalledProcessError:
        return None
    found = []
    for record in filter(None, (r.strip("\n") for r in out.split("\x1e"))):
        sha, name, email, date, message = record.split(SEP, 4)
        found.append(GitCommit(sha, message.strip(), name, email, date))
    return found


def github(api: str, web: str, full_name: str, base: str, head: str, commits: list[GitCommit]) -> Any:
    answer = example("github", "commit-comparison")
    template = answer["commits"][0]
    answer["commits"] = [_github_commit(template, api, web, full_name, c) for c in commits]
    answer.update(
        url=f"{api}/repos/{full_name}/compare/{base}...{head}",
        html_url=f"{web}/{full_name}/compare/{base}...{head}",
        permalink_url=f"{web}/{full_name}/compare/{base}...{head}",
        diff_url=f"{web}/{full_name}/compare/{base}...{head}.diff",
        patch_url=f"{web}/{full_name}/compare/{base}...{head}.patch",
        status="ahead" if commits else "identical",
        ahead_by=len(commits),
        behind_by=0,
        total_commits=len(commits),
        files=[],
    )
    return answer


def _github_commit(template: Any, api: str, web: str, full_name: str, c: GitCommit) -> Any:
    out = copy.deepcopy(template)
    login = c.author.split()[0].lower()
    person = {"name": c.author, "email": c.email, "date": c.date}
    out.update(
        sha=c.sha,
        url=f"{api}/repos/{full_name}/commits/{c.sha}",
        html_url=f"{web}/{full_name}/commit/{c.sha}",
        comments_url=f"{api}/repos/{full_name}/commits/{c.sha}/comments",
    )
    out["commit"].update(message=c.message, author=person, committer=dict(person))
    out["author"].update(login=login, html_url=f"{web}/{login}")
    out["committer"].update(login=login, html_url=f"{web}/{login}")
    return out


def gitea(api: str, web: str, full_name: str, commits: list[GitCommit]) -> Any:
    def one(c: GitCommit) -> Any:
        person = {"name": c.author, "email": c.email, "date": c.date}
        return {
            "sha": c.sha,
            "url": f"{api}/repos/{full_name}/git/commits/{c.sha}",
            "html_url": f"{web}/{full_name}/commit/{c.sha}",
            "created": c.date,
            "commit": {"message": c.message, "author": person, "committer": person},
            "author": {"id": 1, "login": c.author.split()[0].lower(), "full_name": c.author},
            "committer": {"id": 1, "login": c.author.split()[0].lower(), "full_name": c.author},
            "parents": [],
        }

    return {"total_commits": len(commits), "commits": [one(c) for c in commits]}


def gitlab(web: str, project: str, base: str, head: str, commits: list[GitCommit]) -> Any:
    def one(c: GitCommit) -> Any:
        return {
            "id": c.sha,
            "short_id": c.sha[:8],
            "title": c.message.splitlines()[0],
            "message": c.message,
            "author_name": c.author,
            "author_email": c.email,
            "authored_date": c.date,
            "committer_name": c.author,
            "committer_email": c.email,
            "committed_date": c.date,
            "created_at": c.date,
            "parent_ids": [],
            "web_url": f"{web}/{project}/-/commit/{c.sha}",
        }

    return {
        **({"commit": one(commits[-1])} if commits else {}),
        "commits": [one(c) for c in reversed(commits)],  # GitLab lists the newest first
        "diffs": [],
        "compare_timeout": False,
        "compare_same_ref": base == head,
        "web_url": f"{web}/{project}/-/compare/{base}...{head}",
    }


def newest_first(commits: list[GitCommit]) -> list[GitCommit]:
    return list(reversed(commits))


def azure_devops(api: str, web: str, commits: list[GitCommit]) -> list[Any]:
    """GitCommitRef items as commitsbatch lists them (the description's example
    ``httpExamples/commitsBatch/POST__git_repositories__repositoryId__commitsBatch2.json``):
    newest first, the message cut to its first 100 characters with ``commentTruncated``."""

    def one(c: GitCommit) -> Any:
        person = {"name": c.author, "email": c.email, "date": c.date}
        item: dict[str, Any] = {
            "commitId": c.sha,
            "author": person,
            "committer": dict(person),
            "comment": c.message[:100],
            "changeCounts": {"Edit": 1},
            "url": f"{api}/commits/{c.sha}",
            "remoteUrl": f"{web}/commit/{c.sha}",
        }
        if len(c.message) > 100:
            item["commentTruncated"] = True
        return item

    return [one(c) for c in newest_first(commits)]


def bitbucket_cloud(api: str, web: str, full_name: str, commits: list[GitCommit]) -> list[Any]:
    """Commits as Bitbucket Cloud's ``/commits`` lists them, newest first (the shape of a real
    page quoted in atlassian-api/atlassian-python-api#1071: ``author.raw``, ``summary``); an
    author no Bitbucket account matches carries only ``raw``."""

    def one(c: GitCommit) -> Any:
        return {
            "type": "commit",
            "hash": c.sha,
            "date": c.date,
            "author": {"type": "author", "raw": f"{c.author} <{c.email}>"},
            "message": c.message + "\n",
            "summary": {"raw": c.message + "\n", "markup": "markdown", "html": f"<p>{c.message}</p>"},
            "links": {
                "self": {"href": f"{api}/repositories/{full_name}/commit/{c.sha}"},
                "html": {"href": f"{web}/{full_name}/commits/{c.sha}"},
            },
            "parents": [],
        }

    return [one(c) for c in newest_first(commits)]


def bitbucket_dc(commits: list[GitCommit]) -> list[Any]:
    """RestCommit items as Data Center's ``/commits?since=&until=`` lists them, newest first;
    an author no Bitbucket user matches is ``{name, emailAddress}``."""

    def one(c: GitCommit) -> Any:
        person = {"name": c.author, "emailAddress": c.email}
        stamp = int(datetime.fromisoformat(c.date).timestamp() * 1000)
        return {
            "id": c.sha,
            "displayId": c.sha[:11],
            "author": person,
            "authorTimestamp": stamp,
            "committer": dict(person),
            "committerTimestamp": stamp,
            "message": c.message,
            "parents": [],
        }

    return [one(c) for c in newest_first(commits)]
