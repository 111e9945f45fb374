"""Helm chart versions where users pin them (text in, text out; no I/O).

The interface (the ``helm`` planner builds on it; a change here is a change there):

* :class:`ChartSpec` — a chart as config names it: ``name`` as the files write it and the
  chart ``repository`` URL (``https://...`` or ``oci://host/path``, the chart's own name not
  included). Repositories compare without a trailing ``/`` and with scheme and host in lower
  case; Argo CD writes a Helm OCI repository without a scheme (``ghcr.io/org/charts``), which
  matches ``oci://ghcr.io/org/charts``.
* :class:`ChartSite` — one place in one file that pins a version, with its ``form``.
* :func:`read` ``(text, filename, specs, *, repositories=None) -> list[ChartSite]``
* :func:`write` ``(text, filename, changes, *, repositories=None, pin_ranges=False) -> str``:
  only the version's characters change (quote style, comments, CRLF, BOM, no final newline
  kept); the new text is re-read and must equal the old plus exactly those values, or
  :class:`~gitops_bot.core.errors.ManifestError` and nothing is returned.
* :func:`relock` ``(chart_yaml, chart_lock, changes) -> str``: the ``Chart.lock`` matching an
  edited ``Chart.yaml`` (see :mod:`gitops_bot.manifests.charts_lock`).

Forms (the ``form`` of a site):

* ``chart-dependency`` — ``Chart.yaml`` ``dependencies[].version`` (name + repository; several
  entries of one chart under different ``alias:`` are each a site);
* ``argocd-application`` — Argo CD ``Application`` ``spec.source`` / ``spec.sources[]`` and
  ``ApplicationSet`` ``spec.template.spec.source(s)``: ``targetRevision`` where ``chart:`` is
  set (repoURL + chart);
* ``helmrelease`` — Flux ``HelmRelease`` ``spec.chart.spec.version`` (chart
  ``spec.chart.spec.chart``; the repository is the ``spec.url`` of the ``HelmRepository``
  its ``sourceRef`` names: one in the same file, or from ``repositories``, which maps
  ``"namespace/name"`` (``"/name"`` for an object without a namespace) to a URL — collect a
  directory's with :func:`helm_repositories`). A HelmRelease with ``chartRef`` holds no version:
  the ``OCIRepository`` it points to does;
* ``ocirepository`` — Flux ``OCIRepository`` ``spec.ref.semver`` or else ``spec.ref.tag``;
  ``spec.url`` is ``oci://host/path/<chart>``. A ``spec.ref.digest`` wins over both in
  source-controller, so such an object is not a site. A version with ``+build`` is written as
  the tag Helm pushes it under (``+`` -> ``_``);
* ``kustomize-helmcharts`` — a kustomization's ``helmCharts[].version`` (``name`` + ``repo``).

Ranges. A version that is not one exact SemVer (``^1.2``, ``~1.2.0``, ``>=1 <2``, ``1.x``,
``*``) is a range: the chart's tool picks the newest match itself, so :func:`write` leaves it
alone unless ``pin_ranges`` (then it is replaced by the exact version). ``ChartSite.exact``
says which. A templated value (``{{ ... }}``, ApplicationSet generators) is not a site.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import PurePath
from typing import Any

from gitops_bot.core.errors import ManifestError
from gitops_bot.manifests import charts_lock, nodes
from gitops_bot.manifests.charts_refs import is_exact, repository_key
from gitops_bot.manifests.kustomize import KUSTOMIZATION_NAMES
from gitops_bot.manifests.yamltext import Op, Source, Text, apply_ops, check_scalar

FORMS = ("chart-dependency", "argocd-application", "helmrelease", "ocirepository", "kustomize-helmcharts")
RULE = "only the chart versions asked for change"


@dataclass(frozen=True)
class ChartSpec:
    """What config says to look for."""

    name: str  # the chart name as written in the file (e.g. "ingress-nginx")
    repository: str  # chart repository URL as written ("https://..." or "oci://host/path")

    @property
    def key(self) -> tuple[str, str]:
        return self.name, repository_key(self.repository)


@dataclass(frozen=True)
class ChartSite:
    """One place in a file that pins a chart version."""

    chart: ChartSpec
    version: str  # current version/range as written
    line: int
    form: str  # one of FORMS

    @property
    def exact(self) -> bool:
        """One exact version (else a range the chart's tool resolves, or an OCI tag)."""
        return is_exact(self.version)


@dataclass(frozen=True)
class _Found:
    spec_key: tuple[str, str]
    node: Any  # the version scalar
    form: str
    flow: bool
    oci_tag: bool = False  # an OCI tag: "+" is written "_"


def read(
    text: str,
    filename: str,
    specs: Sequence[ChartSpec],
    *,
    repositories: Mapping[str, str] | None = None,
) -> list[ChartSite]:
    """Every site of the ``specs`` charts in the file, in file order."""
    by_key = {s.key: s for s in specs}
    src = Source.of(text)
    docs = _docs(src.body, filename)
    out = []
    for f in _sites(docs, filename, repositories or {}):
        spec = by_key.get(f.spec_key)
        if spec is not None:
            out.append(ChartSite(spec, str(f.node.value), f.node.start_mark.line + 1, f.form))
    return out


def write(
    text: str,
    filename: str,
    changes: Mapping[ChartSpec, str],
    *,
    repositories: Mapping[str, str] | None = None,
    pin_ranges: bool = False,
) -> str:
    """``text`` with every site of the changed charts set to its new version (ranges left alone
    unless ``pin_ranges``); the same text when nothing changes."""
    wanted = {spec.key: _checked_version(spec, v, filename) for spec, v in changes.items()}
    src = Source.of(text)
    t = Text(src)
    docs = _docs(src.body, filename)
    subs: dict[int, str] = {}
    ops: list[Op] = []
    for f in _sites(docs, filename, repositories or {}):
        new = wanted.get(f.spec_key)
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
    body = apply_ops(src.body, ops)
    nodes.confirm([nodes.plain(d, subs) for d in docs], body, filename, rule=RULE, documents=True)
    return src.bom + body


def relock(chart_yaml: str, chart_lock: str, changes: Mapping[ChartSpec, str]) -> str:
    """``Chart.lock`` with the changed dependencies' versions and the digest Helm computes for
    the (already edited) ``chart_yaml``; see :mod:`.charts_lock`."""
    return charts_lock.relock(chart_yaml, chart_lock, {s.key: v for s, v in changes.items()})


def helm_repositories(text: str, filename: str) -> dict[str, str]:
    """``"namespace/name"`` -> ``spec.url`` of every Flux ``HelmRepository`` in the file."""
    return dict(_helm_repositories(_docs(Source.of(text).body, filename)))


# -- finding sites ---------------------------------------------------------------------


def _checked_version(spec: ChartSpec, version: str, filename: str) -> str:
    if not version or version != version.strip() or not version.isprintable() or "{{" in version:
        raise ManifestError(
            filename, None, f"chart {spec.name!r}: {version!r} is not a version", hint="give a chart version"
        )
    return version


def _docs(body: str, filename: str) -> list[Any]:
    return nodes.compose_all(body, filename)


def _sites(docs: list[Any], filename: str, repositories: Mapping[str, str]) -> Iterator[_Found]:
    name = PurePath(filename).name
    if name == "Chart.yaml":
        for doc in docs[:1]:
            yield from _dependencies(doc)
        return
    known = {**repositories, **dict(_helm_repositories(docs))}
    for doc in docs:
        if not nodes.is_map(doc):
            continue
        kind, api = _str(doc, "kind"), _str(doc, "apiVersion")
        if name in KUSTOMIZATION_NAMES or (
            kind == "Kustomization" and api.startswith("kustomize.config.k8s.io")
        ):
            yield from _helm_charts(doc)
        elif api.startswith("argoproj.io/") and kind in ("Application", "ApplicationSet"):
            spec = _at(doc, ("spec", "template", "spec") if kind == "ApplicationSet" else ("spec",))
            yield from _argocd(spec)
        elif api.startswith("helm.toolkit.fluxcd.io/") and kind == "HelmRelease":
            yield from _helmrelease(doc, known)
        elif api.startswith("source.toolkit.fluxcd.io/") and kind == "OCIRepository":
            yield from _ocirepository(doc)


def _version(mapping: Any, key: str) -> Any:
    """The version scalar under ``key``, or None where there is none to edit (absent, null,
    not a scalar, or a template)."""
    found = nodes.get(mapping, key) if nodes.is_map(mapping) else None
    if found is None or not nodes.is_scalar(found[1]) or nodes.is_null(found[1]):
        return None
    return None if "{{" in str(found[1].value) else found[1]


def _dependencies(doc: Any) -> Iterator[_Found]:
    deps = _at(doc, ("dependencies",))
    for dep in deps.value if nodes.is_seq(deps) else ():
        node = _version(dep, "version")
        if node is not None:
            key = (_str(dep, "name"), repository_key(_str(dep, "repository")))
            yield _Found(key, node, "chart-dependency", bool(dep.flow_style))


def _helm_charts(doc: Any) -> Iterator[_Found]:
    charts = _at(doc, ("helmCharts",))
    for entry in charts.value if nodes.is_seq(charts) else ():
        node = _version(entry, "version")
        if node is not None:
            key = (_str(entry, "name"), repository_key(_str(entry, "repo")))
            yield _Found(key, node, "kustomize-helmcharts", bool(entry.flow_style))


def _argocd(spec: Any) -> Iterator[_Found]:
    sources = [_at(spec, ("source",))]
    many = _at(spec, ("sources",))
    sources += many.value if nodes.is_seq(many) else []
    for source in sources:
        if not nodes.is_map(source) or not _str(source, "chart"):
            continue
        node = _version(source, "targetRevision")
        if node is not None:
            key = (_str(source, "chart"), repository_key(_str(source, "repoURL")))
            yield _Found(key, node, "argocd-application", bool(source.flow_style))


def _helmrelease(doc: Any, known: Mapping[str, str]) -> Iterator[_Found]:
    chart = _at(doc, ("spec", "chart", "spec"))
    node = _version(chart, "version")
    ref = _at(chart, ("sourceRef",))
    if node is None or _str(ref, "kind") != "HelmRepository":
        return
    namespace = _str(ref, "namespace") or _str(_at(doc, ("metadata",)), "namespace")
    url = _source_url(known, namespace, _str(ref, "name"))
    if url is not None:
        yield _Found((_str(chart, "chart"), repository_key(url)), node, "helmrelease", bool(chart.flow_style))


def _source_url(known: Mapping[str, str], namespace: str, name: str) -> str | None:
    """The HelmRepository a sourceRef names: same namespace first; one written without a
    namespace takes the namespace it is applied to, so it matches by name; with no namespace
    on either side, a single object of that name."""
    for key in (f"{namespace}/{name}", f"/{name}"):
        if key in known:
            return known[key]
    if not namespace:
        found = [url for key, url in known.items() if key.rpartition("/")[2] == name]
        if len(set(found)) == 1:
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


def _helm_repositories(docs: list[Any]) -> Iterator[tuple[str, str]]:
    for doc in docs:
        if (
            nodes.is_map(doc)
            and _str(doc, "kind") == "HelmRepository"
            and _str(doc, "apiVersion").startswith("source.toolkit.fluxcd.io/")
        ):
            meta = _at(doc, ("metadata",))
            url = _str(_at(doc, ("spec",)), "url")
            if url:
                yield f"{_str(meta, 'namespace')}/{_str(meta, 'name')}", url


def _at(node: Any, path: tuple[str, ...]) -> Any:
    for key in path:
        found = nodes.get(node, key) if nodes.is_map(node) else None
        if found is None:
            return None
        node = found[1]
    return node


def _str(node: Any, key: str) -> str:
    found = nodes.get(node, key) if nodes.is_map(node) else None
    return str(found[1].value) if found and nodes.is_scalar(found[1]) and not nodes.is_null(found[1]) else ""
