"""Where an image is written and how to change it byte-exactly: Kustomize, workloads, Helm
values, marker comments and pinned chart versions. Text in, text out; no I/O."""

from __future__ import annotations

import importlib
import itertools
import re
import threading
from typing import Any

# The chart version readers and writer (``manifests.charts``, and the Argo CD, lock and node
# modules it reads with), imported by name where a configuration with ``charts:`` reads or edits
# a chart version, as engine.plan imports the charts' plan: an environment of images alone (the
# common case) loads none of them.
CHARTS = "gitops_bot.manifests.charts"


def charts_module() -> Any:
    """:mod:`gitops_bot.manifests.charts`, imported when first asked for."""
    return importlib.import_module(CHARTS)


# The readers and editors of Argo CD Applications (``manifests.argocd_apps``), imported by name
# where a file's text names their API group (render.deployers', manifests.images' and is_appset's
# tests of the text), as render.deployers imports Flux's (``manifests.flux_objects``): a
# repository of kustomizations and manifests alone loads none of them.
APPS = "gitops_bot.manifests.argocd_apps"
# the keys of an Argo CD source naming how its path renders (argo-cd ``ExplicitType``)
SOURCE_TYPES = ("helm", "kustomize", "directory", "plugin")


def apps_module() -> Any:
    """:mod:`gitops_bot.manifests.argocd_apps`, imported when first asked for."""
    return importlib.import_module(APPS)


_TOP_KINDS = re.compile(r"^kind:[ \t]*['\"]?([A-Za-z][A-Za-z0-9]*)", re.MULTILINE)
# a top-level ``kind:`` line whose value is a kind's name and nothing else (quoted or not, then a
# comment or nothing), found after the newline before it; one written otherwise (an escape, a
# quote continued on the next line, an alias) is read by parsing
_LINE_KINDS = re.compile(
    r"\nkind:[ \t]*(?:\"([A-Za-z][A-Za-z0-9]*)\"|'([A-Za-z][A-Za-z0-9]*)'|([A-Za-z][A-Za-z0-9]*))"
    r"(?:[ \t]+#[^\n]*|[ \t]*)\r?(?=\n|\Z)"
)
_LINE_DOCUMENTS = re.compile(r"\n---(?=[ \t\r\n]|\Z)")  # a document's start, after a newline
# a line at a document's left edge that may write a key no ``kind:`` line shows (a quoted, tagged,
# anchored, aliased, complex or merge key, ``kind :``) or begins a flow collection or a scalar
# whose lines may read ``kind:`` at the edge without being a key; a chart template's ``{{`` line
# is none (its file is no YAML, read as before)
_LINE_ODD = re.compile(r"\n(?:[\"'?!&*<\[|>%@`\ufeff]|\{(?!\{)|kind[ \t]+:)")
# a line break YAML reads that is no newline (a CR alone, NEL, LS, PS): lines of its own to the
# parser, not to the line scan
_ODD_BREAKS = ("\x85", "\u2028", "\u2029")
_LONE_CR = re.compile(r"\r(?!\n)")
_CONTENT = re.compile(r"^[ \t]*[^#\s]", re.MULTILINE)  # a line that is no comment


_TOP_API = re.compile(r"^apiVersion:[ \t]*\S", re.MULTILINE)


def is_manifest(text: str) -> bool:
    """Whether the text holds a Kubernetes object (an ``apiVersion:`` and a ``kind:`` at a
    line's start): a file ``kubectl apply -f`` reads, never a chart's values file, even beside
    a ``Chart.yaml`` (a chart's values may set a top-level ``kind:``, as fluent-bit's does, but
    no values file names an ``apiVersion:``)."""
    return _TOP_API.search(text) is not None and _TOP_KINDS.search(text) is not None


_KINDS_KEPT = 512  # texts whose kinds are kept: a few dozen bytes each, and no text
_kinds: dict[tuple[int, int], frozenset[str] | None] = {}
_kinds_lock = threading.Lock()


def written_kinds(text: str) -> frozenset[str] | None:
    """The kinds of a text's objects, read without parsing it: where every document writes its
    ``kind:`` at a line's start (block style, as nearly every file is written), those kinds; None
    where one document writes it otherwise (JSON, flow style, indented) or a ``List`` holds
    objects, so only parsing tells. A reader asking for one kind skips a file that holds none
    unparsed: an operator's bundle names ``kind: Application`` only indented, among the schemas of
    its definitions (37 versions of 1 MB each were composed by every reader of Applications).
    Kept by the text's length and hash (a str keeps its hash, so a hit costs no pass over it, and
    no text is held): one run's readers ask of each file in turn, a pass over the whole tree each.
    """
    key = (len(text), hash(text))
    with _kinds_lock:
        if key in _kinds:
            return _kinds[key]
    kinds = _written_kinds(text)
    with _kinds_lock:
        if len(_kinds) >= _KINDS_KEPT:
            _kinds.clear()
        _kinds[key] = kinds
    return kinds


def _written_kinds(text: str) -> frozenset[str] | None:
    # found after the newline before each line: the patterns begin with a literal the regular
    # expression engine searches for fast, where ^ in multiline mode tries every position
    # (4 MB of definitions: 0.17 s -> 0.02 s); a match's offset here is its line's in ``text``
    text = text.removeprefix("\ufeff")  # the file's byte-order mark (one later begins a line)
    lined = "\n" + text
    found = [m[1] or m[2] or m[3] for m in _LINE_KINDS.finditer(lined)]
    kinds = frozenset(found)
    if not kinds or "List" in kinds or len(found) != lined.count("\nkind:") or _LINE_ODD.search(lined):
        return None
    if any(b in text for b in _ODD_BREAKS) or ("\r" in text and _LONE_CR.search(text)):
        return None
    marks = [(m.start(), m.end() - 1) for m in _LINE_DOCUMENTS.finditer(lined)]
    for (_, start), (end, _) in zip([(0, 0), *marks], [*marks, (len(text), 0)], strict=True):
        line = text[start : text.find("\n", start) + 1 or len(text)]
        if start and line.strip() and not line.lstrip().startswith("#"):
            return None  # a document beginning on the '---' line itself
        if (first := _CONTENT.search(text, start, end)) is None:
            continue
        if text[first.start()] in " \t" or not _TOP_KINDS.search(text, start, end):
            return None  # an indented document, or one whose kind is not written at a line's start
    return kinds


def may_name(text: str, word: str) -> bool:
    """Whether the text may hold ``word`` as a value YAML reads: written, or spelled with a
    double-quoted scalar's escapes (``kind: "Appl\\u0069cation"`` is an Application), which
    only parsing reads. A test of the text that skips a file must never miss what the parser
    reads there. Only a double-quoted scalar escapes: a backslash elsewhere (a regex in a values
    file, ``^n\\d+$``) spells nothing else, and the first escape of a double-quoted scalar has its
    opening quote before it with none between."""
    return word in text or ("\\" in text and _ESCAPED.search(text) is not None)


_ESCAPED = re.compile(r'"[^"]*\\')


def may_hold(text: str, kinds: frozenset[str]) -> bool:
    """Whether the text may hold an object of one of ``kinds`` (:func:`written_kinds`)."""
    if not any(may_name(text, k) for k in kinds):
        return False  # at the cost of a substring search
    written = written_kinds(text)
    return written is None or not written.isdisjoint(kinds)


def definitions_only(text: str) -> bool:
    """Whether every object the text holds is a CustomResourceDefinition (a chart's ``crds/``,
    an operator's bundle: megabytes of schema whose ``names:`` say ``kind: Application``): no
    deploy object and no image is in it, so a reader asking for those skips it unparsed (one
    such 4 MB file was composed 15 times by one init, 2 s each)."""
    if "CustomResourceDefinition" not in text:
        return False  # every other file, at the cost of a substring search
    return written_kinds(text) == _DEFINITIONS


_DEFINITIONS = frozenset({"CustomResourceDefinition"})
APPLICATION = frozenset({"Application"})
APPLICATION_SET = frozenset({"ApplicationSet"})


def without_definitions(text: str) -> str:
    """A rendered stream without its documents of CustomResourceDefinitions alone (helm's
    ``--include-crds``: megabytes of schema and no Pod template), for a reader of what runs:
    4 MB of an operator's definitions were 0.46 s of PyYAML in one ``update``. Documents part
    at their ``---`` lines; the others are kept as written."""
    if "CustomResourceDefinition" not in text:
        return text
    cuts = [0, *(m.start() for m in _LINE_DOCUMENTS.finditer("\n" + text)), len(text)]
    parts = (text[a:b] for a, b in itertools.pairwise(cuts) if a < b)
    return "".join(p for p in parts if not definitions_only(p))


def is_appset(text: str) -> bool:
    """Whether the file may hold an Argo CD ApplicationSet: a test of its text, asked before
    the generators' module (:mod:`gitops_bot.manifests.argocd_appsets`) is imported to read it."""
    return may_name(text, "argoproj.io") and may_hold(text, APPLICATION_SET)
