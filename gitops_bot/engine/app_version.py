"""Where an image's tag comes from when the values key a release would set is in no values
file: a chart's template taking it from elsewhere (``| default .Chart.AppVersion``), proven by
a marked render as :mod:`gitops_bot.engine.proven` proves release places."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import yaml

from gitops_bot.config import Config
from gitops_bot.core.errors import ManifestError
from gitops_bot.core.reading import EnvironmentReading, PinStatus
from gitops_bot.manifests import images, nodes
from gitops_bot.manifests.charts_refs import app_version
from gitops_bot.manifests.yamltext import YamlText
from gitops_bot.render import helm_render
from gitops_bot.render.bounded import read_text
from gitops_bot.render.running import templates_running


def unkeyed(
    config: Config,
    root: Path,
    files: list[Path],
    specs: list[images.ImageSpec],
    reading: EnvironmentReading,
    secret: str,
) -> EnvironmentReading:
    """Each image refused because the values key its tag would take is in no values file (the
    chart's template takes the tag from elsewhere: ``| default .Chart.AppVersion``): what it
    runs and whether that key would take it, each proven by a marked render. The charts'
    ``appVersion`` written with a marker shows where the tag comes from; the key written into
    the file a release would add it to shows whether the fix the refusal gives changes
    anything (the two in separate renders: a key that takes the tag hides the appVersion)."""
    keys = {s.name: s.helm.get("tag") for s in specs}
    objects = helm_render.file_objects(root, files)
    charts = helm_render.charts(root, objects)
    refused: dict[str, tuple[str, str, str]] = {}
    for r in reading.images:
        pin, key = r.effective, keys.get(r.image)
        if r.status is not PinStatus.UNSUPPORTED or pin is None or pin.tag is not None or not pin.repository:
            continue
        # the key goes into the last values file the chart of the pin's file layers: its own
        at = config.root.absolute() / pin.file
        layered = [c.value_files[-1] for c in charts if c.value_files and c.directory in at.parents]
        file = layered[0].relative_to(config.root.absolute()).as_posix() if layered else pin.file
        if key:
            refused[r.image] = (file, key, pin.repository)
    if not refused:
        return reading
    versions: dict[str, tuple[str, str]] = {}  # marker -> (Chart.yaml:line, its appVersion)
    texts: dict[Path, str] = {}
    for n, chart in enumerate(sorted({c.directory / "Chart.yaml" for c in charts})):
        text = read_text(chart)
        if text is not None and (found := app_version(text)) is not None:
            marker = f"gitops-bot-{secret}-{n}a"
            versions[marker] = (f"{chart.relative_to(root).as_posix()}:{found.line}", found.value)
            texts[chart] = text[: found.start] + f"appVersion: {marker}" + text[found.end :]
    keyed: dict[Path, str] = {}
    for i, (file, key, _) in enumerate(refused.values()):
        path = config.root.absolute() / file
        if (text := keyed.get(path) or read_text(path)) is not None:
            keyed[path] = _with_key(text, file, key, f"gitops-bot-{secret}-{i}k")
    from_version = helm_render.render_marked(config.render, root, files, texts) if texts else None
    from_key = helm_render.render_marked(config.render, root, files, keyed)
    if from_key is None or from_key.failed or not from_key.texts:
        return reading
    judged = []
    for r in reading.images:
        if r.image not in refused:
            judged.append(r)
            continue
        file, key, repository = refused[r.image]
        name = repository.rsplit("/", 1)[-1]
        ran = templates_running(from_version.texts if from_version else (), name)
        runs = [(image, versions[m]) for _, image in ran for m in versions if image.endswith(":" + m)]
        if not runs:
            judged.append(r)
            continue
        image, (place, version) = runs[0]
        running = f"{image.rsplit(':', 1)[0]}:{version}"
        said = f"; {r.environment} runs {running}, its tag the chart's appVersion ({place}), "
        templates = sorted({t for t, _ in templates_running(from_key.texts, name)})
        if f"gitops-bot-{secret}-{list(refused).index(r.image)}k" in "\n".join(from_key.texts):
            said += f"which {key} in {file} would override (the marked render shows it)"
            judged.append(replace(r, reason=f"{r.reason}{said}"))
        else:
            said += f"and {key} in {file} would change nothing it renders (the marked render shows it)"
            where = ", ".join(templates) or "the chart's templates"
            fix = (
                f"make {where} take the tag from the values ({{{{ .Values.{key} }}}}), then set it in {file}"
            )
            judged.append(replace(r, reason=f"{r.reason}{said}", fix=fix))
    return replace(reading, images=tuple(judged))


def _with_key(text: str, file: str, key: str, value: str) -> str:
    """``text`` (a values file, in the marked render's private copy only) with the dotted
    ``key`` set to ``value``; as it was when it is no mapping."""
    try:  # composed as the reading composed the file (helm's values): its parse, kept
        docs = nodes.compose_all(YamlText.of(text).body, file, values=True)
        if len(docs) > 1:  # no values file helm reads
            return text
        doc = (nodes.constructed(docs[0]) if docs else None) or {}
    except (ManifestError, yaml.YAMLError):
        return text
    node = doc
    *parents, last = key.split(".")
    for part in parents:
        if not isinstance(node, dict):
            return text
        node = node.setdefault(part, {})
    if not isinstance(node, dict):
        return text
    node[last] = value
    return yaml.safe_dump(doc)
