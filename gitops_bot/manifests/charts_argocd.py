"""Chart sites of Argo CD ``Application`` and ``ApplicationSet`` documents (the
``argocd-application`` form of :mod:`gitops_bot.manifests.charts`): an Application's chart
sources, an ApplicationSet's as each Application its generators make renders them, and of a
file holding several environments' Applications, which documents are the named one's; and, for
what ``init`` says, each chart an ApplicationSet's Applications render and which destinations
read each version's line (:func:`generated_charts`, :func:`version_readers`)."""

from __future__ import annotations

from collections.abc import Collection, Iterator
from typing import Any

from gitops_bot.core.record import record
from gitops_bot.manifests import argocd_apps, argocd_appsets, nodes
from gitops_bot.manifests.charts_nodes import FoundVersion, at, get, is_kind, string, version_node
from gitops_bot.manifests.charts_refs import repository_key
from gitops_bot.manifests.yamltext import YamlText


def own(docs: list[Any], application: str | Collection[str] | None) -> list[Any]:
    """The documents to look in: all, or of a file holding several Applications, the Argo CD
    Application named ``application`` (another environment's are not this one's to read or
    edit), and the ApplicationSets, of which :func:`appset_sites` reads the Application so named."""
    if application is None:
        return docs
    names = _names(application)
    out = []
    for d in docs:
        if is_kind(d, "argoproj.io/", "ApplicationSet"):
            out.append(d)
            continue
        meta = get(d, "metadata", merged=True) if is_kind(d, "argoproj.io/", "Application") else None
        if meta is not None and string(meta[1], "name", merged=True) in names:
            out.append(d)
    return out


def _names(application: str | Collection[str]) -> frozenset[str]:
    return frozenset((application,) if isinstance(application, str) else application)


def application_sites(spec: Any) -> Iterator[FoundVersion]:
    sources = [at(spec, ("source",))]
    many = at(spec, ("sources",))
    sources += many.value if nodes.is_seq(many) else []
    for source in sources:
        if not nodes.is_map(source) or not string(source, "chart"):
            continue
        node = version_node(source, "targetRevision")
        if node is not None:
            key = (string(source, "chart"), repository_key(string(source, "repoURL")))
            yield FoundVersion(key, node, "argocd-application", bool(source.flow_style))


def appset_sites(doc: Any, application: str | Collection[str] | None) -> Iterator[FoundVersion]:
    """An ApplicationSet's chart sources as each Application its generators make renders them
    (:func:`~gitops_bot.manifests.argocd_appsets.parameter_sets`): a version the template writes
    is the template's site; one a ``list`` element writes (``targetRevision: '{{chartVersion}}'``)
    is that element's value, each place once however many Applications read it. A chart, a
    repository or a version that only Argo CD fills (a cluster's, a git generator's directory)
    is no site (``gitops-bot init`` says why). One value may set several charts' versions (the
    template's ``targetRevision: 1.3.0`` of ``chart: '{{chart}}'``): a site of each, which
    :func:`~gitops_bot.manifests.charts.write` changes only for all of them at once.
    ``application``: only the Application so named."""
    spec = at(doc, ("spec", "template", "spec"))
    sources = [at(spec, ("source",))]
    many = at(spec, ("sources",))
    sources = [s for s in sources + (many.value if nodes.is_seq(many) else []) if nodes.is_map(s)]
    fields = ("chart", "repoURL", "targetRevision")
    if application is None and not any("{{" in string(s, f) for s in sources for f in fields):
        yield from application_sites(spec)  # one template for every Application: no generator to expand
        return
    go, sets = False, []
    for name in [None] if application is None else sorted(_names(application)):
        try:  # a name Argo CD completes from a git generator's directory is matched as a pattern
            go, mine = argocd_appsets.named(doc, name)
        except argocd_appsets.Unexpanded:
            return
        # a pattern several elements' Applications fit: none of them is its own
        sets += mine if name is None or len(mine) == 1 or all(n == name for n, _ in mine) else []
    said: set[tuple[int, tuple[str, str]]] = set()
    for _, params in sets:
        for source in sources:
            found = _generated(source, params, go)
            if found is None:
                continue
            key, node, flow = found
            if (id(node), key) not in said:  # one place, however many Applications read it
                said.add((id(node), key))
                yield FoundVersion(key, node, "argocd-application", flow)


def _generated(source: Any, params: dict[str, Any], go: bool) -> tuple[tuple[str, str], Any, bool] | None:
    """(chart, repository key), version node and its mapping's flow style of one generated
    Application's source, or None where the repository does not hold them."""
    chart, url = string(source, "chart"), string(source, "repoURL")
    if not chart:
        return None
    found = get(source, "targetRevision")
    if found is None or not nodes.is_scalar(found[1]) or nodes.is_null(found[1]):
        return None
    try:
        chart, url = (argocd_appsets.fill(v, params, go) for v in (chart, url))
        version = argocd_appsets.value(str(found[1].value), params, go)
    except argocd_appsets.Unexpanded:
        return None
    key = (chart, repository_key(url))
    if isinstance(version, argocd_appsets.Literal):
        node, flow = version.node, version.flow
    elif "{{" in str(found[1].value):
        return None  # a version made of several values: no one place to write
    else:
        node, flow = found[1], bool(source.flow_style)
    if "{{" in str(node.value):
        return None
    return key, node, flow


@record
class GeneratedChart:
    """A chart an ApplicationSet's generated Application renders, as the repository says it
    (:func:`generated_charts`): its values filled, or, where Argo CD alone fills one, ``why``."""

    appset: str
    chart: str  # "" where not known
    repo_url: str
    version: str
    line: int  # where the version is written: the list element's value, else the template's
    why: str = ""  # what leaves a value unknown (the generator that sets it); "" = all known
    # a version a git files generator reads from a file of the repository: that file and the
    # key (``line`` is then 0: the caller, which reads the file, finds it); never released
    file: str = ""
    key: str = ""


def generated_charts(
    text: str, filename: str, files: argocd_appsets.Files | None = None
) -> list[GeneratedChart]:
    """Each chart source of the file's ApplicationSets, once per distinct chart, repository,
    version and place, for what init says of them; ``files``: the files a git files generator
    reads (their versions said with :attr:`GeneratedChart.file`), None to leave it unexpanded."""
    out: dict[GeneratedChart, None] = {}
    for doc in nodes.compose_all(YamlText.of(text).body, filename):
        if not nodes.is_map(doc) or argocd_apps.scalar(doc, "kind") != "ApplicationSet":
            continue
        name = argocd_apps.scalar(argocd_apps.at(doc, "metadata"), "name") or ""
        spec = argocd_apps.at(doc, "spec", "template", "spec")
        many = argocd_apps.at(spec, "sources")
        sources = [argocd_apps.at(spec, "source"), *(many.value if nodes.is_seq(many) else [])]
        sources = [s for s in sources if nodes.is_map(s) and argocd_apps.scalar(s, "chart")]
        if not sources:
            continue
        try:
            go, sets = argocd_appsets.parameter_sets(doc, files)
        except argocd_appsets.Unexpanded as e:
            for s in sources:
                out[GeneratedChart(name, "", "", "", s.start_mark.line + 1, str(e))] = None
            continue
        for _, params in sets:
            for s in sources:
                out[_appset_chart(name, s, params, go)] = None
    return list(out)


def version_readers(text: str, filename: str) -> dict[int, list[str]]:
    """The line setting each generated chart's version -> the destinations (the cluster's name,
    else its server) of the Applications reading it: a line several read is released to all of
    them at once. Unexpanded ApplicationSets are left out."""
    out: dict[int, list[str]] = {}
    for doc in nodes.compose_all(YamlText.of(text).body, filename):
        if not nodes.is_map(doc) or argocd_apps.scalar(doc, "kind") != "ApplicationSet":
            continue
        spec = argocd_apps.at(doc, "spec", "template", "spec")
        many = argocd_apps.at(spec, "sources")
        sources = [argocd_apps.at(spec, "source"), *(many.value if nodes.is_seq(many) else [])]
        sources = [s for s in sources if nodes.is_map(s) and argocd_apps.scalar(s, "chart")]
        dest = argocd_apps.at(spec, "destination")
        where = argocd_apps.scalar(dest, "name") or argocd_apps.scalar(dest, "server") or ""
        try:
            go, sets = argocd_appsets.parameter_sets(doc)
        except argocd_appsets.Unexpanded:
            continue
        for _, params in sets:
            try:
                to = argocd_appsets.fill(where, params, go)
            except argocd_appsets.Unexpanded:
                to = where
            for s in sources:
                c = _appset_chart("", s, params, go)
                if not c.why and to not in out.setdefault(c.line, []):
                    out[c.line].append(to)
    return out


def _appset_chart(appset: str, source: Any, params: dict[str, Any], go: bool) -> GeneratedChart:
    found = nodes.get(source, "targetRevision")
    line = (found[1] if found else source).start_mark.line + 1
    try:
        chart = argocd_appsets.fill(argocd_apps.scalar(source, "chart") or "", params, go)
        url = argocd_appsets.fill(argocd_apps.scalar(source, "repoURL") or "", params, go)
        version = argocd_appsets.value(argocd_apps.scalar(source, "targetRevision") or "", params, go)
    except argocd_appsets.Unexpanded as e:
        written = argocd_apps.scalar(source, "chart") or ""
        return GeneratedChart(appset, "" if "{{" in written else written, "", "", line, str(e))
    where = params.get("path")
    if isinstance(where, dict) and "filename" in where:
        # a git files generator's Application: the plan's sites never expand it (appset_sites),
        # so a version it reads is said where its file sets it, and no other place is a site
        if (read := _file_key(argocd_apps.scalar(source, "targetRevision") or "", params)) is not None:
            file, key = read
            why = f"its git files generator reads the version from {file} ({key})"
            return GeneratedChart(appset, chart, url, str(version), 0, why, file, key)
        written = argocd_apps.scalar(source, "chart") or ""
        return GeneratedChart(
            appset, "" if "{{" in written else written, "", "", line, argocd_appsets.FILES_UNEXPANDED
        )
    if isinstance(version, argocd_appsets.Literal):
        return GeneratedChart(appset, chart, url, str(version.node.value), version.node.start_mark.line + 1)
    return GeneratedChart(appset, chart, url, version, line)


def _file_key(written: str, params: dict[str, Any]) -> tuple[str, str] | None:
    """(file, key) where a git files generator's file sets the whole of a template value
    (``'{{ .esoVersion }}'`` of ``envs/dev.json``), else None."""
    expr = argocd_appsets.whole(written)
    where = params["path"]
    if expr is None:
        return None
    words = expr.split()
    key = words[0].removeprefix(".") if len(words) == 1 else ""
    if not key or key.split(".")[0] == "path":
        return None
    directory = str(where.get("path") or ".")
    return (str(where["filename"]) if directory == "." else f"{directory}/{where['filename']}"), key
