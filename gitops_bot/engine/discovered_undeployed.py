"""A Helm chart of this repository that no environment found renders, for ``init``: said with
the images its templates build and what to write to have it read, where it was silence (a chart
is no environment by itself)."""

from __future__ import annotations

import posixpath
import re
from collections.abc import Mapping, Sequence
from pathlib import PurePosixPath

from gitops_bot.core.errors import GitOpsBotError
from gitops_bot.core.imageref import WrittenRef
from gitops_bot.engine import discovered_appsets, discovered_images
from gitops_bot.engine.candidates import FoundEnvironment
from gitops_bot.engine.repository_files import YAML, RepoFiles
from gitops_bot.manifests import flux_objects, workloads


def charts(repo: RepoFiles, envs: Sequence[FoundEnvironment], rendered: Mapping[str, Sequence[str]]) -> None:
    """A chart directory no environment renders whose templates build an image from its values
    (a chart deployed whole by an Application made in Argo CD's UI): said with the image its
    values set and what to write, where it was silence (a chart is no environment by itself)."""
    dirs = sorted(str(PurePosixPath(f).parent) for f in repo.files if PurePosixPath(f).name == "Chart.yaml")
    seen = [p for e in envs for p in e.paths] + [f for fs in rendered.values() for f in fs]
    seen += _released(repo, {f for fs in rendered.values() for f in fs})
    parents = _local_parents(repo, dirs)
    by_appsets = discovered_appsets.chart_elements(repo)
    named = _source_paths(repo)
    for chart in dirs:
        prefix = "" if chart == "." else f"{chart}/"
        if any(d != chart and chart.startswith(f"{d}/") for d in dirs):
            continue  # a subchart: its parent is what is deployed
        if repo.under_tests(chart):
            continue  # a fixture of the project's tests: "write it as an environment" would mislead
        if chart in parents:
            _subchart(repo, chart, *parents[chart])
            continue
        if any(p in (".", chart) or chart.startswith(f"{p}/") or p.startswith(prefix) for p in seen):
            continue
        deployed = _deployed(repo, by_appsets.get(chart, {}))
        if not deployed and (by := named.get(chart)):
            deployed = (
                f"that {by} names as its source path, in a form the bot does not render (a chart's "
                "template, a generator's values): not read as an environment"
            )
        who = (
            f"a Helm chart {deployed}" if deployed else "a Helm chart that nothing in this repository deploys"
        )
        if_deployed = "" if deployed else "if it is deployed, "
        names = discovered_images.ImageNames()  # this chart's own: another may build the same image
        discovered_images.chart_images(repo, names, only=chart)
        values = (repo.docs(f"{prefix}values.yaml") or [{}])[0]
        said = []
        for name, helm in names.found.items():
            if not names.how[name].startswith(f"{prefix}templates/") or not helm:
                continue
            tag = discovered_images.value_at(values, helm["tag"]) if "tag" in helm else None
            version = f" {tag}" if isinstance(tag, str | int | float) and not isinstance(tag, bool) else ""
            keys = ", ".join(f"{k}: {v}" for k, v in helm.items())
            said.append((f"{name}{version} at {', '.join(helm.values())}", keys))
        whole = _written_whole(repo, f"{prefix}templates/", {n for n, h in names.found.items() if not h})
        if not said and not whole:
            if built := _built_images(repo, f"{prefix}templates/"):  # through a helper: no key traced
                repo.notes.append(
                    f"{chart}: {who}; its templates build images at {', '.join(built[:MAX_WHOLE])} through "
                    f"what the bot does not trace to a values key; {if_deployed}"
                    f"write {{name: <env>, path: {chart}}} under environments: and each image with helm: "
                    "{repository: <key>, tag: <key>} as its values.yaml names them"
                )
            elif deployed:
                repo.notes.append(f"{chart}: {who}: write each generated Application's environment by hand")
            elif wrapped := _published(repo, f"{prefix}Chart.yaml"):
                # a chart of dependencies only: how a published chart is pinned with values of one's own
                repo.notes.append(
                    f"{chart}: a wrapper of {wrapped} ({who.removeprefix('a Helm chart ')}); "
                    f"{if_deployed}write {{name: <env>, path: {chart}}} under environments: to have its "
                    "dependency's version and its values' images read"
                )
            continue
        repo.notes.append(
            f"{chart}: {who} (its values.yaml sets "
            f"{'; '.join(w for w, _ in said) or 'no image'}); {if_deployed.replace(',', ' as it is,')}write "
            f"{{name: <env>, path: {chart}}} under environments:"
            + (" and the image with helm: " + "; ".join(f"{{{k}}}" for _, k in said) if said else "")
            + "".join(
                f"; its templates write {ref} whole at {at}: end that line with "
                f'# {{"gitops-bot": "{WrittenRef.split(ref).name}"}} to have it read'
                for ref, at in whole[:MAX_WHOLE]
            )
        )


SOURCE_PATH = re.compile(
    r"""^[ \t-]*path:[ \t]*["']?(?:\./)?([\w./-]+?)/?["']?[ \t]*(?:#.*)?$""",
    re.MULTILINE,
)


def _source_paths(repo: RepoFiles) -> dict[str, str]:
    """Each directory an Argo CD or Flux object of the repository names as a literal ``path:``,
    in any file (a chart's template rendering ApplicationSets too) -> the first file naming it:
    a chart named so is deployed, whatever the bot could not expand around it."""
    out: dict[str, str] = {}
    for rel in repo.yaml_files():
        text = repo.text(rel) or ""
        if "argoproj.io" in text or "toolkit.fluxcd.io" in text:
            for path in SOURCE_PATH.findall(text):
                out.setdefault(path, rel)
    return out


def _deployed(repo: RepoFiles, appsets: Mapping[str, str]) -> str:
    """How the ApplicationSets generating Applications of a chart (file -> how it is said) say it
    deployed, "" for none: init makes no environment of them, so the generic ApplicationSet line
    (its Applications not read, their directories found on their own) would say less."""
    for f in appsets:
        repo.appsets.pop(f, None)
    said = "; ".join(appsets.values())
    # a tag a list element writes is where a release would go: named, for it is not released
    why = " (the bot releases no tag a list element passes into a chart's values)" if " at " in said else ""
    return f"deployed by {said}, not read as an environment{why}" if said else ""


def _local_parents(repo: RepoFiles, dirs: Sequence[str]) -> dict[str, tuple[str, str]]:
    """Each chart another chart of the repository names as a ``file://`` dependency -> (that
    chart, the key its values are set under there: the dependency's alias, else its name)."""
    out: dict[str, tuple[str, str]] = {}
    for parent in dirs:
        deps = (repo.docs(f"{parent}/Chart.yaml") or [{}])[0].get("dependencies")
        for dep in deps if isinstance(deps, list) else []:
            where = str(dep.get("repository") or "") if isinstance(dep, dict) else ""
            if (
                isinstance(dep, dict)
                and where.startswith(LOCAL)
                and (key := dep.get("alias") or dep.get("name"))
            ):
                sub = posixpath.normpath(posixpath.join(parent, where[len(LOCAL) :]))
                if sub in dirs and sub != parent:
                    out.setdefault(sub, (parent, str(key)))
    return out


def _subchart(repo: RepoFiles, chart: str, parent: str, key: str) -> None:
    """A chart deployed as another's ``file://`` dependency, said as such with the images its own
    values set, by the keys its parent's values hold them under (``key``), as the reader reads them."""
    names = discovered_images.ImageNames()
    discovered_images.chart_images(repo, names, only=chart)
    values = (repo.docs(f"{chart}/values.yaml") or [{}])[0]
    said = []
    for name, helm in names.found.items():
        if names.how[name].startswith(f"{chart}/templates/") and helm:
            tag = discovered_images.value_at(values, helm["tag"]) if "tag" in helm else None
            version = f" {tag}" if isinstance(tag, str | int | float) and not isinstance(tag, bool) else ""
            said.append(f"{name}{version} at {', '.join(f'{key}.{v}' for v in helm.values())}")
    if said:
        repo.notes.append(
            f"{chart}: a subchart of {parent} (its Chart.yaml names it as a file:// dependency), deployed "
            f"with it, never alone; its values.yaml sets {'; '.join(said)}: read where {parent} is "
            "deployed, those keys being the image's helm: keys"
        )


LOCAL = "file://"
MAX_WHOLE = 3  # images a chart's templates write whole, named on its line at most


def _built_images(repo: RepoFiles, templates: str) -> list[str]:
    """file:line of each ``image:`` a chart's templates build with a template action."""
    out = []
    for f in (f for f in repo.files if f.startswith(templates) and f.endswith(YAML)):
        lines = (repo.text(f) or "").splitlines()
        out += [f"{f}:{n}" for n, line in enumerate(lines, 1) if _BUILT.match(line)]
    return out


_BUILT = re.compile(r"^\s*-?\s*image:\s*[\"']?\{\{")


def _written_whole(repo: RepoFiles, templates: str, names: set[str]) -> list[tuple[str, str]]:
    """(reference, file:line) of each image of ``names`` a chart's templates write whole
    (``image: redis:7.0.15-alpine``): the reader meets it only where a workload it reads holds
    it, so the marker is what has it read in any kind."""
    out: dict[str, str] = {}
    for f in (f for f in repo.files if f.startswith(templates)):
        text = workloads.without_test_hooks(repo.text(f) or "")
        for m in workloads.TEMPLATE_LITERAL.finditer(text):
            ref = m.group("ref")
            if WrittenRef.split(ref).name in names:
                out.setdefault(ref, f"{f}:{text.count(chr(10), 0, m.start()) + 1}")
    return list(out.items())


def _released(repo: RepoFiles, rendered: set[str]) -> list[str]:
    """The charts of this repository a Flux HelmRelease the environments render installs (its
    GitRepository's path): Flux renders them, though the reading of a kustomization's resources
    does not walk into them."""
    out: list[str] = []
    for rel in sorted(rendered):
        text = repo.text(rel) or ""
        if "HelmRelease" not in text:
            continue
        try:
            releases = flux_objects.helm_releases(text, rel)
        except GitOpsBotError:
            continue  # said where the file is read
        out += [posixpath.normpath(r.chart) for r in releases if r.source_kind == "GitRepository"]
    return out


def _published(repo: RepoFiles, chart_yaml: str) -> str:
    """The published charts a Chart.yaml depends on (``valkey 2.x.x from
    https://charts.bitnami.com/bitnami``), "" for none."""
    doc = (repo.docs(chart_yaml) or [{}])[0]
    deps = doc.get("dependencies") if isinstance(doc, dict) else None
    said = [
        f"{d.get('name')} {d.get('version', '(no version)')} from {d['repository']}"
        for d in deps or []
        if isinstance(d, dict)
        and isinstance(d.get("repository"), str)
        and "://" in d["repository"]
        and not d["repository"].startswith("file://")
    ]
    return ", ".join(said[:MAX_WHOLE])
