"""The places an Argo CD Application itself sets an image (text in, sites out; no I/O): its
``kustomize.images`` entries and the ``helm.parameters`` that set an image's configured Helm
keys, which Argo CD applies after every file of its path.

A parameter names a key, not an image: ``image.tag`` is every chart's tag. It is the site of a
configured image only where the chart renders that image there, so its repository is the one
the chart takes at the image's ``repository`` key (a parameter setting it, else the last of the
chart's value files that does), and a site naming another repository is not this image's: a
release of one app never writes the tag of another Application's chart."""

from __future__ import annotations

from collections.abc import Callable, Sequence

from gitops_bot.core.errors import GitOpsBotError
from gitops_bot.core.model import WrittenRef
from gitops_bot.manifests import argocd_apps, helm_values, images, nodes
from gitops_bot.manifests.yamltext import YamlText

PARAMETER = "helm.parameters"  # an Argo CD parameter's site, named as such where it is said


def sites(
    app: argocd_apps.AppSource, specs: Sequence[images.ImageSpec], values: Callable[[], list[tuple[str, str]]]
) -> list[images.Site]:
    """``values``: the chart's value files as helm layers them, ``(text, file name)`` each,
    asked only when a parameter sets a tag and not the repository."""
    out: list[images.Site] = []
    for entry in app.images:
        wanted, ref = argocd_apps.entry_image(entry.value)
        keys = (WrittenRef(wanted).location, ref.location)
        spec = next((s for s in specs if s.name == wanted or s.repository_key in keys), None)
        if spec is not None:
            out.append(images.Site(spec.name, "argocd", entry.line, ref.name, ref.tag, ref.digest))
    for spec in specs:
        by_field = {f: p for p in app.parameters for f, key in spec.helm.items() if p.name == key}
        if "reference" in by_field:
            held = by_field["reference"]
            ref = WrittenRef.split(held.value)
            out.append(images.Site(spec.name, "argocd", held.line, ref.name, ref.tag, ref.digest, PARAMETER))
        elif "tag" in by_field:
            held = by_field["tag"]
            repo = by_field.get("repository")
            repository = repo.value if repo else _layered(values(), spec.helm.get("repository"))
            if repository and spec.repository_key and not _names(repository, spec):
                continue  # the chart renders another image with this key
            out.append(images.Site(spec.name, "argocd", held.line, repository, held.value, None, PARAMETER))
    return out


def _layered(files: list[tuple[str, str]], key: str | None) -> str | None:
    """The value helm takes at ``key``: the last value file's that sets it."""
    found: str | None = None
    for text, name in files if key else ():
        assert key is not None
        try:
            docs = nodes.compose_all(YamlText.of(text).body, name)
        except GitOpsBotError:  # a file the reading says it cannot read: no value from it
            continue
        for doc in docs:
            node = helm_values.node_at(doc, key)
            if node is not None and (value := helm_values.rendered(node)):
                found = value
    return found


def _names(repository: str, spec: images.ImageSpec) -> bool:
    """Whether ``repository``, as a chart writes it, may be the configured image's (a value
    that is no repository, a template, is not said to be another's)."""
    location = WrittenRef(repository).location
    return location is None or location == spec.repository_key or repository == spec.written
