"""The reading held to the deploy tool: each environment's kustomizations rendered with the
real ``kubectl kustomize`` (:func:`gitops_bot.render.tools.render_directory`, the render the
rendered diff runs too), after the rule reading. A render kustomize refuses is that
environment's refusal, in one line with the tool's own words and the directory, and blocks its
release the way a refusal the rules find does (``EnvironmentReading.refused``).

Only what is all here is rendered: a kustomization reaching a remote resource or inflating Helm
charts (fetched when rendered) is left to the rules, so the render never reaches the network.
Renders are kept by the content of the whole tree (the rendered diff's cache): reading an
unchanged tree again renders nothing."""

from __future__ import annotations

import importlib
import os
import threading
from collections import OrderedDict
from collections.abc import Callable, Mapping, Sequence
from dataclasses import replace
from pathlib import Path
from types import ModuleType
from typing import TYPE_CHECKING, cast

import yaml

from gitops_bot.core.log import get_logger
from gitops_bot.core.reading import EnvironmentReading, Pin, PinKind, PinStatus
from gitops_bot.manifests import is_manifest, may_hold, without_definitions
from gitops_bot.manifests.charts_refs import app_version
from gitops_bot.manifests.guard import LOADER
from gitops_bot.manifests.kustomize import KUSTOMIZATION_NAMES
from gitops_bot.render import bounded, deployers, reader, running, tools, verdict
from gitops_bot.render import walk as walks
from gitops_bot.render.settings import RenderSettings

if TYPE_CHECKING:
    from gitops_bot.render import helm_render
    from gitops_bot.render.argo_kustomize import Build

log = get_logger(__name__)

# Argo CD's kustomize builds and a yielded Application's render, imported by name where an
# environment holds an Application or renders a chart: a plain kustomization's reading loads neither
ARGO_KUSTOMIZE = "gitops_bot.render.argo_kustomize"
APP_KUSTOMIZE = "gitops_bot.render.app_kustomize"
# the charts and deployer objects, likewise where a reading meets one (a chart, an Application, a
# HelmRelease, a render refused): a plain kustomization's reading loads none of it
HELM_RENDER = "gitops_bot.render.helm_render"


def argo_builds() -> ModuleType:
    """:mod:`gitops_bot.render.argo_kustomize`, loaded where it is first asked for."""
    return importlib.import_module(ARGO_KUSTOMIZE)


def helm() -> ModuleType:
    """:mod:`gitops_bot.render.helm_render`, loaded where it is first asked for."""
    return importlib.import_module(HELM_RENDER)


def kustomize_renderer(settings: RenderSettings) -> helm_render.Kustomize | None:
    """:func:`gitops_bot.render.app_kustomize.renderer`, loaded where it is first asked for."""
    return cast("helm_render.Kustomize | None", importlib.import_module(APP_KUSTOMIZE).renderer(settings))


# The base's readings held to the render and proven, kept for the next run over the same commit,
# configuration and rules' reading when all of it is here (each environment kustomizations that
# name no remote resource and no Helm chart: their renders change with nothing but the files): a
# watch's cycle over an unchanged repository rendered and marked them again, a third of its own
# CPU. One entry a checkout, the least recently used forgotten past KEPT_READINGS.
KEPT_READINGS = 256
_kept: OrderedDict[Path, tuple[tuple[object, ...], dict[str, EnvironmentReading]]] = OrderedDict()
_kept_lock = threading.Lock()


def proven(
    settings: RenderSettings,
    root: Path,
    config_root: Path,
    content: str | None,
    config: object,
    read: Mapping[str, EnvironmentReading],
    paths: Mapping[str, tuple[str, ...]],
    prove: Callable[[dict[str, EnvironmentReading]], dict[str, EnvironmentReading]],
) -> dict[str, EnvironmentReading]:
    """The rules' readings ``read`` with the environments of ``paths`` held to the render
    (:func:`held_to_render`), then proven (``prove``); kept by ``content`` (the commit the files
    under ``root`` are; None: not kept) and ``config`` while each environment's ``paths`` are
    kustomizations all here."""

    def make() -> dict[str, EnvironmentReading]:
        base = {n: read[n] for n in paths}
        return prove({**read, **held_to_render(settings, root, config_root, base, paths)})

    if content is None:
        return make()
    kubectl = Path(settings.tool("kubectl") or "")
    st = kubectl.stat() if kubectl.is_file() else None
    key = (content, config, dict(read), kubectl, st and (st.st_size, st.st_mtime_ns))
    with _kept_lock:
        got = _kept.get(root)
        if got is not None and got[0] == key:
            _kept.move_to_end(root)
            return dict(got[1])
    out = make()
    # a chart, an Application's path or plain files are not known to be all here: not kept
    dirs = [config_root / p for ps in paths.values() for p in ps]
    here = all(ps for ps in paths.values()) and all(
        any((d / n).is_file() for n in KUSTOMIZATION_NAMES) and tools.all_here(root, d, {}) for d in dirs
    )
    if here:
        with _kept_lock:
            _kept[root] = (key, dict(out))
            _kept.move_to_end(root)
            while len(_kept) > KEPT_READINGS:
                _kept.popitem(last=False)
    return out


# the kinds whose objects render a chart (an Argo CD Application, a Flux HelmRelease)
_DEPLOYER_KINDS = frozenset({"Application", "HelmRelease"})
REFUSED_FIX = "fix what kubectl kustomize names, then see it build with 'kubectl kustomize {dir}'"
HELM_FIX = (
    "fix what helm names in the chart or in the values its Application gives it, then see it render with "
    "'helm template'"
)
ARGO_FIX = (
    "fix what it names in {origin}'s kustomize fields or in {dir}'s kustomization (Argo CD writes those "
    "fields into it, then builds it)"
)


def environment_kustomizations(
    root: Path, paths: Sequence[Path], leaving: Sequence[str]
) -> dict[Path, reader.Reach]:
    """The kustomization directories among an environment's paths (in the repository) that
    reach nothing outside it, each with what it reads: what its reading renders, and what its
    marked render (:mod:`gitops_bot.engine.proven`) proves release places with. ``leaving``:
    the tree's links leading out (:func:`~gitops_bot.render.tools.links_out`); the rules name
    one where it is read, and kubectl would render what it points at, so no kustomization that
    may read one is rendered, plainly or marked."""
    tree = walks.disk_tree(root)
    reaches = {d: reader.reach(tree, root, d) for d in tools.kustomizations(root, list(paths))}
    return {d: r for d, r in reaches.items() if r.local and not tools.links_read(root, d, leaving, {})}


def render_all(
    settings: RenderSettings, root: Path, directories: Sequence[Path]
) -> dict[Path, str | bounded.NotRendered]:
    """Each local kustomization directory (under ``root``) rendered, from the cache where the
    tree's content was rendered before, else in one private copy of the tree (laid out as the
    rendered diff's "before" side: the render kept here is the one the diff's before finds)."""
    if settings.tool("kubectl") is None or not directories:
        return {}
    names = {d: d.relative_to(root).as_posix() or "." for d in directories}
    # within the rendered diff's budget: past it kustomize takes seconds to minutes, and the
    # rules' reading stands alone
    # a vendored chart's (helmCharts:, no chart pulled) too: its render, never kept, may be refused
    local = {
        d: n
        for d, n in names.items()
        if tools.remote(root, d, {}) is None and tools.over_budget(settings, root, d, n, {}) is None
    }
    if not local:
        return {}
    kept = {n for d, n in local.items() if tools.all_here(root, d, {})}
    (got,) = tools.render_kept(settings, root, list(local.values()), {"before": {}}, kept)
    return dict(zip(local, got, strict=True))


@walks.one_reading()  # its kustomizations walked once, for its render and budget alike
def held_to_render(
    settings: RenderSettings,
    root: Path,
    config_root: Path,
    readings: Mapping[str, EnvironmentReading],
    paths: Mapping[str, Sequence[str]],
) -> dict[str, EnvironmentReading]:
    """``readings`` with each environment whose kustomization kubectl refuses to build
    refused (``paths``: each environment's paths, relative to ``config_root``)."""
    if not settings.enabled:
        return dict(readings)
    leaving = tools.links_out(root)
    dirs = {
        name: dict(environment_kustomizations(root, [config_root / p for p in paths.get(name, ())], leaving))
        for name in readings
    }
    rendered = render_all(settings, root, sorted({d for ds in dirs.values() for d in ds}))
    linked_out = bool(leaving)  # a link leading out: the rules name it
    texts_of = {name: _texts(rendered, list(dirs[name])) for name in readings}
    docs_of = {
        name: _deployers(settings, root, config_root, r, texts_of[name]) for name, r in readings.items()
    }
    argo = _argo_builds(settings, root, readings, docs_of, dirs)
    out: dict[str, EnvironmentReading] = {}
    for name, reading in readings.items():
        refused = list(reading.refused)
        units: list[tuple[str, str, tuple[str, ...]]] = []  # (reason, fix, files) of a unit refused
        texts = list(texts_of[name])
        # the files each text renders (a chart's, an Application's build: not known whole), so a
        # place is held only to what may read it, never to another path's objects of the image
        reads: list[frozenset[str] | None] = [
            frozenset(_rels(config_root, r.files))
            for d, r in dirs[name].items()
            if isinstance(rendered.get(d), str)
        ]
        for d, reach in dirs[name].items():
            got = rendered.get(d)
            # a refusal is kustomize's own; a deadline or the output bound says nothing of the files
            if isinstance(got, bounded.NotRendered) and str(got).startswith("kubectl kustomize failed"):
                rel = d.relative_to(config_root).as_posix() if d.is_relative_to(config_root) else str(d)
                units.append((f"{rel}: {got}", REFUSED_FIX.format(dir=rel), _rels(config_root, reach.files)))
        for build, got in argo.get(name, ()):
            rel = (
                build.directory.relative_to(config_root).as_posix()
                if build.directory.is_relative_to(config_root)
                else str(build.directory)
            )
            if isinstance(got, str):
                texts.append(got)
                reads.append(None)  # its Application's own fields too, wherever its file is
            elif isinstance(got, bounded.NotRendered) and str(got).startswith(
                ("kubectl kustomize failed", "Argo CD")
            ):
                kfile = next((n for n in KUSTOMIZATION_NAMES if (build.directory / n).is_file()), "")
                built = reader.reach(walks.disk_tree(root), root, build.directory).files
                fix = ARGO_FIX.format(dir=rel, origin=build.origin)
                units.append(
                    (f"{rel}/{kfile} as {build.origin} writes it: {got}", fix, _rels(config_root, built))
                )
        # Argo CD and Flux fail the unit they cannot build and sync the others: one the rules
        # refused already is theirs to say; the environment is refused whole when no image is
        # read outside the refused units
        units = [
            u for u in dict.fromkeys(units) if not any(u[2][:1] and u[2][0] in s for *_, s in reading.scoped)
        ]
        if units and (refused or verdict.units_refused(reading, units) is None):
            refused += [(why, fix) for why, fix, _ in units if all(r[0] != why for r in refused)]
            units = []
        docs = docs_of[name] + installed(root, config_root, reading, paths.get(name, ()), docs_of[name])
        charts = _charts(settings, root, reading, texts_of[name], docs) if not linked_out else None
        made, failed, refusals = (charts.texts, charts.failed, charts.refused) if charts else ((), (), ())
        scoped: list[tuple[str, Path]] = []  # a chart helm refuses, among others that render
        if any(i.effective is not None for i in reading.images):  # else the unread reason names it
            scoped = list(zip(refusals, charts.refused_charts, strict=True)) if charts else []
            scoped = [(w, d) for w, d in scoped if all(r[0] != w for r in refused)]
        if refused:  # the environment's own render refused: nothing of it is known
            refused += [(why, HELM_FIX) for why, _ in scoped]
            scoped = []
        ran = [
            (f, running.running(t))
            for t, f in zip((*texts, *made), (*reads, *[None] * len(made)), strict=True)
        ]
        runs = [r for _, rs in ran for r in rs]
        if runs and not refused and not scoped and not units and not reading.scoped:
            reading = never_pulled(defaulted(reading, runs), runs)
        otherwise = running.differs(reading, ran) if runs and not refused else ()
        notes = (*failed, *otherwise)
        if len(refused) > len(reading.refused) or notes:
            reading = replace(reading, refused=tuple(refused), notes=(*reading.notes, *notes))
        # printed by the plan: a chart helm renders nothing of (a dependency not vendored: Argo CD
        # fetches it, the bot fetches nothing), whose runs are left to the rules, with the fix; and
        # a place read as the pin whose render runs another version
        unrendered = [_unrendered(f) for f in failed if f not in refusals]
        unrendered += empty_tags(config_root, reading)
        if unrendered or otherwise:
            reading = replace(reading, said=(*reading.said, *unrendered, *otherwise))
        if refused and not reading.incomplete:
            # each image unsupported in the first refusal's words, as the rules' refusal makes it:
            # the release reads an image's status, and a render that fails proposes nothing; one
            # no file it reads names stays another environment's (a failed build runs nothing more)
            unsupported = PinStatus.UNSUPPORTED
            images = tuple(
                i
                if i.nowhere
                else replace(i, status=unsupported, reason=refused[0][0], fix=refused[0][1], would_write=None)
                for i in reading.images
            )
            reading = replace(reading, images=images)
        if scoped and not reading.incomplete:
            reading = _chart_refused(reading, scoped, config_root)
        if units and not reading.incomplete:
            reading = verdict.units_refused(reading, units) or reading
        out[name] = reading
    return out


def _chart_refused(
    reading: EnvironmentReading, scoped: Sequence[tuple[str, Path]], config_root: Path
) -> EnvironmentReading:
    """Of an environment whose Applications render several charts, one helm refuses: Argo CD
    fails that Application and syncs the others, so only an image pinned in the refused chart
    is refused (what that chart renders is not known); the others are read as they are."""

    def refusal(pins: Sequence[Pin]) -> str | None:
        return next(
            (why for why, d in scoped for p in pins if (config_root / p.file).is_relative_to(d)), None
        )

    images = tuple(
        replace(i, status=PinStatus.UNSUPPORTED, reason=why, fix=HELM_FIX, would_write=None)
        if (why := refusal(i.pins)) is not None
        else i
        for i in reading.images
    )
    said = tuple(
        f"{why}: its images are not released, the environment's others are (fix: {HELM_FIX})"
        for why, _ in scoped
    )
    return replace(reading, images=images, said=(*reading.said, *said))


def _rels(config_root: Path, found: Sequence[Path]) -> tuple[str, ...]:
    return tuple(f.relative_to(config_root).as_posix() for f in found if f.is_relative_to(config_root))


def _texts(rendered: Mapping[Path, str | bounded.NotRendered], dirs: Sequence[Path]) -> list[str]:
    return [got for d in dirs if isinstance(got := rendered.get(d), str)]


def _deployers(
    settings: RenderSettings, root: Path, config_root: Path, reading: EnvironmentReading, texts: list[str]
) -> list[dict[str, object]]:
    """The environment's Argo CD Applications and Flux HelmReleases, as its kustomizations
    render those objects (overlays' patches applied), else as its files hold them."""
    if settings.tool("kubectl") is None and settings.tool("helm") is None:
        return []  # nothing renders them: its deployer objects not parsed
    if texts and not any(may_hold(t, _DEPLOYER_KINDS) for t in texts):
        return []  # kubectl prints each kind at a line's start: no deployer object rendered
    if texts:  # an operator's definitions rendered beside them name the kinds too, and are no deployer
        return [o for t in texts for o in helm().objects(without_definitions(t))]
    own = dict(reading.documents).values()
    return cast(
        "list[dict[str, object]]", helm().file_objects(root, [config_root / f for f in reading.rendered], own)
    )


def _argo_builds(
    settings: RenderSettings,
    root: Path,
    readings: Mapping[str, EnvironmentReading],
    docs_of: Mapping[str, list[dict[str, object]]],
    dirs: Mapping[str, Mapping[Path, reader.Reach]],
) -> dict[str, list[tuple[Build, str | bounded.NotRendered | None]]]:
    """Each environment's Applications over a kustomization here, built as Argo CD builds them
    (their own kustomize fields applied), all environments' in one batch of renders; one that
    sets nothing over a kustomization the environment renders already is that render."""
    if settings.tool("kubectl") is None or not any(docs_of.values()):
        return {}  # no Application: nothing Argo CD builds
    argo_kustomize, helm_render = argo_builds(), helm()
    found: dict[str, list[Build]] = {
        name: [
            b
            for b in argo_kustomize.builds(
                root, helm_render.own_applications(docs, dict(readings[name].documents).values())
            )
            if b.texts or b.refused or b.directory not in dirs.get(name, ())
        ]
        for name, docs in docs_of.items()
    }
    every = [b for bs in found.values() for b in bs]
    got = iter(argo_kustomize.render(settings, root, every) if every else [])
    return {name: [(b, next(got)) for b in bs] for name, bs in found.items()}


def installed(
    root: Path,
    config_root: Path,
    reading: EnvironmentReading,
    paths: Sequence[str],
    docs: Sequence[dict[str, object]],
) -> list[dict[str, object]]:
    """The charts among the environment's paths that none of its deployer objects renders
    (``helm install NAME ./chart``, no Argo CD or Flux object), each as the Application over that
    path renders it: the chart's own ``values.yaml``, then the environment's values files beside
    it that the reading read (``values-prod.yaml``), so the render and the rules read one set. A
    path that is a values file beside its chart's ``Chart.yaml`` is ``helm install -f`` of the
    chart with that file, as the reading reads it over the chart's values. An app of apps' root
    is left to the reading (its Applications are followed there)."""
    done: set[Path] | None = None  # the charts ``docs`` render: asked where a path is a chart
    out: list[dict[str, object]] = []
    for p in paths:
        path = Path(os.path.normpath(config_root / p))
        if not walks.inside(root, path):
            continue
        values = (
            path.is_file()
            and path.suffix in (".yaml", ".yml")
            and path.name != "Chart.yaml"
            and not is_manifest(bounded.read_text(path) or "")  # an object is applied, not a value
        )
        directory = path.parent if values else path
        if not (directory / "Chart.yaml").is_file():
            continue
        helm_render = helm()
        done = {c.directory for c in helm_render.charts(root, docs)} if done is None else done
        if directory in done or helm_render.source_files.holds_applications(directory / "templates"):
            continue
        rel = directory.relative_to(root).as_posix()
        own = [
            f.rpartition("/")[2]
            for f in reading.rendered
            if (config_root / f).parent == directory and f.rpartition("/")[2].startswith("values-")
        ]
        if values:  # the file the path names, over the chart's own values
            own = [] if path.name == "values.yaml" else [path.name]
        out.append(deployers.by_hand(deployers.hand_name(rel), rel or ".", own))
    return out


def streams(
    settings: RenderSettings,
    root: Path,
    config_root: Path,
    reading: EnvironmentReading,
    paths: Sequence[str],
    texts: Mapping[Path, str],
) -> tuple[list[str], list[str]]:
    """What an environment with no kustomization among its paths renders with ``texts`` (path
    under ``root`` -> text: a release's before or after) written over the tree, as
    :func:`held_to_render` reads what runs: its Applications over a kustomization built as Argo
    CD builds them, the charts its Applications and HelmReleases render and those its paths are,
    else its files' objects as ``kubectl apply -f`` reads them. (the streams, each refusal)"""
    files = [config_root / f for f in reading.rendered]
    own = dict(reading.documents).values()
    helm_render, argo_kustomize = helm(), argo_builds()
    docs = helm_render.file_objects(root, files, own, texts)
    found = argo_kustomize.builds(root, helm_render.own_applications(docs, own), texts)
    out: list[str] = []
    failed: list[str] = []
    for build, got in zip(found, argo_kustomize.render(settings, root, found, texts), strict=True):
        if isinstance(got, str):
            out.append(got)
        elif got is not None:
            failed.append(f"{build.origin}: {got}")
    hand = installed(root, config_root, reading, paths, docs)
    if settings.tool("helm") is not None and (hand or helm_render.charts(root, docs)):
        with helm_render.marked_copy(root, texts) as tree:
            if tree is None:
                return out, [*failed, "not rendered: cannot copy the repository"]
            copied = helm_render.file_objects(tree, [tree / f.relative_to(root) for f in files], own)
            charts = helm_render.render(settings, tree, copied + hand, None, own)
            out += charts.texts
            failed += charts.failed
    if not out and not failed:
        out = [yaml.safe_dump_all(_objects(root, files, texts))]
    return out, failed


def _objects(root: Path, files: Sequence[Path], texts: Mapping[Path, str]) -> list[dict[str, object]]:
    """The Kubernetes objects the files hold, as kubectl apply reads a directory of manifests
    (a document that is no object, or a file that is no YAML, applies nothing)."""
    out: list[dict[str, object]] = []
    for path in files:
        text = texts.get(path) if path in texts else bounded.read_text(path)
        try:
            docs = list(yaml.load_all(text or "", Loader=LOADER))
        except yaml.YAMLError:
            continue
        out += [d for d in docs if isinstance(d, dict) and d.get("kind") and d.get("apiVersion")]
    return out


def _charts(
    settings: RenderSettings,
    root: Path,
    reading: EnvironmentReading,
    texts: list[str],
    docs: list[dict[str, object]],
) -> helm_render.ChartRenders | None:
    """The charts in the repository the environment's Argo CD Applications and Flux
    HelmReleases render (``docs``: those objects, :func:`_deployers`); None: none rendered."""
    if settings.tool("helm") is None or (texts and not docs):
        return None  # no chart rendered: its deployer objects not parsed for one
    own = dict(reading.documents).values()
    got = helm().render(settings, root, docs, kustomize_renderer(settings), own)
    return cast("helm_render.ChartRenders", got)


def defaulted(reading: EnvironmentReading, runs: Sequence[running.Running]) -> EnvironmentReading:
    """An image whose effective Helm values place leaves its tag empty (``tag: ""``, helm's empty
    value) runs the tag the chart's template defaults to (its ``appVersion``): that rendered tag
    is the version the environment runs, read from the render, where the text said none. A
    release still writes the values key, which then takes the template's place."""
    images, notes = [], []
    for image in reading.images:
        pin = image.effective
        tags = {r.tag for r in runs if pin is not None and r.repository == pin.repository and r.tag}
        # a key the file lacks is unsupported, said with the appVersion it runs by the marked render
        unkeyed = image.status is PinStatus.UNSUPPORTED
        if pin is None or pin.kind is not PinKind.HELM or pin.tag or pin.digest or unkeyed or len(tags) != 1:
            images.append(image)
            continue
        ran = tags.pop()
        pins = tuple(replace(p, tag=ran) if p is pin else p for p in image.pins)
        images.append(replace(image, pins=pins))
        notes.append(f"{pin.place} leaves {image.image}'s tag empty: the render runs {ran}, the chart's own")
    if not notes:
        return reading
    return replace(reading, images=tuple(images), notes=(*reading.notes, *notes))


def empty_tags(config_root: Path, reading: EnvironmentReading) -> list[str]:
    """Each image whose Helm values place leaves its tag empty and no render filled it in
    (:func:`defaulted` fills it where helm rendered the chart): what runs is the chart
    templates' choice, commonly its ``appVersion``, which is named so that no one reads
    "(no tag)" as what runs."""
    out = []
    for image in reading.images:
        pin = image.effective
        # an unsupported one is said with its refusal (engine.app_version proves what runs)
        if (
            pin is None
            or pin.kind is not PinKind.HELM
            or pin.tag
            or pin.digest
            or image.status is PinStatus.UNSUPPORTED
        ):
            continue
        said = f"{pin.place} leaves {image.image}'s tag empty: the chart's templates choose what runs"
        start = (config_root / pin.file).parent
        for d in (start, *start.parents):
            if not d.is_relative_to(config_root):
                break
            if (text := bounded.read_text(d / "Chart.yaml")) is not None:
                if (found := app_version(text)) is not None and found.value:
                    chart = (d / "Chart.yaml").relative_to(config_root).as_posix()
                    said += f" (commonly its appVersion, {found.value} in {chart})"
                break
        out.append(f"{said}, and no render of it told which")
    return out


DEPENDENCY_FIX = "helm dependency build, then commit the chart's charts/ directory, to have it rendered"


def _unrendered(failed: str) -> str:
    """A chart's render helm gave nothing of, as the plan says it."""
    fix = f" (fix: {DEPENDENCY_FIX})" if "missing in charts/ directory" in failed else ""
    return f"{failed}: what it runs is read by the bot's own rules{fix}"


_RELEASED = (PinStatus.PINNED, PinStatus.INHERITED)  # what a release would write for
NEVER_PULLED_FIX = (
    "remove the image from images: in gitops-bot.yaml (the node's own copy is what runs), or set "
    "imagePullPolicy: IfNotPresent where the image is pushed to a registry a release reads"
)


def unpulled(reading: EnvironmentReading, runs: Sequence[running.Running]) -> dict[str, str]:
    """Each image of ``reading`` a release would write for whose every rendered container runs
    it with ``imagePullPolicy: Never`` -> those containers, in words."""
    out = {}
    for image in reading.images:
        pin = image.effective
        seen = [r for r in runs if pin is not None and r.repository == pin.repository]
        if image.status in _RELEASED and seen and all(r.pull == "Never" for r in seen):
            out[image.image] = ", ".join(f"{r.kind}/{r.name} {r.container}" for r in seen[:3])
    return out


def never_pulled(reading: EnvironmentReading, runs: Sequence[running.Running]) -> EnvironmentReading:
    """An image every rendered container runs with ``imagePullPolicy: Never`` is the copy a node
    already holds (``minikube docker-env``, ``kind load``): no registry's tag or digest is what
    runs, and a release would name one no node holds, so the pod could not start. Refused with
    the fix; its pins are still named."""
    never = unpulled(reading, runs)
    images = [
        replace(
            image,
            status=PinStatus.UNSUPPORTED,
            reason=f"{image.image} is never pulled: {never[image.image]} runs it with imagePullPolicy: Never",
            fix=NEVER_PULLED_FIX,
            would_write=None,
        )
        if image.image in never
        else image
        for image in reading.images
    ]
    return replace(reading, images=tuple(images))
