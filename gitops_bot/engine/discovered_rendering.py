"""Which of the candidates found by shape are environments (``gitops-bot init``): those that
render an image found, or pin a chart; one rendering none (a pipeline run, a monitoring layer,
an Application of a fork holding a directory of the same name) has nothing to release, and is
said instead of configured."""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from pathlib import PurePosixPath

from gitops_bot.core import log
from gitops_bot.core.errors import GitOpsBotError
from gitops_bot.core.reading import EnvironmentReading, PinStatus
from gitops_bot.engine import candidates
from gitops_bot.engine.candidates import FoundEnvironment
from gitops_bot.engine.repository_files import RepoFiles, as_map, norm
from gitops_bot.manifests import argocd_apps, charts
from gitops_bot.manifests.charts_refs import is_exact
from gitops_bot.render import deployers
from gitops_bot.render.deployers import repo_key


def rendering(
    repo: RepoFiles,
    envs: Sequence[FoundEnvironment],
    readings: Mapping[str, EnvironmentReading],
    roots: Collection[str],
    rendered: Mapping[str, Sequence[str]],
) -> list[FoundEnvironment]:
    """The candidates that render an image: one rendering none of the images found anywhere
    (a pipeline run, a monitoring layer) has nothing to release, said instead of configured.
    A root applied by hand (``roots``), or written (an Application over a chart of this
    repository whose templates are Applications), is kept: only helm says what its Applications
    render, and init reads with the rules."""
    if not readings:
        return list(envs)
    out = []
    dropped: list[FoundEnvironment] = []
    for e in envs:
        r = readings.get(e.name)
        if (
            r is not None
            and r.images
            and all(i.status is PinStatus.NOT_RENDERED for i in r.images)
            and not any(candidates.pins_a_chart(h) for h in e.how)
            and not _pins_dependencies(repo, rendered.get(e.name, ()))
            and not _pins_charts(repo, rendered.get(e.name, ()))
            and not set(e.paths) <= set(roots)
            and not _app_of_apps(repo, e.paths)
        ):
            dropped.append(e)
            continue
        out.append(e)
    kept = {k: u for e in out for k, u in _repo_urls(repo, e.paths).items()}
    for e in dropped:
        paths = ", ".join(e.paths[:3])
        other = [
            a
            for p in e.paths
            for a in _app_sources(repo, p)
            if a.repo_url and repo_key(a.repo_url) not in kept
        ]
        if kept and other and len(e.paths) == 1:
            # an Application of a fork or another repository holding a directory of the same name
            a = other[0]
            repo.notes.append(
                f"{paths}: Argo CD Application {a.application} renders {a.path} of "
                f"{log.without_userinfo(a.repo_url)}, not the repository the other Applications render "
                f"({', '.join(log.without_userinfo(u) for u in kept.values())}) and none "
                "of the images found; not configured as an environment"
            )
            continue
        ranged = _ranged_releases(repo, rendered.get(e.name, ()))
        also = (
            f"; its Flux HelmReleases pin charts as ranges Helm resolves ({', '.join(ranged[:4])}"
            f"{f', and {len(ranged) - 4} more' if len(ranged) > 4 else ''}): pin an exact version there "
            "to have the bot release them"
            if ranged
            else ""
        )
        repo.notes.append(
            f"{paths}: renders none of the images found; not configured as an environment{also}"
        )
    return out


def _ranged_releases(repo: RepoFiles, files: Collection[str]) -> list[str]:
    """``chart 'range' at file`` of each Flux HelmRelease of ``files`` whose chart version is a
    range or none (Helm resolves it at install): nothing to release as written, so said with the
    fix where the environment is dropped for rendering no image found."""
    out = []
    for f in sorted(files):
        if "HelmRelease" not in (repo.text(f) or ""):
            continue
        for doc in repo.docs(f):
            if doc.get("kind") != "HelmRelease" or not str(doc.get("apiVersion", "")).startswith(
                "helm.toolkit"
            ):
                continue
            spec = as_map(as_map(as_map(doc.get("spec")).get("chart")).get("spec"))
            version = str(spec.get("version") or "*")
            if spec.get("chart") and not is_exact(version):
                out.append(f"{spec.get('chart')} {version!r} at {f}")
    return out


def _pins_dependencies(repo: RepoFiles, files: Sequence[str]) -> bool:
    """Whether a chart the environment renders pins charts of its own (a wrapper chart's
    ``dependencies:``): versions to release although it renders none of the images found."""
    return any(
        PurePosixPath(f).name == "Chart.yaml" and "dependencies:" in (repo.text(f) or "") for f in files
    )


def _pins_charts(repo: RepoFiles, files: Sequence[str]) -> bool:
    """Whether a file the environment renders pins a chart at an exact version (a
    kustomization's ``helmCharts:``, a k3s ``HelmChart``, an ``OCIRepository``): versions to
    release although it renders none of the images found."""
    for f in files:
        text = repo.text(f) or ""
        if PurePosixPath(f).name == "Chart.yaml" or not charts.may_pin(text, f):
            continue  # a chart's own dependencies are _pins_dependencies's
        try:
            if any(s.exact for s in charts.every(text, f)):
                return True
        except GitOpsBotError:
            continue  # said where the file is read
    return False


def _app_of_apps(repo: RepoFiles, paths: Sequence[str]) -> bool:
    """Whether each path is an Application file rendering a chart of this repository whose
    templates are Argo CD Applications (an installer's root: what its modules run is what those
    yield, which the rules do not follow)."""
    charts = [norm(a.path.strip("/")) for p in paths for a in _app_sources(repo, p) if a.path]
    return bool(charts) and all(
        repo.tree.text(repo.root / c / "Chart.yaml") is not None
        and deployers.yields_applications(repo.tree, repo.root / c)
        for c in charts
    )


def _app_sources(repo: RepoFiles, path: str) -> list[argocd_apps.AppSource]:
    text = repo.text(path) if path.endswith((".yaml", ".yml")) else None
    if not text or "argoproj.io" not in text:
        return []
    try:
        return [a for a in argocd_apps.sources(text, path) if a.path is not None]
    except GitOpsBotError:
        return []


def _repo_urls(repo: RepoFiles, paths: Sequence[str]) -> dict[str, str]:
    """The repositories the Applications at ``paths`` render directories of (compared -> written)."""
    return {repo_key(a.repo_url): a.repo_url for p in paths for a in _app_sources(repo, p) if a.repo_url}
