"""What ``gitops-bot init`` says of the ApplicationSets whose generated Applications it does not
read (``RepoFiles.appsets``): their directories are found on their own, by the other rules; one
whose template names a directory of this repository holding a workload that no environment
renders (its generator one init does not expand: an RHACM Placement's clusterDecisionResource)
names that directory with the entry to write, since "found on their own" would be false there."""

from __future__ import annotations

from collections.abc import Collection

from gitops_bot.engine.discovered_shapes import workload_in
from gitops_bot.engine.repository_files import RepoFiles, as_map, norm
from gitops_bot.manifests import argocd_apps
from gitops_bot.render.deployers import repo_key


def notes(repo: RepoFiles, rendered: Collection[str]) -> list[str]:
    """One line per ApplicationSet not read; ``rendered``: the files the environments render."""
    out = []
    for f in repo.appsets:
        left = [p for p in _template_paths(repo, f) if not any(r.startswith(f"{p}/") for r in rendered)]
        said = "the directories they render are found on their own"
        if left:
            said = f"and no environment renders {', '.join(left)}, its template's path: write {{name: <env>, "
            said += f"path: {left[0]}}} under environments: and its images under images:"
        out.append(f"{f}: an ApplicationSet; the Applications it generates are not read, {said}")
    return out


def _template_paths(repo: RepoFiles, f: str) -> list[str]:
    """The directories of this repository holding a workload that an ApplicationSet's template
    names as written (a templated path names none)."""
    specs = [as_map(as_map(d.get("spec")).get("template")).get("spec") for d in repo.docs(f)]
    mine = [s for t in specs for s in argocd_apps.parsed_sources(t) if _ours(repo, s.get("repoURL"))]
    paths = dict.fromkeys(p for s in mine if (p := norm(str(s.get("path") or ""))) and p in repo.dirs)
    return [p for p in paths if workload_in(repo, [x for x in repo.files if x.startswith(f"{p}/")])]


def _ours(repo: RepoFiles, url: object) -> bool:
    """Whether a source's repoURL is this repository (where either is not known, it may be)."""
    return not (repo.origin and url and repo_key(str(url)) != repo.origin)
