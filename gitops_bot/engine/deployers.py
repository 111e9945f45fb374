"""What the repository's deploy tools render that is not this repository's files: Argo CD
Applications and ApplicationSets over another repository or a chart, and the Kargo Stages beside
them, said as notes so a repository that only configures deployments of another is told where to
run init."""

from __future__ import annotations

import re
from collections.abc import Collection, Mapping, Sequence
from pathlib import PurePosixPath
from typing import Any

from gitops_bot.core import log
from gitops_bot.core.errors import GitOpsBotError
from gitops_bot.core.record import record
from gitops_bot.engine import discovered_built, discovered_shapes, pushed_artifacts
from gitops_bot.engine.candidates import RenderPath, held_copy, name_of, safe_name
from gitops_bot.engine.discovered_appset_charts import generated_charts
from gitops_bot.engine.placeholder_urls import TOKEN_SAID, example_url, token_url, url_said
from gitops_bot.engine.promotion_order import kind_of, rank_of, same
from gitops_bot.engine.repository_files import (
    OUT_OF_REPOSITORY,
    RepoFiles,
    as_map,
    files_of,
    leaves,
    norm,
)
from gitops_bot.manifests import argocd_apps, argocd_appsets, written_kinds
from gitops_bot.manifests.kustomize import KUSTOMIZATION_NAMES, renders_chart
from gitops_bot.render.deployers import repo_key

ELSEWHERE = "not this repository: run init in that repository"
# a git revision that is a project's release (v2.22.4, 1.12.1): an upstream's manifests at a tag
_RELEASE_TAG = re.compile(r"v?\d+\.\d+(?:\.\d+)?(?:[-+][0-9A-Za-z.-]+)?")
PLACED = "a placeholder another tool fills: run init in the repository that tool renders this one into"


def elsewhere(repo: RepoFiles) -> None:
    """Argo CD Applications and ApplicationSets rendering a directory of another repository (a
    URL with a placeholder, a path this one lacks), counted per kind and URL, and the Kargo Stages
    beside them: said as notes, so a repository that only configures deployments of another
    (a Kargo project's) is told where to run init, not only that it holds no environment.
    ``repo.origin``: this checkout's remote, keyed once where the repository was read; a path
    this one lacks under it was moved or deleted here, and "run init in that repository" would
    send the person to where they are."""
    own = repo.origin
    counts: dict[tuple[str, str], int] = {}
    files: dict[str, bool] = {}  # file -> every object in it renders elsewhere
    charted: dict[str, list[str]] = {}  # file -> its ApplicationSets' charts, said
    stages = 0
    moved_any = False
    released: dict[str, str] = {}  # url -> the version tag an Application renders it at
    # Applications, ApplicationSets and Stages are deploy objects (a bootstrap folder's too)
    for f in [*deployer_files(repo), *_bootstrapped(repo)]:
        text = repo.text(f) or ""
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
            sources = argocd_apps.parsed_sources(spec)
            left = [(s, why) for s in sources if (why := leaves(repo, s.get("path"))) is not None]
            for s, why in left:  # said once each: a wrong path to fix, not a repository to visit
                name = as_map(doc.get("metadata")).get("name")
                repo.notes.append(
                    f"{f}: Argo CD {kind} {name} renders path {s.get('path')} of {_url(s)}, {why} "
                    f"({OUT_OF_REPOSITORY})"
                )
            gone = [s for s, _ in left]
            # one lending the chart values of this repository ($values/...) is read here as such
            there = [
                s
                for s in sources
                if s not in gone and _renders_elsewhere(repo, s) and not _lent(kind, s, sources, own)
            ]
            moved = [s for s in there if own is not None and repo_key(_url(s)) == own]
            for s in moved:
                name = as_map(doc.get("metadata")).get("name")
                repo.notes.append(
                    f"{f}: Argo CD {kind} {name} renders path {s.get('path')} of {_url(s)}, which this "
                    "repository does not hold (moved or deleted?): fix the path or remove the "
                    f"{kind}"
                )
            urls = [_url(s) for s in there if s not in moved]
            for s in there:  # a release of another project, at the tag its Application names
                if s not in moved and _RELEASE_TAG.fullmatch(str(s.get("targetRevision") or "")):
                    released.setdefault(_url(s), str(s.get("targetRevision")))
            moved_any = moved_any or bool(moved)
            if kind == "ApplicationSet" and f not in charted:  # its charts, each as generated
                charted[f] = generated_charts(text, f, repo)
            for url in dict.fromkeys(urls):
                counts[(kind, url)] = counts.get((kind, url), 0) + 1
            files[f] = files.get(f, True) and bool(urls or left or moved or charted.get(f))
    said_charts = [n for notes in charted.values() for n in notes]
    if not counts and not said_charts and not moved_any:
        return
    said = {f for f, all_elsewhere in files.items() if all_elsewhere}
    # the generic "an ApplicationSet; ... not read" of those files says less than what follows
    repo.appsets = {f: None for f in repo.appsets if f not in said}
    repo.notes[:0] = said_charts
    for (kind, url), n in sorted(counts.items(), key=lambda kv: kv[1]):  # the most first
        verb = "renders" if n == 1 else "render"
        # ${repoUrl}: a value the tool rendering this file fills in, no repository to run init in
        # (and a URL that is one placeholder, a generator's <GITOPS_REPO_URL>)
        where = PLACED if "${" in url or re.fullmatch(r"\s*<[^<>]+>\s*", url) else ELSEWHERE
        where = TOKEN_SAID if token_url(url) else where
        where = url_said(kind, url, where)
        if where == ELSEWHERE and url in released:  # no repository of the person's to run init in
            where = (
                f"at its release {released[url]}, not this repository: what it deploys is pinned there; "
                "the bot releases images and charts, not git revisions: change targetRevision by hand"
            )
        repo.notes.insert(0, f"{n} Argo CD {kind}{'s' if n > 1 else ''} {verb} {url}, {where}")
    if stages:
        repo.notes.insert(
            len(counts), f"{stages} Kargo Stage{'s' if stages > 1 else ''} promote into what they render"
        )


def _lent(kind: str, source: Mapping[str, Any], sources: Sequence[Any], own: str | None) -> bool:
    """An Application's source given Helm values of this repository (``$values/...`` files, or
    its own ``valuesObject``/``values``)."""
    helm = as_map(source.get("helm"))
    if kind != "Application":
        return False
    if helm.get("valuesObject") or helm.get("values"):
        return True
    refs = {x.get("ref"): _url(x) for x in sources if isinstance(x, dict) and x.get("ref")}
    files = helm.get("valueFiles")
    return isinstance(files, list) and any(
        str(v)[:1] == "$" and (r := str(v)[1:].partition("/")[0]) in refs and own in (None, repo_key(refs[r]))
        for v in files
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
    if discovered_built.PLACEHOLDER.search(url) or ("{{" in path and (example_url(url) or token_url(url))):
        return True  # a generator's directories of an example's repository: none is this one's
    rel = norm(path.rstrip("/") or ".")  # ./ is the root, as . is
    if not rel and repo.origin and repo_key(url) != repo.origin:
        return True  # another repository's root: every checkout holds a root
    return "{{" not in path and rel not in repo.dirs and held_copy(repo, url, rel) is None


# -- what this repository's own deploy tools render ---------------------------------------


@record
class Deployments:
    """The directories of this repository that its own Argo CD Applications (and the
    Applications its ApplicationSets generate) and Flux Kustomizations render."""

    dirs: frozenset[str]
    said: str  # what renders them, in words (for the note on an overlay none renders)
    # an app of apps or Flux's own sync renders the files holding them: the repository says
    # all that deploys; else its objects are applied by hand and may not be all
    rooted: bool = True


def deployments(repo: RepoFiles) -> Deployments | None:
    """What the repository's deploy tools render, when the repository defines what deploys it:
    a root among them (an app of apps, Flux's own sync) renders a directory holding deploy
    objects, so what no object renders is deployed by nothing. None when the repository does
    not say (its Applications are made by hand or elsewhere, or an ApplicationSet cannot be
    expanded): then nothing is judged by it."""
    dirs: set[str] = set()
    charted: set[str] = set()  # of them, the charts Argo CD renders (their templates)
    files: set[str] = set()  # the files holding deploy objects of this repository
    for f in repo.yaml_files():
        text = repo.text(f) or ""
        if repo.no_environment(f):
            continue  # a test's Applications deploy nothing
        if "argoproj.io" in text:
            try:
                sources = argocd_apps.sources(text, f)
                for _, app in repo.generated(f):
                    if isinstance(app, str):
                        return None  # what it renders is not known: no overlay is judged dead
                    sources += app.sources
            except GitOpsBotError:
                return None
            if any(s.path is not None and "{{" in s.path for s in sources):
                return None  # a path a generator fills in that was not expanded
            found = [norm(s.path.lstrip("/")) for s in sources if s.path is not None]
            # a chart's path renders its templates, not the Applications beside them: no root
            charted |= {p for s in sources if s.path and _charted(repo, s, p := norm(s.path.lstrip("/")))}
            if sources:  # a chart's Application is a deploy object too
                files.add(f)
            dirs |= {p for p in found if p in repo.dirs}
        if "kustomize.toolkit.fluxcd.io" in text:
            for doc in repo.docs(f):
                api, kind = kind_of(doc)
                flux = kind == "Kustomization" and api.startswith("kustomize.toolkit.fluxcd.io")
                # an artifact's path is not these files, unless this repository's CI pushes them
                path = pushed_artifacts.repository_path(repo, as_map(doc.get("spec"))) if flux else None
                if path is not None:
                    files.add(f)
                    path = "" if path == "." else path
                    if path in repo.dirs:
                        dirs.add(path)
    if "" in dirs or not dirs:
        return None  # the whole repository, or none of its directories: nothing to judge by
    # a root among them (an app of apps, Flux's own sync), else the files applied by hand
    rooted = sorted(d for d in dirs if any(_under(f, f"{d}/templates" if d in charted else d) for f in files))
    roots = rooted or sorted(files)
    shown = ", ".join(sorted(dirs)[:4]) + (f" and {len(dirs) - 4} more" if len(dirs) > 4 else "")
    return Deployments(
        frozenset(dirs),
        f"its Argo CD and Flux objects render {shown}, from {', '.join(roots[:2])}",
        bool(rooted),
    )


def _charted(repo: RepoFiles, source: argocd_apps.AppSource, path: str) -> bool:
    return renders_chart(source.kind, PurePosixPath(path), lambda f: f.as_posix() in repo.files)


def _under(f: str, d: str) -> bool:
    return f == d or f.startswith(d + "/")


def deployed(repo: RepoFiles, found: Sequence[RenderPath], by: Deployments) -> list[RenderPath]:
    """The candidates a deploy object of the repository renders (the directory itself, one
    under a directory rendered whole, or a layer a rendered kustomization includes); each other
    is said, not configured: its ``images:`` entries change no cluster."""
    reached: set[str] = set()
    for d in by.dirs:
        reached |= {
            norm(PurePosixPath(p.relative_to(repo.root).as_posix()).parent.as_posix())
            for p in files_of(repo, d)
            if p.is_relative_to(repo.root)
        }
    skaffold = _skaffold_dirs(repo)
    out = []
    dropped = []
    for c in found:
        if c.path in reached or any(_under(c.path, d) or _under(d, c.path) for d in by.dirs):
            out.append(c)
        elif by.rooted or (why := _not_deployed(repo, c, by, reached, skaffold)) is None:
            if not by.rooted:
                out.append(c)
                continue
            dropped.append(c)
            repo.notes.append(
                f"{c.path}: nothing in this repository deploys it ({by.said}); not an environment "
                "(add it by hand if something outside the repository deploys it)"
            )
        else:
            dropped.append(c)
            repo.notes.append(
                f"{c.path}: nothing in this repository deploys it ({by.said}) and {why}; not an "
                "environment (add it by hand if something outside the repository deploys it)"
            )
    # an overlay a dropped one builds on (a test's overlay over overlays/dev) and a deploy
    # object renders is an environment of its own, found now that nothing includes it
    inner = {d for c in out for d in dirs_reached(repo, c.path) if d != c.path}
    for c in dropped:
        for d in sorted(dirs_reached(repo, c.path) & by.dirs):
            kustomized = any(f"{d}/{k}" in repo.files for k in KUSTOMIZATION_NAMES)
            if not kustomized or d == c.path or d in inner or d in {o.path for o in out}:
                continue
            out.append(RenderPath(d, name_of(d), f"Kustomize overlay {d} ({by.said})"))
            inner |= dirs_reached(repo, d) - {d}
    return out


# Top directories of what is no deployment: tests, docs and examples, a developer's tools.
NOT_DEPLOYED_TOPS = frozenset({"test", "e2e", "docs", "doc", "examples", "example", "samples", "hack", "src"})


def _not_deployed(
    repo: RepoFiles, c: RenderPath, by: Deployments, reached: set[str], skaffold: set[str]
) -> str | None:
    """Why a candidate no object renders is none, where the repository's objects are applied by
    hand (and may not be all that deploys): a skaffold profile's manifests, an overlay over a
    deployed one (a test's), a directory of tests, docs or sources holding nothing deployed, or
    an overlay beside deployed ones whose name is no environment's (preview beside dev and
    prod). None: it may be deployed from outside, so it is kept."""
    if c.path in skaffold or any(_under(c.path, d) for d in skaffold):
        return "skaffold.yaml builds it (a developer's loop, not a deployment)"
    if any(d != c.path and d in by.dirs for d in dirs_reached(repo, c.path)):
        return "it builds on what is deployed (a test's or an example's overlay)"
    top = c.path.split("/", 1)[0]
    if top.lower() in NOT_DEPLOYED_TOPS and "/" in c.path and not any(_under(d, top) for d in by.dirs):
        return f"{top}/ holds tests, docs or sources, none of it deployed"
    parent = PurePosixPath(c.path).parent.as_posix()
    beside = [d for d in by.dirs if PurePosixPath(d).parent.as_posix() == parent and d != c.path]
    if beside and rank_of(PurePosixPath(c.path).name) is None:
        return f"{', '.join(sorted(beside)[:3])} beside it are"
    return None


def _skaffold_dirs(repo: RepoFiles) -> set[str]:
    """The directories skaffold configs build (``manifests``/``deploy`` ``kustomize.paths``,
    ``rawYaml`` files' directories, in profiles too), relative to the repository."""
    out: set[str] = set()

    def walk(node: object, base: str, depth: int = 0) -> None:
        if depth > 12:
            return
        if isinstance(node, dict):
            kustomize = node.get("kustomize")
            paths = kustomize.get("paths") if isinstance(kustomize, dict) else None
            raw = node.get("rawYaml")
            for p in paths if isinstance(paths, list) else ():
                out.add(norm(f"{base}/{p}".lstrip("/")))
            for p in raw if isinstance(raw, list) else ():
                out.add(norm(PurePosixPath(f"{base}/{p}".lstrip("/")).parent.as_posix()))
            for v in node.values():
                walk(v, base, depth + 1)
        elif isinstance(node, list):
            for v in node:
                walk(v, base, depth + 1)

    for f in repo.yaml_files():
        if PurePosixPath(f).name.startswith("skaffold") and "skaffold/" in (repo.text(f) or ""):
            for doc in repo.docs(f):
                walk(doc, PurePosixPath(f).parent.as_posix().removeprefix("."))
    return {d for d in out if d and "*" not in d}


def dirs_reached(repo: RepoFiles, path: str) -> set[str]:
    """The directories of the files ``path`` renders (its kustomization's reach)."""
    return {
        norm(PurePosixPath(p.relative_to(repo.root).as_posix()).parent.as_posix())
        for p in files_of(repo, path)
        if p.is_relative_to(repo.root)
    }


APP_OF_APPS = "Argo CD app of apps"  # how a root applied by hand is said: its environment's how


def app_paths(repo: RepoFiles, *, own: bool = True) -> set[str]:
    """The paths of this repository the Applications of any of its files (a bootstrap's too)
    render, an ApplicationSet's generated ones too: each is deployed by it, even when what it
    holds is Applications, no root applied by hand; not ``own``: one inside the path it renders
    (a root managing itself) is no deployer of it, something applied it first."""
    rendered = repo.generated_paths()
    for f in repo.yaml_files():
        text = repo.text(f) or ""
        if "argoproj.io" not in text or "{{" in text:
            continue
        try:
            paths = {norm(a.path.lstrip("/")) for a in argocd_apps.sources(text, f) if a.path}
        except GitOpsBotError:
            continue
        rendered |= {p for p in paths if own or not f.startswith(f"{p}/" if p else "")}
    return rendered


# -- the stages an ApplicationSet generates --------------------------------------------------


def appset_stages(
    repo: RepoFiles, covered: set[str], taken: set[str], named: Collection[str] = ()
) -> list[RenderPath]:
    """The Applications an ApplicationSet generates, one per stage, each reading a values file
    of its own (``env/{{env}}.yaml``, ``$values/values/{{.env}}.yaml``, a git files generator's
    ``values-*.yaml``): an environment per generated Application, its path that file (the reader
    renders it over its chart), named by the file (``dev``) or the Application's environment
    word. Never one environment per destination cluster, which all stages may share. A name no
    stage's that ``named`` (the other candidates' names) holds is another app's: it takes its
    chart directory's name before it (``helm-example-tenant-a``). The files found join
    ``taken``."""
    out: list[RenderPath] = []
    said: set[str] = set()
    for f in repo.yaml_files():
        text = repo.text(f) or ""
        if not argocd_apps.is_appset(text) or repo.no_environment(f):
            continue
        try:
            generated = repo.generated(f)
        except GitOpsBotError:
            continue
        by_set: dict[str, list[argocd_appsets.Generated]] = {}
        for appset, app in generated:
            if not isinstance(app, str):
                by_set.setdefault(appset, []).append(app)
        for appset, apps in by_set.items():
            if _missing_values(repo, f, appset, apps):
                said.add(f)
            reads = [
                list(dict.fromkeys(v for s in a.sources for v in discovered_built.value_paths(repo, s)))
                for a in apps
            ]
            shared = set.intersection(*(set(r) for r in reads))
            if len(apps) < 2:
                continue  # one Application: its chart directory is found on its own
            found = 0
            for app, files in zip(apps, reads, strict=True):
                for v in (v for v in files if v not in shared and v not in covered):
                    name = name_of(v)
                    if rank_of(name) is None:
                        name = _env_word(app.name) or name
                    if rank_of(name) is None and any(same(name, n) for n in named):
                        name = f"{PurePosixPath(v).parent.name}-{name}"
                    how = f"Argo CD ApplicationSet {appset} in {f}: its Application {app.name} reads {v}"
                    out.append(RenderPath(v, safe_name(name), how))
                    taken.add(v)
                    said.add(f)
                    found += 1
            if found:
                _duplicates(repo, f, appset, [a.name for a in apps])
    # the generic "an ApplicationSet; ... not read" of those files says less than the above
    repo.appsets = {f: None for f in repo.appsets if f not in said}
    return out


def _missing_values(repo: RepoFiles, f: str, appset: str, apps: Sequence[argocd_appsets.Generated]) -> bool:
    """Generated Applications listing a values file of their chart in this repository that the
    repository does not hold (a list generator's tenants whose values-<tenant>.yaml were never
    added): helm fails on a missing values file, so they deploy nothing; said with the fix."""
    missing: dict[str, str] = {}
    for app in apps:
        for src in app.sources:
            if (
                src.ignore_missing
                or src.path is None
                or "{{" in src.path
                or norm(src.path.lstrip("/")) not in repo.dirs
            ):
                continue
            for name in src.value_files:
                rel = norm(f"{src.path.lstrip('/')}/{name}")
                if not name.startswith("$") and "{{" not in name and rel not in repo.files:
                    missing.setdefault(app.name, rel)
    if not missing:
        return False
    shown = ", ".join(f"{a} ({v})" for a, v in list(missing.items())[:4])
    more = f" and {len(missing) - 4} more" if len(missing) > 4 else ""
    repo.notes.append(
        f"{f}: ApplicationSet {appset}'s Applications {shown}{more} read values files the repository "
        "does not hold, and helm fails on a missing values file: they deploy nothing until the files "
        "are added (or the generator lists only what exists)"
    )
    return True


def _duplicates(repo: RepoFiles, f: str, appset: str, names: Sequence[str]) -> None:
    """Applications an ApplicationSet names alike: Argo CD's controller refuses to generate any
    of them (its ``contains applications with duplicate name`` error), which is said with the
    fix, while each is still taken for the environment its author meant."""
    # a name the repository cannot fill is kept as written, alike for all: no duplicate known
    twice = sorted({n for n in names if names.count(n) > 1 and "{{" not in n})
    if twice:
        repo.notes.append(
            f"{f}: ApplicationSet {appset} names {len(names)} Applications {', '.join(twice)}, and Argo CD "
            "generates none of them while two share a name; make its template's metadata.name "
            "differ per Application (from what tells them apart, a file's name or an element's value)"
        )


def _env_word(name: str) -> str | None:
    words = [w for w in re.split(r"[-_.]", name.lower()) if rank_of(w) is not None]
    return words[-1] if words else None


DEPLOYERS = frozenset(
    {
        ("argoproj.io", "Application"),
        ("argoproj.io", "ApplicationSet"),
        ("kustomize.toolkit.fluxcd.io", "Kustomization"),
        ("helm.toolkit.fluxcd.io", "HelmRelease"),
        ("kargo.akuity.io", "Stage"),
    }
)


def holds_deployers(repo: RepoFiles) -> bool:
    """Whether the repository holds an object saying what deploys (an Argo CD Application or
    ApplicationSet, a Flux Kustomization or HelmRelease, a Kargo Stage) outside its tests."""
    return bool(deployer_files(repo))


def deployer_files(repo: RepoFiles) -> list[str]:
    """The files holding an object saying what deploys, outside tests: found once a discovery
    (asked four times, each a parse of every file naming a deploy tool's API group, as an
    operator's 270 ClusterServiceVersions do)."""
    if repo.deployer_files is not None:
        return repo.deployer_files
    out = [f for f in repo.yaml_files() if not repo.no_environment(f) and _holds_deployer(repo, f)]
    repo.deployer_files = out
    return out


def _holds_deployer(repo: RepoFiles, f: str) -> bool:
    text = repo.text(f) or ""
    if not any(group in text for group, _ in DEPLOYERS):
        return False
    if (kinds := written_kinds(text)) is not None and not kinds & {k for _, k in DEPLOYERS}:
        return False
    return any((kind_of(d)[0].split("/", 1)[0], kind_of(d)[1]) in DEPLOYERS for d in repo.docs(f))


def _bootstrapped(repo: RepoFiles) -> list[str]:
    """The files under a bootstrap folder holding deploy objects: no environment is taken from
    them, but the root Applications an installer applies there (Terraform's, a script's) are what
    says which repository the workloads are pinned in."""
    return [
        f
        for f in repo.yaml_files()
        if repo.no_environment(f) and not repo.under_tests(f) and _holds_deployer(repo, f)
    ]


# A directory's name that says it holds manifests, not which app: the app is its parent's.
_GENERIC_DIRS = frozenset({"k8s", "kubernetes", "kube", "manifests", "deploy", "deployment", "yaml"})


def example_tops(repo: RepoFiles) -> set[str]:
    """The top folders (examples/, docs/, test/ and the like) holding every deploy object of the
    repository, where all of them lie in such folders; empty where one lies elsewhere (or at the
    root), or where there is none."""
    tops = {f.split("/", 1)[0] for f in deployer_files(repo) if "/" in f}
    if not tops or len(tops) < len({f.split("/", 1)[0] for f in deployer_files(repo)}):
        return set()  # one at the root, or none
    return tops if all(t.lower() in NOT_DEPLOYED_TOPS for t in tops) else set()


def beside_examples(repo: RepoFiles, found: Sequence[RenderPath]) -> list[RenderPath]:
    """Where every deploy object of the repository is an example's, a doc's or a test's (all of
    them under examples/, docs/, test/ and the like), they say nothing of the rest of it: its
    directories of plain manifests naming a workload that no candidate renders (``demo-app/k8s``,
    applied by a script's ``argocd app create``) are environments by shape, as in a repository
    holding no deploy object, each said as a guess. None where a deploy object lies elsewhere:
    then what none renders is deployed by nothing."""
    if not (tops := example_tops(repo)):
        return []
    reached = {d for c in found for d in dirs_reached(repo, c.path)} | {c.path for c in found}
    out = []
    for c in discovered_shapes.manifest_directories(repo):
        if c.path.split("/", 1)[0] in tops or any(_under(c.path, r) or _under(r, c.path) for r in reached):
            continue
        parts = PurePosixPath(c.path).parts
        name = parts[-2] if parts[-1].lower() in _GENERIC_DIRS and len(parts) > 1 else parts[-1]
        how = (
            f"plain manifests in {c.path} (they name a workload); a guess: the repository's Argo CD, "
            f"Flux and Kargo objects are all under {', '.join(f'{t}/' for t in sorted(tops))} and "
            "deploy none of it, so remove it if nothing deploys it"
        )
        out.append(RenderPath(c.path, safe_name(name), how))
    return out


def flux_releases(repo: RepoFiles, files: Sequence[str]) -> list[RenderPath]:
    """The folders of Flux HelmReleases where no other deploy object of the repository is
    (``files``: the files holding one): a Flux Kustomization from outside applies them, so they
    are one environment, ``default``, read through the releases' own values. Offered last."""
    dirs: dict[str, str] = {}
    for f in files:
        kinds = {(api.split("/", 1)[0], kind) for api, kind in map(kind_of, repo.docs(f))} & DEPLOYERS
        if kinds - {("helm.toolkit.fluxcd.io", "HelmRelease")}:
            return []  # an Application, a Flux Kustomization, a Stage: the repository says what deploys
        dirs.setdefault(norm(str(PurePosixPath(f).parent)), f)
    how = (
        "Flux HelmRelease in {f}: no Flux Kustomization of this repository applies it (one of another "
        "repository, or applied by hand, does): read through its own values"
    )
    return [RenderPath(d or ".", "default", how.format(f=f)) for d, f in sorted(dirs.items())]
