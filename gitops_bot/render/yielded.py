"""The Applications an app-of-apps chart yields, as Argo CD renders them: the chart of an
Application whose templates are Argo CD Applications is rendered with the real ``helm
template`` (its value files, inline values and parameters, as :mod:`gitops_bot.render.helm_render`
builds every chart's call), and the Applications in the output are read like written ones, so
the reader follows each one's own source (a chart's value files, a kustomization) to the place
its image is pinned.

The chart is rendered from the tree the reading reads (the disk, or a branch's tree): its files
and the value files it names outside it are copied into the private directory, within bounds,
and nothing else of the repository is there, so nothing the chart does not hold is read. A
template's fields are Go templates the rules cannot follow; only helm says what they yield."""

from __future__ import annotations

import functools
import json
import tempfile
from dataclasses import replace
from pathlib import Path

import yaml

from gitops_bot.core import privdir
from gitops_bot.core.errors import GitOpsBotError
from gitops_bot.core.record import record
from gitops_bot.manifests import argocd_apps, argocd_appsets, nodes
from gitops_bot.manifests.guard import LOADER
from gitops_bot.manifests.yamltext import YamlText
from gitops_bot.render import bounded, chart_deps, deployers, git_generators, helm_render
from gitops_bot.render import walk as walks
from gitops_bot.render.settings import RenderSettings
from gitops_bot.render.walk import DiskTree, Tree

MAX_CHART_FILES = 500  # files of one app-of-apps chart copied to render it
MAX_CHART_BYTES = 8 * 1024 * 1024  # and their characters in all
NO_HELM = "install helm (or set render.helm) for the bot to render it and follow them"
NO_KUBECTL = "install kubectl (or set render.kubectl) for the bot to build it and follow them"


@record
class Yielded:
    """One Application the chart renders: the template it comes from (repository-relative,
    as ``helm template`` names it under the chart's directory) and its source."""

    template: str
    source: argocd_apps.AppSource
    document: dict[str, object]  # the Application as helm rendered it (a chart of it renders so)
    # each helm parameter whose value the chart takes whole from a value file's scalar, by the
    # marked render (:func:`_traced`): (parameter, the file, its line)
    traced: tuple[tuple[str, str, int], ...] = ()
    # the chart's dependencies from chart repositories rendered as empty stand-ins (never
    # fetched): what they render is not read, said with the Applications
    stood_in: tuple[str, ...] = ()


def applications(
    settings: RenderSettings | None,
    tree: Tree,
    repo_root: Path,
    document: dict[str, object],
    chart: Path,
    extra: list[Path],
) -> list[Yielded] | str:
    """The Applications the chart of the Application ``document`` (parsed YAML, its chart at
    ``chart``) yields, or one clause saying why they cannot be read, ending with the fix.
    ``extra``: value files it names outside its chart (a ``$ref`` source's), copied too."""
    helm = settings.tool("helm") if settings is not None and settings.enabled else None
    if settings is None or helm is None:
        return f"the Applications they yield are not followed: {NO_HELM}"
    rel = chart.relative_to(repo_root).as_posix()
    out: list[Yielded] = []
    with tempfile.TemporaryDirectory(prefix="app-of-apps-", dir=privdir.path()) as tmp:
        copy = Path(tmp) / "tree"
        # its file:// dependencies beside it too (a library chart): helm renders the chart
        # with them, as a chart read directly is rendered
        deps = list(chart_deps.closure(repo_root, chart, tree.text))
        if not _copied(tree, repo_root, [chart, *deps, *extra], copy):
            return (
                f"{rel} is over {MAX_CHART_FILES} files or {MAX_CHART_BYTES} bytes, not rendered: the "
                "Applications they yield are not followed; keep the app-of-apps chart smaller"
            )
        stood_in = _stand_ins(copy / rel)
        for call in helm_render.charts(copy, [document]):
            text, why = helm_render.template(settings, helm, copy, call, Path(tmp))
            if text is None:
                return f"{why}; the Applications they yield are not followed: fix what helm names"
            unexpanded: list[str] = []
            try:
                got = _yields(text, rel, (tree, repo_root), unexpanded)
            except GitOpsBotError as e:
                # what helm renders Argo CD parses too, and refuses (a key written twice by a
                # template): that Application's sync fails, as the bot's reading of it does; the
                # line numbers are of helm's output, not of the template file named
                return (
                    f"helm template {rel} renders YAML the bot and Argo CD refuse ({e}; lines of "
                    f"helm's output: see them with 'helm template {rel}'); the Applications it "
                    "yields are not followed: fix the template"
                )
            if unexpanded and not got:  # what it deploys is not known: said, never "renders nothing"
                return f"{unexpanded[0]}; the Applications it generates are not followed"
            if any(y.source.parameters for y in got):
                got = _traced(settings, helm, copy, call, Path(tmp), got, (tree, repo_root))
            out += [replace(y, stood_in=stood_in) for y in got]
    return out


def _stand_ins(chart: Path) -> tuple[str, ...]:
    """An empty chart under ``charts/`` for each dependency from a chart repository the copy
    lacks (an app of apps installing Argo CD itself beside its Applications): Argo CD fetches
    it, the bot fetches nothing, and helm refuses a chart missing one. The Applications are the
    chart's own templates; what the dependency renders is none of them (its version is read as
    the chart's pin)."""
    try:
        meta = yaml.load(bounded.read_text(chart / "Chart.yaml") or "", Loader=LOADER)
    except yaml.YAMLError:
        return ()  # helm names it
    deps = meta.get("dependencies") if isinstance(meta, dict) else None
    out: list[str] = []
    for dep in deps if isinstance(deps, list) else ():
        name = dep.get("name") if isinstance(dep, dict) else None
        if not isinstance(name, str) or str(dep.get("repository", "")).startswith("file://") or "/" in name:
            continue
        if not (chart / "charts" / name).exists() and not list((chart / "charts").glob(f"{name}-*.tgz")):
            version = str(dep.get("version") or "0.0.0")
            (chart / "charts" / name).mkdir(parents=True, exist_ok=True)
            (chart / "charts" / name / "Chart.yaml").write_text(
                f"apiVersion: v2\nname: {name}\nversion: {json.dumps(version)}\n", encoding="utf-8"
            )
            out.append(f"{name} {version} of {dep.get('repository') or 'no repository'}")
    return tuple(out)


def _yields(
    text: str, rel: str, globs: tuple[Tree, Path] | None = None, unexpanded: list[str] | None = None
) -> list[Yielded]:
    """The Applications of the chart ``rel``'s render ``text``: those it writes, and those the
    ApplicationSets it writes generate from the repository ``globs`` lists (Argo CD runs their
    generators; each that cannot be expanded is put in ``unexpanded`` with why)."""
    out: list[Yielded] = []
    for doc in text.split("\n---"):
        source = next((ln[10:].strip() for ln in doc.splitlines() if ln.startswith("# Source: ")), "")
        template = f"{rel}/{source.split('/', 1)[1]}" if "/" in source else rel
        if "argoproj.io" in doc:  # Argo CD refuses a render it cannot parse whole: raised here
            nodes.compose_all(YamlText.of(doc).body, template)
        docs = {_name(d): d for d in helm_render.objects(doc)}
        out += [
            Yielded(template, a, docs[a.application])
            for a in deployers.applications(doc, template)
            if a.application in docs
        ]
        if globs is None:
            continue
        tree, root = globs
        dirs = functools.partial(git_generators.glob_dirs, tree, root)
        for name, made in argocd_appsets.generate(
            doc, template, dirs, functools.partial(git_generators.glob_files, tree, root)
        ):
            if isinstance(made, str) and unexpanded is not None:
                unexpanded.append(f"{template}: ApplicationSet {name}: {made}")
            elif not isinstance(made, str):
                out += [Yielded(template, s, made.document()) for s in made.sources]
    return out


def _traced(
    settings: RenderSettings,
    helm: str,
    copy: Path,
    call: helm_render.Chart,
    tmp: Path,
    out: list[Yielded],
    globs: tuple[Tree, Path],
) -> list[Yielded]:
    """``out`` with each yielded helm parameter traced to where the chart takes it from (a marked
    render): every scalar of the call's value files (the chart's ``values.yaml`` first) that
    reads as one of the parameters' values is written as a marker of its own, the chart
    rendered again, and a parameter that renders as exactly one marker comes from that
    scalar's line. A template that does more than pass the value on (a condition on it,
    arithmetic) renders otherwise or fails: that parameter is not traced."""
    wanted = {p.value for y in out for p in y.source.parameters if p.value}
    marks: dict[str, tuple[str, int]] = {}
    kept: dict[Path, str] = {}  # as they were: the copy renders the chart's other calls after
    for path in dict.fromkeys([call.directory / "values.yaml", *call.value_files]):
        try:
            text = kept.setdefault(path, path.read_text(encoding="utf-8"))
            found = {n.start_mark.index: n for *_, n in nodes.walk(nodes.compose(text, path.name))}
        except (OSError, UnicodeDecodeError, GitOpsBotError):
            continue
        for index, node in sorted(found.items(), reverse=True):  # the last first: indexes hold
            if nodes.is_scalar(node) and str(node.value) in wanted:
                marker = f"gitops-bot-traced-{len(marks)}x"
                marks[marker] = (path.relative_to(copy).as_posix(), node.start_mark.line + 1)
                text = text[:index] + marker + text[node.end_mark.index :]
        path.write_text(text, encoding="utf-8")
    marked, _ = helm_render.template(settings, helm, copy, call, tmp) if marks else (None, "")
    for path, text in kept.items():
        path.write_text(text, encoding="utf-8")
    again = _yields(marked or "", "", globs)
    if len(again) != len(out):  # the marked values changed what the chart yields
        return out
    return [
        replace(
            y,
            traced=tuple(
                (p.name, *marks[m.value])
                for p, m in zip(y.source.parameters, a.source.parameters, strict=False)
                if m.value in marks
            ),
        )
        for y, a in zip(out, again, strict=True)
    ]


def built(
    settings: RenderSettings | None,
    tree: Tree,
    repo_root: Path,
    directory: Path,
    files: list[Path],
    kfile: str,
) -> list[Yielded] | str:
    """The Applications the kustomization at ``directory`` builds (``files``: what it reads,
    as the reading walked it; ``kfile``: its file, as the reading names it), with the real
    ``kubectl kustomize`` in a private copy of just those files: its patches and transformers
    applied, as Argo CD builds it. Or one clause saying why they cannot be read, with the fix."""
    kubectl = settings.tool("kubectl") if settings is not None and settings.enabled else None
    if settings is None or kubectl is None:
        return f"the Applications it builds are not followed: {NO_KUBECTL}"
    rel = directory.relative_to(repo_root).as_posix() or "."
    with tempfile.TemporaryDirectory(prefix="app-of-apps-", dir=privdir.path()) as tmp:
        copy = Path(tmp) / "tree"
        copy.mkdir()
        if not _copied(tree, repo_root, files, copy):
            return (
                f"{rel} reads over {MAX_CHART_FILES} files or {MAX_CHART_BYTES} bytes, not built: the "
                "Applications it builds are not followed; keep the app-of-apps kustomization smaller"
            )
        argv = [kubectl, "kustomize", str(copy / rel)]
        got = bounded.run_bounded(argv, Path(tmp), settings.timeout, f"kubectl kustomize {rel}")
    if isinstance(got, bounded.Exited):
        why = (got.lines[-1] if got.lines else f"exit status {got.status}").replace(str(copy) + "/", "")
        return f"kubectl kustomize {rel} failed: {why[:300]}; the Applications it builds are not followed"
    if not isinstance(got, str):
        return f"{got}; the Applications it builds are not followed"
    kfile = f"{rel}/kustomization.yaml" if rel != "." else "kustomization.yaml"
    docs = {_name(d): d for d in helm_render.objects(got) if d.get("kind") == "Application"}
    return [
        Yielded(kfile, a, docs[a.application])
        for a in deployers.applications(got, kfile)
        if a.application in docs
    ]


def document(tree: Tree, path: Path, name: str) -> dict[str, object] | None:
    """The Argo CD Application ``name`` of the file at ``path``, parsed; None when it holds
    none (an ApplicationSet generated it)."""
    text = tree.text(path)
    for doc in helm_render.objects(text) if text else []:
        if doc.get("kind") == "Application" and _name(doc) == name:
            return doc
    return None


def _name(doc: dict[str, object]) -> str:
    meta = doc.get("metadata")
    name = meta.get("name") if isinstance(meta, dict) else None
    return name if isinstance(name, str) else ""


def _copied(tree: Tree, repo_root: Path, paths: list[Path], into: Path) -> bool:
    """``paths`` (directories recursively, and files) read through ``tree`` and written under
    ``into`` at their place relative to ``repo_root``; False past the bounds. A file the tree
    does not read (binary, over its bound, a link out) is left out: helm says what it misses."""
    pending, files, size = list(paths), 0, 0
    while pending:
        path = pending.pop()
        if tree.is_dir(path):
            pending += [p for p in tree.listing(path) if not p.name.startswith(".git")]
            continue
        text = tree.text(path)
        data = text.encode("utf-8") if text is not None else _archive(tree, repo_root, path)
        if data is None:
            continue
        files, size = files + 1, size + len(data)
        if files > MAX_CHART_FILES or size > MAX_CHART_BYTES:
            return False
        target = into / path.relative_to(repo_root)
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(data)
    return True


def _archive(tree: Tree, repo_root: Path, path: Path) -> bytes | None:
    """A dependency's archive in a chart's ``charts/`` (``argo-cd-9.3.4.tgz``, what ``helm
    dependency build`` wrote and the repository commits): helm renders the chart with it, so a
    chart wrapping one (an Argo CD install with its app of apps) renders as it does on disk.
    Read from the checkout only, within the repository and the bound; None otherwise."""
    if path.suffix != ".tgz" or path.parent.name != "charts" or not isinstance(tree, DiskTree):
        return None
    real = tree.real(path)
    try:
        if not walks.inside(repo_root, real) or real.stat().st_size > MAX_CHART_BYTES:
            return None
        return real.read_bytes()
    except OSError:
        return None
