"""Compose YAML into nodes that know where they are, fast.

libyaml's composer (through PyYAML's ``CSafeLoader``) gives every node its start and end
(line, column) and every scalar its style, ~30x faster than ruamel.yaml's round-trip loader
(0.8 ms vs 25 ms for a 45-line kustomization on the project's machine). Editing 1,000
overlays in under 2 s is not possible with the round-trip loader. PyYAML's own Python composer
yields the same nodes and is the fallback where PyYAML was built without libyaml.
"""

from __future__ import annotations

import copy
import re
import threading
from collections import OrderedDict
from collections.abc import Callable
from typing import Any

import yaml

from gitops_bot.core.errors import ManifestError, NotYaml
from gitops_bot.core.record import record
from gitops_bot.manifests import definitions_only, guard

_Base: Any = getattr(yaml, "CSafeLoader", None) or yaml.SafeLoader
_SCALAR, _SEQUENCE, _MAPPING = yaml.ScalarNode, yaml.SequenceNode, yaml.MappingNode
_IMPLICIT = {first: tuple(pairs) for first, pairs in _Base.yaml_implicit_resolvers.items()}
assert None not in _IMPLICIT and not _Base.yaml_path_resolvers  # what _Loader.resolve leaves out


class _Loader(_Base):  # type: ignore[misc]
    """The safe loader with PyYAML's tag resolution minus its generality: no wildcard and no
    path resolvers are registered, so a scalar's tag is the first implicit resolver for its
    first character that matches (the same tags), and composing a 1,000-image kustomization
    costs a sixth less (the composer calls these once a node)."""

    def resolve(self, kind: Any, value: Any, implicit: Any) -> Any:
        if kind is _SCALAR:
            if implicit[0]:
                for tag, regexp in _IMPLICIT.get(value[:1], ()):
                    if regexp.match(value):
                        return tag
            return self.DEFAULT_SCALAR_TAG
        return self.DEFAULT_SEQUENCE_TAG if kind is _SEQUENCE else self.DEFAULT_MAPPING_TAG

    def descend_resolver(self, current_node: Any, current_index: Any) -> None:
        pass

    def ascend_resolver(self) -> None:
        pass


_HINT = "fix the file by hand; nothing was changed"


class _Redefining(yaml.SafeLoader):
    """PyYAML's Python composer where an anchor defined again stands for its latest node, as
    the YAML spec and kustomize's go-yaml read it (both composers refuse it as a "duplicate
    anchor"). Slower than libyaml's, so used only for a text that redefines an anchor."""

    resolve = _Loader.resolve
    descend_resolver = _Loader.descend_resolver
    ascend_resolver = _Loader.ascend_resolver

    def compose_node(self, parent: Any, index: Any) -> Any:
        if not self.check_event(yaml.AliasEvent):
            anchor = self.peek_event().anchor  # type: ignore[no-untyped-call]
            if anchor is not None:
                self.anchors.pop(anchor, None)
        return super().compose_node(parent, index)


def _composed(filename: str, compose: Callable[[Any], Any], text: str) -> Any:
    """Run the composer with YAML errors mapped to one ManifestError."""
    try:
        try:
            return compose(_Loader)
        except yaml.composer.ComposerError as exc:
            if "duplicate anchor" not in str(exc.context or exc.problem):
                raise
            return compose(_Redefining)
    except yaml.MarkedYAMLError as exc:
        raise _error(filename, exc, text) from None
    except yaml.YAMLError as exc:
        raise NotYaml(filename, None, f"not valid YAML: {exc}", hint=_HINT) from None


def compose(text: str, filename: str, *, reread: bool = False) -> Any:
    """The single document's root node (None for an empty file). ``reread``: see :func:`confirm`."""
    # libyaml's parser takes an exact str only: outside text (core.outside.Outside, a str
    # subclass: a freeze's or hold's reason) would stop it with a TypeError
    text = str(text)
    if not reread and (hit := _kept(False, text, filename)) is not None:
        return hit[0]
    try:
        guard.precheck(text, filename, NotYaml)
        root = _composed(filename, lambda loader: yaml.compose(text, Loader=loader), text)
        count = 0
        if not reread or "&" in text:
            _, count = guard.check_nodes([root], filename, NotYaml, aliases=guard.may_alias(text))
    except ManifestError as exc:
        if not reread:
            _memo.put(False, text, _Failed.of(exc, filename))
        raise
    if not reread:
        _memo.put(False, text, [root], _weight(text, count))
    return root


def compose_all(text: str, filename: str, *, reread: bool = False, values: bool = False) -> list[Any]:
    """Every document's root node of a multi-document stream (empty documents dropped).
    ``values``: a Helm values file, where helm takes a key written twice, the last one winning
    (:func:`get` finds that one); its nodes are kept only without such keys, so a file read as
    a manifest is still refused. A stream of CustomResourceDefinitions alone (a chart's
    ``crds/``: megabytes of schema, no deploy object, no image) is read as no document, unparsed:
    no reader here asks a definition anything, and composing one 4 MB file was 0.6 s."""
    if not reread and (hit := _kept(True, text, filename, values)) is not None:
        return list(hit)
    if not reread and definitions_only(text):
        _memo.put(True, text, [])
        return []
    try:
        guard.precheck(text, filename, NotYaml)
        docs = _composed(filename, lambda loader: list(yaml.compose_all(text, Loader=loader)), text)
        twice, count = False, 0
        if not reread or "&" in text:
            twice, count = guard.check_nodes(
                docs, filename, NotYaml, aliases=guard.may_alias(text), duplicates=not values
            )
    except ManifestError as exc:
        if not reread:
            _memo.put(True, text, _Failed.of(exc, filename, values))
        raise
    found = [d for d in docs if d is not None]
    if not reread and not twice:
        _memo.put(True, text, found, _weight(text, count))
    return list(found)


@record
class _Failed:
    """Why a text was refused, kept so the next reader of the same file is refused without
    composing it again (a chart template, YAML only once rendered, was composed by each of the
    five readers of a reading). Kept by the file's name (the error names it) and by whether it
    was read as Helm values (a key written twice is refused only where it is not)."""

    filename: str
    values: bool
    line: int | None
    message: str  # without the "file:line: " the error puts before it
    hint: str | None
    kind: type[ManifestError] = ManifestError  # not YAML, or YAML refused

    @classmethod
    def of(cls, exc: ManifestError, filename: str, values: bool = False) -> _Failed:
        where = f"{exc.path}:{exc.line}: " if exc.line is not None else f"{exc.path}: "
        return cls(filename, values, exc.line, exc.message.removeprefix(where), exc.hint, type(exc))


def _kept(documents: bool, text: str, filename: str, values: bool = False) -> list[Any] | None:
    """The memo's nodes of ``text``, or None to compose it; a text refused under this file's
    name (read as values or not, as now) is refused again, a fresh error each time (callers may
    add to it)."""
    hit = _memo.get(documents, text)
    if isinstance(hit, _Failed):
        if hit.filename != filename or hit.values != values:
            return None
        raise hit.kind(filename, hit.line, hit.message, hint=hit.hint)
    return hit


def _weight(text: str, nodes: int) -> int:
    """The bytes an entry holds: the text itself and its ``nodes`` (counted by the guard's walk).
    Measured with tracemalloc over the 803 YAML files of mitchross/talos-argocd-proxmox, a
    composed node holds ~370 bytes with its marks and scalar (23.6 MB for 63,345 nodes). The
    estimate this replaced (700 bytes a line, 280 a comma) read a Grafana dashboard's JSON, one
    block scalar, as 1.9 MB where its 21 nodes hold 56 kB: such files pushed a repository's
    other files out of the cache, each then composed again by every reader."""
    return len(text) + NODE_BYTES * nodes


class _Memo:
    """The one parse cache of YAML files: the checked nodes of the texts composed lately, by
    the text itself (a file's bytes, decoded), so every reader of one version of a file shares
    one parse: a run reads a file to find its images, to judge what its environment renders,
    for its history and again to edit it (``plan --output json``, every release of ``group:
    image``), and composing plus the guard's walk of a 1,000-image kustomization is 30 ms. Nodes
    are never changed after composing, so callers can share them. A text refused is kept as its
    refusal. Bounded by the bytes its entries hold (:func:`_weight`), the least recently read
    dropped first; the editor's own output (``reread``) is read once, so it is not kept."""

    def __init__(self, max_bytes: int) -> None:
        self._max = max_bytes
        self._bytes = 0
        self._items: OrderedDict[tuple[bool, str], tuple[list[Any] | _Failed, int]] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, documents: bool, text: str) -> list[Any] | _Failed | None:
        with self._lock:
            found = self._items.get((documents, text))
            if found is None:
                return None
            self._items.move_to_end((documents, text))
            return found[0]

    def put(self, documents: bool, text: str, docs: list[Any] | _Failed, weight: int | None = None) -> None:
        weight = len(text) if weight is None else weight
        if weight > self._max:
            return
        with self._lock:
            if (old := self._items.pop((documents, text), None)) is not None:
                self._bytes -= old[1]
            self._items[(documents, text)] = (docs, weight)
            self._bytes += weight
            while self._bytes > self._max:
                _, (_, dropped) = self._items.popitem(last=False)
                self._bytes -= dropped


# 32 MB: a repository's files with their nodes, read in turn by a run's passes over them (init's
# candidates, what deploys each, each environment's reading, the render's budget, the marked
# render): mitchross/talos-argocd-proxmox's 976 texts are 31 MB, read in ~11 passes, and at 16 MB
# each pass dropped what the next would read (the least recently read, in a loop, is always
# the next one read), so each file was composed ~7 times an init. A chart's one big template
# among a reading's files is kept for its next reader as before.
MAX_BYTES = 32 * 1024 * 1024
NODE_BYTES = 370  # what a composed node holds (see _weight)
_memo = _Memo(max_bytes=MAX_BYTES)


def confirm(
    expected: Any,
    body: str,
    filename: str,
    *,
    documents: bool = False,
    rule: str = "the new text reads as the old plus exactly the intended change",
) -> None:
    """Renovate's confirmIfDepUpdated, stricter: ``body`` must re-read to exactly ``expected``
    (a :func:`plain` tree, or a list of them with ``documents``), types included. ``rule`` is the
    editor's rule the error names when the new text breaks it."""
    # The editor's own output skips the node walk of the guard (half of an edit's time): the
    # depth precheck still runs; without an anchor ("&") there is no alias to expand; and
    # plain() counts a key written again, so the comparison still catches one an edit created.
    try:
        after = (
            [plain(d) for d in compose_all(body, filename, reread=True)]
            if documents
            else plain(compose(body, filename, reread=True))
        )
    except ManifestError:
        after = None
    if after != expected:
        raise ManifestError(
            filename,
            None,
            f"an edit broke the editor's rule that {rule} ({difference(expected, after)}), "
            "so nothing was written",
            hint="please report this with the file; edit it by hand meanwhile",
        )


def difference(expected: Any, after: Any, path: str = "") -> str:
    """Where two :func:`plain` trees first differ, for the re-read check's message."""
    where = path or "the document"
    if after is None and expected is not None:
        return f"{where} does not read back as YAML"
    if isinstance(expected, dict) and isinstance(after, dict):
        for key in [*expected, *(k for k in after if k not in expected)]:
            if expected.get(key) != after.get(key):
                name = key[1] if isinstance(key, tuple) else key
                return difference(expected.get(key), after.get(key), f"{path}.{name}".lstrip("."))
    if isinstance(expected, list) and isinstance(after, list) and len(expected) == len(after):
        for i, (e, a) in enumerate(zip(expected, after, strict=True)):
            if e != a:
                return difference(e, a, f"{path}[{i}]")
    return f"{where} should be {_shown(expected)}, reads {_shown(after)}"


def _shown(value: Any) -> str:
    if isinstance(value, tuple) and len(value) == 2:
        tag, text = value
        return f"{text!r}" if tag.endswith(":str") else f"{text or '(empty)'} ({tag.rsplit(':', 1)[-1]})"
    if value is None:
        return "absent"
    return "a list" if isinstance(value, list) else "a mapping"


def _error(filename: str, exc: yaml.MarkedYAMLError, text: str) -> ManifestError:
    # libyaml marks what it meets at the end of the stream on the line after the last: the
    # context (the key or the quoted scalar left open) is then the line to fix, else the last
    lines = max(1, len(text.splitlines()))
    marks = [m for m in (exc.problem_mark, exc.context_mark) if m is not None]
    line = next((m.line + 1 for m in marks if m.line < lines), lines) if marks else None
    return NotYaml(filename, line, f"not valid YAML: {exc.problem or exc.context}", hint=_HINT)


def is_map(node: Any) -> bool:
    return isinstance(node, _MAPPING) or type(node).__name__ == "MappingNode"


def is_seq(node: Any) -> bool:
    return isinstance(node, _SEQUENCE) or type(node).__name__ == "SequenceNode"


def is_scalar(node: Any) -> bool:
    return isinstance(node, _SCALAR) or type(node).__name__ == "ScalarNode"


def is_null(node: Any) -> bool:
    return is_scalar(node) and node.tag.endswith(":null")


def get(mapping: Any, key: str) -> tuple[Any, Any] | None:
    """(key node, value node) for ``key`` in a mapping node: the last one where a Helm values
    file writes it twice (helm's reading; everywhere else a key written twice is refused)."""
    for k, v in reversed(mapping.value):
        if is_scalar(k) and k.value == key:
            return k, v
    return None


# YAML 1.2 core schema non-strings (ruamel, go-yaml v3, kustomize): 3141e59 is a float here,
# though YAML 1.1 (PyYAML) reads it as a string.
_YAML12_NOT_STRING = re.compile(
    r"^(?:[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)(?:[eE][-+]?[0-9]+)?|0o[0-7]+|0x[0-9a-fA-F]+"
    r"|[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN)|null|Null|NULL|~|true|True|TRUE|false|False|FALSE)$"
)


_RESOLVER = yaml.resolver.Resolver()
_STR = "tag:yaml.org,2002:str"
_INDICATORS = set("-?:,[]{}#&*!|>'\"%@`")


def reads_as_string(value: str, *, flow: bool = False) -> bool:
    """Would ``value`` written plain read back as exactly this string under both YAML 1.1
    (``yes``, ``0777``, ``1_000``) and YAML 1.2 (``3141e59``) rules, and is it valid plain?"""
    if not value or value != value.strip() or "\n" in value or _YAML12_NOT_STRING.match(value):
        return False
    if value[0] in _INDICATORS or ": " in value or " #" in value or value.endswith(":"):
        return False
    if flow and any(c in value for c in ",[]{}"):
        return False
    return bool(_RESOLVER.resolve(yaml.ScalarNode, value, (True, False)) == _STR)  # type: ignore[no-untyped-call]


def plain(node: Any, subs: dict[int, str] | None = None) -> Any:
    """A node tree as comparable values: scalars as (tag, value), so ``1`` and ``"1"`` differ.
    Cheaper than constructing Python objects, and exact about types. ``subs`` maps id(scalar
    node) -> the string it should hold (the expected tree after an edit)."""
    if node is None:
        return None
    kind = type(node)
    if kind is _SCALAR or (kind is not _MAPPING and is_scalar(node)):
        if subs and id(node) in subs:
            return ("tag:yaml.org,2002:str", subs[id(node)])
        return (node.tag, node.value)
    if kind is _SEQUENCE or (kind is not _MAPPING and is_seq(node)):
        return [plain(n, subs) for n in node.value]
    out: dict[Any, Any] = {}
    for k, v in node.value:
        key = plain(k, subs)
        # a key written again (kustomize takes metadata's annotations: twice) is kept apart,
        # counted: the text re-read after an edit must write it again just as often
        again = 0
        while key in out:
            again += 1
            key = ("written again", plain(k, subs), again)
        out[key] = plain(v, subs)
    return out


def constructed(node: Any) -> Any:
    """A composed node as Python values (what :data:`~gitops_bot.manifests.guard.LOADER` gives
    for its text): for a reader of a file's values, not its places, that shares the one parse of
    the text with every other reader. PyYAML's constructor rewrites a mapping holding a merge key
    (``<<``) in place, so such a tree is constructed from a copy: a kept node is never changed.
    A node PyYAML composes and cannot construct (a mapping as a key) raises :class:`NotYaml`."""
    if node is None:
        return None
    merges = any(k is not None and is_scalar(k) and k.tag == _MERGE for _, _, k, _ in walk(node))
    try:
        return guard.Constructor().construct_document(copy.deepcopy(node) if merges else node)
    except yaml.YAMLError as exc:  # a template's {{ x }} composes as a mapping used as a key
        raise NotYaml(
            "", node.start_mark.line + 1, f"not YAML values can be read from: {exc}", hint=_HINT
        ) from None


_MERGE = "tag:yaml.org,2002:merge"


def walk(node: Any, path: tuple[str | int, ...] = ()) -> Any:
    """(path, parent, key node or None, value node) for every node under ``node``, depth first."""
    if is_map(node):
        for k, v in node.value:
            key = k.value if is_scalar(k) else "?"
            yield (*path, key), node, k, v
            yield from walk(v, (*path, key))
    elif is_seq(node):
        for i, v in enumerate(node.value):
            yield (*path, i), node, None, v
            yield from walk(v, (*path, i))


def all_mappings(text: str) -> bool:
    """Whether each document of ``text`` is plainly a mapping: every line at the left margin
    (no comment, no document marker) is a ``key:``, opens a flow mapping, or is an item of a
    sequence a ``key:`` line just opened (``rules:`` then ``- apiGroups:``, as YAML allows). A
    list, a bare value or anything less plain (a ``? key``, content after ``---``) answers
    False: composed to know. Asked of every resource of every build, where composing each again
    was most of the time (mthorley/k8s-gitops: 4,240 calls, 3.6 s of an 18 s init)."""
    items = False  # a "- " line at the margin is a value of the key line above it
    for line in text.removeprefix("\ufeff").splitlines():
        bare = line.rstrip()
        if not line or line[0] in " \t#":
            continue
        if bare in ("---", "...") or bare.startswith(("--- #", "---\t#")):
            items = False
            continue
        if line.startswith("- ") or bare == "-":
            if not items:
                return False
            continue
        key = ": " in line or ":\t" in line or bare.endswith(":")  # not a URL's colon
        if line[0] in "-[?!&*|>'\"%@`" or (line[0] != "{" and not key):
            return False
        items = bare.endswith(":")
    return True
