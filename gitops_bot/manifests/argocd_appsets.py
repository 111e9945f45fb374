"""The Applications an Argo CD ``ApplicationSet`` generates, as far as the file and the
repository say (text and a directory listing in, Application sources out; no I/O of its own).

Expanded: ``list`` elements, ``git`` ``directories`` of this repository (globs, ``exclude``)
and, where the caller reads the files, ``git`` ``files`` (each file's keys and path),
a ``clusters`` generator's selector labels (``matchLabels`` and ``matchExpressions`` ``In``: the
labels every matching cluster has; its name and server are Argo CD's alone), and a ``matrix`` of
two of them. Each parameter set fills the template's sources (Go templates' ``{{.a.b}}``,
``{{index .a "k"}}`` and the older ``{{a.b}}``/``{{path[n]}}``). What cannot be known from the
repository (another generator, a template value only a cluster has) is an
:class:`Unexpanded` with its reason, never an empty set that would read as "renders nothing"."""

from __future__ import annotations

import fnmatch
import importlib
import re
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import field, replace
from itertools import islice, product
from typing import Any, cast

import yaml

from gitops_bot.core import numbers
from gitops_bot.core.errors import ManifestError
from gitops_bot.core.record import record
from gitops_bot.manifests import APPLICATION_SET, argocd_apps, may_hold, nodes
from gitops_bot.manifests.argocd_apps import at
from gitops_bot.manifests.guard import Constructor
from gitops_bot.manifests.yamltext import YamlText

MAX_APPLICATIONS = 500  # generated Applications read per file at most (a matrix multiplies)
_EXPR = re.compile(r"\{\{-?\s*(.*?)\s*-?\}\}")
# a goTemplate value: a field (.path), or a function's call (trimSuffix "/x" .path)
_GO = re.compile(r"\{\{-?\s*(?:\.|[A-Za-z]\w*\s+\S)")
_CLUSTER_ONLY = object()  # a value only the cluster's secret in Argo CD holds
# a git files generator's glob -> each matching file of the repository and its parsed content
Files = Callable[[str], list[tuple[str, Any]]]


FILES_UNEXPANDED = "its git generator reads files' contents, which this reader does not expand"
# a matrix whose second generator reads the first's parameters, imported where one is met
_FED = "gitops_bot.manifests.appset_matrix"


class Unexpanded(Exception):
    """The generators or the template need what only Argo CD holds: the reason."""


@record
class Literal:
    """A value a ``list`` element writes (:func:`parameter_sets`): its scalar node, which an
    edit changes in place, and whether its mapping is written in flow style."""

    node: Any
    flow: bool


@record
class Opaque:
    """A value a generator sets from what only Argo CD lists (a git generator's directories),
    kept by :func:`parameter_sets` so that what the other generators set is still read."""

    generator: str


@record
class Generated:
    """One generated Application's sources (templated values filled)."""

    name: str
    sources: tuple[argocd_apps.AppSource, ...]
    # the template and the generator's values it is filled with, for :meth:`document`
    template: Any = field(default=None, repr=False, compare=False)
    params: dict[str, Any] = field(default_factory=dict, repr=False, compare=False)
    go: bool = False

    def alike(self) -> set[int]:
        """The lines of the values its template writes itself (no list element's whole): every
        Application the set generates takes them alike."""
        written = argocd_apps.application_sources("", at(self.template, "spec"))
        return {s.line for t in written for s in (*t.parameters, *t.images)}

    def taken_with(self, made: Sequence[Generated]) -> dict[int, tuple[str, ...]]:
        """Each line of a list element's value it takes that other Applications of ``made``
        take too -> their names."""
        alike = self.alike()
        out: dict[int, set[str]] = {}
        for g in made:
            for s in (x for src in g.sources for x in (*src.parameters, *src.images)):
                out.setdefault(s.line, set()).add(g.name)
        return {
            n: tuple(sorted(names - {self.name}))
            for n, names in out.items()
            if self.name in names and names - {self.name} and n not in alike
        }

    def document(self) -> dict[str, object]:
        """The Application as Argo CD creates it from the template: every string filled (one
        only the cluster holds kept as written: a destination's server is never read), the
        other scalars as YAML reads them. Made when asked: an app of apps' chart renders it."""
        spec = _document(at(self.template, "spec"), self.params, self.go)
        meta = _document(at(self.template, "metadata"), self.params, self.go)
        return {
            "apiVersion": "argoproj.io/v1alpha1",
            "kind": "Application",
            "metadata": {**(meta if isinstance(meta, dict) else {}), "name": self.name},
            "spec": spec if isinstance(spec, dict) else {},
        }


def _document(node: Any, params: dict[str, Any], go: bool) -> object:
    if nodes.is_map(node):
        return {str(k.value): _document(v, params, go) for k, v in node.value if nodes.is_scalar(k)}
    if nodes.is_seq(node):
        return [_document(i, params, go) for i in node.value]
    if node is None or nodes.is_null(node):
        return None
    if not node.tag.endswith(":str"):  # a bool, a number: as YAML reads it
        try:
            return Constructor().construct_object(node)
        except (yaml.YAMLError, ValueError):
            return str(node.value)
    try:
        return fill(str(node.value), params, go)
    except Unexpanded:
        return str(node.value)


def _plain(node: Any) -> Any:
    if nodes.is_map(node):
        return {str(k.value): _plain(v) for k, v in node.value if nodes.is_scalar(k)}
    if nodes.is_seq(node):
        return [_plain(i) for i in node.value]
    return None if nodes.is_null(node) else str(node.value)


def _map(value: Any) -> dict[str, Any]:
    """A plain value where a mapping is written, else {}: a generator's block written as a list
    or a string (a user's slip, a hostile file) makes no Application, never a traceback."""
    return value if isinstance(value, dict) else {}


def _list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else []


def _lookup(params: Any, expr: str, go: bool) -> Any:
    words = expr.split()
    # a pipeline or a function's call (Sprig's), evaluated as Argo CD's engine does
    if go and ("|" in expr or (words and words[0][:1].isalpha() and words[0] != "index")):
        pipelines = importlib.import_module("gitops_bot.manifests.go_pipelines")
        return pipelines.evaluate(expr, params, lambda e: _lookup(params, e, go))
    if words and words[0] == "index" and len(words) >= 3:
        found = _lookup(params, words[1], go)
        for key in words[2:]:
            key = key.strip('"')
            if isinstance(found, list) and (n := numbers.index(key)) is not None and n < len(found):
                found = found[n]
            elif isinstance(found, dict) and key in found:
                found = found[key]
            else:
                raise Unexpanded(f"the template reads {expr!r}, which the generators do not set")
        return found
    if len(words) != 1:
        raise Unexpanded(f"the template's {{{{{expr}}}}} is more than a value (a function or a pipeline)")
    name = words[0].removeprefix(".")
    if not go and (m := re.fullmatch(r"(\w+)\[(\d+)\]", name)):  # fasttemplate's path[n]
        name = f"{m[1]}.segments.{m[2]}"
    value: Any = params
    for key in name.split("."):
        if isinstance(value, Opaque) or value is _CLUSTER_ONLY:
            return value
        if isinstance(value, dict) and key in value:
            value = value[key]
        elif isinstance(value, list) and (n := numbers.index(key)) is not None and n < len(value):
            value = value[n]
        else:
            raise Unexpanded(f"the template reads {expr!r}, which the generators do not set")
    if not go and name == "path" and isinstance(value, dict) and "path" in value:
        return value["path"]  # fasttemplate's {{path}} is a git generator's directory itself
    return value


def fill(text: str, params: dict[str, Any], go: bool) -> str:
    def one(m: re.Match[str]) -> str:
        value = _known(_lookup(params, m[1], go), m[1])
        return str(value.node.value) if isinstance(value, Literal) else str(value)

    return _EXPR.sub(one, text)


def _known(value: Any, expr: str) -> Any:
    """``value`` where the repository holds it, else :class:`Unexpanded` naming the generator
    that sets it."""
    if value is _CLUSTER_ONLY or isinstance(value, (dict, list)):
        raise Unexpanded(f"the template reads {expr!r}, which only the cluster registered in Argo CD holds")
    if isinstance(value, Opaque):
        raise Unexpanded(f"the template reads {expr!r}, which its {value.generator} sets")
    return value


def whole(text: str) -> str | None:
    """The expression a template value is, whole (``.esoVersion`` of ``'{{ .esoVersion }}'``),
    else None."""
    m = _EXPR.fullmatch(text.strip())
    return None if m is None else m[1]


def value(text: str, params: dict[str, Any], go: bool) -> Literal | str:
    """A template value filled from one of :func:`parameter_sets`' sets: a value that is one
    expression reading a list element's value is that :class:`Literal` (where it is written);
    any other is the filled text. Raises :class:`Unexpanded`."""
    m = _EXPR.fullmatch(text.strip())
    if m is not None:
        found = _known(_lookup(params, m[1], go), m[1])
        if isinstance(found, Literal):
            return found
    return fill(text, params, go)


def _git(node: Any, dirs: Callable[[str], list[str]], files: Files | None = None) -> list[dict[str, Any]]:
    spec = _map(_plain(node))
    if spec.get("files"):
        if files is None:
            raise Unexpanded(FILES_UNEXPANDED)
        return _git_files(spec, files)
    directories = [_map(d) for d in _list(spec.get("directories"))]
    includes = [
        str(d["path"]) for d in directories if isinstance(d.get("path"), str) and not d.get("exclude")
    ]
    excludes = [str(d["path"]) for d in directories if isinstance(d.get("path"), str) and d.get("exclude")]
    out = []
    for pattern in includes:
        for path in dirs(pattern):
            if any(fnmatch.fnmatchcase(path, x) for x in excludes):
                continue
            out.append({"path": _path_params(path)})
    return out


def _path_params(path: str, filename: str | None = None) -> dict[str, Any]:
    """A git generator's ``path`` parameters of a directory (and of the file it matched)."""
    segments = path.split("/")
    base = segments[-1]
    out: dict[str, Any] = {
        "path": path,
        "basename": base,
        "basenameNormalized": re.sub(r"[^a-zA-Z0-9-]", "-", base).lower(),
        "segments": segments,
    }
    if filename is not None:
        out["filename"] = filename
        out["filenameNormalized"] = re.sub(r"[^a-zA-Z0-9-]", "-", filename).lower()
    return out


def _scalars(value: Any, depth: int = 0) -> Any:
    """A matched file's content as parameters: scalars as the strings a template writes."""
    if depth > 20:
        return None
    if isinstance(value, dict):
        return {str(k): _scalars(v, depth + 1) for k, v in value.items()}
    if isinstance(value, list):
        return [_scalars(v, depth + 1) for v in value]
    if isinstance(value, bool):
        return str(value).lower()
    return None if value is None else str(value)


def _git_files(spec: dict[str, Any], files: Files) -> list[dict[str, Any]]:
    """Argo CD's git files generator: a parameter set per file matching a ``files`` glob (per
    element where the file holds a list), its content's keys and the ``path`` parameters of
    the file's directory and name, which win over a key of the same name."""
    entries = [_map(e) for e in _list(spec.get("files"))]
    includes = [str(e["path"]) for e in entries if isinstance(e.get("path"), str) and not e.get("exclude")]
    excludes = [str(e["path"]) for e in entries if isinstance(e.get("path"), str) and e.get("exclude")]
    out: list[dict[str, Any]] = []
    for pattern in includes:
        for rel, content in files(pattern):
            if any(fnmatch.fnmatchcase(rel, x) for x in excludes):
                continue
            directory, _, filename = rel.rpartition("/")
            for each in content if isinstance(content, list) else [content]:
                if len(out) > MAX_APPLICATIONS:  # one past the bound: said as it (generate)
                    return out
                params = _map(_scalars(each))
                out.append({**params, "path": _path_params(directory or ".", filename)})
    return out


def _clusters(node: Any) -> list[dict[str, Any]]:
    selector = _map(_map(_plain(node)).get("selector"))
    labels: list[list[tuple[str, str]]] = [[(k, v)] for k, v in _map(selector.get("matchLabels")).items()]
    for e in (_map(e) for e in _list(selector.get("matchExpressions"))):
        if e.get("operator") == "In" and _list(e.get("values")):
            labels.append([(str(e.get("key")), v) for v in _list(e.get("values"))])
    out = []
    # bounded as it is made: each In expression multiplies the clusters it may match
    for combo in islice(product(*labels), MAX_APPLICATIONS + 1):
        out.append(
            {
                "name": _CLUSTER_ONLY,
                "server": _CLUSTER_ONLY,
                "nameNormalized": _CLUSTER_ONLY,
                "metadata": {"labels": dict(combo), "annotations": _CLUSTER_ONLY},
            }
        )
    return out


def _kept(node: Any, flow: bool = False) -> Any:
    """A list element as :func:`_plain` reads it, each scalar kept as a :class:`Literal`."""
    if nodes.is_map(node):
        out, merged = {}, {}
        for k, v in node.value:
            if nodes.is_scalar(k) and k.tag.endswith(":merge"):  # the anchor's values, where written
                for m in reversed(v.value if nodes.is_seq(v) else [v]):  # the first listed wins
                    merged.update(got if isinstance(got := _kept(m), dict) else {})
            elif nodes.is_scalar(k):
                out[str(k.value)] = _kept(v, bool(node.flow_style))
        return {**merged, **out}  # a key of its own wins over a merged one, as YAML merges
    if nodes.is_seq(node):
        return [_kept(i, bool(node.flow_style)) for i in node.value]
    return None if nodes.is_null(node) else Literal(node, flow)


def generator_params(
    gen: Any, dirs: Callable[[str], list[str]] | None, files: Files | None = None, depth: int = 0
) -> list[dict[str, Any]]:
    """The generator's parameter sets (``dirs`` None: list elements' values as
    :class:`Literal`, a git generator's as one :class:`Opaque` set); ``depth``: how many
    matrices hold it."""
    kinds = [str(k.value) for k, _ in gen.value] if nodes.is_map(gen) else []
    for key, node in gen.value if nodes.is_map(gen) else ():
        kind = str(key.value)
        if kind == "list":  # each value where it is written: an environment's own pin
            found = at(node, "elements")
            kept = [_kept(e) for e in found.value] if nodes.is_seq(found) else []
            return _valued(node, [e if isinstance(e, dict) else {} for e in kept])
        if kind == "git":
            if dirs is None:
                if _map(_plain(node)).get("files"):
                    if files is None:
                        raise Unexpanded(FILES_UNEXPANDED)
                    return _valued(node, _git_files(_map(_plain(node)), files))
                return _valued(node, [{"path": Opaque("git generator (one Application per directory)")}])
            return _valued(node, _git(node, dirs, files))
        if kind == "clusters":
            return _valued(node, _clusters(node))
        if kind == "matrix":
            if depth > 1:  # Argo CD's nested matrix holds terminal generators only: it makes nothing
                raise Unexpanded("its matrix generators nest more than one level, which Argo CD refuses")
            gens = at(node, "generators").value if nodes.is_seq(at(node, "generators")) else []
            if len(gens) != 2:
                raise Unexpanded("its matrix generator has other than two generators")
            if dirs is not None and "{{" in str(_plain(gens[1])):  # the second reads the first's
                return cast(
                    "list[dict[str, Any]]", importlib.import_module(_FED).fed(gens, dirs, files, depth)
                )
            children = [generator_params(g, dirs, files, depth + 1) for g in gens]
            # bounded as it is made: nested matrices multiply past any memory
            return [{**a, **b} for a, b in islice(product(*children), MAX_APPLICATIONS + 1)]
        if kind in ("selector", "values"):
            continue
        raise Unexpanded(f"its {kind} generator lists what only Argo CD can ask (not the repository)")
    raise Unexpanded(f"it has no generator this reader knows ({', '.join(kinds) or 'none'})")


def _valued(node: Any, sets: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """``sets`` with the generator's own ``values:`` as ``values.<key>`` of each, each value
    filled with that set's parameters as Argo CD fills it (``repoURL: https://...`` is this
    repository's where a template names ``{{ .values.repoURL }}``)."""
    found = at(node, "values")
    given = _map(_plain(found)) if found is not None else {}
    if not given:
        return sets
    out = []
    for params in sets:
        values: dict[str, Any] = {}
        for key, value in given.items():
            text = "" if value is None else str(value)
            try:
                values[str(key)] = fill(text, params, bool(_GO.search(text)))
            except Unexpanded:
                values[str(key)] = Opaque(f"generator's values.{key}")
        out.append({**params, "values": values})
    return out


def _objects(spec: Any) -> dict[int, list[tuple[str, str]]]:
    """Each template source's line -> its own Helm values' scalars that hold a template
    expression (dotted key, text as written): ``helm.valuesObject``'s, else its ``helm.values``
    string's."""
    many = at(spec, "sources")
    found = [at(spec, "source"), *(many.value if nodes.is_seq(many) else [])]
    return {
        int(src.start_mark.line) + 1: template_values(at(src, "helm")) for src in found if nodes.is_map(src)
    }


def template_values(helm: Any) -> list[tuple[str, str]]:
    """A template's own Helm values scalars holding a template expression, by dotted key:
    ``valuesObject``'s (which Argo CD takes over ``values``), else those of a ``values`` string
    (``tag: '{{tag}}'``, quoted or not), which Argo CD fills as text before helm reads it."""
    obj, block = at(helm, "valuesObject"), at(helm, "values")
    if nodes.is_map(obj):
        walked = nodes.walk(obj)
        return [(".".join(map(str, p)), str(n.value)) for p, _, _, n in walked if nodes.is_scalar(n)]
    if not nodes.is_scalar(block) or "{{" not in str(block.value):
        return []
    held: list[str] = []

    def hold(m: re.Match[str]) -> str:  # an expression as a plain word, so the string reads as YAML
        held.append(m[0])
        return f"gitopsbotexpr{len(held) - 1}x"

    try:
        docs = nodes.compose_all(_EXPRESSION.sub(hold, str(block.value)), "", values=True)
    except ManifestError:
        return []  # what helm makes of it once filled is the render's to say
    out = []
    for path, _, _, node in nodes.walk(docs[0]) if docs else ():
        if nodes.is_scalar(node) and (m := _HELD.fullmatch(str(node.value))):
            out.append((".".join(map(str, path)), held[int(m[1])]))
    return out


_EXPRESSION = re.compile(r"\{\{.*?\}\}")
_HELD = re.compile(r"gitopsbotexpr(\d+)x")


def _filled(
    src: argocd_apps.AppSource,
    params: dict[str, Any],
    go: bool,
    objects: Mapping[int, list[tuple[str, str]]] | None = None,
) -> argocd_apps.AppSource:
    def setting(s: argocd_apps.Setting) -> argocd_apps.Setting:
        # a value that is a list element's scalar whole is set there: its line is the pin
        got = value(s.value, params, go)
        if isinstance(got, Literal):
            return replace(s, value=str(got.node.value), line=int(got.node.start_mark.line) + 1)
        return replace(s, value=got)

    try:  # a branch its generator or a Sprig default names ({{ get . "targetRevision" | default "HEAD" }})
        revision = fill(src.revision, params, go)
    except Unexpanded:
        revision = src.revision  # said as the branch it is written as
    return replace(
        src,
        path=None if src.path is None else fill(src.path, params, go),
        revision=revision,
        repo_url=fill(src.repo_url, params, go),
        value_files=tuple(fill(v, params, go) for v in src.value_files),
        # a valuesObject scalar a list element's value fills whole is a value set there, as a
        # parameter is (Argo CD layers the parameters after it, so they come last)
        parameters=(*_taken(src, params, go, objects or {}), *(setting(p) for p in src.parameters)),
        images=tuple(setting(i) for i in src.images),
        refs=tuple((n, fill(u, params, go)) for n, u in src.refs),
        ref_revisions=tuple((n, fill(r, params, go)) for n, r in src.ref_revisions),
    )


def _taken(
    src: argocd_apps.AppSource, params: dict[str, Any], go: bool, objects: Mapping[int, list[tuple[str, str]]]
) -> list[argocd_apps.Setting]:
    """The source's own Helm values scalars each one list element's scalar whole: (key, its
    value, the element's line)."""
    out = []
    for key, written in objects.get(src.line, []):
        if "{{" not in written:
            continue
        try:
            got = value(written, params, go)
        except Unexpanded:
            continue
        if isinstance(got, Literal):
            out.append(argocd_apps.Setting(key, str(got.node.value), int(got.node.start_mark.line) + 1))
    return out


def _name(template: str, params: dict[str, Any], go: bool) -> str:
    """The generated Application's name, its cluster-only parts kept as written (a name is
    only said, never read from)."""
    try:
        return fill(template, params, go)
    except Unexpanded:
        return template


def parameter_sets(doc: Any, files: Files | None = None) -> tuple[bool, list[tuple[str, dict[str, Any]]]]:
    """Of one ApplicationSet document (composed): whether its template is a Go template, and
    each Application its generators make, (its name, its parameters), a ``list`` element's
    values kept as :class:`Literal` (where a chart version they set is written) and a git
    directories generator's as :class:`Opaque`; a git files generator's files are read where
    ``files`` lists them (each file's keys, its ``path.*``), else :class:`Unexpanded`. Raises
    :class:`Unexpanded`."""
    spec = at(doc, "spec")
    go = (argocd_apps.scalar(spec, "goTemplate") or "").lower() == "true"
    template = argocd_apps.scalar(at(spec, "template", "metadata"), "name") or (
        argocd_apps.scalar(at(doc, "metadata"), "name") or ""
    )
    sets: list[dict[str, Any]] = []
    for gen in at(spec, "generators").value if nodes.is_seq(at(spec, "generators")) else []:
        sets += generator_params(gen, None, files)
    return go, [(_name(template, p, go), p) for p in sets[:MAX_APPLICATIONS]]


def named(doc: Any, application: str | None) -> tuple[bool, list[tuple[str, dict[str, Any]]]]:
    """:func:`parameter_sets` of the Application named ``application`` (every one when None).
    The sets are made without listing the repository, so a name the template fills from a git
    generator's directory or a cluster (``'{{path.basename}}-{{env}}'``) is not known whole: where
    no set's name is ``application``, those whose name is it with each such part any text are
    (``web-dev`` is env dev's). Raises :class:`Unexpanded`."""
    go, sets = parameter_sets(doc)
    exact = [(n, p) for n, p in sets if application is None or n == application]
    template = argocd_apps.scalar(at(doc, "spec", "template", "metadata"), "name") or ""
    if exact or application is None or "{{" not in template:
        return go, exact
    return go, [(n, p) for n, p in sets if _name_pattern(template, p, go).fullmatch(application)]


def _name_pattern(template: str, params: dict[str, Any], go: bool) -> re.Pattern[str]:
    """The names an Application of ``params`` may have: ``template`` filled, what only Argo CD
    knows (a directory, a cluster's name) read as any text."""
    parts, last = [], 0
    for m in _EXPR.finditer(template):
        try:
            got = _known(_lookup(params, m[1], go), m[1])
            filled = re.escape(str(got.node.value) if isinstance(got, Literal) else str(got))
        except Unexpanded:
            filled = ".+"
        parts += [re.escape(template[last : m.start()]), filled]
        last = m.end()
    return re.compile("".join([*parts, re.escape(template[last:])]))


def _patched(spec: Any, filename: str, params: dict[str, Any], go: bool) -> list[argocd_apps.AppSource]:
    """The sources a Go template's ``templatePatch`` gives an Application whose template names
    none (Argo CD fills the patch for each Application, then merges it into the template), read
    at the file's own lines: the patch's text starts where its block does."""
    node = at(spec, "templatePatch")
    if not go or not isinstance(node, yaml.ScalarNode) or not isinstance(node.value, str):
        return []
    first = int(node.start_mark.line) + (1 if node.style in ("|", ">") else 0)
    try:
        docs = nodes.compose_all("\n" * first + fill(node.value, params, go), filename)
    except ManifestError as e:
        raise Unexpanded(f"its templatePatch is not YAML once filled ({e})") from None
    return [s for d in docs if nodes.is_map(d) for s in argocd_apps.application_sources("", at(d, "spec"))]


def generate(
    text: str, filename: str, dirs: Callable[[str], list[str]], files: Files | None = None
) -> Iterator[tuple[str, Generated | str]]:
    """For each ApplicationSet of the file: (its name, each generated Application) or (its
    name, why it cannot be expanded). ``dirs(glob)``: the repository's directories matching a
    git generator's path glob, relative to the repository's root; ``files(glob)``: the files
    matching a git files generator's glob with their contents (None: such a generator is
    :class:`Unexpanded`, its contents not read)."""
    if not may_hold(text, APPLICATION_SET):  # a definition's or a bundle's names say it
        return
    for doc in nodes.compose_all(YamlText.of(text).body, filename):
        if not nodes.is_map(doc) or argocd_apps.scalar(doc, "kind") != "ApplicationSet":
            continue
        name = argocd_apps.scalar(at(doc, "metadata"), "name") or ""
        spec = at(doc, "spec")
        go = (argocd_apps.scalar(spec, "goTemplate") or "").lower() == "true"
        template = at(spec, "template")
        sources = argocd_apps.application_sources("", at(template, "spec"))
        objects = _objects(at(template, "spec"))
        try:
            sets: list[dict[str, Any]] = []
            for gen in at(spec, "generators").value if nodes.is_seq(at(spec, "generators")) else []:
                sets += generator_params(gen, dirs, files)
            if not sets:
                yield name, "its generators make no Application from what the repository holds"
                continue
            for params in sets[:MAX_APPLICATIONS]:
                app = _name(argocd_apps.scalar(at(template, "metadata"), "name") or name, params, go)
                own = sources or _patched(spec, filename, params, go)
                yield (
                    name,
                    Generated(
                        app,
                        tuple(replace(_filled(s, params, go, objects), application=app) for s in own),
                        template,
                        params,
                        go,
                    ),
                )
            if len(sets) > MAX_APPLICATIONS:  # a bound, said as one: those past it are not read
                past = f"more than {MAX_APPLICATIONS} Applications, the most read of one file"
                yield name, f"{name} generates {past}; those past it are not read"
        except Unexpanded as e:
            yield name, f"{name} cannot be expanded from the repository: {e}"
