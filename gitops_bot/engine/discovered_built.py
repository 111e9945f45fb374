"""The Applications a kustomization of Applications yields, for ``init``: an app of apps whose
path holds a kustomization is built by Argo CD with kustomize, so only the Application files its
resources reach are deployed, each with the values its ``replacements`` copy into it (the
``targetRevision`` a ConfigMap holds), and a directory kustomize refuses deploys none of them."""

from __future__ import annotations

import fnmatch
import posixpath
import re
from collections.abc import Mapping
from dataclasses import replace
from pathlib import Path, PurePosixPath

from gitops_bot.core.errors import GitOpsBotError
from gitops_bot.core.record import record
from gitops_bot.engine.promotion_order import kind_of
from gitops_bot.engine.repository_files import RepoFiles, Tracking, as_map, norm
from gitops_bot.manifests import APPLICATION, argocd_apps, kustomize, may_hold
from gitops_bot.manifests.kustomize import KUSTOMIZATION_NAMES
from gitops_bot.render import reader
from gitops_bot.render.deployers import repo_key as reader_key
from gitops_bot.render.walk import Walk


@record
class Built:
    """A directory of Applications an Application of this repository has Argo CD build."""

    directory: str
    kustomization: str
    by: str  # "Argo CD Application NAME in FILE"
    files: frozenset[str]  # the files its resources reach
    revisions: Mapping[str, str]  # an Application's name -> the targetRevision replacements write
    # the other directories the repository's Applications render: an Application file below
    # one of them is that one's, whatever this kustomization lists
    others: frozenset[str] = frozenset()


# A repository URL with a placeholder in it (a template's <github-username>, a generator's
# {{...}}, Kargo's ${{ vars.x }}): a repository that is not this one as written.
PLACEHOLDER = re.compile(r"<[^<>]+>|\{\{|\$\{")


def kustomized(repo: RepoFiles) -> list[Built]:
    """Each directory with a kustomization that an Application here renders and that holds
    Applications (an app of apps), as kustomize builds it. kustomize's refusal of one is said
    with the file: Argo CD then syncs none of its Applications."""
    out: list[Built] = []
    seen: set[str] = set()
    paths: set[str] = set()
    # a root kept where no environment is (bootstrap/) is the one that builds them
    for f in repo.yaml_files():
        for app in sources(repo, f, repo.text(f) or "") or []:
            path = norm((app.path or "").lstrip("/"))
            if not app.path or "{{" in path or path in seen or path not in repo.dirs:
                continue
            paths.add(path)
            kfile = next((f"{path}/{k}" for k in KUSTOMIZATION_NAMES if f"{path}/{k}" in repo.files), None)
            if kfile is None or f.startswith(path + "/"):
                continue
            # walked only where Applications are kept: most kustomizations deploy workloads
            if not any("kind: Application" in (repo.text(g) or "") for g in _below(repo, path)):
                continue
            walk = Walk()
            try:
                reader.Reader(repo.tree, repo.root, ()).walk_directory(repo.root / path, walk)
            except GitOpsBotError:
                continue
            files = frozenset(norm(p) for p in walk.files)
            if not any(_applications(repo, g) for g in files):
                continue
            seen.add(path)
            by = f"Argo CD Application {app.application} in {f}"
            out.append(Built(path, kfile, by, files, _revisions(repo, kfile, files)))
            for why in walk.refused:
                repo.notes.append(
                    f"{path}: {by} renders it, and {why}: Argo CD deploys none of its Applications "
                    f"until {kfile} builds"
                )
    return [replace(b, others=frozenset(paths - {b.directory})) for b in out]


def sources(repo: RepoFiles, f: str, text: str) -> list[argocd_apps.AppSource] | None:
    """The sources of the Argo CD Applications of ``f``; None when it holds none, or none read."""
    # kind: "Application", JSON's "kind":"Application" and one spelled with escapes too
    if "kind: Application" not in text and not may_hold(text, APPLICATION):
        return None
    try:
        return argocd_apps.sources(text, f)
    except GitOpsBotError:
        return None


def value_paths(repo: RepoFiles, src: argocd_apps.AppSource) -> list[str]:
    """The source's Helm value files this repository holds: beside its path, or through a ref
    (``$values/...``) to a source that is not a chart's."""
    refs = dict(src.refs)
    out = []
    for name in src.value_files:
        if "{{" in name:
            continue
        if name.startswith("$"):
            ref, _, rest = name[1:].partition("/")
            if ref not in refs or PLACEHOLDER.search(refs[ref]):
                continue
            rel = norm(rest.lstrip("/"))
        elif src.path is not None and "{{" not in src.path:
            rel = norm(f"{src.path.lstrip('/')}/{name}")
        else:
            continue
        if rel in repo.files:
            out.append(rel)
    return out


def elsewhere_with_values_here(repo: RepoFiles, app: argocd_apps.AppSource) -> bool:
    """A source rendering a chart directory of another git repository with Helm values this one
    holds (``$values/...``, or its own ``helm.valuesObject``): the images those values pin are
    released here, as a Helm repository's chart's are."""
    if app.path is None or app.chart or not repo.origin or not app.repo_url or "{{" in app.repo_url:
        return False
    refs = dict(app.refs)
    mine = [
        n
        for n in app.value_files
        if n[:1] == "$" and reader_key(refs.get(n[1:].partition("/")[0], "")) == repo.origin
    ]
    here = app.inline or (bool(mine) and bool(value_paths(repo, app)))
    return reader_key(app.repo_url) != repo.origin and here


def _below(repo: RepoFiles, path: str) -> list[str]:
    return [g for g in repo.yaml_files() if g.startswith(path + "/")]


def outside(built: list[Built], rel: str) -> Built | None:
    """The built directory holding the file ``rel`` whose kustomization does not reach it (nor
    another's, nor is it in a directory another Application renders)."""
    if any(rel in b.files for b in built):
        return None
    return next(
        (
            b
            for b in built
            if rel.startswith(b.directory + "/")
            and not any(rel.startswith(o + "/") and o.startswith(b.directory + "/") for o in b.others)
        ),
        None,
    )


def revision(built: list[Built], rel: str, application: str) -> str | None:
    """The targetRevision a built directory's replacements write into ``application`` of ``rel``."""
    return next((b.revisions.get(application) for b in built if rel in b.files), None)


def _applications(repo: RepoFiles, rel: str) -> bool:
    """Whether the file holds an Argo CD Application."""
    if PurePosixPath(rel).name in KUSTOMIZATION_NAMES:
        return False
    return any(
        kind_of(d)[1] == "Application" and kind_of(d)[0].startswith("argoproj.io/") for d in repo.docs(rel)
    )


def _revisions(repo: RepoFiles, kfile: str, files: frozenset[str]) -> Mapping[str, str]:
    docs = [d for g in sorted(files) for d in repo.docs(g)]
    return next((kustomize.replaced_revisions(k, docs) for k in repo.docs(kfile)), {})


def track(repo: RepoFiles, f: str, built: list[Built]) -> None:
    """The revision each Application of ``f`` renders a directory of this repository from
    (``targetRevision: test``, or what a built directory's replacements write over it): an
    environment all of whose Applications track another branch than the checkout's is read
    there (``branch:``)."""
    for doc in repo.docs(f):
        _, kind = kind_of(doc)
        spec = doc.get("spec") if kind == "Application" and isinstance(doc.get("spec"), dict) else None
        source = spec.get("source") if isinstance(spec, dict) else None
        if isinstance(spec, dict) and source is None and "sources" not in spec:
            source = next(iter(argocd_apps.parsed_sources(spec)), None)  # the hydrator's dry source
        if not isinstance(source, dict) or not source.get("path"):
            continue
        # a directory this repository lacks is another repository's, already said as one line
        # per repository (deployers.elsewhere); tracked too, each would be said again
        if "{{" not in str(source["path"]) and norm(str(source["path"])) not in repo.dirs:
            continue
        name = str(as_map(doc.get("metadata")).get("name") or "")
        replaced = revision(built, f, name) if "source" in as_map(spec) else None
        written = replaced if replaced is not None else str(source.get("targetRevision") or "")
        hydrator = as_map(spec.get("sourceHydrator")) if isinstance(spec, dict) else {}
        synced = as_map(hydrator.get("syncSource")).get("targetBranch")
        repo.tracking.append(Tracking(f, name, norm(str(source["path"])), written, str(synced or "")))


@record
class DirectoryRoot:
    """A plain directory an Application of this repository has Argo CD apply as it is."""

    directory: str
    by: str  # "Argo CD Application NAME in FILE"
    recurse: bool  # directory.recurse: its subdirectories too
    exclude: tuple[str, ...]  # directory.exclude's globs, relative to it


def applied(repo: RepoFiles) -> list[DirectoryRoot]:
    """Each directory an Application of the repository renders as plain files (no kustomization
    nor Chart.yaml in it), with what of it Argo CD applies."""
    out: list[DirectoryRoot] = []
    for f in repo.yaml_files():
        text = repo.text(f) or ""
        if "argoproj.io" not in text or "directory" not in text:
            continue
        for doc in repo.docs(f):
            name = str(as_map(doc.get("metadata")).get("name") or "")
            for src in argocd_apps.parsed_sources(as_map(doc.get("spec"))):
                path, spec = norm(str(src.get("path") or "").lstrip("/")), as_map(src.get("directory"))
                if not src.get("path") or path not in repo.dirs or not spec:
                    continue
                if any(f"{path}/{n}" in repo.files for n in (*KUSTOMIZATION_NAMES, "Chart.yaml")):
                    continue
                globs = str(spec.get("exclude") or "").strip()
                # Argo CD's {a,b} is a list of globs
                exclude = tuple(g.strip() for g in globs.strip("{}").split(",") if g.strip())
                by = f"Argo CD Application {name} in {f}"
                out.append(DirectoryRoot(path, by, spec.get("recurse") is True, exclude))
    return out


def not_applied(dirs: list[DirectoryRoot], rel: str) -> str | None:
    """Why the file ``rel``, below directories Applications apply as they are, is applied by
    none of them: in a subdirectory none recurses into, or excluded; None when one applies it
    or none holds it."""
    why = None
    for d in dirs:
        if not rel.startswith(d.directory + "/"):
            continue
        inner = rel[len(d.directory) + 1 :]
        if any(fnmatch.fnmatchcase(inner, g) for g in d.exclude):
            why = why or f"{d.by} applies {d.directory} with directory.exclude {', '.join(d.exclude)}"
        elif "/" in inner and not d.recurse:
            why = why or f"{d.by} applies {d.directory} without directory.recurse, so not its subdirectories"
        else:
            return None
    return why


def unapplied(built: list[Built], applied: list[DirectoryRoot], rel: str) -> str | None:
    """Why Argo CD applies no Application of the file ``rel``, with the fix; None when it may."""
    if (b := outside(built, rel)) is not None:
        return (
            f"{b.by} builds {b.directory} with kustomize, and {b.kustomization} lists it not: "
            "Argo CD does not apply it (add it to resources: to deploy it)"
        )
    why = not_applied(applied, rel)
    return f"{why}: Argo CD does not apply it" if why else None


def builds_nothing(repo: RepoFiles, d: str, reached: list[Path]) -> str | None:
    """Why kustomize builds nothing of ``d``: its kustomization reaches no file but itself, and
    every resource it lists is missing here (a folder the repository deleted); None otherwise."""
    if len(reached) != 1:
        return None
    # d is a folder a kustomization names as an environment, never the root (overlays keeps that apart)
    docs = next((repo.docs(f"{d}/{k}") for k in KUSTOMIZATION_NAMES if f"{d}/{k}" in repo.files), [])
    entries = [docs[0].get(k) for k in ("resources", "bases", "components")] if docs else []
    listed = [r for e in entries if isinstance(e, list) for r in e]
    missing = [
        r
        for r in listed
        if isinstance(r, str)
        and "://" not in r
        and not r.startswith(("github.com/", "git@"))
        and norm(posixpath.join(d, r)) not in repo.dirs
        and norm(posixpath.join(d, r)) not in repo.files
    ]
    if not listed or len(missing) != len(listed):
        return None
    return (
        f"its resources {', '.join(missing)} are not in the repository, so kustomize builds nothing of it: "
        f"no environment (restore them, or remove {d})"
    )
