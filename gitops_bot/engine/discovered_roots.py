"""What deploys the repository, where one Argo CD does it all: a root Application (nothing of the
repository deploys it) whose path holds Applications and ApplicationSets, every one of them
deploying to the one cluster the root runs in. That cluster is one environment: its paths are the
files the root deploys (each Application followed, each ApplicationSet's generated Applications
read), never the app folders their generators name, which are no stages (``my-apps/development``
is a kind of app there, ``frigate`` an app). And where every deploy object of the repository is
an example's (all under examples/, docs/), what they render is an example: a guess, said so."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import replace
from pathlib import PurePosixPath

from gitops_bot.core.errors import GitOpsBotError
from gitops_bot.engine import deployers
from gitops_bot.engine.candidates import VALUES_NAME, FoundEnvironment, RenderPath, name_of, safe_name
from gitops_bot.engine.promotion_order import WORDS, kind_of, rank_of
from gitops_bot.engine.repository_files import RepoFiles, as_map, files_of, norm
from gitops_bot.manifests import argocd_apps, kustomize
from gitops_bot.manifests.kustomize import KUSTOMIZATION_NAMES as KNAMES
from gitops_bot.render.walk import YAML_SUFFIXES

_ASIDE = deployers.NOT_DEPLOYED_TOPS | {"contrib"}
_IN_CLUSTER = ("https://kubernetes.default.svc", "https://kubernetes.default.svc.cluster.local", "in-cluster")


def one_cluster(repo: RepoFiles, found: Sequence[RenderPath]) -> list[RenderPath]:
    """``found`` with every candidate the one root deploys replaced by the files it deploys,
    one environment named after their cluster; ``found`` as it is where no single root deploys
    ApplicationSets, where they deploy to several clusters (or one a template fills), or where the
    candidates it covers are named as two stages (``dev`` and ``prod`` Applications side by side in
    one cluster stay two environments)."""
    roots = [r for r in _roots(repo) if r[3]]
    if len(roots) != 1:
        return list(found)
    root, app, path, children = roots[0]
    destinations: set[str] = set()
    deployed: set[str] = set()
    for f in children:
        got = _deploys(repo, f)
        if got is None:
            return list(found)
        destinations |= got[0]
        deployed |= got[1]
    if len(destinations) != 1:
        return list(found)
    covered = [c for c in found if c.path in (root, *children) or any(_under(c.path, d) for d in deployed)]
    name = _cluster_name(covered, destinations)
    if name is None:
        return list(found)
    (destination,) = destinations
    guess = (
        f"named after the cluster every Application {root} deploys goes to (destination {destination}): "
        "one Argo CD deploying to one cluster is one environment; rename it as you call that cluster"
    )
    for f in children:
        repo.appsets.pop(f, None)  # read as a path of the environment: its Applications are
    ours = [
        RenderPath(
            f,
            name,
            f"{f}, deployed by the Argo CD app of apps {app} in {root} (path {path})",
            guess,
        )
        for f in children
    ]
    return [*ours, *(c for c in found if c not in covered)]


def _cluster_name(covered: Sequence[RenderPath], destinations: set[str]) -> str | None:
    """The one environment of the candidates an app of apps covers, named after the one cluster
    its Applications deploy to; None where they deploy to several, or the candidates are named
    as two stages: a stage's own word as a folder or a name (overlays/dev, prod), never a word
    inside an app's name (restore-canary), whatever cluster they share."""
    words = {w.lower() for c in covered for w in (*PurePosixPath(c.path).parts, c.name)}
    if len(destinations) != 1 or len({WORDS[w] for w in words if w in WORDS}) > 1:
        return None
    (destination,) = destinations
    return (
        "in-cluster" if destination in _IN_CLUSTER else safe_name(destination.split("://")[-1].split(".")[0])
    )


def applied_by_hand(repo: RepoFiles, found: Sequence[RenderPath], rooted: bool) -> list[RenderPath]:
    """``found`` with the candidates each kustomization of Argo CD Applications or
    ApplicationSets reaches replaced by it, where nothing of the repository builds or renders
    it: the root of an app of apps applied by hand (``kubectl apply -k``, a cluster's Argo CD
    bootstrapped), one environment, read as Argo CD applies what it builds. One such root is
    named after the one cluster its Applications deploy to; several (clusters/<name>/, each its
    cluster's) by their folders. An Application file no root builds is applied by nothing here:
    said, not an environment. ``found`` as it is where there is no such root, or a root's
    Applications deploy to several clusters, or the candidates it covers are named as two stages."""
    if rooted:  # an Application of the repository renders its apps of apps: those are its roots
        return list(found)
    kdirs = {norm(PurePosixPath(f).parent.as_posix()) for f in repo.files if PurePosixPath(f).name in KNAMES}
    built = {r for d in kdirs for r in deployers.dirs_reached(repo, d) if r != d}
    rendered = deployers.app_paths(repo)
    roots = []
    for d in sorted(kdirs - built):
        if any(_under(d, r) for r in rendered) or repo.no_environment(f"{d}/kustomization.yaml"):
            continue
        files = _files(repo, d)
        held = [g for g in files if _kinds(repo, g) & {"Application", "ApplicationSet"}]
        # an app's folder building its own Applications is no root: a root deploys the apps of
        # other folders (jomcgi/homelab's projects/home-cluster), or an ApplicationSet's
        sets = any("ApplicationSet" in _kinds(repo, g) for g in held)
        roots += [(d, files, held)] if sets or len({PurePosixPath(g).parent for g in held}) > 1 else []
    # several: a tool's extras and examples (contrib/, docs/) beside the clusters' own are not theirs
    roots = [r for r in roots if r[0].split("/", 1)[0].lower() not in _ASIDE] if len(roots) > 1 else roots
    ours: list[RenderPath] = []
    covered: list[RenderPath] = []
    reached: set[str] = set()  # the directories the roots deploy
    for root, files, held in roots:
        destinations: set[str] = set()
        deployed = {norm(PurePosixPath(f).parent.as_posix()) for f in files}
        for f in held:
            if (got := _deploys(repo, f)) is None:
                return list(found)
            destinations |= got[0]
            deployed |= {r for d in got[1] for r in (d, *deployers.dirs_reached(repo, d))}
        mine = [c for c in found if c.path in (root, *files) or any(_under(c.path, d) for d in deployed)]
        name = _cluster_name(mine, destinations)
        if name is None:
            return list(found)
        (destination,) = destinations
        named = f"the cluster every Application {root} builds deploys to (destination {destination})"
        if len(roots) > 1:  # each root its cluster's Argo CD: named by its folder
            name = safe_name(PurePosixPath(root).name)
            named = f"its folder, one of {len(roots)} kustomizations of Applications applied by hand"
        how = (
            f"{deployers.APP_OF_APPS} {root}: a kustomization of Applications that nothing here builds or "
            f"renders, so guessed applied by hand (kubectl apply -k {root})"
        )
        guess = (
            f"named after {named}: one Argo CD deploying to one cluster is one environment; rename it as "
            "you call that cluster"
        )
        repo.notes[:] = [n for n in repo.notes if not n.startswith(f"{root}: ")]
        ours.append(RenderPath(root, name, how, guess))
        covered += mine
        reached |= deployed
    if not ours:
        return list(found)
    out = list(ours)
    beside = {PurePosixPath(d).parent for d in reached} - {PurePosixPath(".")}
    for c in found:
        if c in covered:
            continue
        if PurePosixPath(c.path).parent in beside and not c.path.endswith(YAML_SUFFIXES):
            repo.notes.append(
                f"{c.path}: nothing in this repository deploys it, where {', '.join(r.path for r in ours)} "
                "(applied by hand) deploy those beside it; not an environment (add it by hand if something "
                "outside the repository deploys it)"
            )
            continue
        if c.path.endswith(YAML_SUFFIXES) and "Application" in _kinds(repo, c.path):
            repo.notes.append(
                f"{c.path}: an Application no kustomization applied by hand builds "
                f"({', '.join(r.path for r in ours)} build the others); not an environment (add it by "
                "hand if it is applied too)"
            )
            continue
        out.append(c)
    return out


def inside_roots(
    repo: RepoFiles, envs: Sequence[FoundEnvironment], rendered: Mapping[str, Sequence[str]]
) -> list[FoundEnvironment]:
    """``envs`` without each one an app of apps applied by hand (a chart or a kustomization of
    Applications) deploys whole: everything it renders, the root renders too (k8s/argocd's app
    of apps yields k8s/apps, whose Application files were an environment of their own), so
    one cluster was read twice and every pin the two share skipped. Said, not configured."""
    roots = [e for e in envs if any(h.startswith(deployers.APP_OF_APPS) for h in e.how)]
    out = []
    for e in envs:
        mine = set(rendered.get(e.name, ()))
        by = next((r for r in roots if r is not e and mine and mine <= set(rendered.get(r.name, ()))), None)
        if by is None:
            out.append(e)
            continue
        repo.notes.append(
            f"{', '.join(e.paths[:3])}: deployed by the app of apps {by.paths[0]} (environment {by.name}), "
            "which renders all it renders; not an environment of its own"
        )
    return out


def app_of_apps(repo: RepoFiles) -> bool:
    """Whether an Application or ApplicationSet nothing of the repository deploys renders a folder
    of it holding other Applications: that root says which Application files deploy."""
    return any(r[3] for r in _roots(repo, every=True))


def _roots(repo: RepoFiles, every: bool = False) -> list[tuple[str, str, str, list[str]]]:
    """Each Application of the repository (an ApplicationSet's generated ones too) whose path
    (this repository's) deploys files holding ApplicationSets, and that no other Application's
    path reaches: (its file, its name, its path, the files of its path holding Applications or
    ApplicationSets), those holding an ApplicationSet only when one does (or ``every``)."""
    out: list[tuple[str, str, str, list[str]]] = []
    reached: set[str] = set()
    for f in repo.yaml_files():
        text = repo.text(f) or ""
        if "argoproj.io" not in text or "kind: Application" not in text or repo.no_environment(f):
            continue
        try:
            apps = argocd_apps.sources(text, f)
            apps += [s for _, made in repo.generated(f) if not isinstance(made, str) for s in made.sources]
        except GitOpsBotError:
            continue
        for a in apps:
            if a.path is None or "{{" in a.path or (path := norm(a.path.lstrip("/"))) not in repo.dirs:
                continue
            files = _files(repo, path)
            reached |= set(files)
            held = [g for g in files if g != f and _kinds(repo, g) & {"Application", "ApplicationSet"}]
            sets = [g for g in held if "ApplicationSet" in _kinds(repo, g)]
            out.append((f, a.application, path, held if sets or every else []))
    return [r for r in out if r[0] not in reached]


def _files(repo: RepoFiles, path: str) -> list[str]:
    """What a directory renders (:func:`files_of`), as paths relative to the repository."""
    return [p.relative_to(repo.root).as_posix() for p in files_of(repo, path) if p.is_relative_to(repo.root)]


def _kinds(repo: RepoFiles, f: str) -> set[str]:
    text = repo.text(f) or ""
    if "argoproj.io" not in text:
        return set()
    return {kind_of(d)[1] for d in repo.docs(f) if kind_of(d)[0].startswith("argoproj.io")}


def _deploys(repo: RepoFiles, f: str) -> tuple[set[str], set[str]] | None:
    """The destinations the Applications of ``f`` deploy to (written, or an ApplicationSet's
    template's as written) and the directories of this repository they render; None where a
    destination is no literal (a generator fills it) or the generators cannot be expanded."""
    destinations: set[str] = set()
    dirs: set[str] = set()
    for doc in repo.docs(f):
        api, kind = kind_of(doc)
        spec = as_map(doc.get("spec"))
        if kind == "ApplicationSet":
            spec = as_map(as_map(spec.get("template")).get("spec"))
        elif kind != "Application" or not api.startswith("argoproj.io"):
            continue
        dest = as_map(spec.get("destination"))
        value = next((v for k in ("server", "name") if isinstance(v := dest.get(k), str) and v.strip()), "")
        if not value or "{{" in value or "$" in value:
            return None
        destinations.add(value.strip().rstrip("/"))
    try:
        sources = argocd_apps.sources(repo.text(f) or "", f)
        for _, made in repo.generated(f):
            if isinstance(made, str):
                return None
            sources += list(made.sources)
    except GitOpsBotError:
        return None
    dirs |= {norm(s.path.lstrip("/")) for s in sources if s.path is not None and "{{" not in s.path}
    return destinations, {d for d in dirs if d in repo.dirs}


def _under(path: str, d: str) -> bool:
    return path == d or path.startswith(d + "/")


EXAMPLE = (
    "an example: every Argo CD, Flux and Kargo object of the repository lies under {tops}, so none "
    "says what deploys it and no promotion order is guessed; remove it if nothing deploys it"
)


def examples(repo: RepoFiles, found: Sequence[RenderPath]) -> list[RenderPath]:
    """``found`` with each candidate under the folders holding every deploy object of the
    repository (examples/, docs/: a tool's own examples and test inputs) said as a guess, and two
    examples named alike (examples/kustomize/.../staging, examples/use-cases/.../staging) kept
    apart by their example's folder, never one environment joining them."""
    tops = deployers.example_tops(repo)
    inside = [c for c in found if c.path.split("/", 1)[0] in tops]
    if not inside:
        return list(found)
    said = EXAMPLE.format(tops=", ".join(f"{t}/" for t in sorted(tops)))
    out = []
    for c in found:
        if c not in inside:
            out.append(c)
            continue
        folder = _example(c.path)
        apart = any(o.name == c.name and _example(o.path) != folder for o in inside)
        name = (
            safe_name(f"{folder}-{c.name}") if apart and folder and not c.name.startswith(folder) else c.name
        )
        out.append(replace(c, name=name, guess=f"{said}; {c.guess}" if c.guess else said))
    return out


def is_example(guess: str) -> bool:
    """Whether an environment's guess line says it is an example's (:func:`examples`)."""
    return guess.startswith(EXAMPLE.split("{", 1)[0])


def _example(path: str) -> str:
    """The example a path is of: the folder right under the examples' top (examples/<this>/...)."""
    parts = path.split("/")
    return parts[1] if len(parts) > 2 else ""


_APPLICATION_KIND = re.compile(r"""^kind:\s*['"]?Application(Set)?['"]?\s*$""", re.M)


def hand_roots(repo: RepoFiles) -> list[RenderPath]:
    """Each Helm chart whose templates are Argo CD Applications (an app of apps) that no
    Application of the repository renders: the root of an app of apps applied by hand
    (``argocd app create apps --path apps``, Argo CD's cluster bootstrapping), an environment of
    its own, read as that Application renders it (the reader's roots.by_hand). One a
    kustomization's ``helmCharts`` inflates with values of its own is that kustomization's: the
    root is the kustomization (read as kustomize inflates the chart), or nothing where an
    Application renders it. Named by its stage word, else ``default`` when it is the only one,
    else by its directory."""
    rendered = deployers.app_paths(repo, own=False)
    inflated = _inflated(repo)
    roots: list[tuple[str, str]] = []
    for f in repo.files:
        chart = norm(PurePosixPath(f).parent.as_posix())
        # a chart of Applications is no install of the deploy tool: kept in bootstrap/ too
        if PurePosixPath(f).name != "Chart.yaml" or chart in rendered or repo.under_tests(f):
            continue
        prefix = f"{chart}/" if chart else ""
        if any(
            t.startswith(f"{prefix}templates/")
            and "argoproj.io" in (text := repo.text(t) or "")
            and _APPLICATION_KIND.search(text)
            for t in repo.yaml_files()
        ):
            by = [k for k in inflated.get(chart, ()) if not any(_under(k, r) for r in rendered)]
            roots += [(k, chart) for k in by] if chart in inflated else _installed(repo, chart)
    out = []
    for root, chart in dict.fromkeys(roots):
        if chart and root.endswith(YAML_SUFFIXES):  # a values file the chart is installed with
            how = (
                f"{deployers.APP_OF_APPS} {chart} installed with {root}: a chart of Applications that no "
                f"Application here deploys, so guessed applied by hand (helm install {_word(chart)} "
                f"{chart} -f {root})"
            )
            out.append(RenderPath(root, safe_name(name_of(root)), how))
            continue
        word = _word(root)
        name = word if rank_of(word) is not None or len(roots) > 1 else "default"
        how = (
            f"{deployers.APP_OF_APPS} {root or '.'}: a chart of Applications that no Application here "
            f"deploys, so guessed applied by hand (argocd app create {word} --path {root or '.'})"
        )
        if chart:
            how = (
                f"{deployers.APP_OF_APPS} {root}: a kustomization inflating the chart of Applications "
                f"{chart} (helmCharts) that nothing here builds or renders, so guessed applied by hand "
                f"(kubectl kustomize --enable-helm {root} | kubectl apply -f -)"
            )
        out.append(RenderPath(root or ".", safe_name(name), how))
    return out


def _installed(repo: RepoFiles, chart: str) -> list[tuple[str, str]]:
    """A chart of Applications as its values files name stages (``values-prod.yaml`` in it, or
    ``prod.values.yaml`` beside ``<app>/chart/``): (each file, the chart), one root per stage
    installed with its file; else (the chart, "") over its own values."""
    places = [chart, *([str(PurePosixPath(chart).parent)] if PurePosixPath(chart).name == "chart" else [])]
    found = [
        (f, chart)
        for f in repo.yaml_files()
        if norm(str(PurePosixPath(f).parent)) in places
        and (m := VALUES_NAME.match(PurePosixPath(f).stem)) is not None
        and rank_of(m.group("a") or m.group("b")) is not None
        and not any(kind_of(d)[1] for d in repo.docs(f))
    ]
    return found or [(chart, "")]


def _word(chart: str) -> str:
    """How ``argocd app create`` names a root at ``chart`` (its folder's name, ``root`` for ``.``)."""
    return name_of(chart) if chart else "root"


def _inflated(repo: RepoFiles) -> dict[str, list[str]]:
    """Each chart of this repository a kustomization's ``helmCharts`` inflates (under its
    ``helmGlobals.chartHome``, ``charts`` unless set) -> those kustomizations' directories."""
    out: dict[str, list[str]] = {}
    for f in repo.files:
        if PurePosixPath(f).name not in KNAMES or "helmCharts" not in (repo.text(f) or ""):
            continue
        directory = PurePosixPath(f).parent
        for doc in repo.docs(f):
            entries = doc.get("helmCharts")
            for entry in entries if isinstance(entries, list) else ():
                for chart in (norm(f"{directory}/{p}") for p in kustomize.chart_places(doc, as_map(entry))):
                    if as_map(entry).get("name") and f"{chart}/Chart.yaml" in repo.files:
                        out.setdefault(chart, []).append(norm(directory.as_posix()))
    return out
