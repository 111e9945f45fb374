"""Where a configured image is in a YAML file that is no kustomization (text in, values out; no
I/O): its workload containers, its Helm values blocks (a values file's, a Flux HelmRelease's
``spec.values``) and the scalars marker comments name, each one site's scalars
(:class:`site_values.Group`), in file order. :mod:`.images` reads and edits them."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import field
from typing import Any

import yaml

from gitops_bot.core.errors import ManifestError
from gitops_bot.core.model import WrittenRef
from gitops_bot.core.record import record
from gitops_bot.manifests import helm_values, markers, nodes, site_values, workloads
from gitops_bot.manifests.yamltext import Text


@record
class ImageSpec:
    """What the editor needs to know of a configured image. ``repository_key`` is the
    normalised ``registry/path`` (see :func:`workloads.repository_key`); ``helm`` maps a field
    (reference, repository, tag, digest) to a dotted key path such as ``image.tag``.
    ``written`` is a name as an argument wrote it, matched literally against what a container
    writes before its ``:tag``/``@digest`` when it is no repository (``IMAGE_PATH``,
    ``MyOrg/App``): kustomize's ``images:`` name match, which renders such names as written."""

    name: str
    repository_key: str | None = None
    helm: Mapping[str, str] = field(default_factory=dict)
    written: str | None = None


def groups(
    t: Text,
    docs: list[Any],
    specs: Sequence[ImageSpec],
    filename: str,
    *,
    strict: bool,
    values: Sequence[tuple[Any, str]] = (),
) -> list[site_values.Group]:
    """Every site of the configured images, in file order. ``strict``: a marker naming an image
    the configuration does not define is an error (when reading for a plan); when writing,
    markers of other images are simply not ours to touch. ``values``: more Helm values roots
    in the file, each with what they belong to (an Argo CD Application's own values)."""
    by_name = {s.name: s for s in specs}
    by_repo = {s.repository_key: s for s in specs if s.repository_key}
    by_written = {s.written: s for s in specs if s.written and not s.repository_key}
    groups: list[site_values.Group] = []
    taken: set[int] = set()

    marked: dict[tuple[str, int], site_values.Group] = {}
    for m in markers.find(t, docs):
        spec = next((by_name[n] for n in m.names if n in by_name), None)
        if spec is None:
            if not strict:
                continue
            raise ManifestError(
                filename,
                m.line,
                f"marker names image {m.names[-1]!r}, which gitops-bot.yaml does not define",
                hint="add it under images: (its name is what the marker says)",
            )
        g = marked.get((spec.name, id(m.parent)))  # markers of one mapping form one site
        if g is None:
            g = marked[(spec.name, id(m.parent))] = site_values.Group(spec.name, "marker", m.line, {}, {}, {})
            groups.append(g)
        g.fields[m.field] = m.node
        g.flow[id(m.node)] = m.flow
        taken.add(id(m.node))

    for c in workloads.containers(docs):
        if id(c.node) in taken:
            continue
        key = c.reference.location
        spec = (by_repo.get(key) if key else None) or by_written.get(c.reference.name)
        if spec is not None:
            groups.append(
                site_values.Group(
                    spec.name,
                    "container",
                    c.line,
                    {"reference": c.node},
                    {id(c.node): c.flow},
                    {},
                    workload=f"{c.kind}/{c.workload}",
                    container=c.name,
                )
            )
            taken.add(id(c.node))

    for spec in specs:
        if not spec.helm:
            continue
        paths = helm_values.paths(spec.helm)
        # A digest path equal to the tag path (config ``digestInTag``): one key holds both.
        in_tag = paths.get("digest") is not None and paths.get("digest") == paths.get("tag")
        if in_tag:
            paths.pop("digest")
        for doc, release in [*_values_roots(docs, paths), *values]:
            # a list or a mapping where a value goes is read as helm renders it, and refused as a place
            found = {f: helm_values.node_at(doc, p, scalar=False) for f, p in paths.items()}
            present = {f: n for f, n in found.items() if n is not None and id(n) not in taken}
            if (
                not present
                or _anothers(doc, paths, present, spec, by_repo)
                or _beside_another(doc, paths, found, spec)
            ):
                continue
            line = min(int(n.start_mark.line) for n in present.values()) + 1
            missing = {f: spec.helm[f] for f, n in found.items() if n is None and f in spec.helm}
            groups.append(
                site_values.Group(
                    spec.name,
                    "helm",
                    line,
                    present,
                    dict.fromkeys(map(id, present.values()), False),
                    missing,
                    in_tag and "tag" in present,
                    "; ".join(filter(None, (helm_values.differs(paths[f], n) for f, n in present.items()))),
                    workload=release,
                    registry=_registry(doc, paths, present),
                )
            )
            taken.update(map(id, present.values()))
    return sorted(groups, key=lambda g: g.line)


def _anothers(
    doc: Any,
    paths: Mapping[str, str],
    present: Mapping[str, Any],
    spec: ImageSpec,
    by_repo: Mapping[str, ImageSpec],
) -> bool:
    """Whether a values block names another image's repository: two charts' ``image.tag`` is
    one key path, and each block is the site of the image it names. The repository is the one
    pulled, its ``registry:`` key joined (``docker.io/fluxninja`` and ``aperture-operator`` are
    not Docker Hub's library ``aperture-operator``). Another configured image's, or one of
    another name (coredns beside a runner controller: a release would write the controller
    into the DNS server's values); one of the same last name on another registry may be a
    mirror of it (``mirror.gcr.io/library/nginx`` for nginx) and stays this image's. A whole
    reference key is read so too: ``image: ghcr.io/acme/rails@sha256:…`` in the values another
    repository's chart is given is no place of nginx, which this repository's chart writes there."""
    node = present.get("repository") or present.get("reference")
    registry = _registry(doc, paths, present)
    if node is not None and nodes.is_map(node):
        # a block where this image's chart prints one string (elasticsearch's ``{{ .Values.image
        # }}``) holding a repository of its own is another chart's image block (``image:
        # {repository: front, tag: local}`` in the frontend's values file), not this image's
        inner = [h[1] for k in _REPOSITORY_KEYS if (h := nodes.get(node, k)) is not None]
        held = nodes.get(node, "registry")
        node = inner[0] if inner else None
        registry = ""
        if node is not None and held is not None and nodes.is_scalar(node) and nodes.is_scalar(held[1]):
            registry = helm_values.registry_of(helm_values.rendered(held[1]), str(node.value))
    if node is None or not nodes.is_scalar(node) or not node.value or "{{" in str(node.value):
        return False
    location = WrittenRef.split(f"{registry}/{node.value}" if registry else str(node.value)).location
    if location is None or location == spec.repository_key:
        return False
    named = (spec.repository_key or "").rsplit("/", 1)[-1]
    # a mirror is another registry's copy: one of the same last name on the image's own
    # registry (ghcr.io/acme/ships/frontend beside ghcr.io/acme/grimoire/frontend) is another image
    host = (spec.repository_key or "").split("/", 1)[0]
    mirror = location.rsplit("/", 1)[-1] == named and location.split("/", 1)[0] != host
    # a whole reference key set-image is told to write (``--helm reference=controller.image
    # ingress:v1``) is that image's; a configured image's names its repository or another image
    other = bool(named) and not mirror and ("repository" in present or spec.written is None)
    return location in by_repo or other


def _registry(doc: Any, paths: Mapping[str, str], present: Mapping[str, Any]) -> str:
    """The ``registry:`` key beside the repository found, which the chart puts before it."""
    node = present.get("repository")
    parent, _, _ = paths.get("repository", "").rpartition(".")
    if node is None or not parent or not nodes.is_scalar(node) or not node.value:
        return ""
    block = helm_values.node_at(doc, parent, scalar=False)
    held = nodes.get(block, "registry") if block is not None and nodes.is_map(block) else None
    if held is None or not nodes.is_scalar(held[1]):
        return ""
    return helm_values.registry_of(helm_values.rendered(held[1]), str(node.value))


# the keys charts name an image's repository by, beside its tag
_REPOSITORY_KEYS = ("repository", "repo")


def _beside_another(doc: Any, paths: Mapping[str, str], found: Mapping[str, Any], spec: ImageSpec) -> bool:
    """Whether the tag found sits beside a repository naming another image, where the image's
    own repository path is not in the file: one values file's ``server.image.tag`` is the tag
    of the image its ``server.image.repository`` names (another chart's, read under the same
    key path in one environment), never of an image configured at ``server.image.repo``."""
    tag = paths.get("tag")
    if found.get("repository") is not None or "repository" not in paths or not tag or "." not in tag:
        return False
    block = helm_values.node_at(doc, tag.rsplit(".", 1)[0], scalar=False)
    if block is None or not nodes.is_map(block):
        return False
    for key in _REPOSITORY_KEYS:
        held = nodes.get(block, key)
        if held is not None and nodes.is_scalar(held[1]) and held[1].value:
            value = str(held[1].value)
            if "{{" in value or not spec.repository_key:
                return False
            location = WrittenRef.split(value).location
            return location is not None and location != spec.repository_key
    return False


def under(docs: Sequence[Any], key: str) -> list[tuple[Any, str]]:
    """The documents of a subchart's values file as its parent chart's values hold them, under
    ``key`` (the dependency's alias or name): a key path ``key.image.tag`` reaches the file's
    ``image.tag``, at its own line. None where ``key`` is empty (a chart's own values)."""
    str_tag, map_tag = "tag:yaml.org,2002:str", "tag:yaml.org,2002:map"
    return [
        (yaml.MappingNode(map_tag, [(yaml.ScalarNode(str_tag, key), d)]), "")
        for d in docs
        if key and nodes.is_map(d)
    ]


def _values_roots(docs: Sequence[Any], paths: Mapping[str, str]) -> list[tuple[Any, str]]:
    """Where each document's Helm values are: the document (a values file, or key paths
    written from a manifest's root), else a Flux ``HelmRelease``'s ``spec.values`` (the values
    the release sets) when the paths are not found from its root; with the ``HelmRelease/name``
    they belong to, so a kustomize patch of that HelmRelease's values overrides them."""
    out: list[tuple[Any, str]] = []
    for doc in docs:
        if (
            nodes.is_map(doc)
            and _kind(doc) == "HelmRelease"
            and not any(helm_values.node_at(doc, p) for p in paths.values())
        ):
            spec = nodes.get(doc, "spec")
            values = nodes.get(spec[1], "values") if spec is not None and nodes.is_map(spec[1]) else None
            meta = nodes.get(doc, "metadata")
            name = nodes.get(meta[1], "name") if meta is not None and nodes.is_map(meta[1]) else None
            named = str(name[1].value) if name is not None and nodes.is_scalar(name[1]) else ""
            out.append((values[1] if values is not None else None, f"HelmRelease/{named}" if named else ""))
        else:
            out.append((doc, ""))
    return out


def _kind(doc: Any) -> str:
    kind = nodes.get(doc, "kind")
    return str(kind[1].value) if kind is not None and nodes.is_scalar(kind[1]) else ""
