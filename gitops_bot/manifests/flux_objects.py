"""What Flux's objects make Flux render (text in, values out; no I/O): a ``Kustomization``'s
path in its source and the ``spec.images`` it applies after the build, a ``HelmRelease``'s chart
and where it comes from."""

from __future__ import annotations

from gitops_bot.core.record import record
from gitops_bot.manifests import nodes
from gitops_bot.manifests.argocd_apps import at, scalar
from gitops_bot.manifests.yamltext import YamlText


@record
class FluxKustomization:
    """A Flux ``Kustomization`` (kustomize.toolkit.fluxcd.io): the path it builds in its source
    repository, and the ``spec.images`` it applies after the build (kustomize's fields)."""

    name: str
    path: str
    images: tuple[
        tuple[str, str | None, str | None, str | None, int], ...
    ]  # name, newName, newTag, digest, line
    source: tuple[str, str] = ("GitRepository", "")  # its sourceRef's kind and name
    components: tuple[str, ...] = ()  # spec.components: kustomize components added to its path's build


@record
class HelmRelease:
    """A Flux ``HelmRelease``: its chart and where it comes from (``sourceRef``'s kind: a
    ``GitRepository``'s chart is a path in that repository)."""

    name: str
    chart: str
    source_kind: str
    source_name: str


def helm_releases(text: str, filename: str) -> list[HelmRelease]:
    out: list[HelmRelease] = []
    for doc in nodes.compose_all(YamlText.of(text).body, filename):
        if not nodes.is_map(doc) or scalar(doc, "kind") != "HelmRelease":
            continue
        if not (scalar(doc, "apiVersion") or "").startswith("helm.toolkit.fluxcd.io/"):
            continue
        spec = at(doc, "spec", "chart", "spec")
        ref = at(spec, "sourceRef")
        out.append(
            HelmRelease(
                scalar(at(doc, "metadata"), "name") or "",
                scalar(spec, "chart") or "",
                scalar(ref, "kind") or "",
                scalar(ref, "name") or "",
            )
        )
    return out


def flux_kustomizations(text: str, filename: str) -> list[FluxKustomization]:
    out: list[FluxKustomization] = []
    for doc in nodes.compose_all(YamlText.of(text).body, filename):
        if not nodes.is_map(doc) or scalar(doc, "kind") != "Kustomization":
            continue
        if not (scalar(doc, "apiVersion") or "").startswith("kustomize.toolkit.fluxcd.io/"):
            continue
        spec = at(doc, "spec")
        found = []
        for entry in images.value if nodes.is_seq(images := at(spec, "images")) else []:
            name = scalar(entry, "name")
            if not name:
                continue
            held = nodes.get(entry, "newTag") or nodes.get(entry, "digest")
            line = int((held[1] if held else entry).start_mark.line) + 1
            found.append(
                (name, scalar(entry, "newName"), scalar(entry, "newTag"), scalar(entry, "digest"), line)
            )
        ref = at(spec, "sourceRef")
        source = (scalar(ref, "kind") or "GitRepository", scalar(ref, "name") or "")
        name = scalar(at(doc, "metadata"), "name") or ""
        listed = at(spec, "components")
        components = tuple(
            str(c.value) for c in (listed.value if nodes.is_seq(listed) else []) if nodes.is_scalar(c)
        )
        out.append(FluxKustomization(name, scalar(spec, "path") or ".", tuple(found), source, components))
    return out
