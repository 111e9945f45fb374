"""What an Argo CD ``Application`` makes Argo CD render (text in, values out; no I/O): each
source's ``path`` in the repository, its Helm ``valueFiles`` and ``parameters``, and its
``kustomize.images`` (argocd-image-updater's write-back target), with the line of each value.
A source naming a chart of a Helm repository (``chart:``) or another repository is named, not
followed: nothing of it is in this repository."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import replace
from typing import Any

from gitops_bot.core.errors import ManifestError
from gitops_bot.core.model import WrittenRef
from gitops_bot.core.record import record
from gitops_bot.manifests import APPLICATION, SOURCE_TYPES, guard, helm_values, may_hold, nodes, site_values
from gitops_bot.manifests import is_appset as is_appset
from gitops_bot.manifests.edit import APP_PARAMETERS, EditResult, FieldChange, Unwritten
from gitops_bot.manifests.site_values import Update
from gitops_bot.manifests.yamltext import Op, Text, YamlText, apply_ops, check_scalar, rewritten


@record
class Setting:
    """A value the Application sets: a ``kustomize.images`` entry (``name=new:tag`` or
    ``name:tag``) or a Helm parameter (``name``/``value``)."""

    name: str
    value: str
    line: int
    # a value YAML reads as other than a string (int, float, bool): Argo CD's schema takes a string
    typed: str = ""

    @property
    def not_string(self) -> str:
        """Said of a value that is no string: the API server refuses the Application; "" if it is one."""
        if not self.typed:
            return ""
        return (
            f"helm parameter {self.name}: {self.value} is YAML's {self.typed}, not the string Argo CD's "
            f'Application takes (the API server refuses it): quote it (value: "{self.value}")'
        )


@record
class AppSource:
    """One source of an Argo CD Application, as its manifest writes it."""

    application: str  # metadata.name
    path: str | None  # in the repository; None: a chart or an outside source
    repo_url: str
    chart: str | None
    value_files: tuple[str, ...]
    parameters: tuple[Setting, ...]
    images: tuple[Setting, ...]
    line: int  # of the source
    # the Application's sources that name a ref (``$ref/...`` value files read them): (ref, repoURL)
    refs: tuple[tuple[str, str], ...] = ()
    ref_revisions: tuple[tuple[str, str], ...] = ()  # (ref, its source's targetRevision)
    revision: str = ""  # targetRevision ("" = HEAD)
    # helm.ignoreMissingValueFiles: a value file not there is skipped, where Argo CD's render fails
    ignore_missing: bool = False
    inline: bool = False  # it sets Helm values of its own (helm.values or helm.valuesObject)
    patch_paths: tuple[str, ...] = ()  # its kustomize.patches' files (a URL among them is fetched)
    namespace: str = "default"  # its destination's (Argo CD's $ARGOCD_APP_NAMESPACE), as written
    recurse: bool = False  # directory.recurse: a directory path's subdirectories are applied too
    kind: str = ""  # the type its source names (helm, kustomize, directory, plugin); "": none
    # a source in a form Argo CD's API refuses (source, sources or sources[], and its form: a list)
    refused: tuple[str, str] | tuple[()] = ()

    @property
    def refusal(self) -> str:
        """Said of a source in a form Argo CD's API refuses (so its Application deploys nothing,
        and nothing of it is read), with the fix; "" for any other."""
        if not self.refused:
            return ""
        key, form = self.refused
        whose = (
            f"an entry of {self.application}'s sources"
            if key == "sources[]"
            else f"{self.application}'s {key}"
        )
        takes = "list of mappings" if key == "sources" else "mapping"
        fields = "source, destination" if key == "spec" else "repoURL, path, targetRevision"
        return (
            f"{whose} (line {self.line}) is {form}, not the {takes} Argo CD takes ({fields}): "
            f"Argo CD refuses the Application, and nothing it would deploy is read; "
            f"{_REFUSED.get(self.refused) or _REFUSED[key, '']}"
        )


# (a source's key, its form) -> how to write it as Argo CD takes it ('': any other form)
_REFUSED = {
    ("source", "a list"): "write its source as a mapping, or the list under sources:",
    ("source", ""): "write its source as a mapping",
    ("spec", ""): "write its spec as a mapping (source:, destination:)",
    ("sources", "a mapping"): "write it as a list (- repoURL: ...), or the mapping under source:",
    ("sources", ""): "write it as a list of mappings (- repoURL: ...)",
    ("sources[]", ""): "write each of its sources as a mapping",
}


def _scalar(node: Any, key: str) -> str | None:
    found = nodes.get(node, key) if nodes.is_map(node) else None
    if found is None or not nodes.is_scalar(found[1]) or nodes.is_null(found[1]):
        return None
    return str(found[1].value)


def at(node: Any, *keys: str) -> Any:
    """The node at a path of mapping keys (``spec``, ``source``); None where one is missing."""
    for key in keys:
        found = nodes.get(node, key) if nodes.is_map(node) else None
        if found is None:
            return None
        node = found[1]
    return node


def _items(node: Any) -> list[Any]:
    return list(node.value) if nodes.is_seq(node) else []


def _source(app: str, node: Any) -> AppSource:
    helm = at(node, "helm")
    params = tuple(  # each at its value's line: where a release writes
        Setting(name, value, int((held := _value_node(item)).start_mark.line) + 1, _typed(held))
        for item in _items(at(helm, "parameters"))
        if (name := _scalar(item, "name")) and (value := _scalar(item, "value")) is not None
    )
    images = tuple(
        Setting(str(item.value), str(item.value), int(item.start_mark.line) + 1)
        for item in _items(at(node, "kustomize", "images"))
        if nodes.is_scalar(item) and item.value
    )
    files = tuple(str(i.value) for i in _items(at(helm, "valueFiles")) if nodes.is_scalar(i) and i.value)
    return AppSource(
        app,
        _scalar(node, "path"),
        _scalar(node, "repoURL") or "",
        _scalar(node, "chart"),
        files,
        params,
        images,
        int(node.start_mark.line) + 1,
        revision=_revision(node),
        ignore_missing=(_scalar(helm, "ignoreMissingValueFiles") or "").lower() == "true",
        inline=at(helm, "valuesObject") is not None or at(helm, "values") is not None,
        patch_paths=tuple(p for i in _items(at(node, "kustomize", "patches")) if (p := _scalar(i, "path"))),
        recurse=(_scalar(at(node, "directory"), "recurse") or "").lower() == "true",
        kind=next((k for k in SOURCE_TYPES if at(node, k) is not None), ""),
    )


# the files in an Application's path Argo CD merges over its source before it builds it
# (reposerver mergeSourceParameters): argocd-image-updater's git write-back writes the second
SOURCE_FILES = (".argocd-source.yaml", ".argocd-source-{name}.yaml")


def is_source_file(filename: str) -> bool:
    """Whether the file is one of :data:`SOURCE_FILES` (by its name)."""
    name = filename.rsplit("/", 1)[-1]
    return name == SOURCE_FILES[0] or (name.startswith(".argocd-source-") and name.endswith(".yaml"))


def source_file_images(text: str, filename: str) -> tuple[Setting, ...] | None:
    """The ``kustomize.images`` a path's ``.argocd-source`` file sets over the Application's
    source, each entry at its line: Argo CD merges the file as a JSON merge patch, so its list
    replaces the Application's whole (a null removes it: none). None: it sets none."""
    docs = nodes.compose_all(YamlText.of(text).body, filename)
    if docs and not nodes.is_map(docs[0]) and not nodes.is_null(docs[0]):
        # a merge patch that is a list or a scalar replaces the source whole: Argo CD fails it
        line = int(docs[0].start_mark.line) + 1
        raise ManifestError(filename, line, "is no mapping, so Argo CD cannot merge it over the source")
    kustomize = nodes.get(docs[0], "kustomize") if docs and nodes.is_map(docs[0]) else None
    if kustomize is not None and nodes.is_null(kustomize[1]):
        return ()
    if (nodes.get(kustomize[1], "images") if kustomize and nodes.is_map(kustomize[1]) else None) is None:
        return None
    return _source("", docs[0]).images


def scalar(node: Any, key: str) -> str | None:
    """The mapping's scalar value at ``key`` (None when absent, null or not a scalar)."""
    return _scalar(node, key)


def _revision(source: Any) -> str:
    """A source's ``targetRevision`` as the branch it names: Argo CD takes ``refs/heads/main``
    for ``main``."""
    return (_scalar(source, "targetRevision") or "").removeprefix("refs/heads/")


def application_sources(name: str, spec: Any) -> list[AppSource]:
    """The sources of an Application's ``spec`` (``source``, ``sources`` or the source hydrator's
    ``drySource``), each knowing the refs its siblings name (a ``$ref/...`` value file is read
    from that sibling's repository)."""
    source, many = at(spec, "source"), at(spec, "sources")
    found = [source] if nodes.is_map(source) else []
    found += [s for s in _items(many) if nodes.is_map(s)]
    if not found and nodes.is_map(dry := at(spec, "sourceHydrator", "drySource")):
        # Argo CD's source hydrator renders the dry source (repoURL, path, targetRevision) and
        # commits the manifests to a branch it syncs: the dry source's path is what deploys
        found = [dry]
    refs = tuple((r, _scalar(s, "repoURL") or "") for s in found if (r := _scalar(s, "ref")))
    revisions = tuple((r, _revision(s)) for s in found if (r := _scalar(s, "ref")))
    namespace = _scalar(at(spec, "destination"), "namespace") or "default"
    out = [replace(_source(name, s), refs=refs, ref_revisions=revisions, namespace=namespace) for s in found]
    return out + _refused(name, source, many, spec)


def _refused(name: str, source: Any, many: Any, spec: Any = None) -> list[AppSource]:
    """A ``spec`` or ``source`` that is no mapping and ``sources`` no list of mappings, as a source
    of no path saying its form: Argo CD's API refuses the Application, so it deploys nothing. One
    left a template nothing rendered (``'{{ x }}'``) is one of no path alone: helm's output
    is what Argo CD reads."""
    odd = [("spec", spec), ("source", source)]
    odd += [("sources[]", n) for n in _items(many)] if nodes.is_seq(many) else [("sources", many)]
    out = []
    for key, n in odd:
        if n is None or nodes.is_null(n) or (nodes.is_map(n) and key != "sources"):
            continue
        form = "a list" if nodes.is_seq(n) else "a mapping" if nodes.is_map(n) else "a string"
        form = {"bool": "a boolean", "int": "a number", "float": "a number"}.get(_typed(n), form)
        refused = () if nodes.is_scalar(n) and "{{" in str(n.value) else (key, form)
        out.append(AppSource(name, None, "", None, (), (), (), int(n.start_mark.line) + 1, refused=refused))
    return out


def parsed_sources(spec: object) -> list[dict[str, Any]]:
    """The sources of an Application's parsed ``spec``, as :func:`application_sources` reads
    them: ``source`` and ``sources``, else the source hydrator's ``drySource``."""
    if not isinstance(spec, dict):
        return []
    many = spec.get("sources")
    found = [
        s for s in (spec.get("source"), *(many if isinstance(many, list) else ())) if isinstance(s, dict)
    ]
    hydrator = spec.get("sourceHydrator")
    dry = hydrator.get("drySource") if isinstance(hydrator, dict) else None
    return found or ([dry] if isinstance(dry, dict) else [])


def sources(text: str, filename: str) -> list[AppSource]:
    """Every source of every ``Application`` in the file, in file order."""
    out: list[AppSource] = []
    if not may_hold(text, APPLICATION):  # a definition's or a bundle's names say kind: Application
        return out
    for doc in nodes.compose_all(YamlText.of(text).body, filename):
        if not nodes.is_map(doc) or _scalar(doc, "kind") != "Application":
            continue
        if not (_scalar(doc, "apiVersion") or "").startswith("argoproj.io/"):
            continue
        name = _scalar(at(doc, "metadata"), "name") or ""
        out += application_sources(name, at(doc, "spec"))
    return out


# -- the Application's own Helm values ---------------------------------------------------


@record
class Inline:
    """A source's own Helm values, which Argo CD layers over its value files: ``valuesObject``
    (nodes of the file), or a literal ``values: |`` block composed where it stands in the file
    (``block``: the string scalar; ``lines``: its content's first and last line, 0-based), so
    each value's marks are the file's and the editors write it in place."""

    root: Any
    application: str
    block: Any = None
    lines: tuple[int, int] = (0, 0)


def inline_values(body: str, docs: Sequence[Any], filename: str, *, values: bool = False) -> list[Inline]:
    """Every Application source's own Helm values in the file. A ``values`` string the bot
    cannot compose where it stands (folded, or reading otherwise than as its own text) is
    left out: Argo CD still renders it, and the marked render says what it sets. ``values``:
    read as helm reads it, a key written twice the last one winning; else (an edit) such a
    block is refused, naming each line, as a values file's is."""
    out: list[Inline] = []
    for doc in docs:
        if not nodes.is_map(doc) or _scalar(doc, "kind") != "Application":
            continue
        if not (_scalar(doc, "apiVersion") or "").startswith("argoproj.io/"):
            continue
        name = _scalar(at(doc, "metadata"), "name") or ""
        spec = at(doc, "spec")
        found = [at(spec, "source"), *_items(at(spec, "sources"))]
        for helm in (at(s, "helm") for s in found if nodes.is_map(s)):
            obj, block = at(helm, "valuesObject"), at(helm, "values")
            if nodes.is_map(obj):  # Argo CD takes it over values
                out.append(Inline(obj, name))
            elif nodes.is_scalar(block) and block.style == "|":
                out += filter(None, [_block(body, block, filename, name, values)])
    return out


def _block(body: str, block: Any, filename: str, name: str, values: bool) -> Inline | None:
    """The literal block's YAML composed in place: every line of the file but its content
    blanked (same length, same line breaks), so its nodes' marks are the file's; kept only
    where it reads exactly as the string Argo CD passes to helm."""
    first = int(block.start_mark.line) + 1
    end = block.end_mark
    last = int(end.line) - (1 if int(end.column) == 0 else 0)
    masked = _blanked(body, first, last)
    try:
        root = next(iter(nodes.compose_all(masked, filename, values=True)), None)
        alone = next(iter(nodes.compose_all(str(block.value), filename, values=True)), None)
    except ManifestError:
        return None  # what helm makes of it is the render's to say
    if not nodes.is_map(root) or _pairs(root) != _pairs(alone):
        return None
    if not values:  # an edit: a key written twice is never written (which one a reader takes differs)
        guard.check_nodes([root], filename, ManifestError, aliases=False)
    return Inline(root, name, block, (first, last))


def _pairs(node: Any) -> Any:
    """A node tree as comparable values, a mapping's keys in order and each one kept."""
    if nodes.is_scalar(node):
        return (node.tag, node.value)
    if nodes.is_seq(node):
        return [_pairs(n) for n in node.value]
    return [(_pairs(k), _pairs(v)) for k, v in node.value] if nodes.is_map(node) else None


def masked(body: str, inline: Inline) -> str:
    """``body`` with all but ``inline``'s block content blanked, as :func:`inline_values` read it."""
    return _blanked(body, *inline.lines)


def edited_block(
    body: str,
    ops: Sequence[Op],
    inline: Inline,
    docs: Sequence[Any],
    subs: dict[int, str],
    filename: str,
    rule: str,
) -> str:
    """The string ``inline``'s ``values`` block holds once ``ops`` are applied to ``body``, proven
    to read as its values with ``subs`` (else the editor's ``rule`` is named in the error): the
    expected re-read of the file then takes it as that scalar's new value."""
    after = apply_ops(body, ops)
    nodes.confirm(nodes.plain(inline.root, subs), masked(after, inline), filename, rule=rule)
    at_doc, path = next(
        ((i, p) for i, d in enumerate(docs) for p, _, _, v in nodes.walk(d) if v is inline.block), (0, ())
    )
    reread = nodes.compose_all(after, filename, reread=True)
    node: Any = reread[at_doc] if path and at_doc < len(reread) else None
    for key in path:
        if isinstance(key, int):
            node = node.value[key] if nodes.is_seq(node) and key < len(node.value) else None
        else:
            found = nodes.get(node, key) if nodes.is_map(node) else None
            node = found[1] if found else None
    if not nodes.is_scalar(node):
        raise ManifestError(filename, None, f"an edit broke the editor's rule that {rule}", hint=_REPORT)
    return str(node.value)


_REPORT = "please report this with the file; edit it by hand meanwhile"


# YAML's line breaks (PyYAML's: its marks count these), each line kept with its own
_LINES = re.compile("[^\r\n\x85\u2028\u2029]*(?:\r\n|[\r\n\x85\u2028\u2029]|$)")


def _blanked(body: str, first: int, last: int) -> str:
    out = []
    for i, m in enumerate(_LINES.finditer(body)):
        ln = m.group()
        text = ln.rstrip("\r\n\x85\u2028\u2029")
        out.append(ln if first <= i <= last else " " * len(text) + ln[len(text) :])
    return "".join(out)


# -- writing ---------------------------------------------------------------------------


def _entry_ref(value: str) -> tuple[str, WrittenRef]:
    """A ``kustomize.images`` entry as ``kustomize edit set image`` reads it: ``OLD=NEW`` or
    ``NEW`` alone, ``NEW`` a reference with a tag and/or digest. Returns (``OLD=`` or "", NEW)."""
    name, eq, rest = value.partition("=")
    return (f"{name}=", WrittenRef.split(rest)) if eq else ("", WrittenRef.split(value))


def entry_image(value: str) -> tuple[str, WrittenRef]:
    """(the image the entry is for, what it sets)."""
    prefix, ref = _entry_ref(value)
    return (prefix[:-1] if prefix else ref.name), ref


def _edited_sources(docs: list[Any], application: str | None) -> Iterator[Any]:
    """Each source node of each Application among ``docs`` an edit may write (only
    ``application``'s, the environment's own document of a file holding several, when named)."""
    for doc in docs:
        if not nodes.is_map(doc) or _scalar(doc, "kind") != "Application":
            continue
        if application is not None and _scalar(at(doc, "metadata"), "name") != application:
            continue
        spec = at(doc, "spec")
        yield from [at(spec, "source"), *_items(at(spec, "sources"))]


def edit(
    text: str,
    filename: str,
    wanted: Mapping[str, tuple[str, str | None, str | None]],
    application: str | None = None,
) -> EditResult:
    """Each Application's ``kustomize.images`` entries for the images of ``wanted`` (the
    configured name -> (the name the entry may be written as, new tag, new digest)) set in place,
    the entry's other characters kept; re-read to prove only they changed. ``application``: only
    that Application's (the environment's own document of a file holding several)."""

    def each(docs: list[Any]) -> Iterator[tuple[bool, Any]]:
        for source in _edited_sources(docs, application):
            yield from ((False, node) for node in _items(at(source, "kustomize", "images")))

    return edit_entries(text, filename, wanted, each)


# a file's composed documents -> each kustomize.images entry an edit may write: (written in
# flow style, its scalar node)
Entries = Callable[[list[Any]], Iterator[tuple[bool, Any]]]


def edit_entries(
    text: str, filename: str, wanted: Mapping[str, tuple[str, str | None, str | None]], each: Entries
) -> EditResult:
    """The ``kustomize.images`` entries ``each`` finds (an Application's, or the list elements'
    scalars an ApplicationSet's entries take whole) for the images of ``wanted``, set in place
    (see :func:`edit`)."""
    src = YamlText.of(text)
    t = Text(src)
    docs = nodes.compose_all(src.body, filename)
    ops: list[Op] = []
    subs: dict[int, str] = {}
    changes: list[FieldChange] = []
    found: dict[str, None] = {}
    for flow, node in each(docs):
        if not nodes.is_scalar(node) or not node.value:
            continue
        name, ref = entry_image(str(node.value))
        image = next(
            (k for k, (written, _, _) in wanted.items() if name in (k, written) or ref.location == written),
            None,
        )
        if image is None:
            continue
        found[image] = None
        _, tag, digest = wanted[image]
        prefix, _ = _entry_ref(str(node.value))
        new = prefix + ref.updated(tag=tag, digest=digest).format()
        if new == node.value:
            continue
        check_scalar(t, node, filename)
        subs[id(node)] = new
        ops.append(t.fill(node, new, flow=flow))
        line = int(node.start_mark.line) + 1
        changes.append(
            FieldChange(filename, image, "argocd kustomize.images", line, "reference", node.value, new)
        )
    if not ops:
        return EditResult(text, (), tuple(found))
    return EditResult(rewritten(src, docs, ops, subs, filename, RULE), tuple(changes), tuple(found))


RULE = "only the matched kustomize.images entries of Applications change, each in place"


def edit_source_file(
    text: str, filename: str, wanted: Mapping[str, tuple[str, str | None, str | None]]
) -> EditResult:
    """The ``kustomize.images`` entries of a path's ``.argocd-source`` file (see :func:`edit`):
    what Argo CD builds the path with, over the Application's own."""

    def each(docs: list[Any]) -> Iterator[tuple[bool, Any]]:
        entries = at(docs[0], "kustomize", "images") if docs else None
        yield from ((bool(entries.flow_style), node) for node in _items(entries)) if entries else ()

    return edit_entries(text, filename, wanted, each)


def edit_parameters(
    text: str,
    filename: str,
    helm: Mapping[str, Mapping[str, str]],
    updates: Sequence[Update],
    application: str | None = None,
) -> EditResult:
    """Each Application's ``helm.parameters`` values that set the Helm key paths of an image of
    ``updates`` (``helm``: image -> its configured paths) set in place, by the rules a values
    file's keys are written by (Argo CD passes each to ``helm template`` as ``--set``, after
    every values file); re-read to prove only they changed. ``application``: only that
    Application's."""

    def each(docs: list[Any]) -> Iterator[Mapping[str, tuple[bool, Any, str]]]:
        for source in _edited_sources(docs, application):
            items = [i for i in _items(at(source, "helm", "parameters")) if nodes.is_map(i)]
            yield {
                name: (bool(i.flow_style), _value_node(i), PARAMETERS)
                for i in items
                if (name := _scalar(i, "name"))
            }

    return edit_parameter_values(text, filename, helm, updates, each)


# a file's composed documents -> each set of parameters an edit may write: name -> (written in
# flow style, the scalar node its value is, the field it is written in, as a release names it)
Parameters = Callable[[list[Any]], Iterator[Mapping[str, tuple[bool, Any, str]]]]


def edit_parameter_values(
    text: str,
    filename: str,
    helm: Mapping[str, Mapping[str, str]],
    updates: Sequence[Update],
    each: Parameters,
) -> EditResult:
    """The helm parameters ``each`` finds (an Application's ``helm.parameters``, or the list
    elements' scalars an ApplicationSet's parameters take whole) that set the Helm key paths of
    an image of ``updates``, set in place by the rules a values file's keys are written by;
    re-read to prove only they changed."""
    src = YamlText.of(text)
    t = Text(src)
    docs = nodes.compose_all(src.body, filename)
    ops: list[Op] = []
    subs: dict[int, str] = {}
    changes: list[FieldChange] = []
    found: dict[str, None] = {}
    unwritten: list[Unwritten] = []
    for params in each(docs):
        for u in updates:
            g = _parameter_group(u.image, helm.get(u.image, {}), params)
            if g is None:
                continue
            found[u.image] = None
            # named by the field the values are in: the fix for a missing digest differs
            held = {id(n) for n in g.fields.values()}
            field = next((v[2] for v in params.values() if id(v[1]) in held), PARAMETERS)
            unwritten += [replace(w, site=field) for w in site_values.unwritten(g, u, filename)]
            for f, was, value, op in site_values.fill(t, g, u, filename, subs):
                ops.append(op)
                changes.append(FieldChange(filename, u.image, field, g.line, f, was, value))
    result = EditResult(text, tuple(changes), tuple(found), tuple(unwritten))
    if not ops:
        return result
    return replace(result, text=rewritten(src, docs, ops, subs, filename, PARAMETERS_RULE))


PARAMETERS = APP_PARAMETERS
PARAMETERS_RULE = "only the matched helm.parameters values of Applications change, each in place"


def _typed(node: Any) -> str:
    """The YAML type of a scalar that is not a string ("float" for ``1.10``), else ""."""
    kind = str(node.tag).rpartition(":")[2]
    return kind if kind in ("int", "float", "bool") else ""


def _value_node(item: Any) -> Any:
    found = nodes.get(item, "value")
    return found[1] if found is not None else None


def _parameter_group(
    image: str, helm: Mapping[str, str], params: Mapping[str, tuple[bool, Any, str]]
) -> site_values.Group | None:
    """The parameters that set the image's Helm key paths, as one site; None when none does."""
    paths = helm_values.paths(helm)
    in_tag = paths.get("digest") is not None and paths.get("digest") == paths.get("tag")
    if in_tag:  # config digestInTag: the tag's key holds tag@digest
        paths.pop("digest")
    held = {f: params[p] for f, p in paths.items() if p in params and nodes.is_scalar(params[p][1])}
    if not held:
        return None
    present = {f: value for f, (_, value, _) in held.items()}
    line = min(int(n.start_mark.line) for n in present.values()) + 1
    flow = {id(value): in_flow for in_flow, value, _ in held.values()}
    return site_values.Group(image, "argocd", line, present, flow, {}, in_tag and "tag" in present)
