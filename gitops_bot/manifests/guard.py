"""The limits every YAML text is held to before a composer's nodes are used: the editors'
overlays and manifests here, and (through :mod:`gitops_bot.manifests.yamlguard`) config and holds.

Refused, with the file and line:
- nesting deeper than :data:`MAX_DEPTH`;
- aliases that add more than :data:`MAX_NODES` nodes when expanded ("billion laughs": nine
  levels of nine aliases each is 387 million nodes), and recursive aliases (a large file
  written out in full is fine);
- a duplicate key in a mapping (kustomize rejects those too; which one wins is reader-specific),
  except in a Helm values file (``duplicates=False``): helm reads it, the last key winning.
  Every one in the file is named in the one error, as kustomize names each, so that one run
  tells a user all there is to fix.

Two steps, so the common case stays cheap (editing 1,000 overlays must fit in 2 s):
:func:`precheck` bounds the nesting before libyaml's recursive composer sees the text (it
cannot nest deeper than its brackets plus its longest line; anything that might is scanned as
an event stream, iteratively), and :func:`check_nodes` walks the composed node graph, where an
alias is a shared node, so its expanded size is counted once per anchor, not expanded.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

import yaml

from gitops_bot.core.errors import FileError

MAX_DEPTH = 100
MAX_NODES = 100_000
_SAFE_SPAN = 1000  # libyaml's composer recurses per level; far below its stack limit
_BASE: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # libyaml when present
_SCALARS = ("timestamp", "int", "float")


def _as_go_reads(build: Any) -> Any:
    """A constructor of YAML 1.1's implicit scalars that gives the text itself where it names no
    value (``2024-02-30``, ``0000-00-00``, ``0x_``): kubectl's and helm's Go YAML resolve such a
    scalar as a string and render it as written, where PyYAML's constructor raises ValueError,
    which no YAMLError handler catches."""

    def construct(constructor: Any, node: Any) -> Any:
        try:
            return build(constructor, node)
        except ValueError:
            return constructor.construct_scalar(node)

    return construct


class Constructor(yaml.constructor.SafeConstructor):
    """PyYAML's safe constructor, with what the deploy tools read as a string read as one."""


class Loader(_BASE):  # type: ignore[misc]
    """The safe loader (libyaml's when present) with :class:`Constructor`'s scalars."""


for _name in _SCALARS:
    _build = _as_go_reads(getattr(yaml.constructor.SafeConstructor, f"construct_yaml_{_name}"))
    Constructor.add_constructor(f"tag:yaml.org,2002:{_name}", _build)
    Loader.add_constructor(f"tag:yaml.org,2002:{_name}", _build)
# YAML 1.1's value key: PyYAML resolves a plain `=` to a tag it has no constructor for (a
# ConstructorError), where kustomize, helm and Flux read it as the string it is (an
# Alertmanager matcher's matchType: "=", which kustomize prints plain)
_AS_STRING: Any = yaml.constructor.SafeConstructor.construct_yaml_str
Constructor.add_constructor("tag:yaml.org,2002:value", _AS_STRING)
Loader.add_constructor("tag:yaml.org,2002:value", _AS_STRING)
LOADER: Any = Loader


def precheck(text: str, filename: str, error: type[FileError]) -> None:
    """Refuse nesting past :data:`MAX_DEPTH` before a recursive composer sees the text."""
    span = text.count("[") + text.count("{") + max(map(len, text.split("\n")), default=0)
    if span < _SAFE_SPAN:
        return  # each level needs a bracket or a column of its own: composing is safe
    depth = 0
    try:
        for event in yaml.parse(text, Loader=LOADER):
            if isinstance(event, yaml.CollectionStartEvent):
                depth += 1
                if depth > MAX_DEPTH:
                    _deep(event.start_mark, filename, error)
            elif isinstance(event, yaml.CollectionEndEvent):
                depth -= 1
    except yaml.YAMLError as exc:
        # libyaml from 0.2.6 (PyYAML 6.0.4's wheels) bounds nesting itself, in its scanner,
        # before the parser hands over the events counted above; its limit is far past ours.
        if "nesting depth" in str(getattr(exc, "problem", "")):
            _deep(getattr(exc, "problem_mark", None), filename, error)
        return


# an anchor as the YAML spec writes it: '&' and a character that is no space nor flow indicator
# (libyaml takes fewer: letters, digits, '-' and '_'), so no anchor a composer reads is missed
_ANCHOR = r"&[^\s,\[\]{}]"


def may_alias(text: str) -> bool:
    """Whether ``text``'s nodes may share one through an alias: it writes a ``*`` and an anchor
    (a composer refuses an alias of no anchor). Where not, :func:`check_nodes` takes the walk
    of a tree: a ``*`` alone (a glob, an RBAC verb) had an operator's 3 MB of manifests walked
    as a graph, three times the cost."""
    return "*" in text and "&" in text and re.search(_ANCHOR, text) is not None


def past_limits(text: str) -> bool:
    """Whether the text, YAML in its syntax, is refused for its shape (nested deeper than
    :data:`MAX_DEPTH`, aliases past :data:`MAX_NODES`, a recursive alias): what no tool reads,
    where a chart's template, YAML only once rendered, fails on its syntax (or, helm taking it,
    a key written twice). An ApplicationSet writing Go templates in quoted values is the one."""
    try:
        precheck(text, "", FileError)
        check_nodes(yaml.compose_all(text, Loader=LOADER), "", FileError, duplicates=False)
    except FileError:
        return True
    except yaml.YAMLError:
        return False
    return False


def check_nodes(
    docs: Iterable[Any],
    filename: str,
    error: type[FileError],
    *,
    aliases: bool = True,
    duplicates: bool = True,
) -> tuple[bool, int]:
    """Depth, alias expansion and duplicate keys of composed documents (PyYAML's nodes:
    ``value``, ``start_mark``, and mapping values as key/value pairs). ``aliases=False``: the
    caller knows the text has none (no ``*``), so the nodes form a tree with nothing to expand
    and the cheaper walk of :func:`_walk_tree` finds the same first problem. ``duplicates=False``:
    a duplicate key is allowed, not refused. Whether a mapping holds a key twice, and how many
    nodes the documents are (an alias's node counted once: what they hold in memory)."""
    walk = _walk if aliases else _walk_tree
    twice: list[list[Any]] = []  # each key written again in a mapping: its key nodes, in order
    count = 0
    for root in docs:
        if root is not None:
            count += walk(root, filename, error, twice, _metadata(root))
    if twice and duplicates:
        _refuse_duplicates(twice, filename, error)
    return bool(twice), count


def _metadata(root: Any) -> int | None:
    """The id of a document's own ``metadata`` mapping: kustomize (5.6) takes its
    ``annotations:`` written twice, merged (the first value of a key written in both), where
    it refuses every other key written twice (``mapping key ... already defined``)."""
    value = root.value
    if isinstance(value, list) and value and isinstance(value[0], tuple):
        for k, v in value:
            if (
                k.value == "metadata"
                and isinstance(v.value, list)
                and v.value
                and isinstance(v.value[0], tuple)
            ):
                return id(v)
    return None


def _walk_tree(
    root: Any, filename: str, error: type[FileError], twice: list[list[Any]], metadata: int | None
) -> int:
    """:func:`_walk` for a tree: the nodes in the same order, depth and duplicate keys checked
    as there, without the sizes and cycles only aliases make (a third of its cost). How many
    nodes it walked."""
    stack: list[tuple[Any, int]] = [(root, 1)]
    pop, push = stack.pop, stack.extend
    count = 0
    while stack:
        node, depth = pop()
        count += 1
        if depth > MAX_DEPTH:
            _deep(node.start_mark, filename, error)
        value = node.value
        if isinstance(value, list) and value:
            if isinstance(value[0], tuple):
                _unique_keys(node, twice, id(node) == metadata)
                push((n, depth + 1) for pair in value for n in pair)
            else:
                push((n, depth + 1) for n in value)
    return count


def _walk(
    root: Any, filename: str, error: type[FileError], twice: list[list[Any]], metadata: int | None
) -> int:
    """Depth, duplicate keys, and the size each node expands to through aliases (a cycle
    refused): how many distinct nodes it walked."""
    size: dict[int, int] = {}  # id(node) -> its expanded size, once measured
    open_: set[int] = set()  # nodes whose children are being measured (a cycle if met again)
    stack: list[tuple[Any, int, bool]] = [(root, 1, False)]
    while stack:
        node, depth, children_done = stack.pop()
        key = id(node)
        kids = _children(node)
        if children_done:
            open_.discard(key)
            size[key] = total = 1 + sum(size[id(k)] for k in kids)
            if total > len(size) + MAX_NODES:  # what aliases add, beyond the nodes written out
                raise error(
                    filename,
                    _line(node),
                    f"aliases expand to more than {MAX_NODES} nodes",
                    hint="write the values out instead of nesting aliases",
                )
            continue
        if key in size:
            continue  # an alias of a node measured already
        if key in open_:
            raise error(filename, _line(node), "a recursive alias", hint="an anchor cannot contain itself")
        if depth > MAX_DEPTH:
            _deep(node.start_mark, filename, error)
        if isinstance(node.value, list) and node.value and isinstance(node.value[0], tuple):
            _unique_keys(node, twice, key == metadata)
        open_.add(key)
        stack.append((node, depth, True))
        stack.extend((k, depth + 1, False) for k in kids if id(k) not in size)
    return len(size)


def _children(node: Any) -> list[Any]:
    value = node.value
    if not isinstance(value, list):
        return []
    if value and isinstance(value[0], tuple):
        return [n for pair in value for n in pair]
    return value


def _unique_keys(mapping: Any, twice: list[list[Any]], metadata: bool = False) -> None:
    """Add each key written twice in ``mapping`` to ``twice`` (its nodes), so that a file is
    refused once, naming them all. ``metadata``: a document's own metadata, whose
    ``annotations:`` written twice kustomize takes."""
    seen: set[str] = set()
    for k, _v in mapping.value:
        if isinstance(k.value, str):
            if k.value in seen and not (metadata and k.value == "annotations"):
                break
            seen.add(k.value)
    else:
        return  # the common case, one set and no list built
    keys: dict[str, list[Any]] = {}  # one pass: a mapping of 10,000 keys each written twice
    for k, _v in mapping.value:
        if isinstance(k.value, str) and not (metadata and k.value == "annotations"):
            keys.setdefault(k.value, []).append(k)
    twice.extend(written for written in keys.values() if len(written) > 1)


_SHOWN = 4  # keys named in the one line, and lines named per key: a file may repeat 10,000
_NAME = 60  # characters of a key's name shown


def _refuse_duplicates(twice: list[list[Any]], filename: str, error: type[FileError]) -> None:
    """One error naming every key written twice (kustomize names each), bounded, at the line
    where the first is written again, with the one fix that covers them all."""
    twice.sort(key=lambda written: _line(written[1]) or 0)
    named = [_duplicate(written) for written in twice[:_SHOWN]]
    more = f" and {len(twice) - _SHOWN} more" if len(twice) > _SHOWN else ""
    names = {written[0].value for written in twice}
    merge = "<<" in names
    if len(names) > 1:
        hint = "keep one of each key and delete the others"
        hint += "; several merges go in one <<: [*a, *b]" if merge else ""
    elif merge:
        hint = "merge every alias in one <<: [*a, *b]"  # kustomize refuses a duplicate merge key
    else:
        hint = f"keep one {_key_shown(twice[0][0].value)}: and delete the others"
    keys = "key" if len(twice) == 1 else "keys"
    raise error(filename, _line(twice[0][1]), f"duplicate {keys} {', '.join(named)}{more}", hint=hint)


def _duplicate(written: list[Any]) -> str:
    lines = sorted({line for k in written if (line := _line(k)) is not None})
    shown = ", ".join(map(str, lines[:_SHOWN])) + (
        f" and {len(lines) - _SHOWN} more" if len(lines) > _SHOWN else ""
    )
    return f"{_key_shown(written[0].value)!r} ({'line' if len(lines) == 1 else 'lines'} {shown})"


def _key_shown(key: str) -> str:
    return key if len(key) <= _NAME else key[: _NAME - 1] + "…"


def _line(node: Any) -> int | None:
    mark = getattr(node, "start_mark", None)
    return mark.line + 1 if mark is not None else None


def _deep(mark: Any, filename: str, error: type[FileError]) -> None:
    line = mark.line + 1 if mark is not None else None
    raise error(filename, line, f"nested deeper than {MAX_DEPTH} levels", hint="flatten the file")
