"""What a kustomization makes kustomize read besides itself (text in, values out; no I/O):
its ``resources:`` (and legacy ``bases:``), ``components:``, and its patches of every form
(``patches:`` by path or inline, ``patchesStrategicMerge:``, ``patchesJson6902:``); and the
image values a JSON 6902 patch sets (an ``image`` string, or a container whose ``image:`` it
holds). Strategic-merge patches hold containers as a workload does: :func:`images.read` reads
them.

And what kustomize refuses to build, for the reader to find from the repository alone (where
the tools are absent, and before they run): a kustomization listing what holds it (a cycle), an
entry leading out of the repository or absolute, a Kustomization under
``components:`` or a Component under ``resources:``, a directory of two kustomization files, a
JSON 6902 operation whose path the object it targets does not have. Each is a
:data:`Refusal`, ``(reason, fix)``: the environment's refusal in one line naming the file."""

from __future__ import annotations

import importlib
import os
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from typing import Any

from gitops_bot.core import numbers
from gitops_bot.core.errors import GitOpsBotError
from gitops_bot.core.model import WrittenRef
from gitops_bot.core.record import record
from gitops_bot.core.settings import GOREGEXP
from gitops_bot.manifests import images, nodes, yamlvalues
from gitops_bot.manifests.kustomize import KUSTOMIZATION_NAMES
from gitops_bot.manifests.yamltext import YamlText


@record
class Selector:
    """A ``patches:`` entry's ``target:``: kustomize matches ``kind`` and ``name`` as anchored
    regular expressions. Its namespace, labels, annotations, group or version only ever select
    fewer, so a target whose kind and name match nothing built selects nothing at all."""

    kind: str
    name: str

    def selects(self, kind: str, name: str) -> bool:
        return _matches(self.kind, kind) and _matches(self.name, name)


def _matches(pattern: str, value: str) -> bool:
    """As kustomize matches a selector: ``^(?:pattern)$`` in Go's regexp, here RE2 (linear in the
    name, whatever a repository writes), loaded only for a pattern that is not a plain name."""
    if not pattern:
        return True
    if not _REGEX_SIGNS.intersection(pattern):
        return pattern == value
    rx = importlib.import_module(GOREGEXP)
    if rx.problem(anchored := f"^(?:{pattern})$") is not None:
        return pattern == value
    return bool(rx.compiled(anchored).found(value))


_REGEX_SIGNS = frozenset("\\.^$|?*+()[]{}")


@record
class Patch:
    """One patch of a kustomization: a file (``path``) or text written in it (``inline``,
    whose first line is line ``first_line`` of the kustomization, 1-based). ``json6902``:
    listed where only JSON 6902 goes; None when its own text says which form it is."""

    path: str | None
    inline: str | None
    first_line: int
    json6902: bool | None
    target: str = ""  # ``Kind/name`` of its target, as far as the entry says
    selector: Selector | None = None  # its ``target:``, when it has one


@record
class Refs:
    """What a kustomization builds from: its resources, components and patches."""

    resources: tuple[str, ...]  # resources: and bases:, in the order kustomize reads them
    components: tuple[str, ...]
    patches: tuple[Patch, ...]
    refused: str = ""  # why kustomize itself refuses the kustomization ("" when it builds)
    # what makes the names it builds other than its resources' own (a prefix, a generator):
    # "" when its resources' kinds and names are what its patches select from
    unsure: str = ""
    component: bool = False  # ``kind: Component``: its patches apply to what includes it
    # its helmCharts: entries helm pulls from a chart repository, as "NAME from REPO"
    charts: tuple[str, ...] = ()


def is_remote(entry: str) -> bool:
    """A resource kustomize fetches (a URL, a git reference): not in the repository."""
    return "://" in entry or entry.startswith(("git@", "github.com/", "gitlab.com/", "bitbucket.org/"))


def chart_said(chart: str) -> str:
    """How the plan names a Helm chart pulled from a chart repository ("NAME from REPO")."""
    return f"Helm chart {chart}: not followed; the bot reads what this repository holds"


def remote_said(entry: str, what: str = "base") -> str:
    """How the plan names a remote entry: never fetched (kustomize would run git or an HTTP
    request on the repository author's say), so what it sets is not read."""
    return f"remote {what} {entry}: not followed; the bot reads what this repository holds"


def _strings(root: Any, key: str) -> list[str]:
    found = nodes.get(root, key)
    if found is None or not nodes.is_seq(found[1]):
        return []
    return [str(n.value) for n in found[1].value if nodes.is_scalar(n) and not nodes.is_null(n) and n.value]


def _inline(node: Any) -> tuple[str, int]:
    """An inline patch's text and the 1-based line of the kustomization its first line is on
    (a block scalar's text starts on the line after its ``|``)."""
    start = int(node.start_mark.line) + 1
    return str(node.value), start + 1 if node.style in ("|", ">") else start


def _target(node: Any) -> tuple[str, Selector | None]:
    found = nodes.get(node, "target")
    if found is None or not nodes.is_map(found[1]):
        return "", None
    parts = [nodes.get(found[1], k) for k in ("kind", "name")]
    kind, name = (str(p[1].value) if p is not None and nodes.is_scalar(p[1]) else "" for p in parts)
    return f"{kind}/{name}", Selector(kind, name)


def _patch(node: Any, json6902: bool | None) -> Patch | None:
    if nodes.is_scalar(node) and not nodes.is_null(node) and node.value:
        if "\n" in str(node.value):  # patchesStrategicMerge takes a patch written inline too
            text, line = _inline(node)
            return Patch(None, text, line, json6902)
        return Patch(str(node.value), None, 0, json6902)
    if not nodes.is_map(node):
        return None
    path, patch = nodes.get(node, "path"), nodes.get(node, "patch")
    target, selector = _target(node)
    if path is not None and nodes.is_scalar(path[1]) and path[1].value:
        return Patch(str(path[1].value), None, 0, json6902, target, selector)
    if patch is not None and nodes.is_scalar(patch[1]) and patch[1].value:
        text, line = _inline(patch[1])
        return Patch(None, text, line, json6902, target, selector)
    return None


def _patches(root: Any, key: str, json6902: bool | None) -> list[Patch]:
    found = nodes.get(root, key)
    if found is None or not nodes.is_seq(found[1]):
        return []
    return [p for n in found[1].value if (p := _patch(n, json6902)) is not None]


def refs(text: str, filename: str) -> Refs:
    """The kustomization's references, in kustomize's order: resources (``bases:`` after
    ``resources:``, as kustomize appends them), components, then patches (``patches:``, then
    the legacy keys)."""
    root = nodes.compose(YamlText.of(text).body, filename)
    if not nodes.is_map(root):
        return Refs((), (), ())
    found = nodes.get(root, "patches")
    plain = [n for n in found[1].value if nodes.is_scalar(n)] if found and nodes.is_seq(found[1]) else []
    refused = (
        f"kustomize refuses {filename}:{int(plain[0].start_mark.line) + 1}: a patches: entry must be a "
        "mapping (path: or patch:), not a plain string"
        if plain
        else ""
    )
    return Refs(
        tuple(_strings(root, "resources") + _strings(root, "bases")),
        tuple(_strings(root, "components")),
        tuple(
            _patches(root, "patches", None)
            + _patches(root, "patchesStrategicMerge", False)
            + _patches(root, "patchesJson6902", True)
        ),
        refused,
        next((f"its {k}:" for k in _RENAMING if nodes.get(root, k) is not None), ""),
        _scalar(root, "kind") == "Component",
        tuple(_pulled_charts(root)),
    )


def _pulled_charts(root: Any) -> list[str]:
    found = nodes.get(root, "helmCharts")
    if found is None or not nodes.is_seq(found[1]):
        return []
    return [f"{_scalar(n, 'name')} from {repo}" for n in found[1].value if (repo := _scalar(n, "repo"))]


# what builds names other than the resources' own, or objects no resource file holds
_RENAMING = (
    "namePrefix",
    "nameSuffix",
    "helmCharts",
    "helmChartInflationGenerator",
    "generators",
    "transformers",
    "replacements",
    "openapi",
    "crds",
)


def _scalar(node: Any, key: str) -> str:
    found = nodes.get(node, key) if nodes.is_map(node) else None
    return str(found[1].value) if found is not None and nodes.is_scalar(found[1]) else ""


def release_values(text: str, filename: str) -> str | None:
    """The name of the one Flux HelmRelease a strategic-merge patch is, when it holds
    ``spec.values`` (a mapping): the values kustomize merges over that HelmRelease's; else None."""
    try:
        docs = nodes.compose_all(YamlText.of(text).body, filename)
        docs = [d for d in docs if d is not None and not nodes.is_null(d)]
    except GitOpsBotError:
        return None
    if len(docs) != 1 or not nodes.is_map(docs[0]) or _scalar(docs[0], "kind") != "HelmRelease":
        return None
    spec, meta = nodes.get(docs[0], "spec"), nodes.get(docs[0], "metadata")
    values = nodes.get(spec[1], "values") if spec is not None and nodes.is_map(spec[1]) else None
    name = _scalar(meta[1], "name") if meta is not None else ""
    return name if name and values is not None and nodes.is_map(values[1]) else None


def objects(text: str, filename: str) -> list[tuple[str, str]] | None:
    """The ``(kind, metadata.name)`` of each object a resource file holds (a ``List``'s items
    too); None when a document is not an object whose kind and name are plain text."""
    out: list[tuple[str, str]] = []
    try:
        docs = nodes.compose_all(YamlText.of(text).body, filename)
    except GitOpsBotError:
        return None
    stack = list(docs)
    while stack:
        doc = stack.pop(0)
        if doc is None or nodes.is_null(doc):
            continue
        if not nodes.is_map(doc):
            return None
        kind = _scalar(doc, "kind")
        items = nodes.get(doc, "items")
        if kind.endswith("List") and items is not None and nodes.is_seq(items[1]):
            stack += list(items[1].value)
            continue
        meta = nodes.get(doc, "metadata")
        name = _scalar(meta[1], "name") if meta is not None else ""
        if not kind or not name:
            return None
        out.append((kind, name))
    return out


def _spec_of(ref: WrittenRef, specs: Sequence[images.ImageSpec]) -> images.ImageSpec | None:
    key = ref.location
    return next(
        (
            s
            for s in specs
            if (s.repository_key and s.repository_key == key) or (s.written and s.written == ref.name)
        ),
        None,
    )


def _image_scalars(value: Any, path: str) -> list[Any]:
    """The ``image`` scalars an operation's value sets: the value itself when the path ends at
    ``/image``, a container's ``image:``, or each container's in a list of them."""
    if nodes.is_scalar(value):
        return [value] if path.rstrip("/").endswith("/image") and not nodes.is_null(value) else []
    if nodes.is_map(value):
        found = nodes.get(value, "image")
        return [found[1]] if found is not None and nodes.is_scalar(found[1]) else []
    if nodes.is_seq(value):
        return [n for item in value.value for n in _image_scalars(item, path + "/-")]
    return []


def json6902_images(docs: Sequence[Any]) -> list[Any]:
    """The ``image`` scalars a JSON 6902 patch's documents set (``add``/``replace`` operations:
    an image string, a container holding one, a list of containers)."""
    out: list[Any] = []
    for doc in docs:
        if not nodes.is_seq(doc):
            continue
        for op in doc.value:
            if not nodes.is_map(op):
                continue
            kind, path, value = nodes.get(op, "op"), nodes.get(op, "path"), nodes.get(op, "value")
            if kind is None or path is None or value is None or str(kind[1].value) not in ("add", "replace"):
                continue
            out += _image_scalars(value[1], str(path[1].value))
    return out


def json6902_sites(text: str, filename: str, specs: Sequence[images.ImageSpec]) -> list[images.Site]:
    """The images a JSON 6902 patch sets, as sites."""
    out: list[images.Site] = []
    for scalar in json6902_images(nodes.compose_all(YamlText.of(text).body, filename)):
        ref = WrittenRef.split(str(scalar.value))
        spec = _spec_of(ref, specs)
        if spec is not None:
            line = int(scalar.start_mark.line) + 1
            out.append(images.Site(spec.name, "patch", line, ref.name, ref.tag, ref.digest or None))
    return out


def is_json6902(text: str, filename: str) -> bool:
    """A patch whose document is a list of operations (else a strategic-merge patch)."""
    docs = nodes.compose_all(YamlText.of(text).body, filename)
    return bool(docs) and nodes.is_seq(docs[0])


def patch_sites(
    text: str, filename: str, specs: Sequence[images.ImageSpec], json6902: bool | None
) -> list[images.Site]:
    """The image sites of one patch's text, whichever its form."""
    if json6902 is True or (json6902 is None and is_json6902(text, filename)):
        return json6902_sites(text, filename, specs)
    return images.read(text, filename, specs, strict=False)


# -- what kustomize refuses -------------------------------------------------------------

Refusal = tuple[str, str]  # (reason, fix)


def placed(lister: str, key: str, entry: str, path: Path, repo_root: Path) -> Refusal | None:
    """An entry kustomize refuses for where it points (absolute: "new root ... cannot be
    absolute", "security; file ... is not in or below"), or that leads out of the repository
    (``../../..``): what it names is in no commit, so nothing built from git holds it."""
    if os.path.isabs(entry):
        return (
            f"kustomize refuses {lister}: its {key}: entry {entry!r} is an absolute path",
            f"write it relative to {os.path.dirname(lister) or '.'}, inside the repository, or remove it",
        )
    if path != repo_root and repo_root not in path.parents:
        return (
            f"{lister}: its {key}: entry {entry!r} leads out of the repository; what it names is in no "
            "commit, and the bot reads nothing outside the repository",
            f"copy what it names into the repository and list that, or remove {entry!r}",
        )
    return None


def cycle(
    lister: str, key: str, entry: str, path: Path, stack: Sequence[Path], rel: Callable[[Path], str]
) -> Refusal | None:
    """A directory entry that is, or holds, a kustomization being built (kustomize: "cycle
    detected: candidate root X contains visited root Y")."""
    visited = next((d for d in stack if path == d or path in d.parents), None)
    if visited is None:
        return None
    what = (
        f"leads back to {rel(visited)}"
        if path == visited
        else f"is {rel(path) or '.'}, which holds {rel(visited)}"
    )
    return (
        f"kustomize refuses {lister}: its {key}: entry {entry!r} {what}, a kustomization this one is built "
        "in (a cycle)",
        f"remove {entry!r} from {lister}'s {key}: (a kustomization never lists itself or what holds it)",
    )


def kind_refused(lister: str, key: str, entry: str, krel: str, component: bool) -> Refusal | None:
    """A Kustomization under ``components:`` (kustomize: "expected kind 'Component' for path
    ... but got 'Kustomization'"), or a Component under ``resources:``."""
    if key == "components" and not component:
        return (
            f"kustomize refuses {lister}: its components: entry {entry!r} is a Kustomization ({krel}), "
            "not a Component",
            f"list {entry!r} under resources:, or make {krel} a Component "
            "(apiVersion: kustomize.config.k8s.io/v1alpha1, kind: Component)",
        )
    if key == "resources" and component:
        return (
            f"kustomize refuses {lister}: its resources: entry {entry!r} is a Component ({krel}), which "
            "only components: takes",
            f"move {entry!r} to {lister}'s components:",
        )
    return None


def two_files(directory: str, names: Sequence[str]) -> Refusal | None:
    """A directory holding more than one kustomization file (kustomize: "Found multiple
    kustomization files under: ...")."""
    if len(names) < 2:
        return None
    where = directory or "."
    return (
        f"kustomize refuses {where}: it holds {' and '.join(names)}, and kustomize builds a directory of "
        "one kustomization file",
        f"keep one of them: merge {where}/{names[1]} into {where}/{names[0]} and remove it",
    )


def present(has: Callable[[str], bool]) -> list[str]:
    """The kustomization file names a directory holds, in kustomize's order."""
    return [n for n in KUSTOMIZATION_NAMES if has(n)]


def unapplied_operation(
    text: str, filename: str, target: Any, first_line: int
) -> tuple[int, str, str] | None:
    """The first operation of a JSON 6902 patch kustomize cannot apply to ``target`` (the one
    object it selects, as its file holds it): ``(line, "op path", why)``. Operations are
    checked in order until one changes the object's shape (an ``add``, ``remove``, ``move`` or
    ``copy`` that applies), after which what the object holds is no longer its file's."""
    try:
        docs = nodes.compose_all(YamlText.of(text).body, filename)
    except GitOpsBotError:
        return None
    ops = docs[0] if docs and nodes.is_seq(docs[0]) else None
    if ops is None:
        return None
    for op in ops.value:
        if not nodes.is_map(op):
            return None
        name, path = _text(op, "op"), _text(op, "path")
        if name is None or path is None or not path.startswith("/"):
            return None
        parts = [p.replace("~1", "/").replace("~0", "~") for p in path.split("/")[1:]]
        why = _applies(target, parts, name)
        if why:
            return first_line + int(op.start_mark.line), f"{name} {path}", why
        if name != "replace" and name != "test":
            return None
    return None


def unapplied(krel: str, rel: str, target: tuple[str, str], got: tuple[int, str, str]) -> Refusal:
    """The refusal of a JSON 6902 operation :func:`unapplied_operation` found not to apply (kustomize:
    "replace operation does not apply: doc is missing path")."""
    (kind, name), (line, what, why) = target, got
    where = os.path.dirname(krel) or "."
    return (
        f"kustomize refuses {krel}: patch {rel}:{line} ({what}) does not apply to {kind} {name}: {why}",
        f"point the operation's path at what {kind} {name} holds (kubectl kustomize {where} shows it), or "
        "drop the operation",
    )


def target_object(files: Iterable[tuple[str, str | None]], kind: str, name: str) -> dict[str, Any] | None:
    """The object ``kind``/``name`` as one of ``files`` (path, text) holds it; None when no
    file holds it as a plain document (a List's item, a file that is not YAML)."""
    for rel, text in files:
        try:
            docs = yamlvalues.load_all(YamlText.of(text).body, rel) if text is not None else []
        except (GitOpsBotError, TypeError, ValueError):
            return None
        for doc in docs:
            meta = doc.get("metadata") if isinstance(doc, dict) else None
            if isinstance(meta, dict) and (doc.get("kind"), meta.get("name")) == (kind, name):
                return dict(doc)
    return None


def _text(node: Any, key: str) -> str | None:
    found = nodes.get(node, key)
    return str(found[1].value) if found is not None and nodes.is_scalar(found[1]) else None


def _applies(doc: Any, parts: list[str], op: str) -> str:
    """Why ``op`` at ``parts`` does not apply to ``doc`` ("" when it does, or is not known):
    only an index past a list's end is claimed. Lists change only by patches (none applied
    before it, the caller's rule); a missing field may be one a transformer adds."""
    here: Any = doc
    walked = ""
    for i, part in enumerate(parts):
        last = i == len(parts) - 1
        if isinstance(here, dict):
            if part not in here:  # a field a transformer may add (replicas:, labels:): not claimed
                return ""
            here = here[part]
        elif isinstance(here, list):
            if part == "-" and last and op == "add":
                return ""
            if not (part.isascii() and part.isdigit()):  # '²' is a digit to isdigit, not to int
                return ""
            index, bound = numbers.index(part), len(here) + (1 if last and op == "add" else 0)
            if index is None or index >= bound:  # None: more digits than any list's length has
                return (
                    f"it has no {walked}/{part} (its {walked.rpartition('/')[2] or 'list'} holds {len(here)})"
                )
            here = here[index] if index < len(here) else None
        else:
            return ""
        walked += f"/{part}"
    return ""


def not_objects(lister: str, entry: str, text: str, rel: str) -> Refusal | None:
    """A resource file with a document that is no object at all (a top-level YAML list, a
    bare string): kustomize refuses the build ("accumulating resources from ENTRY: missing
    Resource metadata"). A file that is not YAML is said where its sites are read."""
    if nodes.all_mappings(text):
        return None  # every document a mapping by its lines alone: nothing to compose for it
    try:
        docs = nodes.compose_all(YamlText.of(text).body, rel)
    except GitOpsBotError:
        return None
    bad = next((d for d in docs if d is not None and not nodes.is_null(d) and not nodes.is_map(d)), None)
    if bad is None:
        return None
    what = "a YAML list" if nodes.is_seq(bad) else "a bare value"
    return (
        f"kustomize refuses {lister}: accumulating resources from {entry!r}: missing Resource metadata "
        f"({rel}:{bad.start_mark.line + 1} is {what}, not a Kubernetes object)",
        f"write each document of {rel} as one object (apiVersion, kind, metadata.name), or remove "
        f"{entry!r} from {lister}'s resources:",
    )


def missing(lister: str, key: str, named: Sequence[tuple[str, str]], count: int) -> Refusal:
    """Entries naming what the repository does not hold: kustomize refuses the build at the
    first ("accumulating resources from ENTRY: ... no such file or directory"; a patch: "...
    the path ... does not exist"). ``named``: the first few, each (entry, its file); ``count``:
    how many there are."""
    (entry, rel), others = named[0], [repr(e) for e, _ in named[1:]]
    reason = (
        f"kustomize refuses {lister}: its {key}: entry {entry!r} names {rel}, which the repository does "
        "not hold (no such file or directory)"
    )
    if count == 1:
        return reason, f"add {rel} to the repository, or remove {entry!r} from {lister}'s {key}:"
    others += ["…"] if count > len(named) else []
    return (
        f"{reason}, and {count - 1} more: {', '.join(others)}",
        f"add the {count} files to the repository, or remove those entries from {lister}'s {key}:",
    )


def _containers(node: Any) -> Iterable[Any]:
    """Every container mapping under a ``containers:`` or ``initContainers:`` list, at any depth."""
    if nodes.is_map(node):
        for key, value in node.value:
            if str(key.value) in ("containers", "initContainers") and nodes.is_seq(value):
                yield from (c for c in value.value if nodes.is_map(c))
            else:
                yield from _containers(value)
    elif nodes.is_seq(node):
        for item in node.value:
            yield from _containers(item)


def _runs_scalar(doc: Any, container: str) -> bool:
    """Whether a container named ``container`` in ``doc`` (as loaded) has a plain image."""
    if isinstance(doc, dict):
        for key, value in doc.items():
            if key in ("containers", "initContainers") and isinstance(value, list):
                if any(
                    isinstance(c, dict) and c.get("name") == container and isinstance(c.get("image"), str)
                    for c in value
                ):
                    return True
            elif _runs_scalar(value, container):
                return True
    elif isinstance(doc, list):
        return any(_runs_scalar(v, container) for v in doc)
    return False


def mistyped_image(
    krel: str, text: str, rel: str, first: int, target: Callable[[str, str], dict[str, Any] | None]
) -> Refusal | None:
    """A strategic-merge patch giving a container ``image:`` a mapping or a list (``image: {}``)
    where the object it patches (``target``: by kind and name, as built) runs that container
    with an image: kustomize refuses the merge ("wrong node kind: expected ScalarNode but got
    MappingNode"). A container the object does not hold is added as written, which builds."""
    try:
        docs = nodes.compose_all(YamlText.of(text).body, rel)
    except GitOpsBotError:
        return None
    for doc in docs:
        if not nodes.is_map(doc):
            continue
        meta = nodes.get(doc, "metadata")
        kind, name = _scalar(doc, "kind"), _scalar(meta[1], "name") if meta is not None else ""
        for c in _containers(doc):
            image, cname = nodes.get(c, "image"), _scalar(c, "name")
            if image is None or not (nodes.is_map(image[1]) or nodes.is_seq(image[1])) or not kind:
                continue
            built = target(kind, name)
            if built is None or not _runs_scalar(built, cname):
                continue
            got = "MappingNode" if nodes.is_map(image[1]) else "SequenceNode"
            shape = "mapping" if nodes.is_map(image[1]) else "list"
            line = first + image[1].start_mark.line
            where = os.path.dirname(krel) or "."
            return (
                f"kustomize refuses {krel}: patch {rel}:{line} sets container {cname}'s image of {kind} "
                f"{name} to a {shape} (wrong node kind: expected ScalarNode but got {got})",
                f"write the image as one string (image: NAME:TAG) in {rel}, or drop the patch; see it "
                f"build with 'kubectl kustomize {where}'",
            )
    return None
