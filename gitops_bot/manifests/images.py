"""One entry point for every place an image lives in a file (text in, text out; no I/O).

* kustomization files: the ``images:`` list (:mod:`.kustomize`);
* any other YAML file (:mod:`.file_sites`): containers of workload kinds, Helm values key paths
  configured per image, and marker comments on any scalar (:mod:`.markers`);
* an Argo CD Application's own settings, applied after its path's files:
  :func:`application_sites` (``kustomize.images``, Helm ``parameters``).

A *site* is one place holding one image: a kustomize entry, a container's ``image:``, a Helm
values block, or the marked scalars of one mapping. :func:`read` reports every site with its
current values; :func:`write` applies :class:`Update` values to every site of those images,
replacing only the characters of the values that change, and re-reads the result.
"""

from __future__ import annotations

import importlib
import re
from collections.abc import Callable, Sequence
from dataclasses import field, replace
from pathlib import PurePath
from typing import TYPE_CHECKING, Any

from gitops_bot.core.errors import ManifestError
from gitops_bot.core.model import WrittenRef, set_parts
from gitops_bot.core.record import record
from gitops_bot.manifests import (
    apps_module,
    file_sites,
    flux_images,
    helm_values,
    is_appset,
    kustomize,
    kustomize_text,
    markers,
    nodes,
    site_values,
    workloads,
)
from gitops_bot.manifests.edit import EditResult, FieldChange, Unwritten
from gitops_bot.manifests.file_sites import ImageSpec as ImageSpec  # callers name it here
from gitops_bot.manifests.site_values import Update as Update
from gitops_bot.manifests.yamltext import Op, Text, YamlText, rewritten

if TYPE_CHECKING:
    from gitops_bot.manifests import argocd_apps


@record
class Site:
    """One place a file names an image: its line, and the repository and tag written there."""

    image: str
    kind: str  # kustomize | container | helm | marker
    line: int
    repository: str | None
    tag: str | None
    digest: str | None
    # the object it is in, ``Kind/name`` (a container's workload; "" for a kustomize entry or
    # Helm values): a patch of one workload overrides that workload's container only
    workload: str = ""
    # the line of the version itself (a tag key, newTag), when not ``line``; where the site is
    # is ``line``: a site read from a part of the file (the ledger's entries) is the same site
    value_line: int = field(default=0, compare=False)
    # a kustomize entry named with a tag (``name: app:latest``, which kustomize matches as
    # written): the name, which an edit by the image's name does not reach
    named: str = ""
    # a kustomize entry renaming another name to the image (``name: back``, ``newName:`` the
    # image's): that name, which a container must be named for the entry to apply
    renames: str = field(default="", compare=False)
    # which container of ``workload`` (its name): each container is its own place, an init
    # container beside the main one of the same image too; "" when the site names none
    container: str = field(default="", compare=False)
    # a Helm value whose text is not what helm renders (``tag: 1.10``, rendered 1.1), with the fix
    note: str = field(default="", compare=False)
    # the fields a release writes there (site_values.places): a Helm values site with no digest
    # key has no place for a digest; every other site writes a whole reference
    places: frozenset[str] = field(default=frozenset(site_values.FIELDS), compare=False)


def is_kustomization(filename: str) -> bool:
    return PurePath(filename).name in kustomize.KUSTOMIZATION_NAMES


# -- API -------------------------------------------------------------------------------


def _flux_markers(text: str, filename: str) -> tuple[list[Any], list[markers.Marker]]:
    src = YamlText.of(text)
    docs = nodes.compose_all(src.body, filename)
    return docs, [m for m in markers.find(Text(src), docs) if m.flux and len(m.names) > 1]


def setter_names(text: str, filename: str) -> set[str]:
    """The ``NAMESPACE:POLICY`` names of a file's Flux setter markers (a kustomization's too:
    Flux sets marked scalars in any YAML file, ``images:`` entries included)."""
    return {m.names[0] for m in _flux_markers(text, filename)[1]}


def marked_entries(text: str, filename: str) -> dict[str, set[str]]:
    """A kustomization's ``images:`` entry names -> the ``NAMESPACE:POLICY`` setters marking one of
    the entry's fields (empty for an unmarked entry): what tells a policy from an entry's name."""
    docs, found = _flux_markers(text, filename)
    entries = {id(node): name for name, node in kustomize.entry_nodes(docs[0] if docs else None, filename)}
    out: dict[str, set[str]] = {name: set() for name in entries.values()}
    for m in found:
        if id(m.parent) in entries:
            out[entries[id(m.parent)]].add(m.names[0])
    return out


# -- a kustomization's Flux-marked entries ---------------------------------------------

_ENTRY_FIELD = {"repository": "newName", "tag": "newTag", "digest": "digest"}
_ENTRY_KEYS = frozenset(_ENTRY_FIELD.values())


@record
class _Marked:
    """A kustomization's markers read for the configured images no ``images:`` entry is named
    after: ``specs`` (name only) reach exactly the scalars their Flux setters mark."""

    t: Text
    docs: list[Any]
    specs: list[ImageSpec]
    entries: dict[int, tuple[str, Any]]  # id(field value) -> (name, entry) of every images: entry


def _marked(text: str, filename: str, specs: Sequence[ImageSpec], *, strict: bool) -> _Marked | None:
    """The images of ``specs`` that a kustomization holds only through Flux setter markers,
    read as ``set-image`` reads an argument naming a policy (:func:`setimage.read_arg`): an
    image named ``NAMESPACE:POLICY``, or ``POLICY`` when one namespace has it. An ``images:``
    entry carrying the image's own name keeps kustomize's reading. The same policy name in two
    namespaces is refused (``strict``) or left unread: which one is meant would be a guess."""
    if "$imagepolicy" not in text:  # most kustomizations: no second look
        return None
    src = YamlText.of(text)
    t = Text(src)
    docs = nodes.compose_all(src.body, filename)
    entries = kustomize.entry_nodes(docs[0] if docs else None, filename)
    named = {name for name, _ in entries}
    found = [m for m in markers.find(t, docs) if m.flux and len(m.names) > 1]
    out: list[ImageSpec] = []
    for spec in specs:
        if spec.name in named:
            continue
        owners = sorted({m.names[0] for m in found if spec.name in m.names})
        if len(owners) > 1:
            if strict:
                line = min(m.line for m in found if spec.name in m.names)
                raise ManifestError(
                    filename,
                    line,
                    f"image {spec.name!r} is named by Flux policies in more than one namespace "
                    f"({', '.join(owners)}), so which one holds it would be a guess",
                    hint=f"name the image after one policy in gitops-bot.yaml, e.g. {owners[0]}",
                )
            continue
        if owners:
            out.append(ImageSpec(spec.name))
    if not out:
        return None
    by_node = {  # a marker on another key (Flux's testdata marks a newDigest) is no entry field
        id(v): (name, entry) for name, entry in entries for k, v in entry.value if k.value in _ENTRY_KEYS
    }
    return _Marked(t, docs, out, by_node)


def _entry_of(m: _Marked, g: site_values.Group) -> tuple[str, Any] | None:
    """The ``images:`` entry whose fields the group's markers mark, if they mark one."""
    return next((m.entries[id(n)] for n in g.fields.values() if id(n) in m.entries), None)


def _marked_sites(m: _Marked, filename: str) -> list[Site]:
    out: list[Site] = []
    for g in file_sites.groups(m.t, m.docs, m.specs, filename, strict=False):
        found = _entry_of(m, g)
        if found is None:  # a marked scalar elsewhere (a patch): its own values
            out.append(Site(g.image, "marker", g.line, *site_values.current(g)))
            continue
        # the entry as kustomize renders it, unmarked fields included: what is deployed
        e = kustomize.entry_image(*found)
        out.append(Site(g.image, "marker", e.line, e.new_name or e.name, e.new_tag, e.digest))
    return out


def _check_unmarked(m: _Marked, updates: Sequence[Update], filename: str) -> None:
    """Refuse an update that would leave an unmarked value of a marked entry standing against
    it (a tag set beside an unmarked ``digest:`` still renders the old digest): the markers
    write only what they mark, as Flux's setters do, so the release would not be deployed."""
    wanted = {u.image: u for u in updates}
    for g in file_sites.groups(m.t, m.docs, m.specs, filename, strict=False):
        found = _entry_of(m, g)
        u = wanted.get(g.image)
        if found is None or u is None:
            continue
        name, entry = found
        marked = {id(n) for n in g.fields.values()}
        parts = set_parts(u.repository, u.tag, u.digest, keep_digest=u.keep_digest)
        for f, part in zip(site_values.FIELDS, ("name", "tag", "digest"), strict=True):
            held = nodes.get(entry, _ENTRY_FIELD[f])
            if part not in parts or held is None or id(held[1]) in marked or not site_values.written(held[1]):
                continue
            if "reference" in g.fields or str(held[1].value) == (parts[part] or ""):
                continue
            key = _ENTRY_FIELD[f]
            raise ManifestError(
                filename,
                int(held[0].start_mark.line) + 1,
                f"image {g.image!r}: the images: entry {name!r} is marked for Flux but its {key} is not, "
                f"so {key}: {held[1].value} would stay and the release would not be deployed",
                hint=f'add a marker ending in ":{part}" on its {key}, or remove the {key}',
            )


def read(
    text: str,
    filename: str,
    specs: Sequence[ImageSpec],
    *,
    strict: bool = True,
    values: bool = False,
    inline: bool = False,
    under: str = "",
) -> list[Site]:
    """The sites of the configured images in a file; ``values``: a Helm values file, read as
    helm reads it (a key written twice: the last one); ``inline``: an Argo CD Application's own
    values read so (the file itself as kubectl reads it); ``under``: a subchart's values file,
    its keys read under that key of its parent's (:func:`file_sites.under`)."""
    if is_kustomization(filename):
        names = {s.name for s in specs}
        entries = kustomize.extract_images(text, filename)
        # an entry of a name an earlier entry renamed away applies to nothing (a second ``name:
        # nginx`` after one renaming nginx): no place of any image. Only a name written twice can
        # be (1,000 entries of their own names: read in 9 ms, not the 17 their order takes)
        bare = [WrittenRef.split(e.name).name for e in entries]
        if len(set(bare)) < len(bare):
            live, _ = kustomize.applied(entries, {e.name for e in entries})
            entries = [e for e, applies in zip(entries, live, strict=True) if applies]
        sites = [
            Site(e.name, "kustomize", e.line, e.new_name, e.new_tag, e.digest, value_line=e.value_line)
            for e in entries
            if e.name in names
        ]
        # an entry renaming a name no image has to a configured image (name: back, newName:
        # ghcr.io/acme/shop-back, where two apps share the name they rename): that image's pin
        # where a container the environment renders is named as the entry (the reader's to judge)
        sites += [
            Site(
                e.new_name,
                "kustomize",
                e.line,
                e.new_name,
                e.new_tag,
                e.digest,
                value_line=e.value_line,
                renames=e.name,
            )
            for e in entries
            if e.name not in names and e.new_name in names and e.new_name is not None
        ]
        marked = _marked(text, filename, specs, strict=strict)
        return sorted(sites + _marked_sites(marked, filename), key=lambda s: s.line) if marked else sites
    src = YamlText.of(text)
    t = Text(src)
    docs = nodes.compose_all(src.body, filename, values=values)
    helmish = _inline(src.body, docs, specs, filename, values or inline)
    own = [(i.root, f"{APPLICATION}{i.application}") for i in helmish] + file_sites.under(docs, under)
    return [
        Site(
            g.image,
            g.kind,
            g.line,
            *site_values.current(g),
            workload=g.workload,
            value_line=_value_line(g),
            container=g.container,
            note=g.note,
            places=site_values.places(g),
        )
        for g in file_sites.groups(t, docs, specs, filename, strict=strict, values=own)
    ]


def template_sites(text: str, filename: str, specs: Sequence[ImageSpec]) -> list[Site]:
    """The configured images a chart template (YAML only once rendered) writes whole on plain
    lines, as the history reads back what a release wrote there."""
    if not workloads.is_template(filename, text):
        return []
    keys = {s.repository_key: s.name for s in specs if s.repository_key}
    return [
        Site(image, "container", t.line, t.reference.name, t.reference.tag, t.reference.digest)
        for t in workloads.template_literals(text)
        if t.plain and (image := keys.get(workloads.repository_key(t.reference.name) or "")) is not None
    ]


# the workload of a site in an Argo CD Application's own Helm values as read: ``Application/<name>``
APPLICATION = "Application/"
APP_VALUES = "helm.values"  # such a site's in the reading (Site.workload), named where said


def own_values(text: str, filename: str, specs: Sequence[ImageSpec], application: str) -> list[Site]:
    """The sites of an Argo CD Application's own Helm values in its file (``APP_VALUES``)."""
    own = f"{APPLICATION}{application}"
    sites = read(text, filename, specs, strict=False, inline=True)
    return [replace(s, workload=APP_VALUES) for s in sites if s.workload == own]


def _inline(
    body: str, docs: list[Any], specs: Sequence[ImageSpec], filename: str, values: bool = False
) -> list[argocd_apps.Inline]:
    """The Argo CD Applications' own Helm values (``values``, ``valuesObject``) in the file,
    where an image has Helm keys to find there (``values``: read as helm reads them)."""
    if "argoproj.io" not in body or "values" not in body or not any(s.helm for s in specs):
        return []
    found: list[argocd_apps.Inline] = apps_module().inline_values(body, docs, filename, values=values)
    return found


# a "name:" whose value has a ":" after its last "/" (a tag), up to the end of the value
_TAGGED_NAME = re.compile(
    r"\bname:[ \t]*['\"]?[^\s'\"#,}]*:[^\s/'\"#,}]+['\"]?[ \t]*(?:[,}#]|$)", re.MULTILINE
)


def tagged_entries(text: str, filename: str, specs: Sequence[ImageSpec]) -> list[Site]:
    """A kustomization's ``images:`` entries named with a tag (``name: app:latest``) whose name
    without it is a configured image's: kustomize matches them as written."""
    if not _TAGGED_NAME.search(text):  # most kustomizations: no second look
        return []
    names = {s.name for s in specs}
    return [
        Site(
            ref.name,
            "kustomize",
            e.line,
            e.new_name,
            e.new_tag,
            e.digest,
            value_line=e.value_line,
            named=e.name,
        )
        for e in kustomize.extract_images(text, filename)
        if e.name not in names and (ref := WrittenRef.split(e.name)).tag and ref.name in names
    ]


def _value_line(g: site_values.Group) -> int:
    node = g.fields.get("tag") or g.fields.get("digest") or g.fields.get("reference")
    return int(node.start_mark.line) + 1 if node is not None else 0


def write(text: str, filename: str, specs: Sequence[ImageSpec], updates: Sequence[Update]) -> str:
    """The text with ``updates`` applied (see :func:`edit`)."""
    return edit(text, filename, specs, updates).text


RULE = "only the image's values change, each in its own place and style"


def _entry_edits(
    text: str, filename: str, updates: Sequence[Update]
) -> tuple[list[kustomize_text.ImageEdit], dict[str, str]]:
    """The kustomization's entry edits for ``updates``, and each entry name edited for another
    image (-> that image). An image the file lists by no entry of its own name but that entries
    rename to (``name: back``, ``newName: ghcr.io/acme/shop-back``, where two apps share the
    name) is released at those entries, their names kept: the tag and digest, in place. Only a
    name every entry of which renames to the image: an edit by name writes each entry of it,
    and another's (a first ``name: nginx`` renaming to another repository) is not this image's."""
    entries = kustomize.extract_images(text, filename)
    own = {e.name for e in entries}
    asked = {u.image for u in updates}
    edits: list[kustomize_text.ImageEdit] = []
    alias: dict[str, str] = {}
    for u in updates:
        # an entry named with a tag (``name: frontend:latest``), which kustomize matches as
        # written: its own name is what the edit names, kept
        tagged = [n for n in own if n != u.image and WrittenRef.split(n).name == u.image]
        if u.image not in own and tagged:
            edits += [
                kustomize_text.ImageEdit(n, None, u.tag, u.digest, u.keep_digest) for n in sorted(tagged)
            ]
            alias |= dict.fromkeys(tagged, u.image)
            continue
        named = {e.name for e in entries if e.new_name == u.image} if u.image not in own else set()
        renaming = [
            n for n in sorted(named - asked) if all(e.new_name == u.image for e in entries if e.name == n)
        ]
        alias |= dict.fromkeys(renaming, u.image)
        edits += [
            kustomize_text.ImageEdit(n, None, u.tag, u.digest, keep_digest=u.keep_digest) for n in renaming
        ]
        if not renaming:
            edits.append(
                kustomize_text.ImageEdit(u.image, u.repository, u.tag, u.digest, keep_digest=u.keep_digest)
            )
    return edits, alias


def edit(
    text: str,
    filename: str,
    specs: Sequence[ImageSpec],
    updates: Sequence[Update],
    *,
    append: bool = True,
    application: str | None = None,
    under: str = "",
) -> EditResult:
    """``updates`` applied at every site of their images (a kustomization gains an entry for an
    image it does not list, unless not ``append``; other files change only where the image is),
    with the changes made and the values that had no place to go. ``application``: of a file
    holding several Argo CD Applications, the one the environment owns, the only one edited."""
    if is_kustomization(filename):
        marked = _marked(text, filename, specs, strict=False)
        by_marker = {s.name for s in marked.specs} if marked else set()
        first = EditResult(text)
        if marked is not None and any(u.image in by_marker for u in updates):
            # Flux-marked scalars first, as set-image writes a policy's values
            ours = [u for u in updates if u.image in by_marker]
            _check_unmarked(marked, ours, filename)
            first = edit_sites(text, filename, marked.specs, ours)
        edits, alias = _entry_edits(first.text, filename, [u for u in updates if u.image not in by_marker])
        rest = kustomize.edit(first.text, edits, filename, append=append) if edits else EditResult(first.text)
        changes = first.changes + tuple(c._replace(image=alias.get(c.image, c.image)) for c in rest.changes)
        found = first.images + tuple(dict.fromkeys(alias.get(n, n) for n in rest.images))
        return EditResult(rest.text, changes, found, first.unwritten + rest.unwritten)
    try:
        result = edit_sites(text, filename, specs, updates, application, under)
    except ManifestError:
        if not workloads.is_template(filename, text):
            raise
        # a chart template, YAML only once rendered: a release goes there only where a marked
        # render proved its image line runs
        keys = {s.repository_key: s.name for s in specs if s.repository_key}
        return workloads.edit_template(text, filename, keys, updates)
    if flux_images.holds(text):  # a Flux Kustomization's spec.images, applied after its build
        edits = [
            kustomize_text.ImageEdit(u.image, u.repository, u.tag, u.digest, u.keep_digest) for u in updates
        ]
        result = _then(result, flux_images.edit(result.text, filename, edits))
    if apps_module().is_source_file(filename):  # what Argo CD merges over an Application's source
        keys = {s.name: s.repository_key or s.name for s in specs}
        wanted = {u.image: (keys.get(u.image, u.image), u.tag, u.digest) for u in updates}
        return _then(result, apps_module().edit_source_file(result.text, filename, wanted))
    if "argoproj.io" not in text:  # most files: no Application
        return result
    # helm.parameters, set after its values; an ApplicationSet's own values an element fills
    if "parameters" in text or "valuesObject" in text or ("values:" in text and is_appset(text)):
        helm = {s.name: s.helm for s in specs if s.helm}
        result = _then(
            result, apps_module().edit_parameters(result.text, filename, helm, updates, application)
        )
        if is_appset(text):  # a list element's scalar a generated Application's parameter takes
            appsets = importlib.import_module(APPSET_ELEMENTS)
            result = _then(result, appsets.edit_parameters(result.text, filename, helm, updates, application))
    if "kustomize" not in text:
        return result
    # an Argo CD Application's kustomize.images (argocd-image-updater's write-back target)
    keys = {s.name: s.repository_key or s.name for s in specs}
    wanted = {u.image: (keys.get(u.image, u.image), u.tag, u.digest) for u in updates}
    result = _then(result, apps_module().edit(result.text, filename, wanted, application))
    if is_appset(text):  # a list element's scalar a generated Application's entry takes
        appsets = importlib.import_module(APPSET_ELEMENTS)
        result = _then(result, appsets.edit_images(result.text, filename, wanted, application))
    return result


def _then(first: EditResult, then: EditResult) -> EditResult:
    """``then``, an edit of ``first``'s text, with what ``first`` changed and left unwritten."""
    images = tuple(dict.fromkeys(first.images + then.images))
    unwritten = first.unwritten + then.unwritten
    return replace(then, changes=first.changes + then.changes, images=images, unwritten=unwritten)


def edit_sites(
    text: str,
    filename: str,
    specs: Sequence[ImageSpec],
    updates: Sequence[Update],
    application: str | None = None,
    under: str = "",
) -> EditResult:
    """``updates`` applied at the sites any YAML file holds (marker comments, workload containers,
    Helm values paths, an Argo CD Application's own Helm values: ``application``'s alone when
    given), whatever the file's name: how Flux's setters write a kustomization's marked scalars
    too, leaving its ``images:`` reading to :mod:`.kustomize`."""
    src = YamlText.of(text)
    t = Text(src)
    docs = nodes.compose_all(src.body, filename)
    inline = _inline(src.body, docs, specs, filename)
    # another Application's own values are its environment's, never written by this one's release
    own = [(i.root, f"{APPLICATION}{i.application}") for i in inline if application in (None, i.application)]
    own += file_sites.under(docs, under)  # a subchart's values file: its keys under its parent's
    wanted = {u.image: u for u in updates}
    subs: dict[int, str] = {}
    ops: list[Op] = []
    changes: list[FieldChange] = []
    unwritten: list[Unwritten] = []
    found: dict[str, None] = {}
    groups = file_sites.groups(t, docs, specs, filename, strict=False, values=own)
    for g in groups:
        u = wanted.get(g.image)
        if u is None:
            continue
        found[g.image] = None
        unwritten += site_values.unwritten(g, u, filename)
        for f, was, value, op in site_values.fill(t, g, u, filename, subs):
            ops.append(op)
            site = g.kind if g.kind != "container" else f"container line {g.line}"
            if g.digest_in_tag and f == "tag":
                site = "helm (digest written in the tag field)"
            changes.append(FieldChange(filename, g.image, site, g.line, f, was, value))
    # a value has its place when any site of the image holds it: Flux's setters write each
    # marked scalar its part, wherever in the file it is (a tag here, the digest in a patch)
    placed = {(g.image, f) for g in groups if g.image in wanted for f in site_values.holds(g)}
    unwritten = [u for u in unwritten if (u.image, u.field) not in placed]
    result = EditResult(text, tuple(changes), tuple(found), tuple(unwritten))
    if not ops:
        return result
    for block in inline:  # a values string's new text: proven to read as its values edited
        if block.block is not None and any(id(n[3]) in subs for n in nodes.walk(block.root)):
            new = apps_module().edited_block(src.body, ops, block, docs, subs, filename, RULE)
            subs[id(block.block)] = new
    return replace(result, text=rewritten(src, docs, ops, subs, filename, RULE))


# -- what an Argo CD Application itself sets -----------------------------------------------

# A parameter names a key, not an image: ``image.tag`` is every chart's tag. It is the site of a
# configured image only where the chart renders that image there, so its repository is the one
# the chart takes at the image's ``repository`` key (a parameter setting it, else the last of the
# chart's value files that does), and a site naming another repository is not this image's: a
# release of one app never writes the tag of another Application's chart.
# the editors of ApplicationSets' list elements, imported by name when an edited file holds one: an edit of
# anything else loads none of them
APPSET_ELEMENTS = "gitops_bot.manifests.appset_elements"
APP_PARAMETER = "helm.parameters"  # an Argo CD parameter's site (Site.workload), named where said
APP_WORDS = {APP_PARAMETER: "Argo CD helm parameter", APP_VALUES: "Argo CD Application's helm values"}


def application_sites(
    app: argocd_apps.AppSource, specs: Sequence[ImageSpec], values: Callable[[], list[tuple[str, str]]]
) -> list[Site]:
    """``values``: the chart's value files as helm layers them, ``(text, file name)`` each,
    asked only when a parameter sets a tag and not the repository."""
    out: list[Site] = []
    for entry in app.images:
        wanted, ref = apps_module().entry_image(entry.value)
        keys = (WrittenRef(wanted).location, ref.location)
        spec = next((s for s in specs if s.name == wanted or s.repository_key in keys), None)
        if spec is not None:
            out.append(Site(spec.name, "argocd", entry.line, ref.name, ref.tag, ref.digest))
    for spec in specs:
        by_field = {f: p for p in app.parameters for f, key in spec.helm.items() if p.name == key}
        if "reference" in by_field:
            held = by_field["reference"]
            ref = WrittenRef.split(held.value)
            site = Site(spec.name, "argocd", held.line, ref.name, ref.tag, ref.digest, APP_PARAMETER)
            out.append(replace(site, note=held.not_string))
        elif "tag" in by_field:
            held = by_field["tag"]
            repo = by_field.get("repository")
            repository = repo.value if repo else _layered_value(values(), spec.helm.get("repository"))
            if repository and spec.repository_key and not _may_be(repository, spec):
                continue  # the chart renders another image with this key
            site = Site(spec.name, "argocd", held.line, repository, held.value, None, APP_PARAMETER)
            out.append(replace(site, note=held.not_string))
    return out


def _layered_value(files: list[tuple[str, str]], key: str | None) -> str | None:
    """The value helm takes at ``key``: the last value file's that sets it."""
    found: str | None = None
    for text, name in files if key else ():
        assert key is not None
        try:
            docs = nodes.compose_all(YamlText.of(text).body, name)
        except ManifestError:  # a file the reading says it cannot read: no value from it
            continue
        for doc in docs:
            node = helm_values.node_at(doc, key)
            if node is not None and (value := helm_values.rendered(node)):
                found = value
    return found


def _may_be(repository: str, spec: ImageSpec) -> bool:
    """Whether ``repository``, as a chart writes it, may be the configured image's (a value
    that is no repository, a template, is not said to be another's)."""
    location = WrittenRef(repository).location
    return location is None or location == spec.repository_key or repository == spec.written
