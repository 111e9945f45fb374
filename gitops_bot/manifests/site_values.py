"""One site's values (text in, values out; no I/O): the scalar nodes of one place holding an
image (a container's reference, a Helm values block, the marked scalars of one mapping, an Argo
CD Application's helm parameters), what they render as, and what a release writes into each. Every
editor of such a place goes through :func:`new_values`, so a tag, a digest and ``tag@digest``
are written by one set of rules wherever the place is."""

from __future__ import annotations

from typing import Any

from gitops_bot.core.errors import ManifestError
from gitops_bot.core.model import WrittenRef, set_parts
from gitops_bot.core.record import record
from gitops_bot.manifests import helm_values, nodes
from gitops_bot.manifests.edit import Unwritten
from gitops_bot.manifests.yamltext import Op, Text, check_scalar

FIELDS = ("repository", "tag", "digest")


@record
class Update:
    """Values to set for one image; ``None`` leaves a field as it is. A tag set without a
    digest drops a stale digest unless ``keep_digest``."""

    image: str
    repository: str | None = None
    tag: str | None = None
    digest: str | None = None
    keep_digest: bool = False


@record(frozen=False, slots=False)
class Group:
    """The scalars of one image's reference found together in Helm values."""

    image: str
    kind: str
    line: int
    fields: dict[str, Any]  # reference|repository|tag|digest -> scalar node
    flow: dict[int, bool]  # id(node) -> inside a flow mapping
    missing: dict[str, str]  # field -> configured helm path that is not in the file
    digest_in_tag: bool = False  # Helm values: the digest lives in the tag key, tag@sha256:...
    note: str = ""  # Helm values: where a value's text is not what helm renders, and the fix
    workload: str = ""  # a container's ``Kind/name``
    container: str = ""  # the container's name in it
    registry: str = ""  # Helm values: the registry: key beside the repository, which the chart joins


def written(node: Any) -> str | None:
    if node is None or nodes.is_null(node):
        return None
    return str(node.value) or None


def rendered(node: Any) -> str | None:
    return helm_values.rendered(node) or None if node is not None else None


def current(g: Group) -> tuple[str | None, str | None, str | None]:
    """The site's values as they render: a Helm value as helm prints it (``1.10`` is 1.1)."""
    read = rendered if g.kind == "helm" else written
    if g.digest_in_tag:
        tag, _, digest = (read(g.fields["tag"]) or "").partition("@")
        return read(g.fields.get("repository")), tag or None, digest or None
    ref = g.fields.get("reference")
    r = WrittenRef.split(read(ref) or "") if ref is not None else WrittenRef("")
    repository = read(g.fields.get("repository"))
    return (
        (f"{g.registry}/{repository}" if g.registry and repository else repository) or r.name or None,
        read(g.fields.get("tag")) or r.tag,
        read(g.fields.get("digest")) or r.digest or None,
    )


def holds(g: Group) -> set[str]:
    """The fields a site has a place for."""
    if "reference" in g.fields:
        return set(FIELDS)
    return set(g.fields) | ({"digest"} if g.digest_in_tag else set())


def places(g: Group) -> frozenset[str]:
    """The fields a release writes at the site: those it :func:`holds`, and the configured
    Helm keys the file lacks, which the edit adds (a plan asks it as an update writes)."""
    return frozenset(holds(g) | set(g.missing))


def unwritten(g: Group, u: Update, filename: str) -> list[Unwritten]:
    """A tag or digest asked for where the site has neither a reference nor that field (Helm
    values with no digest key, Flux setters with only ``:tag`` markers): nothing silently drops."""
    if "reference" in g.fields or g.digest_in_tag:
        return []
    asked = {"tag": u.tag, "digest": u.digest}
    return [
        Unwritten(filename, g.image, g.kind, g.line, f, v)
        for f, v in asked.items()
        if v and f not in g.fields and f not in g.missing
    ]


def new_values(g: Group, u: Update, filename: str) -> list[tuple[str, Any, str]]:
    """(field, scalar node, new value) for every value the site gets."""
    out: list[tuple[str, Any, str]] = []
    ref = g.fields.get("reference")
    if ref is not None:
        was = WrittenRef.split(str(ref.value or ""))
        new = was.updated(u.repository or None, u.tag, u.digest, keep_digest=u.keep_digest)
        out.append(("reference", ref, new.format()))
    parts = set_parts(u.repository, u.tag, u.digest, keep_digest=u.keep_digest)
    if g.digest_in_tag:
        _, tag, digest = current(g)
        tag = parts.get("tag", tag)
        digest = parts.get("digest", digest)
        if "tag" in parts or "digest" in parts:
            parts = {k: v for k, v in parts.items() if k == "name"}
            parts["tag"] = f"{tag or ''}@{digest}" if digest else (tag or "")
    for f, part in zip(FIELDS, ("name", "tag", "digest"), strict=True):
        if part not in parts:
            continue
        value = parts[part] or ""  # removing a separate digest field empties it
        node = g.fields.get(f)
        if f == "repository" and g.registry and node is not None:
            value = _under_registry(g, value, filename)
        if node is None:
            if f in g.missing and value:
                raise ManifestError(
                    filename,
                    g.line,
                    f"image {g.image!r}: Helm values key {g.missing[f]} is not in the file",
                    hint=f"add '{g.missing[f]}' to the values file (an empty string will do)",
                )
            continue
        if f == "digest" and value == "" and written(node) is None:
            continue  # already empty
        out.append((f, node, value))
    return out


def _under_registry(g: Group, repository: str, filename: str) -> str:
    """The repository a release writes beside a ``registry:`` key: the name without that
    registry, which the chart puts before it; one of another registry cannot be written so."""
    if repository.startswith(f"{g.registry}/"):
        return repository[len(g.registry) + 1 :]
    raise ManifestError(
        filename,
        g.line,
        f"image {g.image!r}: cannot pull {repository} here: the values split out registry: {g.registry}, "
        "which the chart puts before the repository",
        hint=f"set the registry: key beside the repository by hand to the registry of {repository}",
    )


def fill(
    t: Text, g: Group, u: Update, filename: str, subs: dict[int, str]
) -> list[tuple[str, str | None, str, Op]]:
    """What the site gets written, each ``(field, old value, new value, the edit)``: only the
    scalars whose value changes, each checked writable in place and recorded in ``subs`` for
    the re-read. A list or a mapping where a value goes is refused with the fix."""
    out: list[tuple[str, str | None, str, Op]] = []
    for f, node, value in new_values(g, u, filename):
        if not nodes.is_scalar(node):  # a list or a mapping: no scalar to write in place
            hint = "write it as one quoted string; releases then edit it there"
            raise ManifestError(
                filename, int(node.start_mark.line) + 1, f"image {g.image!r}: {g.note}", hint=hint
            )
        if node.value == value and (g.kind != "helm" or helm_values.rendered(node) == value):
            continue  # a Helm value helm reads as no string (1.10) is written quoted
        check_scalar(t, node, filename)
        subs[id(node)] = value
        out.append((f, written(node), value, t.fill(node, value, flow=g.flow.get(id(node), False))))
    return out
