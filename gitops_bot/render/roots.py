"""An environment's path that is a deploy tool's object, or a directory of root Applications.

A file holding Argo CD Applications or ApplicationSets, Flux HelmReleases or Kustomizations is
read as its tool renders it (Argo CD's through :class:`~gitops_bot.render.deploy_tools.DeployTools`,
a HelmRelease's chart values and a Flux Kustomization's path and ``spec.images`` here). A directory
holding root Applications side by side (several apps of apps, applied with ``kubectl apply -f``
or by one Application over the directory) is what Argo CD applies: each root Application the
environment owns is followed as a file naming it would be, where the directory was read as
plain manifests and its Applications' paths never followed. A chart of Applications that no
Application of the repository deploys is the root of an app of apps applied by hand
(``argocd app create apps --path apps``, as Argo CD's cluster bootstrapping does): it is
rendered as that Application would render it, with the chart's own values; a kustomization of
Applications nothing deploys (``kubectl apply -k apps``) is built as Argo CD builds it, and each
Application it builds followed."""

from __future__ import annotations

import functools
import importlib
import os
import re
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast

from gitops_bot.core.errors import GitOpsBotError
from gitops_bot.manifests import apps_module, images, is_appset, kustomize, may_name, yamlvalues
from gitops_bot.render import deployers
from gitops_bot.render.deploy_tools import DeployTools
from gitops_bot.render.walk import NoteKind, Source, Walk, relative

if TYPE_CHECKING:
    from gitops_bot.manifests import argocd_apps, flux_objects

# Flux's Kustomizations and HelmReleases, imported by name where a file's text names their API group
FLUX = "gitops_bot.manifests.flux_objects"
# the CI steps pushing a directory as an OCI artifact: read where a Kustomization's source is one
ARTIFACT_PUSHES = "gitops_bot.manifests.artifact_pushes"
BY_HAND = (
    "a chart of Argo CD Applications that no Application of this repository deploys, read as the root of "
    "an app of apps applied by hand (argocd app create {name} --path {path}, its own values), its "
    "Applications' repoURL taken as this repository"
)
DEPLOYED = "deployed by {app} ({file}), followed as Argo CD applies it"
CYCLE = (
    "deployed by {app} ({file}), which what {rel} renders deploys in turn: a cycle of roots, followed once "
    "from {app}"
)
KUSTOMIZED_BY_HAND = (
    "a kustomization of Argo CD Applications that no Application of this repository deploys, read as "
    "applied by hand (kubectl apply -k {path}, or argocd app create {name} --path {path}): what it builds "
    "is followed, its Applications' repoURL taken as this repository"
)


def followed(tools: DeployTools, path: Path, text: str, walk: Walk, source: Source) -> bool:
    """``path``'s objects followed as their tool renders them; False when it holds none."""
    rel = tools.reader.rel(path)
    if is_appset(text) and tools.appsets(text, rel, walk):
        return True
    if apps := deployers.applications(text, rel):
        built = _built_revisions(tools, path)
        for app in deployers.own_applications(apps, source, rel, walk):
            revision = built.get(app.application, app.revision)
            with walk.entered(root=False):  # each Application a unit Argo CD syncs alone
                tools.application(replace(app, revision=revision), rel, walk)
        return True
    if releases := helm_releases(text, rel):
        for release in releases:
            _helm_release(tools, release, path, walk)
        tools.reader.plain(path, text, walk)
        return True
    if fluxes := flux_kustomizations(text, rel):
        for flux in fluxes:
            with walk.entered(root=False):  # each Kustomization a unit Flux applies alone
                _flux(tools, flux, rel, walk)
        return True
    return False


def helm_releases(text: str, rel: str) -> list[flux_objects.HelmRelease]:
    if not may_name(text, "helm.toolkit.fluxcd.io"):  # most files: no second parse
        return []
    return cast("list[flux_objects.HelmRelease]", importlib.import_module(FLUX).helm_releases(text, rel))


def flux_kustomizations(text: str, rel: str) -> list[flux_objects.FluxKustomization]:
    if not may_name(text, "kustomize.toolkit.fluxcd.io"):  # most files: no second parse
        return []
    found = importlib.import_module(FLUX).flux_kustomizations(text, rel)
    return cast("list[flux_objects.FluxKustomization]", found)


def _built_revisions(tools: DeployTools, path: Path) -> dict[str, str]:
    """The targetRevision each Application of ``path`` deploys from where an Application of the
    repository has Argo CD build its directory with kustomize (an app of apps) whose
    ``replacements`` write it: the written one is replaced before Argo CD sees it."""
    directory = path.parent
    kfile = tools.reader.kfile(directory)
    if kfile is None or not tools.sources_of(directory) or path not in tools.reader.reached(directory):
        return {}

    def docs(f: Path) -> list[object]:
        text = tools.reader.tree.text(f)
        return yamlvalues.load_all(text, tools.reader.rel(f)) if text else []

    try:
        own = next((d for d in docs(kfile) if isinstance(d, dict)), {})
        resources = [d for f in tools.reader.reached(directory) if f != kfile for d in docs(f)]
    except GitOpsBotError:
        return {}  # a file kustomize cannot read: said where the directory is read
    return kustomize.replaced_revisions(own, resources)


def _helm_release(tools: DeployTools, release: flux_objects.HelmRelease, path: Path, walk: Walk) -> None:
    """A Flux HelmRelease: a chart at a path of its GitRepository (this repository, as
    Flux's own bootstrap names it) renders the chart's ``values.yaml`` under the release's
    ``spec.values``, which is the environment's own values layer."""
    rel = tools.reader.rel(path)
    if release.source_kind != "GitRepository":
        walk.note(
            rel,
            f"{release.name} renders chart {release.chart} of {release.source_kind} "
            f"{release.source_name}, not followed",
            NoteKind.UNFOLLOWED,
        )
        return
    chart = Path(os.path.normpath(tools.reader.repo_root / release.chart))
    if tools.reader.tree.text(chart / "Chart.yaml") is None:
        walk.note(
            rel,
            f"{release.name}'s chart {release.chart} is not in the repository, not followed",
            NoteKind.UNFOLLOWED,
        )
        return
    values = chart / "values.yaml"
    if (text := tools.reader.read_file(values, walk)) is not None:
        walk.note(tools.reader.rel(values), f"the chart's values, read under {rel}")
        tools.reader.plain(values, text, walk)
    walk.release_values(rel, release.name)


def own_charts(tools: DeployTools, path: Path, text: str, walk: Walk) -> None:
    """Each Flux HelmRelease of a file a kustomization builds whose chart is at a path of its
    GitRepository: read as one an environment's path names (:func:`_helm_release`)."""
    for release in helm_releases(text, tools.reader.rel(path)):
        if release.source_kind == "GitRepository":
            _helm_release(tools, release, path, walk)


def _flux(tools: DeployTools, flux: flux_objects.FluxKustomization, rel: str, walk: Walk) -> None:
    """A Flux Kustomization: its path built as kustomize builds it (a directory without a
    kustomization gets one generated over its files), then its ``spec.images``, which Flux
    applies after the build."""
    base = tools.reader.repo_root
    if flux.source[0] == "OCIRepository":  # its path is in the artifact, not at this repository's root
        pushed = _pushed(tools, flux, rel, walk)
        if pushed is None:
            return
        base = pushed
    directory = Path(os.path.normpath(base / flux.path))
    if not tools.reader.tree.is_dir(directory):
        walk.note(rel, f"{flux.name}'s path {flux.path} is not here, not followed", NoteKind.UNFOLLOWED)
        return
    for built in (directory, *(Path(os.path.normpath(directory / c)) for c in flux.components)):
        # kustomize-controller adds spec.components (relative to the path) to the path's build
        kfile = tools.reader.kfile(built)
        if built != directory and not tools.reader.tree.is_dir(built):
            said = f"{flux.name}'s component {tools.reader.rel(built)} is not here, not followed"
            walk.note(rel, said, NoteKind.UNFOLLOWED)
        elif kfile is not None and (text := tools.reader.read_file(kfile, walk)) is not None:
            walk.layers += [tools.reader.rel(kfile)] if built == directory else []
            tools.reader.kustomization(kfile, text, walk, ())
        else:
            tools.reader.directory(built, walk, "", top=False)
    sites = []
    for name, new_name, tag, digest, line in flux.images:
        spec = next((s for s in tools.reader.specs if s.name == name), None)
        if spec is not None:
            sites.append(images.Site(spec.name, "flux", line, new_name, tag, digest))
    first = len(walk.found)
    tools.reader.add(walk, rel, sites, patch=False, form="Flux Kustomization spec.images entry")
    # named in words, and still written in place (manifests.flux_images), as an images: entry is
    walk.found[first:] = [replace(f, editable=True) for f in walk.found[first:]]


def _pushed(tools: DeployTools, flux: flux_objects.FluxKustomization, rel: str, walk: Walk) -> Path | None:
    """The directory of this repository the OCIRepository a Flux Kustomization reads holds: the
    one a workflow here pushes as its artifact (``flux push artifact --path=DIR``), as Flux reads
    it once a release's commit is pushed; None, said, where no workflow here pushes it."""
    pushes = importlib.import_module(ARTIFACT_PUSHES)
    name, root = flux.source[1], tools.reader.repo_root
    url = _oci_url(tools, Path(os.path.normpath(root / rel)), name)
    capped: list[str] = []  # a workflow's pushes past the bound read: said where one is looked for
    found = pushes.pushed_as(url, _workflow_pushes(tools, capped)) if url else None
    walk.said += [c for c in capped if c not in walk.said]
    held, refused = pushes.pushed_directory(found) if found else ("", "")
    directory = Path(os.path.normpath(root / held)) if found and not refused else None
    if found is None or directory is None or found.tool != "flux" or not tools.reader.tree.is_dir(directory):
        where = f" ({url})" if url else ""
        why = "which no workflow of this repository pushes (flux push artifact)"
        if found is not None and found.tool != "flux":
            fix = f"push it with flux push artifact --path={found.path or '<directory>'}"
            why = f"{pushes.oras_unread(found)} (fix: {fix})"
        elif found is not None and refused:
            why = refused
        elif found is not None:
            why = f"which {found.by} pushes from {found.path}, a directory this repository does not hold"
        said = f"{flux.name} reads OCIRepository {name}{where}, {why}; not followed"
        walk.note(rel, said, NoteKind.UNFOLLOWED)
        return None
    said = (
        f"{rel}: {flux.name} reads {tools.reader.rel(directory)}/ as OCIRepository {name}, which "
        f"{found.by} pushes ({url}, flux push artifact): a release is a commit there, the workflow pushes it"
    )
    if said not in walk.said:
        walk.said.append(said)
    return directory


def _oci_url(tools: DeployTools, path: Path, name: str) -> str:
    """The URL of the OCIRepository ``name`` written beside the Kustomization ``path`` reads it
    through (its own file, its directory's, below it), as Flux's bootstrap writes both."""
    for f in [path, *tools.reader.yaml_files(path.parent)]:
        text = tools.reader.tree.text(f) or ""
        if "OCIRepository" not in text:
            continue
        try:
            docs = yamlvalues.load_all(text, tools.reader.rel(f))
        except GitOpsBotError:
            continue  # said where the file is read
        for doc in docs:
            meta = doc.get("metadata") if isinstance(doc, dict) else None
            if doc.get("kind") == "OCIRepository" and isinstance(meta, dict) and meta.get("name") == name:
                spec = doc.get("spec")
                return str(spec.get("url") or "") if isinstance(spec, dict) else ""
    return ""


def _workflow_pushes(tools: DeployTools, capped: list[str]) -> list[Any]:
    """The ``flux push artifact`` steps of the repository's CI workflows (GitHub's, GitLab's)."""
    pushes = importlib.import_module(ARTIFACT_PUSHES)
    root, tree = tools.reader.repo_root, tools.reader.tree
    workflows = root / pushes.WORKFLOWS
    found = (
        [p for p in tree.listing(workflows) if p.suffix in (".yml", ".yaml")]
        if tree.is_dir(workflows)
        else []
    )
    out: list[Any] = []
    for f in [*found[: pushes.MAX_WORKFLOWS], root / pushes.GITLAB_CI]:
        text, rel = tree.text(f) or "", tools.reader.rel(f)
        out += pushes.pushes_in(text, functools.partial(_documents, text, rel), rel, capped)
    return out


def _documents(text: str, rel: str) -> list[Any]:
    try:
        return yamlvalues.load_all(text, rel)
    except GitOpsBotError:
        return []  # a workflow that is no YAML: its variables are not known


def applications(tools: DeployTools, directory: str, held: list[tuple[str, str]], walk: Walk) -> None:
    """The root Applications of an environment's path's directory (``held``: each file directly
    in it and its text), the environment's own among all of them (by its name, as in a file of
    several) each followed as Argo CD applies it: its path, then what it sets itself."""
    apps = [(rel, a) for rel, text in held for a in deployers.applications(text, rel)]
    if walk.env is None or not apps:
        return
    mine = deployers.own_applications([a for _, a in apps], walk.env, directory, walk)
    walk.documents.pop(directory, None)  # a directory is no document: each file names its own
    for rel, app in apps:
        if any(app is m for m in mine):
            walk.note(directory, f"{app.application} ({rel}) followed as Argo CD applies it")
            with walk.entered():  # a root of its own: its values layer over its own chart's
                tools.application(app, rel, walk)


def by_hand(tools: DeployTools, directory: Path, walk: Walk) -> bool:
    """An environment's path that is a chart of Applications nothing here deploys, followed as
    the Application applying it by hand would render it; False for any other directory."""
    if tools.reader.tree.text(directory / "Chart.yaml") is None or not deployers.yields_applications(
        tools.reader.tree, directory
    ):
        return False
    rel = tools.reader.rel(directory)
    # the chart's own Application over itself, setting nothing (a root managing itself once
    # applied by hand), renders it as by hand; another Application here sets what is not known
    inside = [a for f, a in tools.deployed_by(directory / "values.yaml") if Path(f).is_relative_to(rel)]
    own = [a for a in inside if not (a.value_files or a.parameters or a.inline)]
    if any(a not in own for a in tools.sources_of(directory)):
        # another Application renders it (the root pointing at it, in a cycle or not): what it
        # sets is what Argo CD renders the chart with, so the chart is read through it
        if (found := _deployer(tools, directory, walk, own)) is None:
            return False
        walk.note(rel, DEPLOYED.format(app=found[1].application, file=found[0]))
        tools.application(found[1], found[0], walk)
        return True
    name = deployers.hand_name(rel)
    path = relative(directory, tools.reader.repo_root)  # an Application's path is the repository's
    tools.application(_guessed(name, rel, path, BY_HAND, walk), rel, walk, deployers.by_hand(name, path))
    return True


def kustomized(tools: DeployTools, directory: Path, walk: Walk, first: int, noted: int) -> None:
    """An environment's path that is a kustomization of Applications (its files, read from
    ``first``, its notes from ``noted``), followed as the Application applying it: the one of
    the repository rendering it (a root it holds itself, or one it deploys, pointing back: a
    cycle, followed once), else one applied by hand. Argo CD applies what kustomize builds (its
    patches, its namePrefix), so the Applications followed are the build's."""
    steps = tools.reader
    # a chart its helmCharts inflate is helm's input, read already: its templates are no resource
    files = [f for f in list(walk.files)[first:] if not _templated(steps, steps.config_root / f)]
    if walk.env is None or steps.kfile(directory) is None:
        return
    texts = [(f, steps.tree.text(steps.config_root / f) or "") for f in files]
    if not any(deployers.applications(t, f) or is_appset(t) for f, t in texts):  # nothing Argo CD deploys
        return
    rel = steps.rel(directory)
    away = [n.file for n in walk.notes[noted:] if n.kind in (NoteKind.REMOTE, NoteKind.UNFOLLOWED)]
    if (found := _deployer(tools, directory, walk)) is not None:
        file, app = found
        read = file in walk.files  # read as one of its own files: it holds its own root
    elif tools.sources_of(directory):  # generated by an ApplicationSet: that file is the environment
        return
    else:
        path = relative(directory, steps.repo_root)  # an Application's path is the repository's
        file, app = rel, _guessed(directory.name or "root", rel, path, KUSTOMIZED_BY_HAND, walk)
    tools.following.append((directory, app.application, file))  # an Application back to it: a loop
    try:
        tools.held(app, file, files, walk, kustomized=True, away=away)
    finally:
        tools.following.pop()
    if found is not None:
        cycle = file in walk.files and not read  # the deployer's file, reached by following it
        words = (CYCLE if cycle else DEPLOYED).format(app=app.application, file=file, rel=rel)
        walk.note(rel, words)
        walk.said += [f"{rel}: {words}"] if cycle else []


def _templated(steps: Any, path: Path) -> bool:
    """Whether ``path`` is a template of a chart (under a ``templates/`` beside a ``Chart.yaml``)."""
    return any(d.name == "templates" and steps.tree.text(d.parent / "Chart.yaml") for d in path.parents)


def _deployer(
    tools: DeployTools, directory: Path, walk: Walk, but: Sequence[argocd_apps.AppSource] = ()
) -> tuple[str, argocd_apps.AppSource] | None:
    """The Application written in a file of the repository (not ``but``) whose source path is
    ``directory``, with its file: the environment's own by its name where several are, else the
    first; None when none is (an ApplicationSet's are the file to name)."""
    steps = tools.reader
    written = [
        (f, a)
        for f, a in tools.deployers_of(directory)
        if a not in but
        and any(w == a for w in deployers.applications(steps.tree.text(steps.config_root / f) or "", f))
    ]
    words = re.split(r"[-_.]", walk.env.name) if walk.env is not None else []
    named = [(f, a) for f, a in written if set(words) <= set(re.split(r"[-_.]", a.application))]
    return next(iter(named or written), None)


def _guessed(name: str, rel: str, path: str, words: str, walk: Walk) -> argocd_apps.AppSource:
    """The Application over ``path`` a root applied by hand is read as, the guess said where
    plan prints it."""
    walk.note(rel, words.format(name=name, path=path))
    walk.said.append(f"{rel}: {words.format(name=name, path=path)}")
    # argocd_apps is imported when an Application is met, not at a plan's start
    return cast("argocd_apps.AppSource", apps_module().AppSource(name, path, "", None, (), (), (), 1))


WRITTEN_BACK = "argocd-image-updater write-back entry"


def written_back(tools: DeployTools, directory: Path, walk: Walk) -> None:
    """An environment's path that is a kustomization an Argo CD Application of the repository
    deploys, holding that Application's write-back file (``.argocd-source-NAME.yaml``, which
    Argo CD's repo server merges over its source): its ``kustomize.images`` entries are applied
    after the kustomization, so they are what runs, not what the path's files set. Each is read
    at its line as a place no release of this path writes (``Walk.overriding``), said with the
    fix (``Walk.fixes``): the Application's file as the path, where a release writes that file."""
    steps = tools.reader
    if not (deploying := tools.deployers_of(directory)):
        return  # most paths: no Application of the repository's own (its parser not loaded)
    rel = steps.rel(directory) or "."
    first, each = apps_module().SOURCE_FILES
    for origin, app in deploying:
        name = app.application
        names = [
            first,
            *([each.format(name=name)] if name and "/" not in name and name not in (".", "..") else []),
        ]
        won: tuple[str, str, tuple[argocd_apps.Setting, ...]] | None = None
        for path in (directory / n for n in names):
            if (text := steps.read_file(path, walk)) is None:
                continue
            try:
                got = apps_module().source_file_images(text, steps.rel(path))
            except GitOpsBotError:
                continue  # Argo CD refuses the merge: said where the Application is read
            won = (steps.rel(path), text, got) if got is not None else won
        if won is None:
            continue
        file, text, entries = won
        sites = images.application_sites(replace(app, images=entries, parameters=()), steps.specs, list)
        for site in sites:
            words = (
                f"{site.image} over {rel}: Argo CD merges it over Application {name}'s source, which deploys "
                f"{rel}, and applies its kustomize.images after the kustomization, so a release into {rel}'s "
                "files changes nothing it runs"
            )
            walk.overriding[(file, site.value_line or site.line)] = words
            walk.fixes[words] = (
                f"name {origin} (Application {name}) as the environment's path in gitops-bot.yaml; releases "
                f"then write {file}"
            )
        steps.add(walk, file, sites, patch=False, form=WRITTEN_BACK, text=text)
