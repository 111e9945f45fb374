"""A values file inside a chart, named as an environment's path, read as helm and Argo CD render it.

helm renders the file over the chart's own ``values.yaml`` (what it does not set, the chart's
defaults do) through the chart's templates (one may write an image whole): all of them are read,
and the file is the environment's own values layer. An Argo CD Application of the repository
rendering the file (naming it in ``helm.valueFiles``, or over the chart whose ``values.yaml`` it
is) layers its own ``helm.values``/``valuesObject`` and then its ``helm.parameters`` over every
value file: where those set an image's key, that setting is what runs, so it is read after the
file, at the Application's line, as a place no release of this path writes
(``Walk.overriding``, which :mod:`gitops_bot.render.pin_rules` says with the fix).
"""

from __future__ import annotations

import importlib
import os
from pathlib import Path
from typing import Protocol

from gitops_bot import manifests
from gitops_bot.core.errors import GitOpsBotError
from gitops_bot.manifests import images, kustomize, kustomize_refs, nodes
from gitops_bot.manifests.yamltext import YamlText
from gitops_bot.render import deployers
from gitops_bot.render.deploy_tools import CHART_DEPS, DeployTools, Steps
from gitops_bot.render.walk import YAML_SUFFIXES, Walk

# the Application's settings a chart renders under its value files, by the site's workload
_WORDS = {images.APP_VALUES: "own helm values", images.APP_PARAMETER: "helm.parameters"}


class _Steps(Steps, Protocol):
    """The reader's steps a chart's values are read through: a deploy tool's, and these."""

    deploy_tools: DeployTools

    def deeper(self, path: Path, text: str, walk: Walk) -> None: ...

    def yaml_files(self, directory: Path, depth: int = 0, unread: Walk | None = None) -> list[Path]: ...


def read(reader: _Steps, path: Path, text: str, walk: Walk) -> bool:
    """``path`` (``text``) read as a values file of the chart holding it, then what the
    Applications rendering it set over it; False: it is in no chart (nothing read)."""
    chart = _chart(reader, path)
    beside = path.parent / "chart"  # <app>/chart/ beside <app>/prod.values.yaml: helm install -f
    if chart is None and path.suffix in YAML_SUFFIXES and reader.tree.text(beside / "Chart.yaml") is not None:
        chart = beside if deployers.yields_applications(reader.tree, beside) else None
    if chart is None or manifests.is_manifest(text):
        return False  # an object beside a chart is applied as it is: helm never reads it
    if deployers.yields_applications(reader.tree, chart):
        _installed(reader, chart, path, walk)
        return True
    values = chart / "values.yaml"
    # helm reads the chart's Chart.yaml too: its dependencies' versions are charts it renders
    reader.read_file(chart / "Chart.yaml", walk)
    importlib.import_module(CHART_DEPS).read_values(reader, reader.repo_root, chart, walk)
    if values != path and (own := reader.read_file(values, walk)) is not None:
        walk.note(reader.rel(values), f"the chart's values, read under {reader.rel(path)}")
        reader.plain(values, own, walk, "values")
    for template in reader.yaml_files(chart / "templates", unread=walk):
        if (body := reader.read_file(template, walk)) is not None:
            reader.deeper(template, body, walk)
    walk.own_values(reader.rel(path))
    reader.plain(path, text, walk, walk.helm_reads(reader.rel(path)))
    _overriding(reader, path, walk)
    return True


def _chart(reader: _Steps, path: Path) -> Path | None:
    """The chart directory holding ``path`` (its nearest with a ``Chart.yaml``, within the
    configuration's directory), None for a file in none or no YAML."""
    if path.suffix not in YAML_SUFFIXES:
        return None
    for directory in path.parents:
        if directory == reader.config_root.parent or not reader.tree.is_dir(directory):
            return None
        if reader.tree.text(directory / "Chart.yaml") is not None:
            return directory
        if directory == reader.config_root:
            return None
    return None


def _overriding(reader: _Steps, path: Path, walk: Walk) -> None:
    """Each Application rendering ``path`` whose own values or parameters set a configured
    image's key: read at its line after the file (Argo CD applies it last), as a place the
    reading names with the fix, never one a release of this path writes."""
    rel = reader.rel(path)
    done: set[tuple[str, str]] = set()
    for origin, app in reader.deploy_tools.deployed_by(path):
        if (origin, app.application) in done:  # values.yaml named, and read under the chart anyway
            continue
        done.add((origin, app.application))
        text = reader.tree.text(reader.config_root / origin) or ""
        sites = images.own_values(text, origin, reader.specs, app.application) if app.inline else []
        sites += [s for s in reader.deploy_tools.app_sites(app) if s.workload == images.APP_PARAMETER]
        for site in sites:
            words = _WORDS[site.workload]
            walk.overriding[(origin, site.value_line or site.line)] = (
                f"{_key(reader.specs, site)} over {rel}: Argo CD applies {app.application}'s {words} after "
                "its value files, so a release into that file changes nothing it runs"
            )
            reader.add(walk, origin, [site], patch=False, form=images.APP_WORDS[site.workload], text=text)


def _key(specs: list[images.ImageSpec], site: images.Site) -> str:
    """The Helm key of the image's version ``site`` sets, as gitops-bot.yaml names it."""
    helm = next((s.helm for s in specs if s.name == site.image), {})
    for field, value in (
        ("digest", site.digest),
        ("tag", site.tag),
        ("reference", site.tag or site.digest),
        ("repository", site.repository),
    ):
        if value and field in helm:
            return helm[field]
    return "the image's key"


def helm_charts(reader: _Steps, kfile: Path, text: str, refs: kustomize_refs.Refs, walk: Walk) -> None:
    """A kustomization's ``helmCharts:``. One pulled from a chart repository is never fetched:
    said, and each one's values files here (``valuesFile``, ``additionalValuesFiles``) read as
    its values, as a HelmRelease's ``spec.values`` are over a chart not here: what they set is
    what helm is given, and where a release writes. One whose chart this repository holds under
    the chart home is read as helm renders it (:func:`_inflated`)."""
    if "helmCharts" in text:
        _inflated(reader, kfile, text, walk)
    walk.said += [n for c in refs.charts if (n := kustomize_refs.chart_said(c)) not in walk.said]
    if not refs.charts:
        return
    try:
        root = nodes.compose(YamlText.of(text).body, reader.rel(kfile))
    except GitOpsBotError:
        return  # said where the kustomization is read
    found = nodes.get(root, "helmCharts") if nodes.is_map(root) else None
    for chart in found[1].value if found is not None and nodes.is_seq(found[1]) else []:
        if not nodes.is_map(chart) or nodes.get(chart, "repo") is None:
            continue
        named = [nodes.get(chart, "valuesFile")]
        more = nodes.get(chart, "additionalValuesFiles")
        named += [(None, n) for n in more[1].value] if more is not None and nodes.is_seq(more[1]) else []
        for entry in named:
            if entry is None or not nodes.is_scalar(entry[1]) or "://" in str(entry[1].value):
                continue
            path = kfile.parent / str(entry[1].value)
            if (got := reader.read_file(path, walk)) is not None:
                reader.plain(path, got, walk, "values")


def _inflated(reader: _Steps, kfile: Path, text: str, walk: Walk) -> None:
    """Each ``helmCharts:`` entry of the kustomization whose chart is this repository's (under
    ``helmGlobals.chartHome``, ``charts`` unless set), read as kustomize inflates it: ``helm
    template`` of the chart over its ``values.yaml``, then ``valuesFile`` and
    ``additionalValuesFiles`` — what an Argo CD Application over the chart with those value files
    renders, so it is read as one: its values files' pins, its templates' literals, and the
    Applications a chart of Applications yields (an app of apps kustomize builds), followed."""
    try:
        doc = nodes.constructed(nodes.compose(YamlText.of(text).body, reader.rel(kfile)))
    except GitOpsBotError:
        return  # said where the kustomization is read
    if not isinstance(doc, dict) or not isinstance(entries := doc.get("helmCharts"), list):
        return
    rel = reader.rel(kfile)
    for entry in entries:
        if not isinstance(entry, dict) or not (name := str(entry.get("name") or "")):
            continue
        places = (kfile.parent / p for p in kustomize.chart_places(doc, entry))
        chart = next((d for d in places if reader.tree.text(d / "Chart.yaml") is not None), None)
        if chart is None or not chart.resolve().is_relative_to(reader.repo_root.resolve()):
            continue  # pulled (said by the caller) or not here: kustomize's own error says which
        named = [entry.get("valuesFile"), *(entry.get("additionalValuesFiles") or [])]
        # helm reads them as kustomize names them, relative to the kustomization: an
        # Application's value files are relative to its chart
        files = tuple(
            os.path.relpath(os.path.normpath(kfile.parent / str(n)), os.path.normpath(chart))
            for n in named
            if isinstance(n, str) and n and "://" not in n
        )
        if any(reader.tree.text(Path(os.path.normpath(chart / f))) is None for f in files):
            continue  # kustomize refuses to inflate it: its render says so, in its words
        if entry.get("valuesInline"):
            walk.note(rel, f"helmCharts entry {name}: its valuesInline are not read by the bot's rules")
        path = os.path.relpath(os.path.normpath(chart), reader.repo_root)
        walk.note(rel, f"helmCharts entry {name}: chart {path} read as kustomize inflates it")
        _over(reader, str(entry.get("releaseName") or name), path, files, rel, walk)


def _installed(reader: _Steps, chart: Path, path: Path, walk: Walk) -> None:
    """A values file of a chart of Applications (an app of apps), read as the chart installed
    with it by hand (``helm install NAME CHART -f FILE``, ``argocd app create NAME --path CHART
    --values FILE``): the Applications it yields over the chart's values and that file, each
    followed as Argo CD deploys it."""
    rel, where = reader.rel(path), os.path.relpath(os.path.normpath(chart), reader.repo_root)
    name, files = deployers.hand_name(where), (os.path.relpath(path, chart),)
    walk.note(
        rel, f"the values of the chart of Applications {where}, read as installed with them (helm install -f)"
    )
    _over(reader, name, where, files, rel, walk)


def _over(reader: _Steps, name: str, path: str, files: tuple[str, ...], rel: str, walk: Walk) -> None:
    """The chart at ``path`` read as the Application ``name`` over it with the value files
    ``files`` (relative to it) renders it: the reader's one way through a chart of the repository."""
    app = manifests.apps_module().AppSource(name, path, "", None, files, (), (), 1, kind="helm")
    reader.deploy_tools.application(app, rel, walk, deployers.by_hand(name, path, files))
