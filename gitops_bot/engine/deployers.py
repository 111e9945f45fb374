"""What the repository's deploy tools render that is not this repository's files: Argo CD
Applications and ApplicationSets over another repository or a chart, and the Kargo Stages beside
them, said as notes so a repository that only configures deployments of another is told where to
run init."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from gitops_bot.core import log
from gitops_bot.engine.promotion_order import (
    kind_of,
)
from gitops_bot.engine.repository_files import (
    RepoFiles,
    as_map,
    norm,
)

# A repository URL with a placeholder in it (a template's <github-username>, a generator's
# {{...}}, Kargo's ${{ vars.x }}): a repository that is not this one as written.
_PLACEHOLDER = re.compile(r"<[^<>]+>|\{\{|\$\{\{")


ELSEWHERE = "not this repository: run init in that repository"


def elsewhere(repo: RepoFiles) -> None:
    """Argo CD Applications and ApplicationSets rendering a directory of another repository (a
    URL with a placeholder, a path this one lacks), counted per kind and URL, and the Kargo Stages
    beside them: said as notes, so a repository that only configures deployments of another
    (a Kargo project's) is told where to run init, not only that it holds no environment."""
    counts: dict[tuple[str, str], int] = {}
    files: dict[str, bool] = {}  # file -> every object in it renders elsewhere
    stages = 0
    for f in repo.yaml_files():
        text = repo.text(f) or ""
        if ("argoproj.io" not in text and "kargo.akuity.io" not in text) or repo.no_environment(f):
            continue
        for doc in repo.docs(f):
            api, kind = kind_of(doc)
            if kind == "Stage" and api.startswith("kargo.akuity.io"):
                stages += 1
                continue
            if not api.startswith("argoproj.io") or kind not in ("Application", "ApplicationSet"):
                continue
            spec = as_map(doc.get("spec"))
            if kind == "ApplicationSet":
                spec = as_map(as_map(spec.get("template")).get("spec"))
            sources = spec.get("sources")
            found = [spec.get("source"), *(sources if isinstance(sources, list) else ())]
            urls = [_url(s) for s in found if isinstance(s, dict) and _renders_elsewhere(repo, s)]
            if kind == "ApplicationSet":  # not read: a chart it renders is said with the rest
                urls += [
                    f"chart {s['chart']} {s.get('targetRevision') or ''} of {_url(s)}".replace("  ", " ")
                    for s in found
                    if isinstance(s, dict) and isinstance(s.get("chart"), str)
                ]
            for url in dict.fromkeys(urls):
                counts[(kind, url)] = counts.get((kind, url), 0) + 1
            files[f] = files.get(f, True) and bool(urls)
    if not counts:
        return
    said = {f for f, all_elsewhere in files.items() if all_elsewhere}
    # the generic "an ApplicationSet; ... not read" of those files says less than what follows
    repo.notes[:] = [n for n in repo.notes if n.split(": an ApplicationSet;", 1)[0] not in said]
    for (kind, url), n in sorted(counts.items(), key=lambda kv: kv[1]):  # the most first
        verb = "renders" if n == 1 else "render"
        where = "not a directory of this repository" if url.startswith("chart ") else ELSEWHERE
        repo.notes.insert(0, f"{n} Argo CD {kind}{'s' if n > 1 else ''} {verb} {url}, {where}")
    if stages:
        repo.notes.insert(
            len(counts), f"{stages} Kargo Stage{'s' if stages > 1 else ''} promote into what they render"
        )


def _url(source: dict[str, Any]) -> str:
    """A source's repoURL as init says and writes it: without a credential in it, which the
    output's redaction masks but a written config or a pull request would keep."""
    return log.without_userinfo(str(source.get("repoURL")))


def _renders_elsewhere(repo: RepoFiles, source: Mapping[str, Any]) -> bool:
    """A git source (not a chart's) rendering another repository's directory."""
    url, path = source.get("repoURL"), source.get("path")
    if not isinstance(url, str) or not url or source.get("chart") is not None or not isinstance(path, str):
        return False
    if _PLACEHOLDER.search(url):
        return True
    return "{{" not in path and norm(path) not in repo.dirs
