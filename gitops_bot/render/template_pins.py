"""A chart template's literal image lines proven by a marked render.

A template that writes an image whole (``image: nginx:1.25.3`` in ``templates/deployment.yaml``)
is YAML only once helm renders it, so the rules read no version there and say so
(:func:`gitops_bot.render.pin_rules._templated`). Yet that line is what runs, and its bytes are
text a release can write, when helm prints them as they are: a plain scalar on a line holding
no template action. Where helm is installed, each such line is written with a marker tag of its
own in a private copy of the tree and the environment's charts are rendered once more; a line
whose marker is the tag of a rendered container flows into what runs, so it is the image's pin
and a release writes it in place (:func:`gitops_bot.manifests.workloads.edit_template`). An
image with any line not proven so (a template action on it, a branch of an ``if`` that is not
rendered, a template another environment renders too) stays said as the rules say it.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from dataclasses import replace
from pathlib import Path

from gitops_bot.core.reading import EnvironmentReading, ImageReading, PinStatus
from gitops_bot.manifests import is_manifest, workloads
from gitops_bot.render import helm_render, running
from gitops_bot.render.bounded import read_text
from gitops_bot.render.helm_render import Kustomize
from gitops_bot.render.pin_rules import TEMPLATE_FORM
from gitops_bot.render.settings import RenderSettings

RELEASE = "gitops-bot"  # the release name a chart no deployer object names is rendered under


def templated(reading: EnvironmentReading) -> bool:
    """Whether the rules read an image of ``reading`` as written whole in chart templates."""
    return any(_literal_pins(r) for r in reading.images)


def _literal_pins(r: ImageReading) -> bool:
    return r.status is PinStatus.UNSUPPORTED and bool(r.pins) and all(p.form == TEMPLATE_FORM for p in r.pins)


def prove(
    settings: RenderSettings,
    root: Path,
    config_root: Path,
    paths: Sequence[str],
    reading: EnvironmentReading,
    others: Mapping[str, EnvironmentReading],
    secret: str,
    kustomize: Kustomize | None = None,
) -> EnvironmentReading:
    """``reading`` with each image the rules read as written whole in chart templates pinned
    at those lines where the marked render shows every one of them is what the environment
    runs. ``paths``: the environment's (a chart directory or a values file of it, when no
    Application or HelmRelease renders the chart); ``others``: the other environments'
    readings (a template one of them renders too is no place of this environment's alone)."""
    texts: dict[Path, str] = {}
    spans: dict[Path, list[tuple[int, int, str]]] = {}
    marks: dict[str, list[str]] = {}  # image -> the markers of its lines
    for k, r in enumerate(reading.images):
        if not _literal_pins(r) or any(p.file in o.rendered for p in r.pins for o in others.values()):
            continue
        lines = _marked_lines(config_root, r, k, secret, texts, spans)
        if lines is not None:
            marks[r.image] = lines
    if not marks:
        return reading
    for path, found in spans.items():
        text = texts[path]
        for start, end, new in sorted(found, reverse=True):
            text = text[:start] + new + text[end:]
        texts[path] = text
    rendered, failed = _render(settings, root, config_root, paths, reading, texts, kustomize)
    if failed:  # the reading's own render passed: what stopped the proof is said on each image
        images = tuple(_unproven(r, failed) if r.image in marks else r for r in reading.images)
        return replace(reading, images=images)
    tags = {_tag(c.image) for t in rendered for c in running.running(t)}
    proven = {image for image, markers in marks.items() if all(m in tags for m in markers)}
    if not proven:
        return reading
    images = tuple(_pinned(r) if r.image in proven else r for r in reading.images)
    files = [p.file for r in images if r.image in proven for p in r.pins]
    writable = tuple(dict.fromkeys((*reading.writable, *files)))
    return replace(reading, images=images, writable=writable)


def _tag(image: str) -> str:
    """The tag of a rendered image reference (after the last ``:`` past its last ``/``)."""
    last = image.partition("@")[0].rsplit("/", 1)[-1]
    return last.rpartition(":")[2] if ":" in last else ""


def _marked_lines(
    config_root: Path,
    r: ImageReading,
    k: int,
    secret: str,
    texts: dict[Path, str],
    spans: dict[Path, list[tuple[int, int, str]]],
) -> list[str] | None:
    """The markers of ``r``'s template lines, each written (in ``spans``) over its reference's
    tag; None when a line is no plain literal of the file as read."""
    out: list[str] = []
    for j, pin in enumerate(r.pins):
        path = config_root / pin.file
        if path not in texts:
            text = read_text(path)
            if text is None:
                return None
            texts[path] = text
        lit = next((x for x in workloads.template_literals(texts[path]) if x.line == pin.line), None)
        if lit is None or not lit.plain:
            return None
        marker = f"gitops-bot-{secret}-{k}t{j}"
        spans.setdefault(path, []).append((lit.start, lit.end, f"{lit.reference.name}:{marker}"))
        out.append(marker)
    return out


def _pinned(r: ImageReading) -> ImageReading:
    pins = tuple(replace(p, effective=True, editable=True) for p in r.pins)
    return replace(r, status=PinStatus.PINNED, pins=pins, reason=None, fix=None, would_write=None)


def _unproven(r: ImageReading, failed: str) -> ImageReading:
    """``r`` (read as written whole in a template) with why the render proving its lines
    failed (a deadline under load, most often): said, never a chart to restructure."""
    reason = f"{r.reason}; the render proving that line runs failed ({failed})"
    fix = "raise render.timeout where it ran past it, else see what helm says with 'helm template'"
    return replace(r, reason=reason, fix=fix)


def _render(
    settings: RenderSettings,
    root: Path,
    config_root: Path,
    paths: Sequence[str],
    reading: EnvironmentReading,
    texts: Mapping[Path, str],
    kustomize: Kustomize | None,
) -> tuple[tuple[str, ...], str]:
    """The environment's charts rendered with ``texts`` written over the tree: those its
    Applications and HelmReleases render, else the chart directories its paths name; with why
    one was not ("" when each was, or none is)."""
    files = [config_root / f for f in reading.rendered]
    own: Collection[str] = dict(reading.documents).values()
    if helm_render.charted(root, files):
        got = helm_render.render_marked(settings, root, files, texts, kustomize, own)
        if got is None:
            return (), ""
        return (got.texts, "") if not got.failed else ((), got.failed[0])
    helm = settings.tool("helm")
    charts = _charts(root, config_root, paths)
    if helm is None or not charts:
        return (), ""
    out: list[str] = []
    with helm_render.marked_copy(root, texts) as tree:
        if tree is None:
            return (), ""
        for chart in charts:
            moved = replace(
                chart,
                directory=tree / chart.directory.relative_to(root),
                value_files=tuple(tree / f.relative_to(root) for f in chart.value_files),
            )
            printed, why = helm_render.template(settings, helm, tree, moved, tree.parent)
            if printed is None:  # a marker proves nothing then
                return (), why
            out.append(printed)
    return tuple(out), ""


def _charts(root: Path, config_root: Path, paths: Sequence[str]) -> list[helm_render.Chart]:
    """The charts an environment's paths name with no deployer object: a chart directory
    (its values.yaml), or a values file beside a chart's Chart.yaml (layered over it)."""
    out: list[helm_render.Chart] = []
    for rel in paths:
        path = (config_root / rel).absolute()
        if not path.is_relative_to(root):
            continue
        directory, values = (path, ()) if path.is_dir() else (path.parent, (path,))
        if values and is_manifest(read_text(path) or ""):
            continue  # an object beside a chart is applied as it is: helm never reads it
        if not (directory / "Chart.yaml").is_file():
            continue
        if values and path.name == "values.yaml":
            values = ()  # helm reads the chart's own values first
        out.append(helm_render.Chart(f"chart {rel}", RELEASE, "default", directory, values, None, ()))
    return out
