"""The ``argocd app create`` commands of the repository's scripts (:mod:`script_commands` reads
each line once): the path each renders, a path from the repository's root wherever the script
runs, and the repository each names with ``--repo``. A command over a path this repository
does not hold, of another repository, deploys that repository: a repository holding only such
commands (a Makefile bootstrapping a cluster from a manifests repository) is told where to run
init, as one holding Applications over another repository is."""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence

from gitops_bot.engine.repository_files import RepoFiles, norm
from gitops_bot.render.deployers import repo_key

# argocd app create NAME --repo URL --path DIR: Argo CD renders DIR, a path from the root
_APP = re.compile(r"\bargocd\s+app\s+create\b(?P<args>[^|;&\n`]*)")
_PATH = re.compile(r"\s--path[= ]\s*['\"]?(?P<path>[^\s'\"]+)")
_REPO = re.compile(r"\s--repo[= ]\s*['\"]?(?P<url>[^\s'\"]+)")


def paths(line: str) -> Iterator[tuple[re.Match[str], re.Match[str]]]:
    """Each ``argocd app create`` of ``line`` and its ``--path``."""
    for m in _APP.finditer(line):
        if (p := _PATH.search(m["args"])) is not None:
            yield m, p


def other_repositories(repo: RepoFiles, line: str) -> Iterator[str]:
    """The ``--repo`` URL of each ``argocd app create`` of ``line`` rendering a path this
    repository does not hold, of a repository other than this checkout's origin (a variable in
    either is the caller's to say: no repository to name; a comment runs nothing)."""
    if line.lstrip().startswith("#"):
        return
    for m, p in paths(line):
        url = _REPO.search(m["args"])
        if url is None or "$" in url["url"] + p["path"] or "{" in url["url"]:
            continue
        path = norm(p["path"].lstrip("/"))
        if path in repo.dirs or path in repo.files:
            continue  # this repository's own folder: applied, an environment
        if repo.origin is None or repo_key(url["url"]) != repo.origin:
            yield url["url"]


def said(elsewhere: Sequence[tuple[str, str, int]], where: str) -> list[str]:
    """One line per repository the commands (``(url, file, line)``) deploy, the most first,
    with ``where`` (what to do: run init in that repository)."""
    by_url: dict[str, list[str]] = {}
    for url, f, number in elsewhere:
        by_url.setdefault(url, []).append(f"{f}:{number}")
    out = []
    for url, at in sorted(by_url.items(), key=lambda kv: -len(kv[1])):
        n = len(at)
        shown = ", ".join(at[:4]) + (f", and {n - 4} more" if n > 4 else "")
        verb = "renders" if n == 1 else "render"
        out.append(f"{n} argocd app create command{'s' if n > 1 else ''} ({shown}) {verb} {url}, {where}")
    return out
