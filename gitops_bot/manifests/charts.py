"""Helm chart versions where users pin them (text in, text out; no I/O).

The interface (the ``helm`` planner builds on it; a change here is a change there):

* :class:`ChartSpec` — a chart as config names it: ``name`` as the files write it and the
  chart ``repository`` URL (``https://...`` or ``oci://host/path``, the chart's own name not
  included). Repositories compare without a trailing ``/`` and with scheme and host in lower
  case; Argo CD writes a Helm OCI repository without a scheme (``ghcr.io/org/charts``), which
  matches ``oci://ghcr.io/org/charts``.
* :class:`ChartSite` — one place in one file that pins a version, with its ``form``.
* :func:`read` ``(text, filename, specs, *, repositories=None, releases=None) -> list[ChartSite]``
* :func:`write` ``(text, filename, changes, *, repositories=None, releases=None, pin_ranges=False) -> str``:
  only the version's characters change (quote style, comments, CRLF, BOM, no final newline
  kept); the new text is re-read and must equal the old plus exactly those values, or
  :class:`~gitops_bot.core.errors.ManifestError` and nothing is returned.
* :func:`relock` ``(chart_yaml, chart_lock, changes) -> str``: the ``Chart.lock`` matching an
  edited ``Chart.yaml`` (see :mod:`gitops_bot.manifests.charts_lock`).
* :class:`Parsed` — a file's documents composed once; :func:`read`, :func:`helm_repositories`
  and :func:`helm_releases` take it in place of the text, for a caller that reads one file
  many times (the ledger: one blob is in many states of an environment's files).

Forms (the ``form`` of a site):

* ``chart-dependency`` — ``Chart.yaml`` ``dependencies[].version`` (name + repository; several
  entries of one chart under different ``alias:`` are each a site);
* ``argocd-application`` — Argo CD ``Application`` ``spec.source`` / ``spec.sources[]`` and
  ``ApplicationSet`` ``spec.template.spec.source(s)``: ``targetRevision`` where ``chart:`` is
  set (repoURL + chart), an ApplicationSet's read for each Application its generators make:
  a ``targetRevision: '{{chartVersion}}'`` is the ``list`` element's value it reads (read in
  :mod:`gitops_bot.manifests.charts_argocd`);
* ``helmrelease`` — Flux ``HelmRelease`` ``spec.chart.spec.version`` (chart
  ``spec.chart.spec.chart``; the repository is the ``spec.url`` of the ``HelmRepository``
  its ``sourceRef`` names: one in the same file, or from ``repositories``, which maps
  ``"namespace/name"`` (``"/name"`` for an object without a namespace) to a URL — collect a
  directory's with :func:`helm_repositories`). A kustomize patch of a HelmRelease that sets
  only ``version:`` (an overlay's pin) is a site of the release it patches: one in the same
  file, or from ``releases`` (``"namespace/name"`` -> :class:`ChartSpec`, collected with
  :func:`helm_releases`). A HelmRelease with ``chartRef`` holds no version: the
  ``OCIRepository`` it points to does;
* ``ocirepository`` — Flux ``OCIRepository`` ``spec.ref.semver`` or else ``spec.ref.tag``;
  ``spec.url`` is ``oci://host/path/<chart>``. A ``spec.ref.digest`` wins over both in
  source-controller, so such an object is not a site. A version with ``+build`` is written as
  the tag Helm pushes it under (``+`` -> ``_``);
* ``kustomize-helmcharts`` — a kustomization's ``helmCharts[].version`` (``name`` + ``repo``);
* ``k3s-helmchart`` — a k3s ``HelmChart`` (``helm.cattle.io/v1``, what k3s's helm-controller
  installs) ``spec.version``: chart ``spec.chart`` of repository ``spec.repo``, or a
  ``spec.chart`` of ``oci://host/path/<chart>``. A chart given as an archive's URL (``.tgz``) or
  as ``spec.chartContent`` has no version to release, so it is no site.

Ranges. A version that is not one exact SemVer (``^1.2``, ``~1.2.0``, ``>=1 <2``, ``1.x``,
``*``) is a range: the chart's tool picks the newest match itself, so :func:`write` leaves it
alone unless ``pin_ranges`` (then it is replaced by the exact version). ``ChartSite.exact``
says which. A templated value that no list element writes (a cluster's, a git generator's
directory, several values in one) is not a site.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Iterator, Mapping, Sequence
from pathlib import Path, PurePath
from typing import Any, TypeVar

from gitops_bot.core.errors import ManifestError, NotYaml
from gitops_bot.core.record import record
from gitops_bot.manifests import argocd_appsets, charts_argocd, charts_lock, nodes
from gitops_bot.manifests.charts_nodes import FoundVersion as _Found
from gitops_bot.manifests.charts_nodes import at as _at
from gitops_bot.manifests.charts_nodes import is_kind as _is
from gitops_bot.manifests.charts_nodes import no_folded_keys as _no_folded_keys
from gitops_bot.manifests.charts_nodes import refusals as _refusals
from gitops_bot.manifests.charts_nodes import string as _str
from gitops_bot.manifests.charts_nodes import version_node as _version
from gitops_bot.manifests.charts_refs import is_exact, repository_key
from gitops_bot.manifests.kustomize import KUSTOMIZATION_NAMES
from gitops_bot.manifests.yamltext import Op, Text, YamlText, check_scalar, rewritten

FORMS = (
    "chart-dependency",
    "argocd-application",
    "helmrelease",
    "ocirepository",
    "kustomize-helmcharts",
    "k3s-helmchart",
)
RULE = "only the chart versions asked for change"


@record
class ChartSpec:
    """What config says to look for."""

    name: str  # the chart name as written in the file (e.g. "ingress-nginx")
    repository: str  # chart repository URL as written ("https://..." or "oci://host/path")

    @property
    def key(self) -> tuple[str, str]:
        return self.name, repository_key(self.repository)


@record
class ChartSite:
    """One place in a file that pins a chart version."""

    chart: ChartSpec
    version: str  # current version/range as written
    line: int
    form: str  # one of FORMS

    @property
    def exact(self) -> bool:
        """One exact version (else a range the chart's tool resolves; :func:`write` leaves it
        alone unless asked to pin)."""
        return is_exact(self.version)


_T = TypeVar("_T")


@record
class _Context:
    """What a file's objects refer to outside themselves: ``"namespace/name"`` of Flux
    HelmRepositories -> URL, and of HelmReleases -> their chart (for patches)."""

    repositories: Mapping[str, str]
    releases: Mapping[str, ChartSpec]


@record
class Parsed:
    """A file's YAML documents, composed (and checked by the guard) once."""

    docs: tuple[Any, ...]

    @classmethod
    def of(cls, text: str, filename: str) -> Parsed:
        """Raises :class:`~gitops_bot.core.errors.ManifestError` for a text that is not YAML."""
        return cls(tuple(_docs(YamlText.of(text).body, filename)))


def _documents(text: str | Parsed, filename: str) -> list[Any]:
    return list(text.docs) if isinstance(text, Parsed) else _docs(YamlText.of(text).body, filename)


def read(
    text: str | Parsed,
    filename: str,
    specs: Sequence[ChartSpec],
    *,
    repositories: Mapping[str, str] | None = None,
    releases: Mapping[str, ChartSpec] | None = None,
    application: str | Collection[str] | None = None,
) -> list[ChartSite]:
    """Every site of the ``specs`` charts in the file, in file order (``application``: of a
    file holding several environments' Argo CD Applications, only the one so named)."""
    by_key = {s.key: s for s in specs}
    docs = charts_argocd.own(_documents(text, filename), application)
    out = []
    for f in _all_sites(docs, filename, repositories, releases, application):
        spec = by_key.get(f.spec_key)
        if spec is not None:
            out.append(ChartSite(spec, str(f.node.value), f.node.start_mark.line + 1, f.form))
    return out


def every(
    text: str | Parsed,
    filename: str,
    *,
    repositories: Mapping[str, str] | None = None,
    releases: Mapping[str, ChartSpec] | None = None,
    application: str | Collection[str] | None = None,
) -> list[ChartSite]:
    """Every chart site in the file, whatever the chart (``gitops-bot init`` finding what to
    configure, a plan saying where a chart is pinned from another repository): each site's
    chart is named as the file writes it, its repository as compared
    (:func:`~gitops_bot.manifests.charts_refs.repository_key`)."""
    docs = charts_argocd.own(_documents(text, filename), application)
    return [
        ChartSite(ChartSpec(*f.spec_key), str(f.node.value), f.node.start_mark.line + 1, f.form)
        for f in _all_sites(docs, filename, repositories, releases, application)
        if f.spec_key[0]
    ]


# a document of a kind a chart version is set in (or a HelmRepository one refers to), besides a
# Chart.yaml's dependencies: its top-level "kind:" (a CRD naming the kind indents it) or
# "helmCharts:"
_PINNING = re.compile(
    r"^(?:kind:[ \t]*[\"']?"
    r"(?:HelmRelease|HelmRepository|HelmChart|Application|ApplicationSet|OCIRepository)\b"
    r"|helmCharts:)",
    re.M,
)


def may_pin(text: str, filename: str) -> bool:
    """Whether the file may set a chart version (or name a HelmRepository one refers to): a
    cheap test before parsing, for a caller reading every file an environment renders."""
    pins = PurePath(filename).name == "Chart.yaml" or bool(_PINNING.search(text))
    # a document written in flow style ({apiVersion: ..., kind: ...}, as some generators write
    # every file) names its kind nowhere at a line's start: only parsing tells
    return (pins or "\n{" in f"\n{text}") and not helm_input(text, filename)


def helm_input(text: str, filename: str) -> bool:
    """A chart's template that is YAML only once helm renders it: what versions it writes are
    helm's output, never this text's (and the file is no manifest to fix)."""
    if "templates" not in PurePath(filename).parts or "{{" not in text:
        return False
    try:
        _docs(YamlText.of(text).body, filename)
    except NotYaml:
        return True
    return False


def write(
    text: str,
    filename: str,
    changes: Mapping[ChartSpec, str],
    *,
    repositories: Mapping[str, str] | None = None,
    releases: Mapping[str, ChartSpec] | None = None,
    pin_ranges: bool = False,
    application: str | Collection[str] | None = None,
) -> str:
    """``text`` with every site of the changed charts set to its new version (ranges left alone
    unless ``pin_ranges``); the same text when nothing changes. ``application``: of a file
    holding several environments' Argo CD Applications, only the one so named is edited."""
    wanted: dict[tuple[str, str], str] = {}
    for spec, version in changes.items():
        if wanted.setdefault(spec.key, _checked_version(spec, version, filename)) != version:
            raise ManifestError(
                filename,
                None,
                f"chart {spec.name!r} of {spec.repository} is asked for at two versions "
                f"({wanted[spec.key]} and {version})",
                hint="name each chart once",
            )
    src = YamlText.of(text)
    t = Text(src)
    docs = _docs(src.body, filename)
    subs: dict[int, str] = {}
    ops: list[Op] = []
    found = _all_sites(charts_argocd.own(docs, application), filename, repositories, releases, application)
    _together(found, wanted, filename)
    for f in found:
        new = wanted.get(f.spec_key)
        if id(f.node) in subs:
            continue  # one node reached twice through an alias: its span is written once
        current = str(f.node.value)
        if new is None or (not is_exact(current) and not pin_ranges):
            continue
        if f.oci_tag:
            new = new.replace("+", "_")
        if current == new:
            continue
        check_scalar(t, f.node, filename)
        subs[id(f.node)] = new
        ops.append(t.replace(f.node, new, flow=f.flow))
    if not ops:
        return text
    return rewritten(src, docs, ops, subs, filename, RULE)


def _together(found: Sequence[_Found], wanted: Mapping[tuple[str, str], str], filename: str) -> None:
    """One value setting several charts' versions (an ApplicationSet's template for every chart
    its generators name, a YAML alias) changes for all of them at one version, or not at all:
    a release of one would release the others unasked."""
    charts_of: dict[int, list[tuple[str, str]]] = {}
    for f in found:
        charts_of.setdefault(id(f.node), []).append(f.spec_key)
    for f in found:
        keys = charts_of[id(f.node)]
        version = wanted.get(f.spec_key)
        if version is not None and len({wanted.get(k) for k in keys}) > 1:
            names = ", ".join(dict.fromkeys(k[0] for k in keys))
            raise ManifestError(
                filename,
                f.node.start_mark.line + 1,
                f"one value sets the versions of charts {names}, which are not all asked for at {version}",
                hint="write each chart's version in a place of its own (a list element's value): "
                "gitops-bot releases each chart on its own, never several as one",
            )


def relock(chart_yaml: str, chart_lock: str, changes: Mapping[ChartSpec, str]) -> str:
    """``Chart.lock`` with the changed dependencies' versions and the digest Helm computes for
    the (already edited) ``chart_yaml``; see :mod:`.charts_lock`."""
    return charts_lock.relock(chart_yaml, chart_lock, {s.key: v for s, v in changes.items()})


def context(
    texts: Mapping[Path, str] | Mapping[Path, Parsed],
) -> tuple[dict[str, str], dict[str, ChartSpec]]:
    """The Flux HelmRepositories (``namespace/name`` -> URL) and HelmReleases (-> chart) of an
    environment's files together: a HelmRelease's repository, or an overlay's patch of a
    release, may be in another file of the same environment."""
    repositories: dict[str, str] = {}
    for path, text in texts.items():
        if path.name != "Chart.lock":
            repositories.update(helm_repositories(text, str(path)))
    releases: dict[str, ChartSpec] = {}
    for path, text in texts.items():
        if path.name != "Chart.lock":
            releases.update(helm_releases(text, str(path), repositories=repositories))
    return repositories, releases


def helm_repositories(text: str | Parsed, filename: str) -> dict[str, str]:
    """``"namespace/name"`` -> ``spec.url`` of every Flux ``HelmRepository`` in the file."""
    docs = _documents(text, filename)
    with _refusals(filename):
        return dict(_helm_repositories(docs))


def helm_releases(
    text: str | Parsed, filename: str, *, repositories: Mapping[str, str] | None = None
) -> dict[str, ChartSpec]:
    """``"namespace/name"`` -> chart of every Flux ``HelmRelease`` in the file whose chart and
    HelmRepository are known (``repositories`` adds those of other files): what a kustomize
    patch setting only ``spec.chart.spec.version`` in an overlay refers to."""
    docs = _documents(text, filename)
    with _refusals(filename):
        return dict(_helm_releases(docs, {**(repositories or {}), **dict(_helm_repositories(docs))}))


# -- finding sites ---------------------------------------------------------------------

# What a chart version (or a range of them) is written with: SemVer's ASCII letters, digits and
# "-.+", "_" for "+" in OCI tags, and Masterminds/semver's range operators. 128 is the longest
# OCI tag, which Helm pushes a chart version as.
_VERSION_TEXT = re.compile(r"[0-9A-Za-z.+_^~<>=*|, -]{1,128}", re.ASCII)


def generated(text: str | Parsed, filename: str) -> tuple[str, ...]:
    """The names of the Applications the file's ApplicationSets generate, as far as the file
    says (an environment naming some of them reads and releases those alone)."""
    out: list[str] = []
    for doc in _documents(text, filename):
        if _is(doc, "argoproj.io/", "ApplicationSet"):
            try:
                out += [name for name, _ in argocd_appsets.parameter_sets(doc)[1]]
            except argocd_appsets.Unexpanded:
                continue
    return tuple(dict.fromkeys(out))


def _all_sites(
    docs: list[Any],
    filename: str,
    repositories: Mapping[str, str] | None,
    releases: Mapping[str, ChartSpec] | None,
    application: str | Collection[str] | None = None,
) -> list[_Found]:
    with _refusals(filename):
        return list(_sites(docs, filename, repositories, releases, application))


def _checked_version(spec: ChartSpec, version: str, filename: str) -> str:
    if version != version.strip() or not _VERSION_TEXT.fullmatch(version):
        raise ManifestError(
            filename, None, f"chart {spec.name!r}: {version!r} is not a version", hint="give a chart version"
        )
    return version


def _docs(body: str, filename: str) -> list[Any]:
    return nodes.compose_all(body, filename)


def _sites(
    docs: list[Any],
    filename: str,
    repositories: Mapping[str, str] | None,
    releases: Mapping[str, ChartSpec] | None,
    application: str | Collection[str] | None = None,
) -> Iterator[_Found]:
    name = PurePath(filename).name
    if name == "Chart.yaml":
        for doc in docs[:1]:
            yield from _dependencies(doc)
        return
    known = {**(repositories or {}), **dict(_helm_repositories(docs))}
    ctx = _Context(known, {**(releases or {}), **dict(_helm_releases(docs, known))})
    for doc in docs:
        if not nodes.is_map(doc):
            continue
        kind, api = _str(doc, "kind", merged=True), _str(doc, "apiVersion", merged=True)
        if name in KUSTOMIZATION_NAMES or (
            kind == "Kustomization" and api.startswith("kustomize.config.k8s.io")
        ):
            yield from _helm_charts(doc)
        elif api.startswith("argoproj.io/") and kind == "ApplicationSet":
            yield from charts_argocd.appset_sites(doc, application)
        elif api.startswith("argoproj.io/") and kind == "Application":
            yield from charts_argocd.application_sites(_at(doc, ("spec",)))
        elif api.startswith("helm.toolkit.fluxcd.io/") and kind == "HelmRelease":
            yield from _helmrelease(doc, ctx)
        elif api.startswith("source.toolkit.fluxcd.io/") and kind == "OCIRepository":
            yield from _ocirepository(doc)
        elif api.startswith("helm.cattle.io/") and kind == "HelmChart":
            yield from _k3s_helmchart(doc)


def _dependencies(doc: Any) -> Iterator[_Found]:
    _no_folded_keys(doc, ("dependencies",), "Helm")
    deps = _at(doc, ("dependencies",))
    for dep in deps.value if nodes.is_seq(deps) else ():
        _no_folded_keys(dep, charts_lock.FIELDS, "Helm")
        node = _version(dep, "version")
        if node is not None:
            key = (_str(dep, "name"), repository_key(_str(dep, "repository")))
            yield _Found(key, node, "chart-dependency", bool(dep.flow_style))


def _helm_charts(doc: Any) -> Iterator[_Found]:
    _no_folded_keys(doc, ("helmCharts",), "kustomize")
    charts = _at(doc, ("helmCharts",))
    for entry in charts.value if nodes.is_seq(charts) else ():
        _no_folded_keys(entry, ("name", "version", "repo"), "kustomize")
        node = _version(entry, "version")
        if node is not None:
            key = (_str(entry, "name"), repository_key(_str(entry, "repo")))
            yield _Found(key, node, "kustomize-helmcharts", bool(entry.flow_style))


def _helmrelease(doc: Any, ctx: _Context) -> Iterator[_Found]:
    chart = _at(doc, ("spec", "chart", "spec"))
    node = _version(chart, "version")
    key = _release_chart(doc, chart, ctx) if node is not None else None
    if key is not None:
        yield _Found(key, node, "helmrelease", bool(chart.flow_style))


def _release_chart(doc: Any, chart: Any, ctx: _Context) -> tuple[str, str] | None:
    """(chart name, repository key) of a HelmRelease: from its chart and the HelmRepository its
    sourceRef names, or, for a patch that names no chart (an overlay setting only
    ``version:``), from the release it patches (same name and namespace)."""
    meta = _at(doc, ("metadata",))
    namespace = _str(meta, "namespace")
    if not _str(chart, "chart"):
        spec = _lookup(ctx.releases, namespace, _str(meta, "name"))
        return spec.key if spec is not None else None
    ref = _at(chart, ("sourceRef",))
    if ref is None and (spec := _lookup(ctx.releases, namespace, _str(meta, "name"))) is not None:
        return spec.key  # a patch naming the chart again beside its version, with no source
    if _str(ref, "kind") != "HelmRepository":
        return None  # a GitRepository or Bucket holds a chart path, not a version
    url = _lookup(ctx.repositories, _str(ref, "namespace") or namespace, _str(ref, "name"))
    return (_str(chart, "chart"), repository_key(url)) if url is not None else None


def _lookup(known: Mapping[str, _T], namespace: str, name: str) -> _T | None:
    """The object ``namespace/name`` refers to: same namespace first; one written without a
    namespace takes the namespace it is applied to, so it matches by name; with no namespace
    on the referring side, the single object of that name."""
    for key in (f"{namespace}/{name}", f"/{name}"):
        if key in known:
            return known[key]
    if not namespace:
        found = [v for key, v in known.items() if key.rpartition("/")[2] == name]
        if found and all(v == found[0] for v in found):
            return found[0]
    return None


def _ocirepository(doc: Any) -> Iterator[_Found]:
    spec = _at(doc, ("spec",))
    ref = _at(spec, ("ref",))
    if not nodes.is_map(ref) or _version(ref, "digest") is not None:
        return
    url = _str(spec, "url").rstrip("/")
    repository, _, name = url.rpartition("/")
    semver = _version(ref, "semver")
    node = semver if semver is not None else _version(ref, "tag")
    if node is not None and repository.startswith("oci://"):
        tag = semver is None
        yield _Found((name, repository_key(repository)), node, "ocirepository", bool(ref.flow_style), tag)


def _k3s_helmchart(doc: Any) -> Iterator[_Found]:
    spec = _at(doc, ("spec",))
    node = _version(spec, "version")
    if node is None or _str(spec, "chartContent"):
        return  # an archive given inline wins over chart/repo in helm-controller: no version to move
    chart, repo = _str(spec, "chart"), _str(spec, "repo")
    if chart.startswith("oci://") and not repo:
        repository, _, name = chart.rstrip("/").rpartition("/")
        key = (name, repository_key(repository))
    elif repo and "/" not in chart:
        key = (chart, repository_key(repo))
    else:
        return  # an archive's URL, or a chart named through a repository alias: no version here
    yield _Found(key, node, "k3s-helmchart", bool(spec.flow_style))


def _helm_releases(docs: list[Any], repositories: Mapping[str, str]) -> Iterator[tuple[str, ChartSpec]]:
    ctx = _Context(repositories, {})
    for doc in docs:
        if _is(doc, "helm.toolkit.fluxcd.io/", "HelmRelease"):
            chart = _at(doc, ("spec", "chart", "spec"))
            key = _release_chart(doc, chart, ctx) if _str(chart, "chart") else None
            if key is not None:
                meta = _at(doc, ("metadata",))
                yield f"{_str(meta, 'namespace')}/{_str(meta, 'name')}", ChartSpec(*key)


def _helm_repositories(docs: list[Any]) -> Iterator[tuple[str, str]]:
    for doc in docs:
        if _is(doc, "source.toolkit.fluxcd.io/", "HelmRepository"):
            meta = _at(doc, ("metadata",))
            url = _str(_at(doc, ("spec",)), "url")
            if url:
                yield f"{_str(meta, 'namespace')}/{_str(meta, 'name')}", url
