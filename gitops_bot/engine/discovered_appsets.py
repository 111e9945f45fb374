"""What the ApplicationSets of a repository deploy, for ``init``: the directories their generated
Applications render (an environment per destination), the chart directories they take, and which
of them an app of apps here applies at all."""

from __future__ import annotations

import re
from collections.abc import Collection, Iterator, Sequence
from pathlib import PurePosixPath

from gitops_bot.core.errors import GitOpsBotError
from gitops_bot.engine.candidates import RenderPath, destined, env_word, name_of, safe_name
from gitops_bot.engine.promotion_order import rank_of
from gitops_bot.engine.repository_files import YAML, RepoFiles, as_map, norm
from gitops_bot.manifests import APPLICATION, argocd_apps, argocd_appsets, may_hold, nodes


def directories(repo: RepoFiles) -> list[RenderPath]:
    """The directories of this repository an ApplicationSet's generators render (a git
    generator's ``applications/*``), offered when nothing else is found: one environment per
    destination (its cluster's name), each directory a path of it. A file at the root holding
    only the ApplicationSet is then not taken for plain manifests."""
    out: list[RenderPath] = []
    appsets = [f for f in repo.yaml_files() if argocd_apps.is_appset(repo.text(f) or "")]
    applied = _applied_dirs(repo)
    # an app of apps applying some of them (addons.yaml: path addons): one in a directory no
    # Application applies (backup/) is kept aside, not deployed; with no such root, each counts
    kept = any(_under(f, applied) for f in appsets)
    for f in appsets:
        if repo.no_environment(f):
            continue
        if kept and not _under(f, applied):
            repo.notes.append(
                f"{f}: an ApplicationSet no Application in this repository applies (they apply "
                f"{', '.join(sorted(applied))}): not an environment; if it is applied by hand, write its "
                "environment by hand (docs/guides/your-repository.md, 'Writing it by hand')"
            )
            repo.appsets.pop(f, None)
            continue
        try:
            generated = repo.generated(f)
        except GitOpsBotError:
            continue
        made = [
            (appset, app, p)
            for appset, app in generated
            if not isinstance(app, str)
            for p in _paths(repo, app)
        ]
        # an ApplicationSet of stages gives each Application a stage; one of apps (a list of 45
        # charts) gives none but by chance (local-path-provisioner, cnpg-restore-test), which
        # share the cluster with the others
        staged = [_stage(app, path) for _, app, path in made]
        for (appset, app, path), stage in zip(
            made, staged if all(staged) else [None] * len(made), strict=True
        ):
            # the destination as Argo CD creates it, the generator's values filled in
            where = as_map(as_map(app.document().get("spec")).get("destination"))
            # the cluster as the destination names it (name:, else server:; Argo CD's own
            # https://kubernetes.default.svc is in-cluster): the Applications of one cluster are one
            # environment, never one per app each reading the whole ApplicationSet file
            written = [str(where.get(k) or "").strip() for k in ("name", "server")]
            cluster = destined(next((v for v in written if v and "{{" not in v), ""))
            # the generated Application's stage (its directory, its name) before the cluster,
            # which a template writing it literally gives every Application alike
            name = stage or cluster or name_of(path)
            how = f"Argo CD ApplicationSet {appset} in {f} (path {path})"
            # a chart is read as the generated Application gives it (its value files, its
            # parameters): the ApplicationSet is the path, as an Application's file is
            chart = f"{path}/Chart.yaml" in repo.files
            out.append(RenderPath(f if chart else path, safe_name(name), how))
    if out:
        said = {r.how.split(" in ", 1)[1].split(" (", 1)[0] for r in out}
        repo.appsets = {f: None for f in repo.appsets if f not in said}
    return out


def _paths(repo: RepoFiles, app: argocd_appsets.Generated) -> list[str]:
    """The directories of this repository a generated Application renders."""
    out = []
    for src in app.sources:
        path = norm((src.path or "{{").lstrip("/"))
        if "{{" not in path and path not in ("", ".") and path in repo.dirs and not repo.no_environment(path):
            out.append(path)
    return out


def _stage(app: argocd_appsets.Generated, path: str) -> str | None:
    """The stage a generated Application's directory or name says, if any."""
    return name_of(path) if rank_of(name_of(path)) is not None else env_word(app.name)


def _applied_dirs(repo: RepoFiles) -> set[str]:
    """The directories of this repository the Applications in it render (their sources' paths),
    those its ApplicationSets generate among them."""
    out = repo.generated_paths()
    for f in repo.yaml_files():
        text = repo.text(f) or ""
        if ("kind: Application" not in text and not may_hold(text, APPLICATION)) or repo.no_environment(f):
            continue
        try:
            out |= {norm(a.path.lstrip("/")) for a in argocd_apps.sources(text, f) if a.path is not None}
        except GitOpsBotError:
            continue
    return out


def _under(rel: str, dirs: set[str]) -> bool:
    """Whether the file ``rel`` is in one of ``dirs`` or below it (a directory recursed)."""
    parent = rel.rpartition("/")[0] or "."
    return any(parent == d or parent.startswith(d + "/") or d == "." for d in dirs)


def _appsets(repo: RepoFiles) -> Iterator[tuple[str, list[tuple[str, argocd_appsets.Generated | str]]]]:
    """Each file of an ApplicationSet that is no environment's fixture, with what it generates."""
    for f in repo.yaml_files():
        text = repo.text(f) or ""
        if not argocd_apps.is_appset(text) or repo.no_environment(f):
            continue
        try:
            yield f, repo.generated(f)
        except GitOpsBotError:
            continue


def charts(repo: RepoFiles) -> set[str]:
    """The chart directories of this repository the ApplicationSets here generate Applications of."""
    out: set[str] = set()
    for _, made in _appsets(repo):
        paths = {
            norm(s.path.lstrip("/")) for _, g in made if not isinstance(g, str) for s in g.sources if s.path
        }
        out |= {d for d in paths if f"{d}/Chart.yaml" in repo.files}
    return out


def chart_elements(repo: RepoFiles) -> dict[str, dict[str, str]]:
    """Each chart directory of this repository the ApplicationSets here generate Applications of
    -> each of their files -> how it says them: each ApplicationSet, with every line of a list
    element whose value its template passes whole into the chart's values (``valuesObject:
    {image: {tag: '{{ .imgTag }}'}}``), as ``file:line (key of Application)``."""
    out: dict[str, dict[str, str]] = {}
    for f, made in _appsets(repo):
        by_set: dict[tuple[str, str], dict[str, list[str]]] = {}
        for appset, app in made:
            if isinstance(app, str):
                continue
            for chart in {norm(s.path.lstrip("/")) for s in app.sources if s.path}:
                if f"{chart}/Chart.yaml" in repo.files:
                    keys = by_set.setdefault((chart, appset), {})
                    for key, line in _element_lines(app):
                        keys.setdefault(key, []).append(str(line))
        for (chart, appset), keys in by_set.items():
            lines = "; ".join(f"{k} at {f}:{', '.join(ls)}" for k, ls in keys.items())
            where = f": its list elements set {lines}" if lines else ""
            said = out.setdefault(chart, {})
            said[f] = "; ".join(filter(None, [said.get(f), f"ApplicationSet {appset} ({f}){where}"]))
    return out


def _element_lines(app: argocd_appsets.Generated) -> list[tuple[str, int]]:
    """The lines of ``app``'s list element whose values its template's ``helm.valuesObject``
    takes whole as an image's tag or version (a key under ``image``, or ending in ``tag``), each
    with the key it sets."""
    spec = argocd_apps.at(app.template, "spec")
    many = argocd_apps.at(spec, "sources")
    found = [argocd_apps.at(spec, "source"), *(many.value if nodes.is_seq(many) else [])]
    out = []
    for obj in (argocd_apps.at(s, "helm", "valuesObject") for s in found):
        for path, _, _, node in nodes.walk(obj) if nodes.is_map(obj) else []:
            key = ".".join(str(p) for p in path)
            if not nodes.is_scalar(node) or "{{" not in str(node.value) or not _IMAGE_KEY.search(key):
                continue
            try:
                got = argocd_appsets.value(str(node.value), app.params, app.go)
            except argocd_appsets.Unexpanded:
                continue
            if isinstance(got, argocd_appsets.Literal):
                out.append((key, int(got.node.start_mark.line) + 1))
    return out


# a values key an image's version is set at: under image(s), or a tag, digest or version
_IMAGE_KEY = re.compile(r"(^|\.)images?(\.|$)|(^|\.)(\w*[tT]ag|digest|version)$")


def chart_paths(repo: RepoFiles, found: Sequence[RenderPath], rendered: set[str]) -> list[RenderPath]:
    """An ApplicationSet deploying directories of this repository (charts, whose list elements
    set none of their image tags: their value files do, ``$values/...`` as an Application's;
    kustomizations; plain manifests), kept beside the Application files of one environment found
    (under the folder above its own: both applied by hand to one cluster): a path of that
    environment, read as its generated Applications render them. Elsewhere, or with tags in its
    elements, it stays said as not read. ``rendered`` takes the directories those render (no
    overlay of its own: the ApplicationSet's environment renders it)."""
    out: list[RenderPath] = []
    taken = {c.path for c in found}
    for f, made in _appsets(repo):
        apps = [g for _, g in made if not isinstance(g, str)]
        paths = sorted({p for g in apps for p in _paths(repo, g)})
        folder = PurePosixPath(f).parent.parent.as_posix()
        if f in taken or not paths or folder in ("", ".") or any(_element_lines(g) for g in apps):
            continue
        names = {c.name for c in found if c.path.startswith(folder + "/") and c.path.endswith(YAML)}
        if len(names) != 1:
            continue
        (name,) = names
        sets = ", ".join(dict.fromkeys(a for a, g in made if not isinstance(g, str)))
        how = (
            f"Argo CD ApplicationSet {sets} in {f} (path {', '.join(paths[:3])}"
            f"{f' and {len(paths) - 3} more' if len(paths) > 3 else ''}), beside the "
            f"Applications of {name} in {folder}/"
        )
        out.append(RenderPath(f, name, how))
        rendered.update(paths)
        repo.appsets.pop(f, None)
    return out


def undeployed_values(
    repo: RepoFiles, values: Sequence[RenderPath], taken: Collection[str] = ()
) -> list[RenderPath]:
    """``values`` but the value files of a chart here that no Application or ApplicationSet of
    the repository deploys, where its ApplicationSets deploy charts of it: the repository says
    what deploys, and a ``values-prod.yaml`` beside a chart none of them renders runs nowhere
    (the generated Applications are then the environments). So too a values file of a chart
    whose Applications read others of its files (``taken``), none it. Each left out is said."""
    deployed = charts(repo)
    # a chart an Application here deploys with values files it names: another of them runs nowhere
    read: dict[str, list[str]] = {}
    for t in taken:
        if f"{(chart := PurePosixPath(t).parent.as_posix())}/Chart.yaml" in repo.files:
            read.setdefault(chart, []).append(PurePosixPath(t).name)
    if not deployed and not read:
        return list(values)
    applied = _applied_dirs(repo)
    out = []
    for v in values:
        chart = PurePosixPath(v.path).parent.as_posix()
        if chart in read:
            repo.notes.append(
                f"{v.path}: a values file of chart {chart}, which its Applications here deploy reading "
                f"{', '.join(sorted(read[chart]))}, none of them it: not an environment; if an Application "
                "made elsewhere (Argo CD's UI, another repository) reads it, write its environment by hand"
            )
        elif f"{chart}/Chart.yaml" not in repo.files or chart in applied or chart in deployed or not deployed:
            out.append(v)
        else:
            repo.notes.append(
                f"{v.path}: a values file of chart {chart}, which no Application or ApplicationSet here "
                f"deploys (they deploy {', '.join(sorted(deployed)[:3])}): not an environment; if something "
                "else deploys it, write its environment by hand"
            )
    return out
