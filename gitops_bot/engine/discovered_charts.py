"""The Helm charts a repository's environments pin, found for ``gitops-bot init``: every chart
site (:mod:`gitops_bot.manifests.charts`: a Flux HelmRelease's ``spec.chart.spec.version`` with
its HelmRepository's URL, an Argo CD Application's helm source, a Chart.yaml dependency, an
OCIRepository, a kustomization's ``helmCharts``) in the files each environment renders (the one
reader's walk), each chart with a policy guessed from the versions pinned today as an image's
is (:mod:`gitops_bot.policy.guess`). What cannot be configured is said, not dropped: a range
Helm resolves itself, a repository that is no URL (a Helm alias, a local chart)."""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import field
from pathlib import Path
from typing import Any

from gitops_bot.core.errors import GitOpsBotError, ServiceUnavailable
from gitops_bot.core.record import record
from gitops_bot.engine.app import App
from gitops_bot.manifests import argocd_apps, charts
from gitops_bot.manifests.charts_refs import one_version, repository_key
from gitops_bot.policy import Policy
from gitops_bot.policy.guess import Guess, guess
from gitops_bot.policy.ranges import is_range
from gitops_bot.registry.chart_source import ChartSource
from gitops_bot.registry.charts import is_oci

# what the configuration takes as a chart's name and repository (config.settings.ChartConfig)
_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]*")
# (printable ASCII only: a repository's bytes reach the file init writes and the terminal)
_URL = re.compile(r"(https?|oci)://[A-Za-z0-9.-]+(:[0-9]{1,5})?(/[\x21-\x7e]*)?")
# what a chart's policy may be (digest, newest and min_age do not apply to versions)
CHART_POLICIES = frozenset({"semver", "regex", "numerical", "alphabetical"})
_FORM_WORDS = {
    "helmrelease": "Flux HelmRelease {name} (spec.chart.spec.version)",
    "argocd-application": "Argo CD Application source chart {name} (targetRevision)",
    # the version each Application an ApplicationSet's generators make reads (a list element's)
    "argocd-applicationset": "Argo CD ApplicationSet chart {name} (the version its Applications read)",
    "chart-dependency": "Chart.yaml dependency {name}",
    "ocirepository": "Flux OCIRepository of chart {name} (spec.ref)",
    "kustomize-helmcharts": "kustomization helmCharts entry {name}",
    "k3s-helmchart": "k3s HelmChart of chart {name} (spec.version)",
}


@record
class FoundChart:
    name: str
    repository: str  # as the chart readers compare it: a classic repository's URL or oci://host/path
    guess: Guess
    environments: tuple[str, ...]  # the environments whose files pin it
    versions: tuple[str, ...]  # the exact versions pinned, one per site
    how: str  # the first place it was seen, in words
    ranges: tuple[str, ...] = ()  # places pinning a range instead (left to Helm), said
    # each environment's first place pinning it, in the order found (``how`` names the first)
    places: tuple[tuple[str, str], ...] = ()


@record(frozen=False, slots=False)
class _Seen:
    how: str = ""
    environments: list[str] = field(default_factory=list)
    versions: dict[str, str] = field(default_factory=dict)  # place -> exact version
    ranges: dict[str, str] = field(default_factory=dict)  # place -> range
    places: dict[str, str] = field(default_factory=dict)  # environment -> its first place


def find(
    text_of: Callable[[str], str | None],
    docs_of: Callable[[str], list[Any]],
    rendered: Mapping[str, Sequence[str]],
    images: Sequence[str] = (),
) -> tuple[list[FoundChart], list[str]]:
    """The charts pinned in what each environment renders (``rendered``: environment -> its
    files, relative to the repository; ``docs_of``: a file's documents as plain values), and
    why each chart site that cannot be configured is not (``# not read:`` lines). ``images``:
    the image names found, which a chart's name may not take (one namespace)."""
    seen: dict[tuple[str, str], _Seen] = {}
    notes: list[str] = []
    for env, rels in rendered.items():
        texts: dict[Path, str] = {}
        artifacts: dict[str, str] = {}  # a Flux Kustomization's OCI source: manifests, not a chart
        for rel in rels:
            text = text_of(rel)
            if text is not None and charts.helm_input(text, rel):
                notes.extend(n for n in _template(text, rel) if n not in notes)
            elif text is not None and (charts.may_pin(text, rel) or "kind: ResourceSet" in text):
                texts[Path(rel)] = text
                artifacts.update(_kustomization_sources(docs_of(rel), rel))
        try:
            flux, releases = charts.context(texts)
        except GitOpsBotError as e:
            notes.append(f"chart versions of {env}: {e}")
            continue
        for path, text in texts.items():
            rel = path.as_posix()
            try:
                sites = charts.every(text, rel, repositories=flux, releases=releases)
            except GitOpsBotError as e:
                notes.append(f"chart versions in {rel}: {e}")
                continue
            docs = docs_of(rel)
            for n in [*_unsourced(docs, rel, flux), *_digested(docs, rel), *_resource_sets(docs, rel)]:
                if n not in notes:
                    notes.append(n)
            for site in sites:
                key = (site.chart.name, site.chart.repository)
                place = f"{rel}:{site.line}"
                source = artifacts.get(f"{key[1]}/{key[0]}")
                if site.form == "ocirepository" and source:
                    continue  # manifests, not a chart: the Kustomization reading it is said not read
                if not site.exact and site.version and not is_range(site.version):
                    # neither a version nor a range Helm resolves: a value another tool writes
                    # (Kargo's 'placeholder' until a Stage promotes), never "up to date"
                    field_name = "targetRevision" if site.form.startswith("argocd") else "version"
                    notes.append(
                        f"{place}: chart {site.chart.name}'s {field_name} {site.version!r} is not a "
                        "chart version (neither exact nor a semver range)"
                    )
                    continue
                s = seen.setdefault(key, _Seen())
                form = site.form
                if (
                    form == "argocd-application"
                    and argocd_apps.is_appset(text)
                    and charts.generated(text, rel)
                ):
                    form = "argocd-applicationset"
                s.how = s.how or f"{_FORM_WORDS[form].format(name=site.chart.name)} at {place}"
                if env not in s.environments:
                    s.environments.append(env)
                s.places.setdefault(env, place)
                (s.versions if site.exact else s.ranges)[place] = site.version
    out: list[FoundChart] = []
    taken = {_branch_part(i) for i in images}
    for (name, repository), s in seen.items():
        why = _unconfigurable(name, repository, s, taken, {f.name for f in out})
        if why:
            notes.append(f"chart {name}: {why}")
            continue
        versions = list(s.versions.values())
        g = guess(versions)
        if g.keys.get("policy", "semver") not in CHART_POLICIES:
            notes.append(
                f"chart {name}: pinned {', '.join(dict.fromkeys(versions))}, which no version policy orders"
            )
            continue
        ranges = tuple(f"{p} ({v!r}{_bare(v)})" for p, v in s.ranges.items())
        envs, places = tuple(s.environments), tuple(s.places.items())
        out.append(FoundChart(name, repository, g, envs, tuple(versions), s.how, ranges, places))
    return out, notes


def _unsourced(docs: Sequence[Any], rel: str, known: Mapping[str, str]) -> list[str]:
    """A HelmRelease whose chart's HelmRepository is in no file the environment renders (Flux
    finds it in the cluster, applied by another Kustomization): its repository, so its chart and
    version, are not read here; said where it was silence."""
    out = []
    for doc in docs:
        spec = _get(_get(_get(doc, "spec"), "chart"), "spec")
        ref = _get(spec, "sourceRef")
        if doc.get("kind") != "HelmRelease" or ref.get("kind") != "HelmRepository" or not spec.get("chart"):
            continue
        source = str(ref.get("name") or "")
        if any(k.rpartition("/")[2] == source for k in known):
            continue
        release, version = _get(doc, "metadata").get("name"), spec.get("version") or "(no version)"
        out.append(
            f"{rel}: HelmRelease {release}'s chart {spec.get('chart')} {version}: "
            f"its HelmRepository {source} is in no file the environment renders, so its repository and "
            "version are not read; name the file holding it among the environment's paths, or configure "
            "the chart by hand under charts:"
        )
    return out


def _digested(docs: Sequence[Any], rel: str) -> list[str]:
    """An OCIRepository whose ``spec.ref`` pins a digest beside its tag (Renovate's form with
    digest pinning): source-controller pulls the digest whatever the tag says, and the bot moves
    a chart's tag alone, so it is no chart site; said where it was silence."""
    out = []
    for doc in docs:
        ref = _get(_get(doc, "spec"), "ref")
        if doc.get("kind") != "OCIRepository" or not ref.get("digest"):
            continue
        name = str(_get(doc, "spec").get("url") or "").rstrip("/").rpartition("/")[2]
        tag, source = ref.get("tag") or ref.get("semver") or "(no tag)", _get(doc, "metadata").get("name")
        out.append(
            f"{rel}: chart {name} {tag} is pinned by digest as well (OCIRepository {source}'s "
            "spec.ref.digest, which Flux pulls whatever the tag says); the bot moves a chart's tag, never "
            "the digest beside it, so it is not released: drop spec.ref.digest to have the tag released, "
            "or keep releasing it as you do"
        )
    return out


def _resource_sets(docs: Sequence[Any], rel: str) -> list[str]:
    """A chart's source or release written inside a flux-operator ResourceSet's
    ``spec.resources``, which the operator templates into the objects it applies: no chart
    format reads a version there; said where it was silence."""
    out = []
    for doc in docs:
        resources = _get(doc, "spec").get("resources") if doc.get("kind") == "ResourceSet" else None
        for r in resources if isinstance(resources, list) else ():
            spec = _get(r, "spec")
            version = _get(spec, "ref").get("tag") or _get(_get(spec, "chart"), "spec").get("version")
            kind, name = r.get("kind") if isinstance(r, dict) else None, _get(r, "metadata").get("name")
            if kind in ("OCIRepository", "HelmRelease", "HelmChart") and version:
                owner = _get(doc, "metadata").get("name")
                out.append(
                    f"{rel}: {kind} {name}'s chart version {version} is written inside ResourceSet {owner}'s "
                    "spec.resources, which flux-operator templates into the objects it applies, so it is not "
                    "read: write that object as a file of its own the Kustomization applies to have it "
                    "released, or keep releasing it as you do"
                )
    return out


# a chart's version a template takes from its values (gitops-bridge's targetRevision: {{
# $addon.defaultVersion }}), the line read without parsing the template
_COMMENT = re.compile(r"\{\{-?\s*/\*.*?\*/\s*-?\}\}", re.S)
_VERSION_ACTION = re.compile(r"^[ \t]*(?P<said>(?:targetRevision|version):[ \t]*[\"']?\{\{[^\n]*)", re.M)


_CHART_LINE = re.compile(r"^[ \t]+chart:[ \t]*[\"']?([A-Za-z0-9][\w.-]*)[\"']?[ \t]*$", re.M)
_LITERAL_VERSION = re.compile(r"^[ \t]+targetRevision:[ \t]*[\"']?([\w.+-]+)[\"']?[ \t]*$", re.M)
# a value a template action writes unquoted among other text: YAML reads none of the line
_UNQUOTED = re.compile(
    r"^[ \t]*[\w.-]+:[ \t]*(?:[^\s\"'{][^\n]*\{\{[^\n]*|\{\{[^\n]*\}\}[ \t]*\S[^\n]*)$", re.M
)


def _template(text: str, rel: str) -> list[str]:
    """Of a chart's template that is YAML only once helm renders it (no manifest to read, nor
    a file to fix), the first line taking a chart's version from values, said."""
    # a template's comments ({{/* ... */}}) document lines it never prints: blanked, lines kept
    bare = _COMMENT.sub(lambda c: "\n" * c.group(0).count("\n"), text)
    found = list(_VERSION_ACTION.finditer(bare))
    # a git source's targetRevision is a branch; the one naming a version is the chart's
    m = next((f for f in found if "version" in f.group("said").lower()), found[0] if found else None)
    if m is None and (chart := _CHART_LINE.search(bare)) and (pin := _LITERAL_VERSION.search(bare)):
        # the version written literally, in a file no YAML reader takes: released once it is YAML
        bad = next((b for b in _UNQUOTED.finditer(bare)), None)
        where = f" (line {bare.count(chr(10), 0, bad.start()) + 1}: {bad.group(0).strip()})" if bad else ""
        line = bare.count(chr(10), 0, pin.start()) + 1
        return [
            f"{rel}:{line}: chart {chart.group(1)} {pin.group(1)}, written in an app-of-apps chart's "
            f"template that is YAML only once helm renders it{where}, so no version is read there: "
            "quote each value a {{ }} action writes ('{{ ... }}'), which helm renders alike, "
            "to have it read and released"
        ]
    if m is None or "chart:" not in text:
        return []
    return [
        f"{rel}:{bare.count(chr(10), 0, m.start()) + 1}: a chart template setting a chart's version from "
        f"its values ({m.group('said').strip()}); helm renders it, and gitops-bot.yaml's charts: has no form "
        "for a version held in values, so it is not released: write the version literally where a file "
        "pins it (an Application's targetRevision, a HelmRelease's version, a Chart.yaml dependency) to "
        "have it released"
    ]


def _bare(version: str) -> str:
    one = one_version(version)
    return f", {one} written as a constraint: write it bare" if one else ""


def _get(node: Any, key: str) -> dict[str, Any]:
    value = node.get(key) if isinstance(node, dict) else None
    return value if isinstance(value, dict) else {}


def _unconfigurable(name: str, repository: str, s: _Seen, images: set[str], charted: set[str]) -> str:
    """Why a chart found cannot be configured ("" when it can)."""
    if not _NAME.fullmatch(name):
        return f"{s.how}: {name!r} is not a chart name the configuration takes"
    if not _URL.fullmatch(repository):
        what = f"repository {repository!r}" if repository else "no repository"
        return (
            f"{s.how} names {what}, not a chart repository URL (a Helm alias or a local chart); "
            "write its repository's URL there to have its versions released"
        )
    if not s.versions:
        places = ", ".join(f"{p} ({v!r})" for p, v in s.ranges.items())
        if len(ones := {one_version(v) for v in s.ranges.values()}) == 1 and (one := ones.pop()):
            return (
                f"pinned {one} written as a constraint ({next(iter(s.ranges.values()))!r}) at "
                f"{', '.join(s.ranges)}, which the bot does not edit: write it bare there ({one}) to have "
                "the bot release it"
            )
        return (
            f"pinned as a range that Helm resolves when it installs, at {places}; pin an exact "
            "version there to have the bot release it"
        )
    if name in charted:
        return f"{s.how}: another repository's chart has this name too; configure the one you mean by hand"
    if _branch_part(name) in images:
        # a bare image name is Docker Hub's: with its host it is another name, the same image
        # (Helm values are matched by the repository; a kustomize images: entry by its name alone)
        return (
            f"{s.how}: an image found has its name, and charts and images share one namespace; where "
            f"Helm values set the image, name it docker.io/{name} (the same image) and add the chart"
        )
    return ""


def _kustomization_sources(docs: Sequence[Any], rel: str) -> dict[str, str]:
    """The OCI artifacts the file's Flux Kustomizations build from (``spec.sourceRef`` kind
    OCIRepository), by the OCIRepository's URL as compared -> the Kustomization reading it."""
    readers: dict[str, str] = {}  # OCIRepository name -> the Kustomization, in words
    urls: dict[str, str] = {}  # OCIRepository name -> its URL
    for doc in docs:
        if not isinstance(doc, dict):
            continue
        spec = doc.get("spec")
        meta = doc.get("metadata")
        spec = spec if isinstance(spec, dict) else {}
        name = str(meta.get("name") or "") if isinstance(meta, dict) else ""
        kind, api = doc.get("kind"), str(doc.get("apiVersion") or "")
        ref = spec.get("sourceRef")
        if (
            kind == "Kustomization"
            and api.startswith("kustomize.toolkit.fluxcd.io")
            and isinstance(ref, dict)
        ):
            if ref.get("kind") == "OCIRepository":
                readers.setdefault(str(ref.get("name") or ""), f"Flux Kustomization {name} in {rel}")
        elif kind == "OCIRepository" and api.startswith("source.toolkit.fluxcd.io"):
            urls[name] = repository_key(str(spec.get("url") or ""))
    return {urls[n]: who for n, who in readers.items() if n in urls}


def _branch_part(name: str) -> str:
    # as config.charts compares a chart's name with an image's (a release branch's part)
    return re.sub(r"[^A-Za-z0-9._-]+", "-", name).strip("-").lower() or "image"


def checks(app: App, found: Sequence[FoundChart], unreachable: dict[str, str] | None = None) -> list[str]:
    """``init --registry``: each chart's guessed policy against the versions its repository
    holds, as for images: how many, and the version it would choose over the one pinned today.
    A repository that cannot be reached goes into ``unreachable`` (host -> why)."""
    source = ChartSource(app.registries)
    out = []
    for chart in found:
        cfg = app.config.chart(chart.name)
        if cfg is None:
            continue
        host = chart.repository.split("://", 1)[-1].split("/", 1)[0]
        try:
            versions = source.versions(cfg.repository, cfg.name, limit=cfg.index_limit)
        except ServiceUnavailable as e:
            if unreachable is None:
                raise
            unreachable.setdefault(host, str(e))
            served = "registry" if is_oci(cfg.repository) else "chart repository"  # as its error names it
            out.append(f"{chart.name} (chart): versions not read ({served} {host} not reached)")
            continue
        except GitOpsBotError as e:
            out.append(f"{chart.name} (chart): versions not read ({e})")
            continue
        current = chart.versions[0] if chart.versions else None
        try:
            choice = Policy(cfg.policy).choose(versions, current)
        except GitOpsBotError as e:
            out.append(
                f"{chart.name} (chart): {len(versions)} versions; {chart.guess.policy} chooses none ({e})"
            )
            continue
        out.append(
            f"{chart.name} (chart): {len(versions)} versions; {chart.guess.policy} would choose "
            f"{choice.tag or 'no version'}{f' (pinned today: {current})' if current else ''}"
            f"{f' - {choice.reason}' if choice.reason else ''}"
        )
    return out
