"""What is an environment, by shape: the candidate paths discovery (``gitops-bot init``) finds and
the name each stands for.

* Kustomize overlays: kustomizations no other kustomization includes, which include others
  (what each includes is the reader's :func:`~gitops_bot.render.reader.reach`);
* Flux ``Kustomization`` objects whose ``spec.path`` is a directory no overlay already covers;
* Argo CD ``Application`` files whose source is a chart or a plain directory of the repository
  (an Application over an overlay is that overlay);
* per-environment Helm values files (``values-prod.yaml``, ``prod-values.yaml``,
  ``env/prod/values.yaml``).

What no deploy object says (plain manifests, charts nothing holds) is guessed in
:mod:`~gitops_bot.engine.discovered_shapes`."""

from __future__ import annotations

import os
import re
from collections.abc import Collection, Sequence
from pathlib import Path, PurePosixPath
from typing import Any
from urllib.parse import urlsplit

from gitops_bot.core import log
from gitops_bot.core.errors import GitOpsBotError
from gitops_bot.core.record import record
from gitops_bot.engine import discovered_built, pushed_artifacts
from gitops_bot.engine.placeholder_urls import EXAMPLE_URL, example_url
from gitops_bot.engine.promotion_order import WORDS, kind_of, rank_of, same
from gitops_bot.engine.repository_files import (
    YAML,
    RepoFiles,
    aggregate,
    as_map,
    bundle_input,
    files_of,
    kustomization_dirs,
    norm,
)
from gitops_bot.manifests import argocd_apps, may_name, written_kinds
from gitops_bot.manifests.charts_refs import is_exact, one_version, repository_key
from gitops_bot.manifests.kustomize import KUSTOMIZATION_NAMES
from gitops_bot.policy.ranges import is_range
from gitops_bot.render.deployers import repo_key

RESERVED = frozenset({"promotion", "rollback", "hold", "freeze"})  # names an environment cannot take


VALUES_NAME = re.compile(r"^(?:values[-_.](?P<a>.+)|(?P<b>.+?)[-_.]values)$")
# words a file's name says what the file is by (dev-application.yaml, prod-helmrelease.yaml):
# the environment is the rest of it
_KIND_WORDS = frozenset(
    {
        "application",
        "applications",
        "app",
        "apps",
        "argocd",
        "argo",
        "appset",
        "applicationset",
        "helmrelease",
    }
)


@record
class RenderPath:
    """One path that renders an environment, and how it was found."""

    path: str
    name: str
    how: str
    guess: str = ""  # why its name is a guess, when one is


@record
class FoundEnvironment:
    name: str
    paths: tuple[str, ...]
    how: tuple[str, ...]  # one line per path: what it is
    promote_from: str | None = None
    order: str = ""  # where the promotion order came from, in words ("" for the first)
    branch: str | None = None  # the branch its deploy tool renders it from, when not the checkout's
    branch_how: str = ""  # what said so
    asked: tuple[str, ...] = ()  # what the repository leaves open about it
    cluster: str = ""  # why it is one cluster's own environment (split by cluster, or named after one)


def name_of(path: str) -> str:
    """The environment a path stands for: its deepest part named like an environment
    (``overlays/homelab/dev/frontend`` is dev; of several folders each a stage's word, the one
    nearest the root: ``clusters/production/apps/live`` is production), else its last part
    unless that says only what the folder holds (``operator/config``: default); a values file
    by the environment in its name (``values-prod.yaml``, ``prod-eu-values.yaml``)."""
    p = PurePosixPath(path)
    parts = list(p.parts)
    if p.suffix in YAML:
        stem = p.stem
        m = VALUES_NAME.match(stem)
        parts = [*parts[:-1], (m.group("a") or m.group("b")) if m else _without_kind(stem)]
        if stem == "values" and len(parts) > 1:
            parts = parts[:-1]
    # several folders each a stage's word alone (clusters/production/apps/live/temp): the one
    # nearest the root is the stage, the deeper ones name what it deploys (an app called live)
    stages = [s for s in parts if s.lower() in WORDS]
    if len(stages) > 1 and p.suffix not in YAML:
        return safe_name(stages[0])
    for part in reversed(parts):
        # a dotted directory names a host or a cluster (local.home, aws.cluster), never the
        # environment its usual word would make it
        if rank_of(part) is not None and "." not in part:
            return safe_name(part)
    # overlays/<variant>/<component>: kustomize's variants (a cluster) sit right under overlays/,
    # the folders below one are its parts (cluster-01/longhorn beside cluster-02/longhorn)
    low = [x.lower() for x in parts[:-2]]
    if "overlays" in low:
        return safe_name(parts[low.index("overlays") + 1])
    # a folder named for what it holds (operator/config, deploy/kubernetes) names no stage:
    # the environment is the repository's one, not "config"
    if not parts or parts[-1].lower() in GENERIC_DIRS:
        return "default"
    return safe_name(parts[-1])


# Directory names that say a folder holds manifests or configuration, not which environment.
GENERIC_DIRS = frozenset(
    {
        *("config", "configs", "configuration", "deploy", "deployment", "deployments", "manifests"),
        *("k8s", "kubernetes", "kube", "kustomize", "overlays", "base", "yaml", "default", "install"),
    }
)


def _without_kind(stem: str) -> str:
    """A file's name without the words saying what kind of file it is, when a stage's word
    is left (``dev-application``: dev); as it is otherwise."""
    words = re.split(r"[-_.]", stem)
    kept = [w for w in words if w.lower() not in _KIND_WORDS]
    return "-".join(kept) if kept != words and rank_of("-".join(kept)) is not None else stem


def safe_name(name: str) -> str:
    name = re.sub(r"[^A-Za-z0-9_.-]", "-", name).strip("-") or "default"
    return f"{name}-env" if name in RESERVED else name


def overlays(repo: RepoFiles, deployed: Collection[str] = ()) -> list[RenderPath]:
    """Kustomizations nothing else includes: those including others (an overlay), and those
    named like an environment on their own (a flat ``environments/dev`` layer). What a test
    fixture includes is still an environment's own: a fixture is nobody's overlay; what only
    sums the stages is none, unless a deploy object renders it (``deployed``: its paths)."""
    dirs = [d for d in kustomization_dirs(repo) if not repo.no_environment(d)]
    included: set[str] = set()
    bundles: set[str] = set()
    includes: dict[str, set[str]] = {}
    files: dict[str, list[Path]] = {}
    unread: set[str] = set()
    for d in dirs:
        try:
            reached = repo.reach(repo.root / d)
        except GitOpsBotError as e:
            # one bad kustomization (a key written twice) is said with its fix and left out: the
            # rest of the repository is still read and offered
            repo.notes.append(f"{e} (so {norm(d)} is no environment until it is fixed)")
            unread.add(norm(d))
            continue
        files[norm(d)] = list(reached.files)
        inner = {
            norm(str(PurePosixPath(Path(os.path.relpath(f, repo.root)).as_posix()).parent))
            for f in reached.files
            if f.name in KUSTOMIZATION_NAMES
        } - {norm(d)}
        includes[norm(d)] = inner
        if (why := bundle_input(repo, norm(d), files[norm(d)])) is not None:
            # operator-sdk's make bundle builds it into a bundle; what it includes deploys
            repo.notes.append(
                f"{norm(d)}: a bundle's input ({why}, which make bundle builds), not an environment; "
                "what it includes is read as deployed (a guess)"
            )
            bundles.add(norm(d))
            continue
        if norm(d) not in deployed and (stages := aggregate(repo, norm(d))) is not None:
            said = norm(d) or "the root kustomization"
            repo.notes.append(
                f"{said}: its resources are the environments {' and '.join(stages)} and nothing else "
                "(building it builds them together), not an environment; each is read on its own"
            )
            bundles.add(norm(d))
            continue
        included |= inner
    out = []
    lone: list[str] = []  # including nothing, named as no environment: kept if beside an overlay
    for d in dirs:
        nd = norm(d)
        if nd in included or nd in unread:
            continue
        if not includes.get(nd) and rank_of(PurePosixPath(nd).name) is None:
            lone.append(nd)
            continue
        if nd in bundles or any(
            kind_of(doc)[1] == "Component" for f in KUSTOMIZATION_NAMES for doc in repo.docs(f"{d}/{f}")
        ):
            continue
        if repo.tool_setup(files[nd]):
            repo.notes.append(f"{nd}: {TOOL_SETUP}")
            continue
        if includes.get(nd):
            bases = ", ".join(sorted(includes[nd])[:3])
            out.append(RenderPath(nd, name_of(nd), f"Kustomize overlay {nd or '.'} (builds on {bases})"))
        elif (why := discovered_built.builds_nothing(repo, nd, files[nd])) is not None:
            repo.not_read(nd, why)
        else:
            out.append(RenderPath(nd, name_of(nd), f"Kustomize directory {nd} (named as an environment)"))
    # one beside overlays (overlays/<cluster>/<component>, its own helmCharts) is built as they are
    beside = {PurePosixPath(c.path).parent for c in out if "overlays" in PurePosixPath(c.path).parent.parts}
    for nd in lone:
        component = any(
            kind_of(doc)[1] == "Component" for f in KUSTOMIZATION_NAMES for doc in repo.docs(f"{nd}/{f}")
        )
        if PurePosixPath(nd).parent in beside and not component and not repo.tool_setup(files[nd]):
            out.append(RenderPath(nd, name_of(nd), f"Kustomize directory {nd} (beside the overlays there)"))
    inside = {i for d in deployed for i in includes.get(norm(d), ())}  # applied with what deploys it
    return out + _namespaced_bases(repo, sorted(included & {norm(d) for d in dirs} - inside), out)


# said of a kustomization of deployer objects alone; where a Flux cluster applies it, it is the
# cluster's (discovered_clusters): said of it no more
TOOL_SETUP = "renders Argo CD or Flux objects and no workload (a cluster's bootstrap), not an environment"


def _namespaced_bases(repo: RepoFiles, bases: Sequence[str], found: Sequence[RenderPath]) -> list[RenderPath]:
    """A base whose own ``namespace:`` names an environment no overlay is named for (``base/`` with
    ``namespace: development`` under ``prod/``), that nothing deployed includes: applied on its own."""
    out: list[RenderPath] = []
    for b in bases:
        ns = next((d.get("namespace") for f in KUSTOMIZATION_NAMES for d in repo.docs(f"{b}/{f}")), None)
        if not isinstance(ns, str) or rank_of(ns) is None or any(same(c.name, ns) for c in [*found, *out]):
            continue
        out.append(RenderPath(b, safe_name(ns), f"Kustomize base {b} (namespace {ns}: applied on its own)"))
    return out


def flux(repo: RepoFiles, covered: set[str]) -> list[RenderPath]:
    out = []
    for f in repo.yaml_files():
        text = repo.text(f) or ""
        if "kustomize.toolkit.fluxcd.io" not in text or repo.no_environment(f):
            continue
        for doc in repo.docs(f):
            api, kind = kind_of(doc)
            if kind != "Kustomization" or not api.startswith("kustomize.toolkit.fluxcd.io"):
                continue
            spec: dict[str, Any] = doc["spec"] if isinstance(doc.get("spec"), dict) else {}
            path, held = norm(str(spec.get("path") or "").lstrip("/")), ""
            ref: dict[str, Any] = spec["sourceRef"] if isinstance(spec.get("sourceRef"), dict) else {}
            pushed = pushed_artifacts.read(repo, ref, path)
            if not isinstance(pushed, pushed_artifacts.Read):
                if pushed_artifacts.unread(repo, f, doc, path, pushed or ""):
                    continue
            else:  # an artifact this repository's CI pushes: its directory here is the path
                path, held = pushed.directory, f"{path} {pushed.via}, here {pushed.directory}"
            if path and path not in repo.dirs:
                name = str(as_map(doc.get("metadata")).get("name") or "")
                source = (
                    f"{ref.get('kind', 'a source')} {ref.get('name', '')}".strip()
                    if ref
                    else _patched_source(repo, f, name)
                )
                why = pushed if isinstance(pushed, str) else ""  # why an artifact is not this one's
                repo.notes.append(
                    f"{f}: Flux Kustomization's path {path} is not in the repository "
                    f"(it reads {source}{why}), not read"
                )
                continue
            if path in covered or path == "":
                continue  # an overlay found already (or the whole repository: not one environment)
            if repo.no_environment(path):
                continue  # a test's: what it points at is found on its own
            # overlays below it found already, or Flux's own sync objects: what they point at is
            # found on its own; but a folder holding the chart sources its releases name is kept
            files = files_of(repo, path)
            below = any(c.startswith(path + "/") for c in covered)
            if (below or repo.tool_setup(files)) and not repo.holds_sources(files):
                continue
            name = str(as_map(doc.get("metadata")).get("name") or "")
            env = next(
                (
                    n
                    for n in (name_of(path), name_of(str(PurePosixPath(f).parent)), name)
                    if rank_of(n) is not None
                ),
                name_of(str(PurePosixPath(f).parent)),
            )
            # how an artifact is this repository's is said once, by discovery
            out.append(
                RenderPath(path, safe_name(env), f"Flux Kustomization {name} in {f} (path {held or path})")
            )
    return out


def _patched_source(repo: RepoFiles, patch: str, name: str) -> str:
    """The source of the Flux Kustomization a patch (no ``sourceRef`` of its own) changes: the
    one of that name elsewhere in the repository, and its GitRepository's branch and URL, so the
    line names where the path is (another branch, another repository)."""
    for f in repo.yaml_files():
        text = repo.text(f) or ""
        if f == patch or "sourceRef" not in text or "kustomize.toolkit.fluxcd.io" not in text:
            continue
        docs = [d for d in repo.docs(f) if isinstance(d, dict)]
        for doc in docs:
            spec = as_map(doc.get("spec"))
            ref = as_map(spec.get("sourceRef"))
            named = as_map(doc.get("metadata")).get("name") == name
            if kind_of(doc)[1] != "Kustomization" or not named or not ref:
                continue
            kind, source = str(ref.get("kind") or "GitRepository"), str(ref.get("name") or "")
            said = f"{kind} {source}"
            for other in repo.yaml_files():
                for d in repo.docs(other) if "source.toolkit.fluxcd.io" in (repo.text(other) or "") else []:
                    if not isinstance(d, dict) or kind_of(d)[1] != kind:
                        continue
                    if as_map(d.get("metadata")).get("name") != source:
                        continue
                    s = as_map(d.get("spec"))
                    branch = as_map(s.get("ref")).get("branch")
                    url = log.without_userinfo(str(s.get("url") or ""))
                    where = f"branch {branch} of {url}" if branch else url
                    return f"{said}, {where}, at {f}" if where else f"{said}, at {f}"
            return f"{said}, at {f}"
    return "a source"


def applications(
    repo: RepoFiles, covered: set[str], charts: set[str], taken: set[str] | None = None
) -> list[RenderPath]:
    """``taken``: the values files the Applications found list (they are those environments')."""
    out = []
    built, applied = discovered_built.kustomized(repo), discovered_built.applied(repo)
    for f in repo.yaml_files():
        text = repo.text(f) or ""
        # a bootstrap/ folder's roots stay roots; its plain Applications of an app deploy their paths
        boot = repo.no_environment(f) and not repo.under_tests(f)
        if not may_name(text, "argoproj.io") or repo.under_tests(f) or (boot and "ApplicationSet" in text):
            continue
        if "kind: Application" in text and (why := discovered_built.unapplied(built, applied, f)):
            repo.not_read(f, why)
            continue
        if (kinds := written_kinds(text)) is not None and not kinds & {"Application", "ApplicationSet"}:
            continue  # argoproj.io named otherwise (an operator's owned definitions)
        if "ApplicationSet" in text and any(kind_of(d)[1] == "ApplicationSet" for d in repo.docs(f)):
            repo.appsets[f] = None
        if repo.chart_template(f):
            continue  # an app of apps' template: read through the chart's root, never an environment alone
        if (apps := discovered_built.sources(repo, f, text)) is None:
            continue
        discovered_built.track(repo, f, built)
        apart = _set_apart([a.application for a in apps if a.path is not None])
        for app in apps:
            if app.path is None or discovered_built.elsewhere_with_values_here(repo, app):
                if not boot and (chart := _external_chart(repo, f, app, covered)) is not None:
                    out.append(chart)
                continue
            path = norm(app.path)
            held = held_copy(repo, app.repo_url, path) if path not in repo.dirs else None
            path = held or path
            if path not in repo.dirs or path in covered or repo.no_environment(path):
                continue
            if not path and repo.origin and app.repo_url and repo_key(app.repo_url) != repo.origin:
                continue  # another repository's root, said as rendering it (deployers.elsewhere)
            # path: . (the repository's root, normalised to "") holds every file of it
            prefix = f"{path}/" if path else ""
            inside = [g for g in repo.yaml_files() if g.startswith(prefix)]
            # Argo CD reads subdirectories only with directory.recurse: k8s/argocd/ in k8s/ is no app of apps
            deployed = (
                inside
                if _recurses(repo, f, app.application)
                else [g for g in inside if "/" not in g[len(prefix) :]]
            )
            if any(f"{prefix}{k}" in repo.files for k in KUSTOMIZATION_NAMES):
                # kustomize builds what its kustomization reaches, not every file beside it: an
                # Application kept there (lastsignal/application.yml, path lastsignal) is not built
                deployed = [
                    p.relative_to(repo.root).as_posix()
                    for p in files_of(repo, path)
                    if p.is_relative_to(repo.root)
                ]
            if not inside or (path not in charts and _app_of_apps(repo, deployed, path)):
                continue
            if taken is not None:
                taken |= {norm(f"{path}/{v}") for v in app.value_files if not v.startswith("$")}
            name = name_of(f) if env_word(name_of(f)) is not None else env_word(app.application)
            name = name or apart.get(app.application)
            guessed = "" if name else _destination(repo, f, app.application)
            name = name or destined(guessed) or name_of(f)
            how = f"Argo CD Application {app.application} in {f} (path {path})"
            if held:  # the Application reads the other repository: the copy here is the path
                url = log.without_userinfo(app.repo_url)
                how = f"Argo CD Application {app.application} in {f} (path {app.path} of {url}, here {held})"
            out.append(RenderPath(held or f, safe_name(name), how, _destined_said(guessed)))
    return out


def held_copy(repo: RepoFiles, url: str, path: str) -> str | None:
    """The directory of this repository holding ``path`` of the repository ``url`` names, when
    this one keeps a copy of it as a subdirectory named after it (``demo-app-manifests/`` for
    ``.../demo-app-manifests``, an Azure DevOps repository mirrored here): what the Application
    deploys, read here; None when no such copy holds the path."""
    name = url.strip().rstrip("/").removesuffix(".git").rsplit("/", 1)[-1].rsplit(":", 1)[-1]
    if not name or "{{" in url or "{{" in path or not path or path == "." or path.startswith(".."):
        return None  # (a path climbing out of the copy is none of its directories)
    held = sorted(d for d in repo.dirs if PurePosixPath(d).name == name and norm(f"{d}/{path}") in repo.dirs)
    return norm(f"{held[0]}/{path}") if len(held) == 1 else None


def _external_chart(
    repo: RepoFiles, f: str, app: argocd_apps.AppSource, covered: set[str]
) -> RenderPath | None:
    """An Application whose source is a chart of a Helm repository: the file itself is where
    the chart's version is written, so it is an environment of its own (its path the file, the
    chart configured) unless something found already renders the file; a range Helm resolves
    is said, not configured."""
    chart = app.chart or app.path  # a chart of a Helm repository, or a directory of a git one
    if not chart or "{{" in chart or "{{" in app.repo_url or not app.repo_url:
        return None
    if any(f == c or f.startswith(c.rstrip("/") + "/") or c in ("", ".") for c in covered):
        return None
    url = repository_key(log.without_userinfo(app.repo_url))
    # a documentation template's chart (my-chart of charts.example.com): no registry answers for it
    if example_url(url) and re.fullmatch(r"(?:my|your|example|sample)[-_]?chart|chart[-_]?name", chart):
        said = f"{app.chart} {app.revision}" if app.revision else app.chart
        at = f"{f}:{app.line}: Argo CD Application {app.application}"
        repo.notes.append(f"{at} renders chart {said} of {url}, {EXAMPLE_URL}")
        return None
    # a value another tool writes (Kargo's 'placeholder' until a Stage promotes); a git branch is none
    if app.chart and app.revision and not is_exact(app.revision) and not is_range(app.revision):
        repo.notes.append(
            f"{f}:{app.line}: Argo CD Application {app.application} renders chart {app.chart} of "
            f"{url}: its targetRevision {app.revision!r} is not a chart version (neither exact nor "
            "a semver range)"
        )
        return None
    if app.chart and (one := one_version(app.revision)) is not None:
        repo.notes.append(
            f"{f}:{app.line}: Argo CD Application {app.application} renders chart {app.chart} {one} "
            f"of {url}, written as a constraint ({app.revision!r}), which the bot does not edit: write "
            f"it bare there ({one}) to have the bot release it"
        )
        return None
    # a range Helm resolves as it installs (1.x.x): the chart is said where charts are read; the
    # Application is still what deploys the environment, and its values' images are read
    name = name_of(f) if rank_of(name_of(f)) is not None else env_word(app.application)
    guessed = "" if name else _destination(repo, f, app.application)
    return RenderPath(
        f,
        safe_name(name or destined(guessed) or name_of(f)),
        f"Argo CD Application {app.application} in {f} ("
        + (f"chart {app.chart} {app.revision}" if app.chart else f"chart at {app.path}, its values here,")
        + f" of {url})",
        _destined_said(guessed),
    )


# Argo CD's own names for the cluster it runs in
_IN_CLUSTER = ("kubernetes.default.svc", "kubernetes.default.svc.cluster.local")


def _destination(repo: RepoFiles, f: str, application: str) -> str:
    """The cluster an Application deploys to, as its destination names it (``name:``, else
    ``server:``); "" where it names none or a template does."""
    for doc in repo.docs(f):
        if kind_of(doc)[1] != "Application" or as_map(doc.get("metadata")).get("name") != application:
            continue
        dest = as_map(as_map(doc.get("spec")).get("destination"))
        for key in ("name", "server"):
            value = dest.get(key)
            if isinstance(value, str) and value.strip() and "{{" not in value and "$" not in value:
                return value.strip()
    return ""


def destined(destination: str) -> str:
    """The environment a destination names: Argo CD's in-cluster for its own cluster, a server's
    host's first label (https://prod.k8s.example.com: prod), a cluster's name as it is."""
    if "://" not in destination:
        return destination
    host = urlsplit(destination).hostname or ""
    if host in _IN_CLUSTER:
        return "in-cluster"
    return host if host.replace(".", "").isdigit() else host.split(".", 1)[0]


def _destined_said(destination: str) -> str:
    """The guess line of an environment named after its Applications' destination."""
    if not destination:
        return ""
    placeholder = (
        ", a placeholder another tool fills (this repository is a template: run init in the one it renders)"
        if re.fullmatch(r"\s*<[^<>]+>\s*", destination)
        else ""
    )
    return (
        f"named after the cluster its Applications deploy to (destination {destination}{placeholder}): "
        "neither their files nor their names name an environment, and Applications deploying to one "
        "cluster are one environment; rename it as you call that cluster"
    )


def pins_a_chart(how: str) -> bool:
    """A candidate found as an Application of a chart (:func:`_external_chart`): it releases
    the chart's version even when it renders none of the images found."""
    return how.startswith("Argo CD Application ") and " (chart " in how


def _set_apart(names: Sequence[str]) -> dict[str, str]:
    """Applications of one file over paths of their own, one app's variants (``demo-app-manual``,
    ``demo-app-auto-sync``): each name's words after those all share (``manual``, ``auto-sync``),
    one environment each, where the file's name would make them one. Empty for one name, or
    names sharing no first word (two apps, ``front`` and ``back``, of one environment)."""
    words = {n: re.split(r"[-_.]", n.lower()) for n in dict.fromkeys(names)}
    if len(words) < 2:
        return {}
    shared = 0
    while all(
        len(w) > shared + 1 and w[shared] == next(iter(words.values()))[shared] for w in words.values()
    ):
        shared += 1
    apart = {n: "-".join(w[shared:]) for n, w in words.items()}
    return apart if shared and len(set(apart.values())) == len(apart) else {}


def env_word(name: str) -> str | None:
    """The environment a name ends in (``guestbook-prod``: prod), else starts with; a stage word
    inside an app's name (``remote-dev-vm``) is the app's, not an environment's."""
    words = re.split(r"[-_.]", name.lower())
    return next((w for w in (words[-1], words[0]) if w in WORDS), None)


def _recurses(repo: RepoFiles, rel: str, name: str) -> bool:
    """Whether the Application ``name`` of ``rel`` reads its path's subdirectories
    (``directory.recurse``, in its source or any of its sources)."""
    for doc in repo.docs(rel):
        meta, spec = doc.get("metadata"), doc.get("spec")
        if not isinstance(meta, dict) or meta.get("name") != name or not isinstance(spec, dict):
            continue
        for src in argocd_apps.parsed_sources(spec):
            directory = src.get("directory")
            if isinstance(directory, dict) and directory.get("recurse") is True:
                return True
    return False


def _app_of_apps(repo: RepoFiles, files: Sequence[str], path: str) -> bool:
    """A directory of Applications (an app of apps) deploys other environments, it is none. An
    Application kept in the directory it deploys (a self-managed app: Argo CD applies it beside
    the workloads) makes no app of apps: it yields nothing but itself."""
    for f in files:
        text = repo.text(f) or ""
        if "argoproj.io" not in text or "Application" not in text:
            continue
        try:
            apps = argocd_apps.sources(text, f)
        except GitOpsBotError:
            return True
        # a file naming Argo CD's kinds in its text alone (Argo CD's own chart values) holds none
        if not apps and any(kind_of(d)[1].startswith("Application") for d in repo.docs(f)):
            return True
        if any(a.path is None or norm(a.path) != path for a in apps):
            return True
    return False


def values_files(repo: RepoFiles, taken: set[str], deployed: set[str]) -> list[RenderPath]:
    out = []
    for f in repo.yaml_files():
        p = PurePosixPath(f)
        if f in taken or "templates" in p.parts or p.name in KUSTOMIZATION_NAMES or repo.no_environment(f):
            continue
        if repo.vendored(f):  # a dependency's or chart-testing's values: the chart's upstream's
            continue
        if any(f.startswith(d + "/") for d in deployed):
            # a chart an ApplicationSet here deploys takes the value files its generated
            # Applications name: another file in it (another cluster's) is no environment
            continue
        m = VALUES_NAME.match(p.stem)
        if m is not None:
            env = m.group("a") or m.group("b")
        elif p.stem == "values" and len(p.parts) > 1 and rank_of(p.parent.name) is not None:
            if f"{p.parent}/Chart.yaml" in repo.files:
                continue
            env = p.parent.name
        else:
            continue
        if rank_of(env) is None:
            continue
        docs = repo.docs(f)
        if any(kind_of(d)[1] for d in docs):  # an object, not values
            continue
        out.append(RenderPath(f, safe_name(name_of(f)), f"Helm values file {f}"))
    return out
