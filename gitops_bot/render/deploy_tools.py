"""What the deploy tools' objects render, followed through the reader's walk: an Argo CD
Application (its path: a kustomization, a chart with its value files, or a directory; then what
it sets itself), the Applications an ApplicationSet generates; which Applications name a values
file that renders only through them; and which render another branch than the one read (Flux's
HelmReleases and Kustomizations are followed by :mod:`gitops_bot.render.roots`).

The text questions (which objects a file holds) are :mod:`gitops_bot.render.deployers`'; the
walking steps (a file, a kustomization, a directory) are the reader's
(:class:`gitops_bot.render.reader.Reader`), which owns a :class:`DeployTools`."""

from __future__ import annotations

import functools
import importlib
import json
import os
import threading
from collections import OrderedDict
from collections.abc import Callable, Iterator, Sequence
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, Protocol, TypeAlias, cast

from gitops_bot.core.errors import GitOpsBotError
from gitops_bot.manifests import images, is_appset
from gitops_bot.manifests.kustomize import renders_chart
from gitops_bot.manifests.kustomize_refs import is_remote, remote_said
from gitops_bot.render import deployers
from gitops_bot.render.settings import RenderSettings
from gitops_bot.render.walk import APPSET_SHARED, APPSET_TEMPLATE, DiskTree, Elsewhere, NoteKind, Walk

UNFOLLOWED = NoteKind.UNFOLLOWED

if TYPE_CHECKING:
    from gitops_bot.manifests import argocd_apps
    from gitops_bot.manifests.argocd_appsets import Generated
    from gitops_bot.render.yielded import Yielded

# the names of the branch a reading reads, or what gives them when first asked
Bases = str | Sequence[str] | Callable[[], Sequence[str]] | None
Render = RenderSettings | None  # the tools an app of apps is rendered with (None: not rendered)
MAX_YIELDS = 3  # app of apps of apps: past it Argo CD users have a loop, not a tree
# an app of apps' chart rendered with helm, imported by name when a reading meets one: a plan
# over anything else loads neither it nor the helm renderer
YIELDED = "gitops_bot.render.yielded"
# The ApplicationSets' generators, imported by name when the reading meets a file of Argo CD's
# objects (an ApplicationSet, or an Application naming a values file): an environment of
# kustomizations and manifests alone loads none of them.
APPSETS = "gitops_bot.manifests.argocd_appsets"
# what their git generators read of the repository, imported by name as they are
GIT_GENERATORS = "gitops_bot.render.git_generators"
# a chart's file:// dependencies, imported by name when a chart is read
CHART_DEPS = "gitops_bot.render.chart_deps"
# values files a HelmRelease takes from a generated ConfigMap, when a kustomization generates one
GENERATED_VALUES = "gitops_bot.render.generated_values"
# what an Application layers over a chart from a chart repository, when a reading meets one
CHART_SOURCES = "gitops_bot.render.chart_sources"
# What the whole-tree walk found (each value file and each source path -> the Applications
# naming it), kept per content: a watch reads the same commit of each repository every cycle,
# and the walk reads every YAML file of the tree. Keyed by the checkout's root, the folder paths
# are read from, holding the commit the files were (DiskTree.content) and what was found there:
# one entry a repository (its latest commit's), the least recently read forgotten past the bound.
KEPT_TREES = 256
_Pairs: TypeAlias = "dict[Path, list[tuple[str, argocd_apps.AppSource]]]"  # -> (its file, the Application)
_Found: TypeAlias = tuple[_Pairs, _Pairs]
_kept: OrderedDict[tuple[Path, Path], tuple[str, _Found]] = OrderedDict()
_kept_lock = threading.Lock()


def _generate(text: str, rel: str, tools: DeployTools) -> Iterator[tuple[str, Generated | str]]:
    """``argocd_appsets.generate``: each ApplicationSet's generated Applications."""
    made = importlib.import_module(APPSETS).generate(text, rel, tools._glob_dirs, tools._glob_files)
    return cast("Iterator[tuple[str, Generated | str]]", made)


class Steps(deployers.Reads, Protocol):
    """The reader's steps a deploy tool's object is followed through."""

    config_root: Path
    repo_root: Path

    def kustomization(self, kfile: Path, text: str, walk: Walk, stack: tuple[Path, ...]) -> None: ...

    def directory(self, directory: Path, walk: Walk, env: str, *, top: bool, flat: bool = False) -> None: ...

    def plain(self, path: Path, text: str, walk: Walk, how: str = "") -> None: ...

    def deeper(self, path: Path, text: str, walk: Walk) -> None: ...  # a chart's template as helm's input

    def yaml_files(self, directory: Path, depth: int = 0) -> list[Path]: ...

    def reached(self, directory: Path) -> tuple[Path, ...]: ...  # what its kustomization renders


class DeployTools:
    """The repository's Applications, ApplicationSets, HelmReleases and Flux Kustomizations as
    one reading follows them (its Reader's part; the repository's Applications are listed once)."""

    def __init__(self, reader: Steps, base: Bases, render: Render = None) -> None:
        self.reader = reader
        self.render = render
        # each app-of-apps chart's Applications, rendered once a reading (its environments share it)
        self._yields: dict[tuple[str, str, str], list[Yielded] | str] = {}
        self._depth = 0
        self.following: list[tuple[Path, str, str]] = []  # (path, Application, its file) being followed
        # the branch read (the checkout's, under each name it goes by: git.base, the remote's default,
        # the branch checked out): an Application tracking another renders other files; asked when met
        self._given = base
        # each Helm value file the repository's Applications name -> (file, the Application)
        self._value_files: dict[Path, list[tuple[str, argocd_apps.AppSource]]] | None = None
        self._app_paths: _Pairs = {}  # each source path -> (file, Application) of those rendering it
        self._unread_files: list[tuple[Path, str]] = []  # a git files generator's, there and not read

    @functools.cached_property
    def _names(self) -> list[str]:
        given = self._given() if callable(self._given) else self._given
        return [given] if isinstance(given, str) else list(given or ())

    @property
    def base(self) -> str:
        return self._names[0] if self._names else "main"

    @property
    def _bases(self) -> set[str]:
        names = self._names
        return {"", "HEAD", *names} if names else {"", "HEAD", "main", "master"}

    def other_branch(self, directory: Path, walk: Walk) -> None:
        """A directory every Application deploying it renders from another branch: said, for
        what this checkout holds there is not what the environment runs."""
        if not self.reader.specs:
            return
        apps = self.sources_of(directory)
        if apps and all(a.revision not in self._bases for a in apps):
            walk.elsewhere += [Elsewhere(a.application, a.revision, self.base) for a in apps]

    def sources_of(self, directory: Path) -> list[argocd_apps.AppSource]:
        """The repository's Applications (written, or generated) whose source path is ``directory``."""
        return [a for _, a in self.deployers_of(directory)]

    def deployers_of(self, directory: Path) -> list[tuple[str, argocd_apps.AppSource]]:
        """:meth:`sources_of`, each with the file holding (or generating) it."""
        self.deployed_by(directory)
        return self._app_paths.get(Path(os.path.normpath(directory)), [])

    def deployed_by(self, path: Path) -> list[tuple[str, argocd_apps.AppSource]]:
        """The Applications (written, or generated by an ApplicationSet) of the repository that
        name ``path`` as one of their Helm value files: a values file outside any chart renders
        only through them. (the file holding each, the source)"""
        if self._value_files is None:
            tree = self.reader.tree
            content = tree.content if isinstance(tree, DiskTree) else None
            where = (self.reader.repo_root, self.reader.config_root)
            with _kept_lock:
                kept = _kept.get(where) if content is not None else None
                if kept is not None:
                    _kept.move_to_end(where)
            found = kept[1] if kept is not None and kept[0] == content else None
            if found is None:
                found = self._applications()
                if content is not None:
                    with _kept_lock:
                        _kept[where] = (content, found)
                        _kept.move_to_end(where)
                        while len(_kept) > KEPT_TREES:
                            _kept.popitem(last=False)
            self._value_files, self._app_paths = found
        return self._value_files.get(Path(os.path.normpath(path)), [])

    def _applications(self) -> _Found:
        """Every Application of the repository (written, or generated), walked for: each value
        file it names and its source path -> it."""
        value_files: _Pairs = {}
        app_paths: _Pairs = {}
        root = self.reader.repo_root
        for candidate in self.reader.yaml_files(root):
            text = self.reader.tree.text(candidate)
            if text is None or "argoproj.io" not in text:
                continue
            rel = self.reader.rel(candidate)
            try:
                apps = [a for _, g in _generate(text, rel, self) if not isinstance(g, str) for a in g.sources]
                apps += deployers.applications(text, rel)
            except GitOpsBotError:
                continue
            for app in apps:
                # an artifact's path and the value files named in it: none of them this checkout's
                path = None if deployers.is_artifact(app.repo_url) else app.path
                named = app.value_files
                if path is not None:
                    where = Path(os.path.normpath(self.reader.repo_root / path))
                    app_paths.setdefault(where, []).append((rel, app))
                    if self.reader.tree.text(where / "Chart.yaml") is not None:  # helm reads it, named or not
                        named = ("values.yaml", *named)
                for name in dict.fromkeys(named):
                    found = deployers.ref_file(app, name, root, self._bases) if name.startswith("$") else None
                    if found is None and path is not None and not name.startswith("$"):
                        found = Path(os.path.normpath(self.reader.repo_root / path / name))
                    if found is not None:
                        value_files.setdefault(found, []).append((rel, app))
        return value_files, app_paths

    def appsets(self, text: str, rel: str, walk: Walk) -> bool:
        """Each Application the file's ApplicationSets generate, read as an Application; what
        cannot be expanded is said (``walk.unread``). False: the file holds no ApplicationSet."""
        self._unread_files = []
        made = list(_generate(text, rel, self))
        for path, why in self._unread_files:  # a git files generator's: what it generates is not known
            walk.not_whole(self.reader.rel(path), why)
        walk.unread += [app for _, app in made if isinstance(app, str)]
        generated = [g for _, g in made if not isinstance(g, str)]
        apps = [a for g in generated for a in g.sources]
        # of several generated Applications, the environment's own (app-dev's list element is dev's)
        own = deployers.own_applications(apps, walk.env, rel, walk) if walk.env else []
        mine = {a.application for a in own}
        for name, app in made:
            if isinstance(app, str) or (mine and app.name not in mine):
                continue
            walk.note(rel, f"{name} generates {app.name}")
            alike, shared = app.alike(), app.taken_with(generated)
            walk.appsets.setdefault(rel, {}).update(shared)
            first = len(walk.found)
            with walk.entered():  # an Application of its own: its values layer over its own chart's
                for src in app.sources:
                    self.application(src, rel, walk, generated=app.document)
            # a value the template writes, or one several Applications take: no environment's own
            walk.found[first:] = [
                replace(f, editable=False, form=APPSET_TEMPLATE if f.site.line in alike else APPSET_SHARED)
                if f.file == rel and (f.site.line in alike or f.site.line in shared)
                else f
                for f in walk.found[first:]
            ]
        return bool(made)

    @functools.cached_property
    def _own_urls(self) -> set[str]:
        """This repository as its Applications name it: the repoURL of each source whose path it holds."""
        self.deployed_by(self.reader.repo_root)  # every Application of the repository, listed once
        apps = [
            a for where, found in self._app_paths.items() if self.reader.tree.is_dir(where) for _, a in found
        ]
        return {deployers.repo_key(a.repo_url) for a in apps if a.repo_url}

    def _another_repository(self, app: argocd_apps.AppSource) -> bool:
        """A source whose path is another repository's: not here, under a URL no source here names."""
        held = self.reader.tree.is_dir(Path(os.path.normpath(self.reader.repo_root / (app.path or "."))))
        return not held and bool(app.repo_url) and deployers.repo_key(app.repo_url) not in self._own_urls

    def _glob_dirs(self, pattern: str) -> list[str]:
        globs = importlib.import_module(GIT_GENERATORS)
        return cast("list[str]", globs.glob_dirs(self.reader.tree, self.reader.repo_root, pattern))

    def _glob_files(self, pattern: str) -> list[tuple[str, object]]:
        globs = importlib.import_module(GIT_GENERATORS)
        found = globs.glob_files(self.reader.tree, self.reader.repo_root, pattern, self._unread_files)
        return cast("list[tuple[str, object]]", found)

    def application(
        self,
        app: argocd_apps.AppSource,
        rel: str,
        walk: Walk,
        document: dict[str, object] | None = None,
        generated: Callable[[], dict[str, object]] | None = None,
    ) -> None:
        """An Argo CD Application's source as Argo CD renders it: its path (a kustomization, a
        chart with its value files, or a directory), then what the Application itself sets
        (``kustomize.images``, Helm ``parameters``), which Argo CD applies last. ``document``:
        an Application an app-of-apps chart yields (``rel`` its template), as helm rendered it;
        ``generated``: one an ApplicationSet of ``rel`` generates, as Argo CD fills its template
        (its lines are the file's: what it sets is read as a written one's)."""
        if app.path is None and app.chart is None and app.refs:  # a source only lending a ref
            return
        if app.path is None and app.chart is None:
            deployers.unsourced(app, rel, walk)
            return
        # a chart's targetRevision is its version, not a branch of these files; another git
        # repository's chart directory is as far from them, the values it is lent here read alike
        lent = app.path is not None and (app.inline or any(n.startswith("$") for n in app.value_files))
        if app.path is None or (lent and self._another_repository(app)):
            walk.charts += [f"{app.chart} of {app.repo_url}"] if app.chart else []
            said = f"{app.application} renders {app.chart or app.path} from {app.repo_url}, not followed"
            walk.note(rel, said, UNFOLLOWED)
            chart_sources = importlib.import_module(CHART_SOURCES)
            chart_sources.read(self.reader, app, rel, walk, (self._own_urls, self._bases), document is None)
            return
        for patch in filter(is_remote, app.patch_paths):  # never fetched: what it patches is not read
            walk.note(patch, f"a remote patch {app.application} ({rel}) names, not followed", NoteKind.REMOTE)
            said = f"{app.application} ({rel}) kustomize.patches: {remote_said(patch, 'patch')}"
            walk.said += [said] if said not in walk.said else []
        if deployers.in_artifact(app, rel, walk):  # whatever its revision: no branch of this checkout
            return
        directory = Path(os.path.normpath(self.reader.repo_root / app.path))
        if app.revision not in self._bases:  # this checkout's files are not what it renders
            if self.reader.tree.is_dir(directory) or deployers.repo_key(app.repo_url) in self._own_urls:
                # its unit alone: Argo CD renders the environment's other Applications from here
                there = Elsewhere(app.application, app.revision, self.base)
                fix = f"give {app.application} an environment of its own with branch: {app.revision}"
                walk.refuse(f"{there} ({rel})", f"{fix} in gitops-bot.yaml (read and released there)")
            else:  # another repository's release (an operator at its tag): none of these files
                said = deployers.ANOTHER_AT.format(app=app.application, path=app.path, revision=app.revision)
                walk.note(rel, f"{said} {app.repo_url}: not followed", UNFOLLOWED)
            return
        if not self.reader.tree.is_dir(directory):
            walk.note(
                rel, f"{app.application}'s path {app.path} is not in the repository, not followed", UNFOLLOWED
            )
            return
        chart = renders_chart(app.kind, directory, self.reader.tree.text)
        key = directory / "Chart.yaml" if chart else directory  # a chart's templates: no kustomization
        came = next((c for c in self.following if c[0] == key), None)
        if came is not None:  # Argo CD would apply it again under itself: a loop, not a tree
            walk.note(
                rel,
                f"{app.application} renders {app.path}, which {came[1]} ({came[2]}) renders already: a loop "
                f"of apps of apps, not followed; point {app.application}'s path at what it deploys",
                UNFOLLOWED,
            )
            return
        self.following.append((key, app.application, rel))
        try:
            self._path(app, rel, walk, directory, document or (generated and generated()), chart)
        finally:
            self.following.pop()
        app = deployers.source_files(app, rel, directory, walk, self.reader) if document is None else app
        if document is None and ((sites := self.app_sites(app)) or app.inline):
            # its file's text, read only for what it sets (a walk kept from an unchanged tree reads
            # no Application again; an anchored or multi-line value is not edited): its own Helm
            # values first, as Argo CD layers them over the value files, its parameters last
            text = self.reader.tree.text(self.reader.config_root / rel) or ""
            values = images.own_values(text, rel, self.reader.specs, app.application)
            self.reader.add(walk, rel, values + sites, patch=False, text=text)
        elif app.inline and "{{" not in (
            text := self.reader.tree.text(self.reader.config_root / rel) or "{{"
        ):
            # a chart's template writing its Application whole: helm prints its own Helm values as
            # written, and Argo CD layers them over its value files (its parameters: _templated)
            values = images.own_values(text, rel, self.reader.specs, app.application)
            self.reader.add(walk, rel, values, patch=False, text=text)

    def _path(
        self,
        app: argocd_apps.AppSource,
        rel: str,
        walk: Walk,
        directory: Path,
        document: dict[str, object] | None,
        chart: bool,
    ) -> None:
        """What an Application's path renders: a kustomization, a chart, or a directory."""
        kfile = None if chart else self.reader.kfile(directory)
        first, noted, found = len(walk.files), len(walk.notes), len(walk.found)
        if kfile is not None:
            text = self.reader.read_file(kfile, walk)
            assert text is not None
            walk.layers.append(self.reader.rel(kfile))
            self.reader.kustomization(kfile, text, walk, ())
            # a remote resource or one not here: kustomize would fetch it (or fail), so not built
            away = [n.file for n in walk.notes[noted:] if n.kind in (NoteKind.REMOTE, UNFOLLOWED)]
            self.held(app, rel, list(walk.files)[first:], walk, kustomized=True, away=away)
        elif self.reader.read_file(directory / "Chart.yaml", walk) is not None:
            # read as helm reads it: its dependencies are versions the environment pins
            importlib.import_module(CHART_DEPS).read_values(
                self.reader, self.reader.repo_root, directory, walk
            )
            for name, path in deployers.chart_layers(app, directory, self.reader.repo_root, self._bases):
                if path is None:
                    revision = deployers.ref_revision(app, name, self._bases) if name[:1] == "$" else None
                    said = f"{app.application}'s value file {name} (another source), not followed"
                    if revision is not None:
                        said = deployers.ELSEWHEN.format(app=app.application, name=name, revision=revision)
                    walk.note(rel, said, UNFOLLOWED)
                    continue
                if (text := self.reader.read_file(path, walk)) is not None:
                    self.reader.plain(path, text, walk, "values")
                    if name != "values.yaml":
                        walk.own_values(self.reader.rel(path))
                elif name != "values.yaml" and not walk.capped and self.reader.tree.unread(path) is None:
                    deployers.missing_values(app, rel, name, self.reader.rel(path), walk)
            # what its templates write whole (in templates/<sub>/ too) is applied as written; an image
            # its values name stays theirs (a literal over them is proven dead by the marked render)
            valued, found = {f.site.image for f in walk.found[found:]}, len(walk.found)
            for path in self.reader.yaml_files(directory / "templates"):
                if (text := self.reader.read_file(path, walk)) is not None:
                    self.reader.deeper(path, text, walk)
            walk.found[found:] = [f for f in walk.found[found:] if f.site.image not in valued]
            if deployers.yields_applications(self.reader.tree, directory):
                self._follow_yields(app, rel, directory, walk, document)
        else:
            # Argo CD applies a directory's subdirectories only with directory.recurse
            self.reader.directory(directory, walk, "", top=False, flat=not app.recurse)
            if len(walk.files) == first and (self.reader.config_root / rel).parent == directory:
                # Argo CD applies the directory: the Application itself, and nothing else read
                walk.note(
                    rel,
                    f"{app.application} renders {app.path}, which holds nothing but what is read already "
                    f"({rel}, itself): point the environment's path at what deploys it",
                    UNFOLLOWED,
                )
            self.held(app, rel, list(walk.files)[first:], walk, kustomized=False)

    def held(
        self,
        app: argocd_apps.AppSource,
        rel: str,
        files: list[str],
        walk: Walk,
        *,
        kustomized: bool,
        away: Sequence[str] = (),
    ) -> None:
        """The Applications the files of an Application's path hold (an app of apps of plain
        files), each environment's own followed as a written one: a directory's as written, a
        kustomization's as kubectl builds them (patched), as Argo CD applies each."""
        texts = {f: t for f in files if (t := self.reader.tree.text(self.reader.config_root / f)) is not None}
        held = [(f, a) for f, t in texts.items() for a in deployers.applications(t, f)]
        # an ApplicationSet among them generates Applications Argo CD deploys as it deploys the
        # written ones (a git directories generator's paths are this repository's): read as written
        sets = [f for f, t in texts.items() if is_appset(t)]
        if not held and not sets:
            return
        said = f"{app.application} renders {app.path}, whose files are Argo CD Applications (app of apps)"
        if self._depth >= MAX_YIELDS or walk.env is None:
            walk.note(rel, f"{said}: past {MAX_YIELDS} apps of apps deep, not followed", UNFOLLOWED)
            return
        if kustomized and away:
            walk.note(
                rel,
                f"{said}: its kustomization reads {away[0]}, which is not here, so it is not built and the "
                "Applications it holds are not followed; keep what it builds in this repository",
                UNFOLLOWED,
            )
            return
        self._depth += 1
        try:
            for f in sets:
                walk.note(rel, f"{app.application} deploys the ApplicationSets of {f}")
                self.appsets(texts[f], f, walk)
        finally:
            self._depth -= 1
        if not held:
            return
        if kustomized:  # its patches may change them: built as Argo CD builds it
            directory = Path(os.path.normpath(self.reader.repo_root / (app.path or "")))
            paths = list(self.reader.reached(directory))  # its own file too, read before (a root over it)
            got = importlib.import_module(YIELDED).built(
                self.render, self.reader.tree, self.reader.repo_root, directory, paths, files[0]
            )
            if isinstance(got, str):
                walk.note(rel, f"{said}: {got}", UNFOLLOWED)
            else:
                self._follow(app, rel, got, walk, "builds")
            return
        before = walk.documents.pop(rel, None)
        mine = deployers.own_applications([a for _, a in held], walk.env, rel, walk)
        walk.documents.pop(rel, None)
        walk.documents.update({rel: before} if before else {})
        self._depth += 1
        try:
            for child in mine:
                file = next(f for f, a in held if a is child)
                walk.note(rel, f"{app.application} deploys {child.application} ({file})")
                with walk.entered():  # an Application of its own: its values layer over its own chart's
                    self.application(child, file, walk)
        finally:
            self._depth -= 1

    def _follow_yields(
        self,
        app: argocd_apps.AppSource,
        rel: str,
        chart: Path,
        walk: Walk,
        document: dict[str, object] | None,
    ) -> None:
        """The Applications an app-of-apps chart yields, rendered with helm as Argo CD renders
        them, each of the environment's own followed as a written one; where they cannot be
        rendered, said in one line with the fix."""
        said = f"{app.application} renders chart {app.path}, whose templates are Argo CD Applications"
        said += " (app of apps)"
        yielded = importlib.import_module(YIELDED)
        if document is None:
            document = yielded.document(self.reader.tree, self.reader.config_root / rel, app.application)
        inside = (self.reader.config_root / rel).is_relative_to(chart / "templates")
        if document is None and app.path and inside:
            # a root kept among the templates of the chart it renders (it manages itself once
            # applied): what Argo CD renders is the chart with the value files its source names
            document = deployers.by_hand(app.application, app.path, app.value_files)
        if document is None:  # the file's Application, as text; YAML constructs no such document
            walk.note(rel, f"{said}: {rel} {deployers.UNREAD_WHOLE}", UNFOLLOWED)
            return
        if self._depth >= MAX_YIELDS:
            walk.note(
                rel,
                f"{said}: past {MAX_YIELDS} apps of apps deep, the Applications they yield are not followed",
                UNFOLLOWED,
            )
            return
        key = (rel, app.application, json.dumps(document, sort_keys=True, default=str))
        got = self._yields.get(key)
        if got is None:
            root = self.reader.repo_root
            bases = self._bases
            # its value files outside the chart (a $ref source's, ../values/prod.yaml) go with it
            files = (
                deployers.ref_file(app, n, root, bases) if n[:1] == "$" else chart / n
                for n in app.value_files
            )
            extra = [
                p
                for f in files
                if f and (p := Path(os.path.normpath(f))).is_relative_to(root) and not p.is_relative_to(chart)
            ]
            got = yielded.applications(self.render, self.reader.tree, root, document, chart, extra)
            self._yields[key] = got
        if isinstance(got, str):  # what the environment deploys is not known: said on the plan too
            walk.note(rel, f"{said}: {got}", UNFOLLOWED)
            walk.said += [line for line in [f"{rel}: {said}: {got}"] if line not in walk.said]
            return
        for dep in dict.fromkeys(d for y in got for d in y.stood_in):  # helm renders it empty here
            line = f"{rel}: {said}: its dependency {dep} is not fetched, so what it renders is not read"
            walk.note(rel, line.split(": ", 1)[1], UNFOLLOWED)
            walk.said += [line] if line not in walk.said else []
        self._follow(app, rel, got, walk, "yields")

    def _follow(
        self, app: argocd_apps.AppSource, rel: str, got: list[Yielded], walk: Walk, verb: str
    ) -> None:
        """Of the Applications a chart or a kustomization of ``app`` renders, the environment's
        own followed as written ones (each with the rendered document); another repository's said."""
        by_name = {y.source.application: y for y in got}
        before = walk.documents.pop(rel, None)  # the file's own Application, not the one chosen
        mine = deployers.own_applications([y.source for y in got], walk.env, rel, walk) if walk.env else []
        walk.documents.pop(rel, None)
        walk.documents.update({rel: before} if before else {})
        if len({c.application for c in mine}) == 1:  # the template's own: the one its renders follow
            walk.documents[by_name[mine[0].application].template] = mine[0].application
        self._depth += 1
        try:
            for child in mine:
                made = by_name[child.application]
                # a root applied by hand names no repository: its Applications' is taken as this one
                if deployers.is_artifact(child.repo_url) or (
                    app.repo_url and deployers.repo_key(child.repo_url) != deployers.repo_key(app.repo_url)
                ):
                    walk.note(
                        made.template,
                        f"{app.application} {verb} {child.application}, whose source is "
                        f"{child.repo_url}: not followed, the bot reads what this repository holds; "
                        "release it from a configuration in that repository",
                        UNFOLLOWED,
                    )
                    continue
                walk.note(rel, f"{app.application} {verb} {child.application} ({made.template})")
                with walk.entered():  # an Application of its own: its values layer over its own chart's
                    self.application(child, made.template, walk, made.document)
                    self._templated(made, walk)
        finally:
            self._depth -= 1

    def _templated(self, made: Yielded, walk: Walk) -> None:
        """A yielded Application's own ``kustomize.images`` and ``helm.parameters``, applied
        after its path's files: a parameter the root chart takes whole from a value file (the
        marked render traced it) is set there, the rest are lines of its template, said."""
        app = made.source
        traced = {p.line: t for p in app.parameters for t in made.traced if t[0] == p.name}
        sites = [s for s in self.app_sites(app) if s.workload == images.APP_PARAMETER and s.line in traced]
        for s in sites:
            file, line = traced[s.line][1:]
            form = (
                f"value of the root chart that {app.application}'s helm.parameters {traced[s.line][0]} takes"
            )
            self.reader.add(walk, file, [replace(s, line=line)], patch=False, form=form)
            # its line is this Application's alone (the others' entries are theirs): its place
            walk.documents.setdefault(file, app.application)
        if len(sites) < len(app.images) + len(app.parameters):  # no file of the repository holds them
            walk.note(
                made.template,
                f"{app.application}'s kustomize.images and helm.parameters are its template's, not followed: "
                "set the image in the values or kustomization it renders",
                UNFOLLOWED,
            )

    def app_sites(self, app: argocd_apps.AppSource) -> list[images.Site]:
        # Argo CD's repo server expands its build environment in these values before it builds
        # (reposerver newEnv): what runs is the value expanded, as the render reads it
        env = deployers.app_env(app)
        got = {s: v for s in (*app.images, *app.parameters) if (v := deployers.envsubst(s.value, env))}
        images_ = tuple(replace(s, value=got.get(s, s.value)) for s in app.images)
        parameters = tuple(replace(s, value=got.get(s, s.value)) for s in app.parameters)
        expanded = replace(app, images=images_, parameters=parameters)
        return images.application_sites(expanded, self.reader.specs, lambda: self._values(app))

    def _values(self, app: argocd_apps.AppSource) -> list[tuple[str, str]]:
        """The Application's chart's value files as helm layers them: values.yaml, then its own."""
        directory = Path(os.path.normpath(self.reader.repo_root / (app.path or ".")))
        layers = deployers.chart_layers(app, directory, self.reader.repo_root, self._bases)
        return [(t, n) for n, p in layers if p is not None and (t := self.reader.tree.text(p)) is not None]
