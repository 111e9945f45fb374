"""What an edit changes in the *rendered* output: the pure comparison of two renders. PURE.

A reviewer of an image pull request wants to know what changes in the cluster, not only which
line of YAML changed. :func:`compare` takes the multi-document YAML ``kubectl kustomize``
printed before and after the edit, keys each resource by apiVersion/kind/namespace/name, and
splits every difference into the image fields of containers (what the edit meant to change)
and everything else (what a reviewer must be warned about: a chart template that reacts to the
tag, a transformer that copies the tag elsewhere). The subprocess that renders lives in
:mod:`gitops_bot.render.tools`.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Iterator
from typing import Any

import yaml

from gitops_bot.core.imageref import WrittenRef
from gitops_bot.core.outside import Code, Outside, md, md_item
from gitops_bot.core.record import record
from gitops_bot.manifests.guard import LOADER  # libyaml's where built: a render may be megabytes

# Lists whose entries are containers: their "image" field is the one an image edit changes.
CONTAINER_LISTS = ("containers", "initContainers", "ephemeralContainers")
MAX_OTHER = 50  # differences listed one by one; more are counted (a PR body has a size limit)
_MORE = re.compile(r"\.\.\. and [0-9]+ more differences")  # the count of those past MAX_OTHER


@record
class ImageDiff:
    """One container's image, before -> after (None: the container is new or gone)."""

    resource: str  # kind namespace/name
    container: str  # its path in the resource, e.g. spec.template.spec.containers[app]
    before: str | None
    after: str | None

    def to_json(self) -> dict[str, Any]:
        return {
            "resource": self.resource,
            "container": self.container,
            "before": self.before,
            "after": self.after,
        }


@record
class Rendered:
    """One environment's kustomization rendered before and after the edit. ``error`` set: it
    was not rendered (or not both times), and why: the rest is empty."""

    environment: str
    path: str  # the kustomization directory, relative to the repository root
    resources: tuple[str, ...] = ()  # the resources whose rendered output changes
    images: tuple[ImageDiff, ...] = ()
    other: tuple[str, ...] = ()  # every difference that is not a container's image
    error: str | None = None

    @property
    def only_images(self) -> bool:
        return self.error is None and not self.other

    def to_json(self) -> dict[str, Any]:
        doc: dict[str, Any] = {"environment": self.environment, "path": self.path}
        if self.error is not None:
            return doc | {"rendered": False, "error": self.error}
        return doc | {
            "rendered": True,
            "only_images": self.only_images,
            "resources": list(self.resources),
            "images": [i.to_json() for i in self.images],
            "other": list(self.other),
        }


class RenderParseError(ValueError):
    """The renderer's output is not the YAML stream of resources it should be."""


def resources(text: str) -> dict[str, Any]:
    """The resources of a rendered stream by key ``kind namespace/name (apiVersion)``."""
    out: dict[str, Any] = {}
    try:
        docs = list(yaml.load_all(text, Loader=LOADER))
    except yaml.YAMLError as e:
        raise RenderParseError(f"rendered output is not YAML: {str(e).splitlines()[0]}") from None
    for doc in docs:
        if doc is None:
            continue
        if not isinstance(doc, dict):
            raise RenderParseError("rendered output holds a document that is not a resource")
        found = doc.get("metadata")
        meta: dict[str, Any] = found if isinstance(found, dict) else {}
        ns = meta.get("namespace") or ""
        key = f"{doc.get('kind')} {ns + '/' if ns else ''}{meta.get('name')} ({doc.get('apiVersion')})"
        out[key] = doc
    return out


def compare(
    environment: str, path: str, before: str, after: str, values_images: Collection[str] = ()
) -> Rendered:
    """The differences between two renders, resource by resource; image fields of containers
    apart from the rest, and in a Flux HelmRelease's ``spec.values`` the configured images'
    helm keys (``values_images``: ``redis.tag``) and a reference that is the image."""
    keys = {f"spec.values.{k}" for k in values_images}
    try:
        old, new = resources(before), resources(after)
    except RenderParseError as e:
        return Rendered(environment, path, error=str(e))
    changed: list[str] = []
    images: list[ImageDiff] = []
    other: list[str] = []
    for key in sorted(old.keys() | new.keys()):
        if key not in new:
            changed.append(key)
            other.append(f"{key}: removed")
            continue
        if key not in old:
            changed.append(key)
            other.append(f"{key}: added")
            continue
        if old[key] == new[key]:
            continue
        changed.append(key)
        name = key.rsplit(" (", 1)[0]
        for where, a, b in _differences(old[key], new[key], ""):
            container = _container_of(where)
            if container is not None and (where == f"{container}.image" or where == container):
                img_a = a.get("image") if isinstance(a, dict) else a
                img_b = b.get("image") if isinstance(b, dict) else b
                if where == container and (a is _MISSING or b is _MISSING):
                    other.append(f"{name}: {where}: {'added' if a is _MISSING else 'removed'}")
                    continue
                images.append(ImageDiff(name, container, _str(img_a), _str(img_b)))
            elif old[key].get("kind") == "HelmRelease" and (where in keys or _same_image(where, a, b)):
                images.append(ImageDiff(name, where, _str(a), _str(b)))
            else:
                other.append(f"{name}: {where or '(whole resource)'}: {_show(a)} -> {_show(b)}")
    if len(other) > MAX_OTHER:
        other = [*other[:MAX_OTHER], f"... and {len(other) - MAX_OTHER} more differences"]
    return Rendered(environment, path, tuple(changed), tuple(images), tuple(other))


_MISSING: Any = object()


def _differences(a: Any, b: Any, where: str) -> Iterator[tuple[str, Any, Any]]:
    """Each leaf (or whole subtree added/removed) that differs, by dotted path; list entries
    that are mappings with a ``name`` are matched by name (``containers[app]``), not index."""
    if isinstance(a, dict) and isinstance(b, dict):
        for k in sorted(a.keys() | b.keys(), key=str):
            sub = f"{where}.{k}" if where else str(k)
            va, vb = a.get(k, _MISSING), b.get(k, _MISSING)
            if va != vb:
                yield from _differences(va, vb, sub)
        return
    if isinstance(a, list) and isinstance(b, list):
        na, nb = _by_name(a), _by_name(b)
        if na is not None and nb is not None:
            for k in list(na) + [k for k in nb if k not in na]:
                va, vb = na.get(k, _MISSING), nb.get(k, _MISSING)
                if va != vb:
                    yield from _differences(va, vb, f"{where}[{k}]")
            return
        if len(a) == len(b):
            for i, (va, vb) in enumerate(zip(a, b, strict=True)):
                if va != vb:
                    yield from _differences(va, vb, f"{where}[{i}]")
            return
    yield where, a, b


def _by_name(items: list[Any]) -> dict[str, Any] | None:
    if not all(isinstance(i, dict) and isinstance(i.get("name"), str) for i in items):
        return None
    named = {i["name"]: i for i in items}
    return named if len(named) == len(items) else None


def _container_of(where: str) -> str | None:
    """The path of the container ``where`` lies in (``...containers[app]``), if any."""
    for lst in CONTAINER_LISTS:
        marker = f"{lst}["
        i = where.rfind(marker)
        if i >= 0 and (i == 0 or where[i - 1] == "."):
            end = where.find("]", i)
            if end >= 0:
                return where[: end + 1]
    return None


def _same_image(where: str, a: Any, b: Any) -> bool:
    """A HelmRelease's ``spec.values`` value that is an image reference before and after, the
    same repository at another version: the image a release writes whole there (``image:
    repo:0.0.11`` -> ``repo:0.0.12@sha256:...``), which the chart runs as a container's."""
    if not where.startswith("spec.values.") or not isinstance(a, str) or not isinstance(b, str):
        return False
    before, after = WrittenRef.split(a), WrittenRef.split(b)
    return (
        before.location is not None
        and before.name == after.name
        and bool(before.tag or before.digest)
        and bool(after.tag or after.digest)
    )


def _str(value: Any) -> str | None:
    return None if value is _MISSING or value is None else str(value)


def _show(value: Any) -> str:
    if value is _MISSING:
        return "(absent)"
    text = yaml.safe_dump(value, default_flow_style=True, width=10_000).strip().removesuffix("...").strip()
    return text if len(text) <= 80 else text[:77] + "..."


def section(rendered: tuple[Rendered, ...]) -> list[str]:
    """The collapsed Markdown section of a pull request body (no lines: nothing was asked).

    Every text of a :class:`Rendered` but its environment (a configured name) is outside text:
    resource names and values come from files anyone who can push to the repository wrote, and
    an error is kubectl's or helm's, which may echo them. Each lands through the Markdown rule
    (:mod:`gitops_bot.core.outside`): a value as a code span no backtick in it can close, an
    error as escaped text, each on one line, so nothing in it is markup, notifies anyone, or
    starts a line the bot reads back (its hidden ``<!-- gitops-bot:`` lines, its marks)."""
    if not rendered:
        return []
    lines = ["<details>", "<summary><b>Rendered diff</b>: " + _summary(rendered) + "</summary>", ""]
    for r in rendered:
        lines.append(md("**", r.environment, "** (", Code(r.path), ")"))
        lines.append("")
        if r.error is not None:
            lines += [md_item("not rendered: ", Outside(r.error)), ""]
            continue
        if not r.resources:
            lines += ["- rendered output does not change", ""]
            continue
        for res in r.resources:
            lines.append(md_item(Code(res)))
            for i in r.images:
                if res.startswith(i.resource + " ("):
                    before, after = Code(i.before or "(none)"), Code(i.after or "(none)")
                    lines.append("  " + md_item(Code(i.container), ": ", before, " → ", after))
        lines.append("")
        if r.only_images:
            lines.append("Rendered output differs only in these images.")
        else:
            lines.append("> [!WARNING]")
            lines.append("> Rendered output differs in more than these images:")
            lines += ["> " + _other(o) for o in r.other]
        lines.append("")
    lines += ["</details>", ""]
    return lines


def _other(difference: str) -> str:
    """A difference as a list item: a code span of its text, or the bot's own count of those
    not listed (every difference :func:`compare` names holds ``": "``, which the count lacks)."""
    return md_item(difference if _MORE.fullmatch(difference) else Code(difference))


def _summary(rendered: tuple[Rendered, ...]) -> str:
    if any(r.error is not None for r in rendered):
        return "not rendered everywhere"
    if all(r.only_images for r in rendered):
        return "only the images change"
    return "⚠ more than the images changes"
