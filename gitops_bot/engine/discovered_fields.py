"""Images written in fields no format reads, as discovery (``gitops-bot init``) finds them: an
object of a kind the bot does not read naming an image under its ``spec`` (an OLM
``CatalogSource``'s ``spec.image``, an operator's custom resource naming what it runs). No plan
reads them until a marker comment says which image the line holds, so each is said with the
line to add; tests, docs and samples deploy nothing and say nothing."""

from __future__ import annotations

import functools
import os
import re
from collections.abc import Collection, Iterator
from pathlib import PurePosixPath
from typing import Any

import yaml

from gitops_bot.core.errors import GitOpsBotError
from gitops_bot.core.imageref import WrittenRef
from gitops_bot.core.reading import article
from gitops_bot.engine.promotion_order import kind_of
from gitops_bot.engine.repository_files import WORKLOADS, RepoFiles, kustomization_dirs
from gitops_bot.manifests import charts, may_hold, nodes, workloads, written_kinds
from gitops_bot.manifests.guard import LOADER
from gitops_bot.manifests.kustomize import KUSTOMIZATION_NAMES
from gitops_bot.manifests.yamltext import YamlText
from gitops_bot.render import reader

# Flux's image automation names the repository it scans (ImageRepository spec.image): no pin
_SCANNERS = ("image.toolkit.fluxcd.io/",)
_READ_KINDS = frozenset({*WORKLOADS, "ClusterServiceVersion", "CustomResourceDefinition"})
_WORKLOAD_KINDS = frozenset(workloads.POD_SPEC_PATHS)
MAX_SAID = 10  # images said one by one; the rest a count with their files
_DEPTH = 6  # key levels under spec looked at: spec.image, spec.server.image, ..., an EnvoyProxy's
# spec.provider.kubernetes.envoyDeployment.container.image (five)
# a chart's values (a HelmRelease's, an Application's helm:): read elsewhere, or a place the bot
# does not release; a custom resource's own pod template and containers lists (a Knative
# Service's) are read nowhere: walked
_PASSED = frozenset({"values", "helm", "install"})
# directories whose objects nobody deploys: tests, their fixtures, docs, samples
_NOT_DEPLOYED = frozenset(
    {"test", "tests", "e2e", "fixtures", "testdata", "docs", "doc", "examples", "example", "samples", "hack"}
)


def unread_fields(repo: RepoFiles, rendered: Collection[str]) -> list[str]:
    """A ``not read`` line for each image an object of a kind no format reads names under its
    ``spec`` (at most :data:`MAX_SAID`, then a count). ``rendered``: the files the environments
    render (one none renders is said so)."""
    hits: list[tuple[str, int, str, str, str]] = []  # file, line, key, kind, value
    for rel in repo.yaml_files():
        if _skipped(rel) or repo.under_tests(rel):
            continue
        text = repo.text(rel)
        if not text or "image" not in text or _read_kinds_only(text):
            continue
        wanted = [(k, key, v) for d in repo.docs(rel) for k, key, v in _images(d)]
        if wanted:
            hits += _placed(rel, text, wanted)
    hits.sort(key=lambda h: h[0] not in rendered)  # what an environment renders is named first
    lines = [_said(h, h[0] in rendered) for h in hits[:MAX_SAID]]
    if rest := hits[MAX_SAID:]:
        # every file named: a count hides an image that runs from the one reading that says it
        shown = ", ".join(dict.fromkeys(h[0] for h in rest))
        lines.append(
            f"{len(rest)} more images in fields no format reads: {shown}; each needs the marker comment "
            '# {"gitops-bot": "<image>"} at the end of its line to be read'
        )
    return lines


def _read_kinds_only(text: str) -> bool:
    """Every object of the file (its top-level ``kind:`` lines) of a kind whose images are read
    elsewhere or are no pin (workloads; an OLM ClusterServiceVersion, a bundle's generated
    description): not parsed, as an operator's hundreds of them were for nothing."""
    kinds = written_kinds(text)
    if kinds is None:  # no object written at a line's start (values), else only parsing tells
        return "\nkind:" not in "\n" + text
    return kinds <= _READ_KINDS


def _constructed(doc: Any) -> Any:
    """A document's values, or None for one YAML composes and cannot construct (a chart
    template's ``group: {{ .Values.group }}``, a mapping as a key): no object kubectl applies."""
    try:
        return nodes.constructed(doc)
    except GitOpsBotError:
        return None


def _skipped(rel: str) -> bool:
    path = PurePosixPath(rel)
    return path.name in KUSTOMIZATION_NAMES or any(p.lower() in _NOT_DEPLOYED for p in path.parts[:-1])


def _images(doc: dict[str, Any]) -> Iterator[tuple[str, str, str]]:
    """(kind, key path, value) of each image an object of a kind no format reads names under
    its spec."""
    api, kind = kind_of(doc)
    spec = doc.get("spec")
    if not kind or kind in WORKLOADS or not isinstance(spec, dict) or api.startswith(_SCANNERS):
        return
    yield from ((kind, key, value) for key, value in _walk(spec, "spec", _DEPTH))


def _walk(node: dict[str, Any], at: str, depth: int) -> Iterator[tuple[str, str]]:
    for k, v in node.items():
        if not isinstance(k, str) or k in _PASSED:
            continue
        if k in workloads.IMAGE_KEYS and isinstance(v, str) and _reference(v):
            yield f"{at}.{k}", v
        elif k == "image" and isinstance(v, dict) and ((block := _block(v))[:1] == ":" or _reference(block)):
            yield f"{at}.{k}.tag", block  # a repository/tag block: its tag's line is the place
        elif isinstance(v, dict) and depth > 1:
            yield from _walk(v, f"{at}.{k}", depth - 1)
        elif isinstance(v, list) and depth > 1:  # initContainers[], an ImageCatalog's images[]
            for item in (i for i in v if isinstance(i, dict)):
                yield from _walk(item, f"{at}.{k}[]", depth - 1)


def _block(image: dict[str, Any]) -> str:
    """The reference an ``image: {repository, tag}`` block names, ``:TAG`` of a tag with no
    repository (the operator's own image at that tag); "" where it is none."""
    repository, tag = image.get("repository"), image.get("tag")
    if not isinstance(tag, str | int | float) or isinstance(tag, bool) or "{{" in str(tag) or "$" in str(tag):
        return ""
    return f"{repository}:{tag}" if isinstance(repository, str) else "" if repository else f":{tag}"


def _reference(value: str) -> bool:
    """A pinned reference: a repository with a tag or a digest (not a template's placeholder,
    not a repository alone, which an operator's CR pairs with a version field of its own)."""
    if "{{" in value or "$" in value or workloads.repository_key(value) is None:
        return False
    ref = WrittenRef.split(value)
    return bool(ref.tag or ref.digest)


def _placed(rel: str, text: str, wanted: list[tuple[str, str, str]]) -> list[tuple[str, int, str, str, str]]:
    """Each wanted image with the line writing it; one whose line a gitops-bot marker names
    already is read by the plan, not said."""
    try:
        docs = nodes.compose_all(YamlText.of(text).body, rel)
    except GitOpsBotError:
        return []  # said where the file is read
    lines = text.splitlines()
    # each value's lines in the file's order, taken in turn: two objects naming one image are
    # two lines, each said at its own
    scalars: dict[str, list[int]] = {}
    for value, at in (got for d in docs for got in _scalars(d, 0)):
        scalars.setdefault(value, []).append(at)
    out = []
    for kind, key, value in wanted:
        line = scalars[value].pop(0) if scalars.get(value) else None
        if line is None or '"gitops-bot"' in lines[line - 1]:
            continue
        out.append((rel, line, key, kind, value))
    return out


def _scalars(node: Any, depth: int) -> Iterator[tuple[str, int]]:
    """Each ``image:`` value under ``node`` with its line: a scalar's own, a repository/tag
    block's (``REPOSITORY:TAG``) its tag's."""
    if depth > _DEPTH + 2:
        return
    for k, v in node.value if nodes.is_map(node) else ((None, i) for i in node.value):
        image = k is not None and nodes.is_scalar(k) and k.value in workloads.IMAGE_KEYS
        if image and nodes.is_scalar(v):
            yield str(v.value), v.start_mark.line + 1
        elif image and nodes.is_map(v) and (tag := nodes.get(v, "tag")):
            repo = nodes.get(v, "repository")
            yield f"{repo[1].value if repo else ''}:{tag[1].value}", tag[1].start_mark.line + 1
        elif nodes.is_map(v) or nodes.is_seq(v):
            yield from _scalars(v, depth + 1)


def _said(hit: tuple[str, int, str, str, str], rendered: bool) -> str:
    rel, line, key, kind, value = hit
    name = WrittenRef.split(value).name or "<image>"
    where = "" if rendered else f"; no environment renders {rel}: give one a path that does"
    marker = f"{name}:tag" if key.endswith(".image.tag") else name  # a block's tag line holds the tag alone
    what, first = f"{value} is", ""
    if value.startswith(":"):  # the operator's own image at this tag: no repository to release by
        what, first = (
            f"{value[1:]}, the tag of the image its operator chooses, is",
            "write its repository there, ",
        )
    return (
        f"{rel}:{line}: {what} the {key} of {article(kind)} {kind}, a field no format reads: {first}add the "
        f'marker comment # {{"gitops-bot": "{marker}"}} at the end of that line and the image to images: '
        f"to have it released{where}"
    )


def unrendered_workloads(repo: RepoFiles, rendered: Collection[str]) -> list[str]:
    """A ``not read`` line for each directory of plain workload manifests (no kustomization,
    no chart holds it) that no environment renders, with the images it names: folders a script
    applies with ``kubectl apply -f`` beside what an Argo CD or Flux object deploys, where init
    said nothing (at most :data:`MAX_SAID` directories, then a count)."""
    charts = {str(PurePosixPath(f).parent) for f in repo.files if PurePosixPath(f).name == "Chart.yaml"}
    kustomized = {
        str(PurePosixPath(f).parent) for f in repo.files if PurePosixPath(f).name in KUSTOMIZATION_NAMES
    }
    reached = functools.cache(lambda: _kustomized(repo))  # once, where a workload asks
    named: dict[str, list[str]] = {}  # directory -> "image (file:line)"
    based: dict[str, list[str]] = {}  # a kustomization's directory -> the same
    stray: dict[str, list[str]] = {}  # a kustomization's directory -> what it lists not
    for rel in repo.yaml_files():
        path = PurePosixPath(rel)
        folder = str(path.parent)
        if rel in rendered or _skipped(rel) or repo.under_tests(rel):
            continue
        if any(str(p) in charts for p in path.parents):
            continue  # a chart's template: the chart's own line says it
        text = repo.text(rel)
        if (
            not text
            or "image" not in text
            or not may_hold(text, _WORKLOAD_KINDS)
            or not any(d.get("kind") in workloads.POD_SPEC_PATHS for d in repo.docs(rel))
        ):
            continue  # no workload (a definitions bundle among them): nothing composed
        try:
            docs = nodes.compose_all(YamlText.of(text).body, rel)
        except GitOpsBotError:
            continue  # said where the file is read
        # a file a kustomization lists is built by it: said as that kustomization, never as a
        # folder to apply by hand past its images: entry; one beside a kustomization (read) that
        # does not list it is deployed by nothing
        listed = reached()[1] if kustomized else {}
        owner = listed.get(rel) or (folder if folder in kustomized else None)
        beside = rel not in listed and any(
            str(PurePosixPath(folder, k)) in listed for k in KUSTOMIZATION_NAMES
        )
        for c in workloads.containers(docs):
            ref = str(c.node.value)
            if "{{" not in ref and workloads.repository_key(ref) is not None:
                into = stray if beside else based if owner else named
                into.setdefault(folder if beside else owner or folder, []).append(f"{ref} ({rel}:{c.line})")
    # a kustomization another includes is said (or rendered) through the one including it; one
    # nothing includes is applied by hand (kubectl apply -k) or not at all: its pins are said
    included = reached()[0] if based else set()
    alone = {d: refs for d, refs in based.items() if d not in included}
    said = [
        f"{folder}: a Kustomize directory nothing includes, naming {', '.join(dict.fromkeys(refs))}, that "
        "no environment renders; if it is applied as it is (kubectl apply -k), write "
        f"{{name: <env>, path: {folder}}} under environments: and the images under images:"
        for folder, refs in alone.items()
    ]
    said += [
        f"{folder}: workload manifests naming {', '.join(dict.fromkeys(refs))} beside its kustomization, "
        "which does not list them: nothing deploys them; add them to its resources: to deploy them"
        for folder, refs in stray.items()
    ]
    said += [
        f"{folder}: workload manifests naming {', '.join(dict.fromkeys(refs))} that no environment renders; "
        f"if they are deployed as they are (kubectl apply -f), write {{name: <env>, path: {folder}}} under "
        "environments: and the images under images:"
        for folder, refs in named.items()
    ]
    lines = said[:MAX_SAID]
    if rest := [*alone, *stray, *named][MAX_SAID:]:
        shown = ", ".join(rest[:4]) + (f" and {len(rest) - 4} more" if len(rest) > 4 else "")
        lines.append(f"{len(rest)} more directories of workload manifests no environment renders: {shown}")
    return lines


def k3s_charts(repo: RepoFiles, rendered: Collection[str]) -> list[str]:
    """A ``not read`` line for each chart a k3s ``HelmChart`` (helm.cattle.io, which k3s's
    helm-controller installs) pins where no release can move it: a file no environment renders
    (k3s applies its server's manifests folder, which is outside what any deployer here reads),
    or a chart given as an archive or with no version (tests, docs and samples deploy nothing
    and say nothing). One an environment renders at a version is a pin like any other."""
    out = []
    for rel in repo.yaml_files():
        text = repo.text(rel) or ""
        if "helm.cattle.io" not in text or _skipped(rel) or repo.under_tests(rel):
            continue
        try:
            sites = any(s.form == "k3s-helmchart" for s in charts.every(text, rel))
        except GitOpsBotError:
            sites = False  # said where the file is read
        if rel in rendered and sites:
            continue
        for doc in repo.docs(rel):
            api, kind = kind_of(doc)
            spec = doc.get("spec")
            if kind != "HelmChart" or not api.startswith("helm.cattle.io/") or not isinstance(spec, dict):
                continue
            chart, version, where = spec.get("chart"), spec.get("version"), spec.get("repo")
            pinned = f"chart {chart} {version or '(no version: the newest)'}{f' of {where}' if where else ''}"
            if sites:
                why = (
                    "which no environment renders, so it is not released; add the path that holds it to "
                    "the environment whose cluster runs it"
                )
            else:
                why = (
                    "given so that no version of it can be released (an archive's URL, spec.chartContent, "
                    "a repository alias or no version); write spec.chart, spec.repo and spec.version to have "
                    "it released, or release it by hand"
                )
            out.append(f"{rel}: a k3s HelmChart (helm.cattle.io) installs {pinned}, {why}")
    return out


def lone_tags(repo: RepoFiles, rendered: Collection[str]) -> list[str]:
    """A tag a Flux HelmRelease's ``spec.values`` set with no repository beside it (``image:
    {tag: "2025.11.1"}``) over a chart Flux fetches (a HelmRepository's, an OCI one): the
    repository is the chart's default, in no file here, so no image is known to list; each is
    said with its line and the entry that releases it. A tag a Flux setter marks is the setter's
    image (found there); a chart of the repository's own GitRepository is read with its templates."""
    out: list[str] = []
    for rel in rendered:
        text = repo.text(rel) or ""
        if "HelmRelease" not in text or PurePosixPath(rel).name in KUSTOMIZATION_NAMES:
            continue
        try:
            docs = nodes.compose_all(YamlText.of(text).body, rel)
        except GitOpsBotError:
            continue  # said where the file is read
        lines = text.splitlines()
        for doc in docs:
            value = _constructed(doc) if nodes.is_map(doc) else None
            if not isinstance(value, dict) or kind_of(value)[1] != "HelmRelease":
                continue
            chart = _at(value, "spec", "chart", "spec")
            source, spec = _at(chart, "sourceRef"), _node(doc, "spec")
            if source.get("kind") == "GitRepository" or not nodes.is_map(spec):
                continue
            name = f"HelmRelease {_at(value, 'metadata').get('name')}"
            over = f"chart {chart.get('chart')} of {source.get('kind')} {source.get('name')}"
            if not chart.get("chart"):  # a patch of a HelmRelease written elsewhere: its chart is there
                over = "chart (named where the HelmRelease it patches is written)"
            if not chart and (ref := _at(value, "spec", "chartRef")):  # Flux's chartRef: an OCIRepository's
                over = f"chart {ref.get('kind')} {ref.get('name')}{_oci_source(repo, rel, ref.get('name'))}"
            for path, parent, key, node in nodes.walk(_node(spec, "values")):
                if key is None or key.value != "tag" or not nodes.is_scalar(node) or not str(node.value):
                    continue
                line = int(node.start_mark.line)
                if any(nodes.get(parent, k) for k in ("repository", "repo")) or "$imagepolicy" in lines[line]:
                    continue
                block = "".join(f"{p}." for p in path[:-1])
                out.append(
                    f"{rel}:{line + 1}: {name} sets {'.'.join(map(str, path))} {str(node.value)!r} over its "
                    f"{over}, whose {block}repository default is in no file here: the image it tags is not "
                    f"known; to have it released, add it by hand: {{name: <the image the chart runs>, helm: "
                    f"{{repository: {block}repository, tag: {block}tag}}}}"
                )
    return out


def _node(mapping: Any, key: str) -> Any:
    got = nodes.get(mapping, key) if nodes.is_map(mapping) else None
    return got[1] if got else None


def _at(value: Any, *keys: str) -> dict[str, Any]:
    for key in keys:
        value = value.get(key) if isinstance(value, dict) else None
    return value if isinstance(value, dict) else {}


def values_in_config_maps(repo: RepoFiles, rendered: Collection[str]) -> list[str]:
    """Helm values a Flux HelmRelease the environments render takes through ``valuesFrom`` from a
    ConfigMap written whole in a manifest (``data: {values.yaml: |``): the versions in that block
    are text to YAML, which neither the bot's readers nor Flux's setters edit, so each such key
    holding an image's fields is said with its line and the form that is read (the values in a
    file of their own, which a ``configMapGenerator`` makes the ConfigMap of)."""
    objs: list[tuple[str, int, dict[str, Any]]] = []
    for rel in sorted(set(rendered)):
        text = repo.text(rel) or ""
        if not {"ConfigMap", "HelmRelease"} & set(re.findall(r"\b(?:ConfigMap|HelmRelease)\b", text)):
            continue
        try:
            docs = nodes.compose_all(YamlText.of(text).body, rel)
        except GitOpsBotError:
            continue  # said where the file is read
        objs += [(rel, d.start_mark.line + 1, v) for d in docs if isinstance(v := _constructed(d), dict)]
    taken = {
        (ref.get("kind"), ref.get("name"), ref.get("valuesKey") or "values.yaml"): _at(o, "metadata").get(
            "name"
        )
        for _, _, o in objs
        if o.get("kind") == "HelmRelease"
        for ref in (_at(o, "spec").get("valuesFrom") or [])
        if isinstance(ref, dict)
    }
    out: list[str] = []
    for rel, line, obj in objs:
        name = _at(obj, "metadata").get("name")
        for key, text in _at(obj, "data").items() if obj.get("kind") == "ConfigMap" else ():
            release = taken.get(("ConfigMap", name, key))
            fields = _image_fields(text) if release and isinstance(text, str) else []
            if fields:
                out.append(
                    f"{rel}:{line}: ConfigMap {name}'s {key} holds the values HelmRelease {release} "
                    f"takes (valuesFrom) with {', '.join(fields[:MAX_SAID])}: values written inside a "
                    f"ConfigMap are not read; to have them released, move them into a file of their own that "
                    f"a configMapGenerator makes the ConfigMap of (files: [{key}=<file>])"
                )
    return out


def _image_fields(text: str) -> list[str]:
    """The image fields (``image.tag '10.11.8'``) of a values text, those a Flux setter marks too."""
    try:
        values = yaml.load(text, Loader=LOADER)
    except yaml.YAMLError:
        return []
    found = [f"{'.'.join(map(str, p))} {v!r}" for p, v in _leaves(values, ()) if p and p[-1] in _IMAGE_KEYS]
    return found + [m.group(0) for m in re.finditer(r"\{\"\$imagepolicy\": \"[^\"]+\"\}", text)][:1]


def _leaves(node: Any, path: tuple[object, ...]) -> Iterator[tuple[tuple[object, ...], Any]]:
    if isinstance(node, dict):
        for k, v in node.items():
            yield from _leaves(v, (*path, k))
    elif isinstance(node, list):
        for i, v in enumerate(node):
            yield from _leaves(v, (*path, i))
    elif isinstance(node, str | int | float) and not isinstance(node, bool) and str(node):
        yield path, node


_IMAGE_KEYS = frozenset({"image", "repository", "tag", "digest"})


def _kustomized(repo: RepoFiles) -> tuple[set[str], dict[str, str]]:
    """The directories of kustomizations another kustomization includes (reached from it), and
    each file a kustomization lists from a folder of no kustomization (``./resources/app.yaml``)
    -> that kustomization's directory: what is built from it, not a folder applied alone."""
    out: set[str] = set()
    listed: dict[str, str] = {}
    for d in kustomization_dirs(repo):
        try:
            reached = reader.reach(repo.tree, repo.root, repo.root / d)
        except GitOpsBotError:
            continue  # said where candidates are read
        rels = [PurePosixPath(os.path.relpath(f, repo.root)) for f in reached.files]
        out |= {str(r.parent) for r in rels if r.name in KUSTOMIZATION_NAMES} - {d}
        for r in rels:
            listed.setdefault(str(r), d)
    return out, listed


def _oci_source(repo: RepoFiles, rel: str, name: object) -> str:
    """`` (oci://host/path/chart 1.2.3)`` of the OCIRepository of that name in the file, or ""."""
    for doc in repo.docs(rel):
        if kind_of(doc)[1] == "OCIRepository" and _at(doc, "metadata").get("name") == name:
            url, ref = _at(doc, "spec").get("url"), _at(doc, "spec", "ref")
            version = next((v for k in ("tag", "semver", "digest") if isinstance(v := ref.get(k), str)), "")
            return f" ({url}{f' {version}' if version else ''})" if isinstance(url, str) else ""
    return ""
