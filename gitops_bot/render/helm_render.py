"""Charts in the repository rendered with the real ``helm template``, as Argo CD and Flux render
them: an Argo CD Application whose source ``path`` is a chart here (its ``helm.valueFiles``,
``$ref`` value files of a source on the same repository, ``values``/``valuesObject``,
``parameters``, ``releaseName``), and a Flux HelmRelease whose chart is a path of a
GitRepository (``spec.chart.spec.valuesFiles``, ``valuesFrom`` ConfigMaps found among the same
objects, ``spec.values``). A chart that renders Applications (app of apps) has each of them
rendered again, as Argo CD would, to a bounded depth.

What runs is then read from the rendered objects by :mod:`gitops_bot.render.running`, the same
records a kustomize render gives. Nothing is fetched: a chart from a chart repository or OCI,
or a dependency not vendored under ``charts/``, is not rendered (the reading says so already,
or the tool's own line does). helm runs in the child environment every tool gets (no
credential, no network, a HOME in the private directory), with the render deadline and the
output bound; it only reads the chart, so it runs on the tree as it is."""

from __future__ import annotations

import contextlib
import importlib
import json
import os
import re
import shutil
import tempfile
import threading
import time
from collections import OrderedDict
from collections.abc import Collection, Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any, Protocol, cast

import yaml

from gitops_bot.core import privdir
from gitops_bot.core.errors import GitOpsBotError
from gitops_bot.core.record import record
from gitops_bot.manifests import SOURCE_TYPES, definitions_only, is_appset
from gitops_bot.manifests.guard import LOADER, Constructor
from gitops_bot.manifests.kustomize import KUSTOMIZATION_NAMES, renders_chart
from gitops_bot.render import bounded, deployers, source_files
from gitops_bot.render import walk as walks
from gitops_bot.render.settings import RenderSettings

MAX_DEPTH = 3  # app of apps of apps: past it Argo CD users have a loop, not a tree
MAX_CHARTS = 50  # charts rendered for one environment, yielded Applications included
# helm's output kept by what it rendered from (chart_deps.content_key): bench/app_of_apps_bench.py --envs 20,
# an app of apps' root chart rendered once where it was rendered twice an environment
MAX_KEPT, MAX_KEPT_OUTPUT = 64, 1 << 20  # the bounds of what it reads: chart_deps.content_key
# a refusal is kept as its helm line (the chart's charts/ without its dependency fails alike for
# each Application of it: 22 runs of one chart an init on an app of apps, where one says it)
_rendered: OrderedDict[str, str | tuple[str]] = OrderedDict()
_rendered_lock = threading.Lock()
BASE_REVISIONS = ("", "HEAD", "main", "master")  # the revisions whose files are this checkout's
# imported by name where an Application's source hydrator, a chart's dependencies or an
# ApplicationSet and its git generators are met: a plain kustomization's reading loads none of them
APPSETS = "gitops_bot.manifests.argocd_appsets"
ARGOCD_APPS = "gitops_bot.manifests.argocd_apps"
CHART_DEPS = "gitops_bot.render.chart_deps"
GIT_GENERATORS = "gitops_bot.render.git_generators"


@record
class Chart:
    """One ``helm template`` call: what a deployer object asks of a chart in the repository."""

    origin: str  # "Application NAME" or "HelmRelease NAME"
    release: str
    namespace: str
    directory: Path
    value_files: tuple[Path, ...]
    values: str | None  # inline values (YAML), applied after the files
    sets: tuple[tuple[str, str, bool], ...]  # (name, value, as a string)
    # made of all its object says (every value file found here, no name left a Go template, no
    # values from elsewhere): helm's refusal of it is the one its deploy tool meets
    whole: bool = True
    # the chart path's .argocd-source files Argo CD merges over the source, changing its helm
    # fields (paths in the repository): what they set comes after every values file
    merged: tuple[str, ...] = ()


@record
class ChartRenders:
    """An environment's charts rendered: the streams, and each chart helm refused, in one line;
    ``partial``: a kustomization a yielded Application renders was not rendered (a remote base,
    a chart to pull, over the budget), so the streams lack what it runs."""

    texts: tuple[str, ...]
    failed: tuple[str, ...]
    partial: bool = False
    refused: tuple[str, ...] = ()  # of ``failed``, helm's refusal of a whole chart (Chart.whole)
    refused_charts: tuple[Path, ...] = ()  # each refusal's chart directory


NONE = ChartRenders((), ())


def objects(text: str) -> list[dict[str, object]]:
    """The YAML mappings of a stream (a List's items too), each document constructed alone:
    one YAML cannot construct (``path: {{ x }}``, a mapping as a key) is left out and the
    others stand, as kubectl applies each; past a syntax error, none further."""
    out: list[dict[str, object]] = []
    for doc in _documents(text):
        if isinstance(doc, dict) and doc.get("kind") == "List" and isinstance(doc.get("items"), list):
            out += [i for i in doc["items"] if isinstance(i, dict)]
        elif isinstance(doc, dict):
            out.append(doc)
    return out


def _documents(text: str) -> Iterator[object]:
    loader = LOADER(text)
    try:
        while loader.check_node():
            node = loader.get_node()
            try:  # each built by a constructor of its own: one that fails keeps its half-built state
                doc = Constructor().construct_document(node)
            except yaml.YAMLError:
                continue
            yield doc
    except yaml.YAMLError:
        return
    finally:
        loader.dispose()


def at(node: object, *keys: str) -> object:
    for key in keys:
        node = node.get(key) if isinstance(node, dict) else None
    return node


def scalar_at(node: object, *keys: str) -> str:
    got = at(node, *keys)
    return str(got) if isinstance(got, (str, int, float)) and not isinstance(got, bool) else ""


def listed(node: object) -> list[object]:
    return list(node) if isinstance(node, list) else []


def _is_chart(directory: Path, src: object) -> bool:
    """Whether Argo CD renders the source's path as a chart (not its kustomization)."""
    kind = next((k for k in SOURCE_TYPES if at(src, k) is not None), "")
    return renders_chart(kind, directory, Path.is_file)


def inside(root: Path, path: Path) -> Path | None:
    """``path`` normalised, when it is in the repository, links resolved (nothing outside it
    is read, through a link either)."""
    norm = Path(os.path.normpath(path))
    real, top = Path(os.path.realpath(norm)), Path(os.path.realpath(root))
    return norm if real == top or top in real.parents else None


def charts(root: Path, docs: Sequence[dict[str, object]]) -> list[Chart]:
    """The charts in the repository the deployer objects among ``docs`` render."""
    out: list[Chart] = []
    for doc in docs:
        api = scalar_at(doc, "apiVersion")
        if doc.get("kind") == "Application" and api.startswith("argoproj.io/"):
            out += _application(root, doc)
        elif doc.get("kind") == "HelmRelease" and api.startswith("helm.toolkit.fluxcd.io/"):
            chart = _helm_release(root, doc, docs)
            out += [chart] if chart else []
    return out


def _application(root: Path, doc: dict[str, object]) -> list[Chart]:
    name = scalar_at(doc, "metadata", "name")
    spec = at(doc, "spec")
    many = at(spec, "sources")
    sources = [s for s in (many if isinstance(many, list) else [at(spec, "source")]) if isinstance(s, dict)]
    # neither: the source hydrator's drySource is what Argo CD renders (and commits to a branch)
    sources = sources or list(importlib.import_module(ARGOCD_APPS).parsed_sources(spec))
    refs = {scalar_at(s, "ref"): scalar_at(s, "repoURL") for s in sources if scalar_at(s, "ref")}
    # a ref source tracking another revision: Argo CD reads its files there, not in this checkout
    elsewhen = {scalar_at(s, "ref") for s in sources if scalar_at(s, "targetRevision") not in BASE_REVISIONS}
    out: list[Chart] = []
    for src in sources:
        path = scalar_at(src, "path")
        if not path or scalar_at(src, "targetRevision") not in BASE_REVISIONS:
            continue
        directory = inside(root, root / path)
        if directory is None or not _is_chart(directory, src):
            continue
        # what Argo CD merges over the source from the path's .argocd-source files (a refusal
        # renders nothing of it: Argo CD's repo server fails the same way)
        merged, names = source_files.merged(src, root, directory, name, {})
        if not isinstance(merged, dict):
            continue
        helm = at(merged, "helm")
        over = (
            tuple((directory / f).relative_to(root).as_posix() for f in names)
            if helm != at(src, "helm")
            else ()
        )
        namespace = scalar_at(spec, "destination", "namespace") or "default"
        env = deployers.build_env(
            name, scalar_at(src, "repoURL"), path, scalar_at(src, "targetRevision"), namespace
        )
        files: list[Path] = []
        named = listed(at(helm, "valueFiles"))
        for written in named:
            value_file = deployers.value_file(written, refs, env) if isinstance(written, str) else None
            if value_file is None:
                continue
            if value_file.startswith("$"):
                ref, _, rest = value_file[1:].partition("/")
                url = refs.get(ref)
                if url is None or deployers.repo_key(url) != deployers.repo_key(scalar_at(src, "repoURL")):
                    continue  # another repository's file: the reading names it, not followed
                if ref in elsewhen:
                    continue  # another revision's: the reading names it, not followed
                found = inside(root, root / rest)
            else:
                found = inside(root, directory / value_file)
            if found is not None and found.is_file():
                files.append(found)
        obj = at(helm, "valuesObject")
        values = yaml.safe_dump(obj) if isinstance(obj, dict) else (scalar_at(helm, "values") or None)
        params = at(helm, "parameters")
        sets = tuple(
            (scalar_at(p, "name"), _expanded(scalar_at(p, "value"), env), at(p, "forceString") is True)
            for p in (params if isinstance(params, list) else [])
            if scalar_at(p, "name")
        )
        release = scalar_at(helm, "releaseName") or name
        # a root installed by hand (no repoURL) may be given more than its files say
        whole = bool(scalar_at(src, "repoURL")) and len(files) == len(named)
        whole = whole and "{{" not in json.dumps([name, release, namespace, sets])
        chart = Chart(
            f"Application {name}", release, namespace, directory, tuple(files), values, sets, whole, over
        )
        out.append(chart)
    return out


def _expanded(value: str, env: Mapping[str, str | None]) -> str:
    """A parameter's value as Argo CD expands it; as written where it names what is not known here."""
    got = deployers.envsubst(value, env)
    return value if got is None else got


def _helm_release(root: Path, doc: dict[str, object], docs: Sequence[dict[str, object]]) -> Chart | None:
    name = scalar_at(doc, "metadata", "name")
    spec = at(doc, "spec", "chart", "spec")
    if scalar_at(spec, "sourceRef", "kind") != "GitRepository":
        return None  # a HelmRepository's or OCI chart: fetched by Flux, never here
    directory = inside(root, root / scalar_at(spec, "chart"))
    if directory is None or not (directory / "Chart.yaml").is_file():
        return None
    named = listed(at(spec, "valuesFiles"))
    files = [
        f for v in named if isinstance(v, str) and (f := inside(root, root / v)) is not None and f.is_file()
    ]
    layers: list[object] = []
    froms = listed(at(doc, "spec", "valuesFrom"))
    for ref in froms:
        if scalar_at(ref, "kind") == "ConfigMap":
            data = _config_map(docs, scalar_at(ref, "name"))
            text = data.get(scalar_at(ref, "valuesKey") or "values.yaml") if data else None
            if isinstance(text, str):
                layers.append(text)
    values = at(doc, "spec", "values")
    if isinstance(values, dict):
        layers.append(yaml.safe_dump(values))
    inline = "\n---\n".join(str(x) for x in layers) if layers else None
    release = scalar_at(doc, "spec", "releaseName") or name
    namespace = (
        scalar_at(doc, "spec", "targetNamespace") or scalar_at(doc, "metadata", "namespace") or "default"
    )
    whole = len(files) == len(named) and len(layers) == len(froms)
    whole = whole and "{{" not in json.dumps([name, release, namespace])
    return Chart(f"HelmRelease {name}", release, namespace, directory, tuple(files), inline, (), whole)


def _config_map(docs: Sequence[dict[str, object]], name: str) -> dict[str, object] | None:
    """A ConfigMap of that name among ``docs``, or one a kustomize generator suffixed."""
    for d in docs:
        if d.get("kind") != "ConfigMap":
            continue
        found = scalar_at(d, "metadata", "name")
        if found == name or (found.startswith(name + "-") and len(found) == len(name) + 11):
            data = at(d, "data")
            return data if isinstance(data, dict) else None
    return None


class Kustomize(Protocol):
    """A kustomization an Application yielded by an app of apps renders: (the tree's root, its
    directory, the Application, whose own kustomize fields Argo CD writes into it) -> kubectl
    kustomize's output, or None where it is not rendered (what it reads is not all here); given
    by the caller, which owns the kustomize renders."""

    def __call__(
        self, root: Path, directory: Path, application: dict[str, object] | None = None
    ) -> str | None: ...


def render(
    settings: RenderSettings,
    root: Path,
    docs: Sequence[dict[str, object]],
    kustomize: Kustomize | None = None,
    own: Collection[str] = (),
) -> ChartRenders:
    """Every chart the deployer objects among ``docs`` render, and the Applications those
    charts yield rendered again (app of apps): a chart with helm, a kustomization with
    ``kustomize`` when given, to :data:`MAX_DEPTH` and :data:`MAX_CHARTS`. ``own``: the
    environment's own Applications (its reading's ``documents``); of a chart yielding one of
    them, only those are rendered again (each environment of a chart yielding one Application
    per environment renders its own, not all of them)."""
    helm = settings.tool("helm")
    if helm is None:
        return NONE
    texts: list[str] = []
    failed: list[str] = []
    refused: list[str] = []
    refused_charts: list[Path] = []
    partial = False
    seen: set[Chart | tuple[Path, str]] = set()
    past: list[str] = []  # the charts not rendered for the bound
    pending = charts(root, docs)
    # an Application over a kustomization of Applications (an app of apps): built, as its own
    # patches may change them
    dirs = (
        [(d, a) for d, a in kustomizations(root, docs) if source_files.holds_applications(d)]
        if kustomize
        else []
    )
    if not pending and not dirs:  # no chart: no private folder made (nor the temp dir swept for one)
        return NONE
    with tempfile.TemporaryDirectory(prefix="helm-render-", dir=privdir.path()) as tmp:
        # one environment's charts together within a few renders' time, however many it yields
        deadline = time.monotonic() + settings.timeout * MAX_DEPTH
        for _ in range(MAX_DEPTH):
            yielded: list[dict[str, object]] = []
            for chart in pending:
                if chart not in seen and len(seen) >= MAX_CHARTS:
                    past.append(chart.directory.relative_to(root).as_posix())
                if chart in seen or len(seen) >= MAX_CHARTS:
                    continue
                if time.monotonic() > deadline:
                    failed.append(
                        f"helm template {chart.directory.relative_to(root).as_posix()} "
                        f"({chart.origin}) not rendered: the environment's charts ran past "
                        f"{MAX_DEPTH} x render.timeout"
                    )
                    break
                seen.add(chart)
                text, why = template(settings, helm, root, chart, Path(tmp))
                if text is not None:
                    texts.append(text)
                    yielded += own_applications(objects(text), own)
                else:
                    failed.append(why)
                    if chart.whole and _refuses(why):
                        refused.append(why)
                        refused_charts.append(chart.directory)
            for directory, app in dirs:
                if (
                    (directory, _settings(app)) in seen
                    or len(seen) >= MAX_CHARTS
                    or time.monotonic() > deadline
                ):
                    continue
                seen.add((directory, _settings(app)))
                if kustomize is not None and (text := kustomize(root, directory, app)) is not None:
                    texts.append(text)
                    yielded += own_applications(objects(text), own)
                else:
                    partial = True
            pending = charts(root, yielded)
            dirs = kustomizations(root, yielded) if kustomize is not None else []
            if not pending and not dirs:
                break
    if past:  # never a silent cut: what is past the bound is read by the rules alone, and said
        more = f" and {len(set(past)) - 1} more" if len(set(past)) > 1 else ""
        failed.append(
            f"helm template {past[0]}{more} not rendered: past the {MAX_CHARTS} charts of an environment"
        )
    return ChartRenders(tuple(texts), tuple(failed), partial, tuple(refused), tuple(refused_charts))


def _refuses(why: str) -> bool:
    """Whether helm's failure is its refusal of the chart and values as the repository holds
    them, which Argo CD's and Flux's helm meet alike: not a deadline or the output bound, nor a
    dependency left to ``helm dependency build``, which they run (fetching it) and this does not."""
    return ") failed: " in why and "charts/ directory" not in why


def own_applications(docs: list[dict[str, object]], own: Collection[str]) -> list[dict[str, object]]:
    """``docs`` (one chart's render) without the Applications that are not the environment's
    own, when one of them is; all of them when none is (the reading followed them all)."""
    apps = {scalar_at(d, "metadata", "name") for d in docs if d.get("kind") == "Application"}
    if not apps & set(own):
        return docs
    return [d for d in docs if d.get("kind") != "Application" or scalar_at(d, "metadata", "name") in own]


def _settings(app: dict[str, object]) -> str:
    """What an Application writes into the kustomization it renders, as one key."""
    many = at(app, "spec", "sources")
    sources = many if isinstance(many, list) else [at(app, "spec", "source")]
    return json.dumps([at(s, "kustomize") for s in sources], sort_keys=True, default=str)


def application_kustomizations(
    root: Path, docs: Sequence[dict[str, object]]
) -> Iterator[tuple[dict[str, object], object, Path, Path]]:
    """Each source of the Argo CD Applications among ``docs`` that renders a kustomization in
    the repository at this checkout's revision (no chart): (the Application, its source, the
    directory, its kustomization file)."""
    for doc in docs:
        if doc.get("kind") != "Application" or not scalar_at(doc, "apiVersion").startswith("argoproj.io/"):
            continue
        many = at(doc, "spec", "sources")
        for src in many if isinstance(many, list) else [at(doc, "spec", "source")]:
            path = scalar_at(src, "path")
            if not path or scalar_at(src, "targetRevision") not in BASE_REVISIONS:
                continue
            directory = inside(root, root / path)
            if directory is None or _is_chart(directory, src):
                continue
            kfile = next((directory / n for n in KUSTOMIZATION_NAMES if (directory / n).is_file()), None)
            if kfile is not None:
                yield doc, src, directory, kfile


def kustomizations(root: Path, docs: Sequence[dict[str, object]]) -> list[tuple[Path, dict[str, object]]]:
    """The kustomization directories the Argo CD Applications among ``docs`` render, each with
    the first Application rendering it with those kustomize fields."""
    out: list[tuple[Path, dict[str, object]]] = []
    for doc, _, directory, _ in application_kustomizations(root, docs):
        if (directory, _settings(doc)) not in {(d, _settings(a)) for d, a in out}:
            out.append((directory, doc))
    return out


def template(
    settings: RenderSettings, helm: str, root: Path, chart: Chart, tmp: Path
) -> tuple[str, str] | tuple[None, str]:
    """``helm template`` of one chart: (its output, ""), or (None, one line saying why not)."""
    rel = chart.directory.relative_to(root).as_posix() or "."
    # helm runs in ``tmp``: a path relative to the caller's directory (a plan with --repo .)
    # would name nothing there, and helm reads a chart path it cannot find as a repository's
    argv = [helm, "template", chart.release, str(chart.directory.absolute()), "--namespace", chart.namespace]
    argv += ["--include-crds"]
    for f in chart.value_files:
        argv += ["--values", str(f.absolute())]
    if chart.values:
        inline = tmp / f"values-{len(list(tmp.glob('values-*')))}.yaml"
        inline.write_text(chart.values, encoding="utf-8")
        argv += ["--values", str(inline)]
    for name, value, as_string in chart.sets:
        # as Argo CD passes a parameter: a comma in its value is the value's, not a separator
        value = re.sub(r"(?<!\\),", r"\\,", value)
        argv += ["--set-string" if as_string else "--set", f"{name}={value}"]
    key = importlib.import_module(CHART_DEPS).content_key(
        argv, root, chart.directory, chart.value_files, chart.values
    )
    with _rendered_lock:
        done = _rendered.get(key) if key is not None else None
    if isinstance(done, tuple):
        return None, f"helm template {rel} ({chart.origin}) failed: {done[0]}"
    if done is not None:
        return done, ""
    chart_deps = importlib.import_module(CHART_DEPS)
    if chart_deps.needs_layout(root, chart.directory):  # its file:// dependencies, no .git
        with contextlib.suppress(OSError):
            laid = tmp / f"chart-{len(list(tmp.glob('chart-*')))}"
            if refused := chart_deps.lay_out(root, chart.directory, laid):
                return None, f"helm template {rel}: {refused}"
            argv[3] = str(laid.absolute())
    got = bounded.run_bounded(argv, tmp, settings.timeout, f"helm template {rel}")
    if isinstance(got, str) and len(got) <= MAX_KEPT_OUTPUT:
        _keep(key, got)
    if isinstance(got, bounded.NotRendered):  # a deadline or the bound: not kept, as another run may end
        said = str(got)
        return None, said if said.startswith("helm template") else f"helm template {rel}: {said}"
    if isinstance(got, bounded.Exited):
        # helm ends its error with an advice line ("Use --debug flag ..."): its own words are the Error: line
        kept = [ln for ln in got.lines if ln.strip() and not ln.startswith("Use --debug")]
        at = next((i for i in reversed(range(len(kept))) if kept[i].startswith("Error:")), len(kept) - 1)
        # helm 4 writes the cause on the lines after Error: (its location), helm 3 on that line
        lines = [ln.strip() for ln in kept[max(at, 0) :]]
        why = " ".join(lines) if len(" ".join(lines)) <= 300 else f"{lines[0][:140]} ... {lines[-1][:150]}"
        why = (why or f"exit status {got.status}").replace(str(root) + "/", "")  # tmp: its own values
        why = re.sub(re.escape(str(tmp)) + r"/values-\d+\.yaml", "its values (values, valuesFrom)", why)
        _keep(key, (why[:300],))
        return None, f"helm template {rel} ({chart.origin}) failed: {why[:300]}"
    return got, ""


def _keep(key: str | None, done: str | tuple[str]) -> None:
    if key is not None:
        with _rendered_lock:
            _rendered[key] = done
            _rendered.move_to_end(key)
            while len(_rendered) > MAX_KEPT:
                _rendered.popitem(last=False)


def file_objects(
    root: Path, files: Sequence[Path], own: Collection[str] = (), texts: Mapping[Path, str] | None = None
) -> list[dict[str, object]]:
    """The deployer objects of the files an environment's reading read (as they are on disk,
    or as ``texts`` writes them: no kustomization renders them), and the Applications their
    ApplicationSets generate, as Argo CD fills the template (of those, the environment's
    ``own`` when one is among them)."""
    out: list[dict[str, object]] = []
    for path in files:
        try:
            if texts and path in texts:
                text = texts[path]
            elif not path.is_file() or path.stat().st_size > bounded.MAX_OUTPUT:
                continue
            else:
                text = path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError):
            continue
        if ("argoproj.io" in text or "helm.toolkit.fluxcd.io" in text) and not definitions_only(text):
            out += objects(text)
        if is_appset(text):
            out += own_applications(_generated(root, path, text), own)
    return out


def _generated(root: Path, path: Path, text: str) -> list[dict[str, object]]:
    """The Applications the file's ApplicationSets generate from what the repository holds
    (one that cannot be expanded is the reading's to say)."""
    rel = path.relative_to(root).as_posix() if path.is_relative_to(root) else path.name

    tree, git_generators = walks.disk_tree(root), importlib.import_module(GIT_GENERATORS)

    def dirs(pattern: str) -> list[str]:
        return cast("list[str]", git_generators.glob_dirs(tree, root, pattern))

    def files(pattern: str) -> list[tuple[str, object]]:
        return cast("list[tuple[str, object]]", git_generators.glob_files(tree, root, pattern))

    def made() -> list[Any]:
        try:
            return [g for _, g in importlib.import_module(APPSETS).generate(text, rel, dirs, files)]
        except GitOpsBotError:
            return []

    # once a reading for the file's text on its tree: each environment of an ApplicationSet
    # (29 on one app of apps) asked it for all its Applications again
    kept = walks.kept(tree, ("appset-generated", root, rel, text), made)
    return [g.document() for g in kept if not isinstance(g, str)]


def fetched(root: Path, text: str) -> bool:
    """Whether ``text`` holds HelmReleases or Applications of no chart in the repository (an
    OCI chart, a chart repository's: never fetched here, so helm renders none of them)."""
    deployers = [d for d in objects(text) if d.get("kind") in ("HelmRelease", "Application")]
    return bool(deployers) and not charts(root, deployers)


def charted(root: Path, files: Sequence[Path]) -> bool:
    """Whether the deployer objects of ``files`` render a chart in the repository."""
    return bool(charts(root, file_objects(root, files)))


def render_marked(
    settings: RenderSettings,
    root: Path,
    files: Sequence[Path],
    texts: Mapping[Path, str],
    kustomize: Kustomize | None = None,
    own: Collection[str] = (),
    hand: Sequence[dict[str, object]] = (),
) -> ChartRenders | None:
    """The charts the deployer objects of ``files`` render, and those of ``hand`` (charts
    installed by hand, their paths relative to the tree), in a private copy of the tree with
    ``texts`` (path under ``root`` -> text) written over it; None when the copy fails."""
    with marked_copy(root, texts) as tree:
        if tree is None:
            return None
        docs = file_objects(tree, [tree / f.relative_to(root) for f in files], own)
        return render(settings, tree, [*docs, *hand], kustomize, own)


@contextlib.contextmanager
def marked_copy(root: Path, texts: Mapping[Path, str]) -> Iterator[Path | None]:
    """A private copy of the tree (``.git`` aside) with ``texts`` (path under ``root`` -> text)
    written over it, removed afterwards; None when the copy fails."""
    with tempfile.TemporaryDirectory(prefix="helm-marked-", dir=privdir.path(outside=root)) as tmp:
        tree = Path(tmp) / "tree"
        try:
            shutil.copytree(root, tree, symlinks=True, ignore=shutil.ignore_patterns(".git"))
            bounded.write_over(root, tree, texts)
        except (OSError, shutil.Error, ValueError):
            yield None
            return
        yield tree
