"""What helm renders, as the judge of the images discovery (``gitops-bot init``) reads in a
chart's values: the rules read every values block as a place the environment renders, but a
block under a template its values switch off (``redis.enabled: false``), or a chart default
every value file of the environment overrides, runs nothing. Each environment's charts here
(its Argo CD Applications' and Flux HelmReleases', or the chart its path is) are rendered with
the real ``helm template`` (:func:`gitops_bot.render.helm_render.template`, the plan's own call
and its kept renders); an image whose every place is such a values file and whose repository
the render never names is not rendered there. With no helm, or a chart helm refuses, the rules'
reading stands (the plan says why)."""

from __future__ import annotations

import tempfile
from collections.abc import Mapping, Sequence
from dataclasses import replace
from pathlib import Path

from gitops_bot.core import privdir
from gitops_bot.core.imageref import WrittenRef
from gitops_bot.core.reading import EnvironmentReading, ImageReading, PinKind, PinStatus
from gitops_bot.engine.candidates import FoundEnvironment
from gitops_bot.manifests import workloads
from gitops_bot.render import helm_render, rendered_reading, running, tools
from gitops_bot.render.settings import RenderSettings

SWITCHED_OFF = "a template its values switch off, or a default they override"
LINKED_OUT = (
    "a symbolic link leading out of the repository, so no chart is rendered with helm to judge its "
    "values blocks (helm would read what the link points at): each is read as rendered; make it a file "
    "in the repository, or remove it"
)


def helm_judged(
    root: Path,
    envs: Sequence[FoundEnvironment],
    readings: Mapping[str, EnvironmentReading],
    notes: list[str],
) -> tuple[dict[str, EnvironmentReading], dict[str, tuple[str, list[str]]], dict[str, dict[str, str]]]:
    """``readings`` with each image helm renders nowhere in an environment not rendered there;
    each such image -> (its first place, ``file:line``; the environments whose render was
    read); and each image the render runs with ``imagePullPolicy: Never`` -> environment -> the
    containers (the node's own copy runs: nothing to release). A symbolic link leading out of
    the repository keeps every chart from helm, as it does the plan's render (helm's loader
    follows a chart's links), said in ``notes``."""
    settings = RenderSettings()
    helm = settings.tool("helm")
    out = dict(readings)
    judged: dict[str, tuple[str, list[str]]] = {}
    never: dict[str, dict[str, str]] = {}
    if helm is None:
        return out, judged, never
    found = {e.name: _charts(root, e, r) for e in envs if (r := readings.get(e.name)) is not None}
    leaving = tools.links_out(root) if any(found.values()) else []
    if leaving:
        notes.append(f"{leaving[0]}: {LINKED_OUT}")
        return out, judged, never
    with tempfile.TemporaryDirectory(prefix="init-helm-", dir=privdir.path()) as tmp:
        for env in envs:
            reading = readings.get(env.name)
            charts = found.get(env.name, [])
            if reading is None or not charts:
                continue
            texts: list[str] = []
            for chart in charts:
                text, _ = helm_render.template(settings, helm, root, chart, Path(tmp))
                if text is None:
                    break  # helm refuses it: what runs is not known, the plan says why
                # a chart's tests, which helm template prints, are no place an image runs
                texts.append(workloads.without_test_hooks(text))
            else:
                covered = {
                    _rel(root, f) for c in charts for f in (*c.value_files, c.directory / "values.yaml")
                }
                images = tuple(_judged(i, texts, covered, judged, env.name) for i in reading.images)
                out[env.name] = replace(reading, images=images)
                runs = [r for t in texts for r in running.running(t)]
                for image, where in rendered_reading.unpulled(out[env.name], runs).items():
                    never.setdefault(image, {})[env.name] = where
    return out, judged, never


def _charts(root: Path, env: FoundEnvironment, reading: EnvironmentReading) -> list[helm_render.Chart]:
    """The charts here the environment renders: its deployer objects' and the charts its paths
    are (``helm install`` of the chart with its own values)."""
    docs = helm_render.file_objects(root, [root / f for f in reading.rendered])
    out = helm_render.charts(root, docs)
    for p in env.paths:
        directory = helm_render.inside(root, root / p)
        if directory is not None and (directory / "Chart.yaml").is_file():
            out.append(helm_render.Chart(f"chart {p}", "release", "default", directory, (), None, ()))
        elif directory is not None and directory.is_file() and (directory.parent / "Chart.yaml").is_file():
            # a values file beside its chart: helm install of the chart with it
            chart = directory.parent
            out.append(helm_render.Chart(f"chart {p}", "release", "default", chart, (directory,), None, ()))
    return out


def _rel(root: Path, path: Path) -> str:
    return path.relative_to(root).as_posix() if path.is_relative_to(root) else str(path)


def _judged(
    image: ImageReading,
    texts: Sequence[str],
    covered: set[str],
    judged: dict[str, tuple[str, list[str]]],
    env: str,
) -> ImageReading:
    """``image`` not rendered when its every place is a values file of the charts rendered and
    no render names its repository."""
    pins = image.pins
    if image.status is PinStatus.NOT_RENDERED or not pins:
        return image
    if not all(p.kind is PinKind.HELM and p.file in covered for p in pins):
        return image
    location = WrittenRef(image.image).location
    if location is None:
        return image
    path = location.split("/", 1)[1].removeprefix("library/")
    if any(path in t for t in texts):
        return image
    place = f"{pins[0].file}:{pins[0].line}"
    judged.setdefault(image.image, (place, []))[1].append(env)
    return replace(
        image,
        status=PinStatus.NOT_RENDERED,
        reason=f"helm template of {env} renders nothing naming {image.image} ({SWITCHED_OFF})",
        fix=None,
        would_write=None,
    )
