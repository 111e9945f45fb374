"""The one reader of what each environment renders.

From an environment's paths it follows what its tool follows: a kustomization's
``resources:``/``bases:`` (files, directories, other kustomizations, recursively),
``components:`` and patches of every form; a directory without a kustomization recursively
(Argo CD's ``directory.recurse``, Flux's generated kustomization); a directory of
per-environment Helm values files by the environment's own file and the common
``values.yaml``. For each configured image it returns every place that sets its version there
(:class:`~gitops_bot.core.reading.Pin`), the one that wins when rendered, the other
environments that render the same place, and where a release for this environment goes: the
effective place when this environment alone renders it (or names it in its path), else the
environment's own layer (an ``images:`` entry in its own kustomization, which kustomize applies
after everything below it).

Files are read through :class:`Tree` (the disk, bounded to the repository), each once per
reading; the text parts are :mod:`gitops_bot.manifests`' readers.
"""

from __future__ import annotations

import fnmatch
import os
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Protocol

from gitops_bot.core import files
from gitops_bot.core.errors import GitOpsBotError, UsageError
from gitops_bot.core.model import WrittenRef
from gitops_bot.core.reading import (
    HELM_KEY,
    HELMRELEASE_KEY,
    KUSTOMIZE_ENTRY,
    EnvironmentReading,
    ImageReading,
    Pin,
    PinKind,
    Status,
    WouldWrite,
)
from gitops_bot.manifests import argocd_apps, argocd_appsets, images, kustomize_refs
from gitops_bot.manifests.kustomize import KUSTOMIZATION_NAMES

YAML_SUFFIXES = (".yaml", ".yml")
MAX_FILES = 5000  # files read per environment at most: a path at the repository's root stops there
MAX_DEPTH = 64  # kustomizations nested at most (a cycle is cut at once; this bounds a chain)
_PARAMETER = "helm.parameters"  # an Argo CD parameter's site: read, not written
_FORMS = {"smp": False, "6902": True}  # a patch's form by how it is listed (JSON 6902 or not)


class Tree(Protocol):
    """The file access the reader needs: texts and listings, under one root."""

    def text(self, path: Path) -> str | None:
        """The file's text; None when it is no readable file inside the root."""

    def is_dir(self, path: Path) -> bool: ...

    def listing(self, path: Path) -> list[Path]:
        """The directory's entries, sorted."""

    def check(self, path: Path) -> None:
        """Refuse (a usage error naming it) a path that is there but leads out of the root:
        what an environment's path names is the config's, and must stay in the repository."""


@dataclass(frozen=True, slots=True)
class Reach:
    """What one kustomization renders: the files kustomize reads for it (resources, bases,
    components, patches, through every nested kustomization), and whether all of it is here
    (no remote resource, nothing outside the repository)."""

    files: tuple[Path, ...]
    local: bool


def reach(tree: Tree, root: Path, directory: Path) -> Reach:
    """The files ``directory``'s kustomization renders under ``root``, read by the same walk
    as every environment (the rendered diff's budget and its cache ask this)."""
    walk = _Walk()
    Reader(tree, root, ()).walk_directory(directory, walk)
    remote = any("not followed" in n or "cycle" in n for n in walk.notes)
    return Reach(tuple(root / f for f in walk.files), not remote and len(walk.files) < MAX_FILES)


class DiskTree:
    """The repository on disk; nothing outside ``root`` (symlinks resolved) is read, and each
    file is read once."""

    def __init__(self, root: Path, texts: Mapping[Path, str] | None = None) -> None:
        self.root = root.resolve()
        # ``texts``: files as edited (path -> text), read instead of the disk's
        self._texts: dict[Path, str | None] = dict(texts or {})

    def inside(self, path: Path) -> bool:
        real = path.resolve()
        return real == self.root or self.root in real.parents

    def text(self, path: Path) -> str | None:
        if path not in self._texts:
            text = None
            if self.inside(path) and path.is_file():
                try:
                    with path.open(encoding="utf-8", newline="") as f:
                        text = f.read()
                except (OSError, UnicodeDecodeError):
                    text = None
            self._texts[path] = text
        return self._texts[path]

    def is_dir(self, path: Path) -> bool:
        return self.inside(path) and path.is_dir()

    def listing(self, path: Path) -> list[Path]:
        try:
            return sorted(path.iterdir())
        except OSError:
            return []

    def check(self, path: Path) -> None:
        if path.is_symlink() or path.exists():
            files.inside(self.root, path)


@dataclass(frozen=True, slots=True)
class Source:
    """An environment as the configuration gives it."""

    name: str
    paths: tuple[str, ...]  # relative to the config file's directory
    images: tuple[str, ...]  # the configured images to read there
    applications: tuple[str, ...] = ()  # the Argo CD Applications the config says deploy it


@dataclass(frozen=True, slots=True)
class _Found:
    file: str
    site: images.Site
    kind: PinKind
    rank: int  # applied later when higher: kustomize's order of building
    editable: bool
    form: str
    root: int = 0  # which of the environment's paths renders it (each its own objects)
    under: tuple[str, ...] = ()  # the kustomizations it is built in, outermost first


@dataclass
class _Walk:
    """One environment's walk: what it reads, in the order its tool applies it."""

    files: dict[str, None] = field(default_factory=dict)  # rendered, in reading order
    configured: dict[str, None] = field(default_factory=dict)  # named by its paths
    layers: list[str] = field(default_factory=list)  # its own kustomization files
    values: list[str] = field(default_factory=list)  # its own Helm values files
    found: list[_Found] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    root: int = 0  # the rendering being read: each path, each generated Application its own objects
    roots: int = 0  # renderings started

    def next_root(self) -> None:
        self.root, self.roots = self.roots, self.roots + 1

    stack: list[str] = field(default_factory=list)  # the kustomizations being built
    refused: list[str] = field(default_factory=list)  # why the tool would refuse to render it
    unread: list[str] = field(default_factory=list)  # what it renders that cannot be read, and why
    elsewhere: list[str] = field(default_factory=list)  # rendered from another branch than the bot reads
    documents: dict[str, str] = field(default_factory=dict)  # file -> its own Application, of several
    releases: set[str] = field(default_factory=set)  # its values layers that are HelmReleases


class Reader:
    """Reads every environment of a configuration at once (what else renders a place is a
    question about all of them)."""

    def __init__(
        self,
        tree: Tree,
        config_root: Path,
        specs: Sequence[images.ImageSpec],
        repo_root: Path | None = None,
        base: str | None = None,
    ) -> None:
        self.tree = tree
        self.config_root = config_root
        self.repo_root = repo_root or config_root  # what an Argo CD Application's path is relative to
        self.specs = list(specs)
        # the branch read (the checkout's): an Application tracking another renders other files
        self.base = base or "main"
        self._bases = {"", "HEAD", base} if base else {"", "HEAD", "main", "master"}
        self._memo: dict[tuple[str, str, bool], list[images.Site]] = {}
        # each Helm value file the repository's Applications name -> (file, the Application)
        self._value_files: dict[Path, list[tuple[str, argocd_apps.AppSource]]] | None = None
        self._app_paths: dict[Path, list[argocd_apps.AppSource]] = {}  # each source path -> them

    # -- walking ------------------------------------------------------------------------

    def rel(self, path: Path) -> str:
        return Path(os.path.relpath(path, self.config_root)).as_posix()

    def _read(self, path: Path, walk: _Walk) -> str | None:
        if len(walk.files) >= MAX_FILES:
            return None
        text = self.tree.text(path)
        if text is not None:
            walk.files.setdefault(self.rel(path), None)
        return text

    def _sites(self, text: str, rel: str, how: str = "", *, strict: bool = False) -> list[images.Site]:
        """The image sites of a file, read once per reading. A file the tool would fail on
        (not YAML, a kustomization that is not a mapping) fails the reading, naming file and
        line, as it fails the tool's render. ``strict``: a file the environment's path names,
        where a marker naming no configured image (or a Flux policy name in two namespaces) is
        the config's mistake, refused; further down, markers of other images are not ours."""
        if not self.specs:  # a walk for what is rendered, not for versions: nothing parsed
            return []
        key = (rel, how, strict)
        if key not in self._memo:
            if how == "":
                found = images.read(text, rel, self.specs, strict=strict)
                if images.is_kustomization(rel):
                    found += images.tagged_entries(text, rel, self.specs)
            else:
                found = kustomize_refs.patch_sites(text, rel, self.specs, _FORMS.get(how))
            self._memo[key] = found
        return self._memo[key]

    def _add(
        self, walk: _Walk, rel: str, sites: Iterable[images.Site], *, patch: bool, form: str = ""
    ) -> None:
        for s in sites:
            kind = PinKind.PATCH if patch else PinKind(s.kind)
            # a JSON 6902 operation's value and an inline patch are not written in place: the
            # environment's own images: entry, applied after them, is
            how = form or ("JSON 6902 operation" if s.kind == "patch" else "")
            how = how or (f"images: entry named {s.named}" if s.named else "")
            how = how or ("Argo CD helm parameter" if s.workload == _PARAMETER else "")
            found = _Found(rel, s, kind, len(walk.found), not how, how, walk.root, tuple(walk.stack))
            walk.found.append(found)

    def environment(self, source: Source) -> _Walk:
        walk = _Walk()
        for rel in source.paths:
            walk.next_root()
            # a path (or a symlink on it) leading out of the repository: refused, naming it
            path = files.inside(self.repo_root, self.config_root / rel)
            if self.tree.is_dir(path):
                self._other_branch(path, walk)
                self._directory(path, walk, source.name, top=True)
            elif (text := self._read(path, walk)) is not None:
                walk.configured.setdefault(self.rel(path), None)
                if path.name in KUSTOMIZATION_NAMES:
                    walk.layers.append(self.rel(path))
                    self._kustomization(path, text, walk, ())
                elif argocd_appsets.is_appset(text) and self._appsets(text, self.rel(path), walk):
                    pass
                elif apps := _applications(text, self.rel(path)):
                    for app in _own_applications(apps, source, self.rel(path), walk):
                        self._application(app, self.rel(path), walk)
                elif releases := _helm_releases(text, self.rel(path)):
                    for release in releases:
                        self._helm_release(release, path, walk)
                    self._plain(path, text, walk)
                elif fluxes := _flux(text, self.rel(path)):
                    for flux in fluxes:
                        self._flux(flux, self.rel(path), walk)
                elif (
                    not self._chart_values(path, walk)
                    and any(s.helm for s in self.specs)
                    and (deployers := self._deployed_by(path))
                ):
                    for origin, app in deployers:
                        walk.notes.append(f"{self.rel(path)}: a value file of {app.application} ({origin})")
                        self._application(app, origin, walk)
                else:
                    self._plain(path, text, walk)
            else:
                raise UsageError(
                    f"environment {source.name!r}: {rel} does not exist",
                    hint="fix its path in gitops-bot.yaml",
                )
        return walk

    def _chart_values(self, path: Path, walk: _Walk) -> bool:
        """A values file inside a chart is rendered over the chart's own ``values.yaml``:
        read that first (what the file does not set, the chart's defaults do), and the file
        is the environment's own values layer."""
        if not any(s.helm for s in self.specs) or path.suffix not in YAML_SUFFIXES:
            return False
        for directory in path.parents:
            if directory == self.config_root.parent or not self.tree.is_dir(directory):
                return False
            if self.tree.text(directory / "Chart.yaml") is not None:
                values = directory / "values.yaml"
                if values != path and (text := self._read(values, walk)) is not None:
                    walk.notes.append(f"{self.rel(values)}: the chart's values, read under {self.rel(path)}")
                    self._plain(values, text, walk)
                walk.values.append(self.rel(path))
                return True
            if directory == self.config_root:
                return False
        return False

    def _other_branch(self, directory: Path, walk: _Walk) -> None:
        """A directory every Application deploying it renders from another branch: said, for
        what this checkout holds there is not what the environment runs."""
        if not self.specs:
            return
        self._deployed_by(directory)
        apps = self._app_paths.get(Path(os.path.normpath(directory)), [])
        if apps and all(a.revision not in self._bases for a in apps):
            walk.elsewhere += [self._elsewhere(a) for a in apps]

    def _elsewhere(self, app: argocd_apps.AppSource) -> str:
        return f"{app.application} renders branch {app.revision}; the bot reads {self.base}"

    def _deployed_by(self, path: Path) -> list[tuple[str, argocd_apps.AppSource]]:
        """The Applications (written, or generated by an ApplicationSet) of the repository that
        name ``path`` as one of their Helm value files: a values file outside any chart renders
        only through them. (the file holding each, the source)"""
        if self._value_files is None:
            self._value_files = {}
            for candidate in self._yaml_files(self.repo_root):
                text = self.tree.text(candidate)
                if text is None or "argoproj.io" not in text:
                    continue
                rel = self.rel(candidate)
                try:
                    apps = [
                        a
                        for _, g in argocd_appsets.generate(text, rel, self._glob_dirs)
                        if not isinstance(g, str)
                        for a in g.sources
                    ]
                    apps += _applications(text, rel)
                except GitOpsBotError:
                    continue
                for app in apps:
                    if app.path is not None:
                        where = Path(os.path.normpath(self.repo_root / app.path))
                        self._app_paths.setdefault(where, []).append(app)
                    for name in app.value_files:
                        found = self._ref_file(app, name) if name.startswith("$") else None
                        if found is None and app.path is not None and not name.startswith("$"):
                            found = Path(os.path.normpath(self.repo_root / app.path / name))
                        if found is not None:
                            self._value_files.setdefault(found, []).append((rel, app))
        return self._value_files.get(Path(os.path.normpath(path)), [])

    def walk_directory(self, directory: Path, walk: _Walk) -> None:
        """``directory`` read as a resource of a kustomization would be."""
        self._resource(directory, str(directory), walk, ())

    def _appsets(self, text: str, rel: str, walk: _Walk) -> bool:
        """Each Application the file's ApplicationSets generate, read as an Application; what
        cannot be expanded is said (``walk.unread``). False: the file holds no ApplicationSet."""
        any_set = False
        for name, app in argocd_appsets.generate(text, rel, self._glob_dirs):
            any_set = True
            if isinstance(app, str):
                walk.unread.append(app)
                continue
            walk.notes.append(f"{rel}: {name} generates {app.name}")
            walk.next_root()  # an Application of its own: its values layer over its own chart's
            for src in app.sources:
                self._application(src, rel, walk)
        return any_set

    def _glob_dirs(self, pattern: str) -> list[str]:
        """The repository's directories matching a git generator's glob (``charts/*``)."""
        parts = [p for p in pattern.strip("/").split("/") if p not in ("", ".")]
        found = [self.repo_root]
        for part in parts:
            found = [
                c
                for d in found
                for c in (self.tree.listing(d) if any(ch in part for ch in "*?[") else [d / part])
                if not c.name.startswith(".") and self.tree.is_dir(c) and fnmatch.fnmatchcase(c.name, part)
            ][:MAX_FILES]
        return [Path(os.path.relpath(d, self.repo_root)).as_posix() for d in found]

    def _ref_file(self, app: argocd_apps.AppSource, name: str) -> Path | None:
        """A ``$ref/path`` value file: in this repository when the ref's source is the
        Application's own repository (the same repoURL), else None (another repository)."""
        ref, _, rest = name[1:].partition("/")
        url = dict(app.refs).get(ref)
        if url is None or _repo_key(url) != _repo_key(app.repo_url):
            return None
        return Path(os.path.normpath(self.repo_root / rest))

    def _application(self, app: argocd_apps.AppSource, rel: str, walk: _Walk) -> None:
        """An Argo CD Application's source as Argo CD renders it: its path (a kustomization, a
        chart with its value files, or a directory), then what the Application itself sets
        (``kustomize.images``, Helm ``parameters``), which Argo CD applies last."""
        if app.path is None and app.chart is None and app.refs:  # a source only lending a ref
            return
        if app.revision not in self._bases:  # this checkout's files are not what it renders
            walk.elsewhere.append(self._elsewhere(app))
            return
        if app.path is None:
            walk.notes.append(
                f"{rel}: {app.application} renders {app.chart} from {app.repo_url}, not followed"
            )
            return
        directory = Path(os.path.normpath(self.repo_root / app.path))
        if not self.tree.is_dir(directory):
            walk.notes.append(
                f"{rel}: {app.application}'s path {app.path} is not in the repository, not followed"
            )
            return
        kfile = self._kfile(directory)
        if kfile is not None:
            text = self._read(kfile, walk)
            assert text is not None
            walk.layers.append(self.rel(kfile))
            self._kustomization(kfile, text, walk, ())
        elif self.tree.text(directory / "Chart.yaml") is not None:
            for name in ("values.yaml", *app.value_files):
                ref = self._ref_file(app, name) if name.startswith("$") else None
                if name.startswith("$") and ref is None:
                    walk.notes.append(
                        f"{rel}: {app.application}'s value file {name} (another source), not followed"
                    )
                    continue
                path = ref or Path(os.path.normpath(directory / name))
                if (text := self._read(path, walk)) is not None:
                    self._plain(path, text, walk)
                    if name != "values.yaml":
                        walk.values.append(self.rel(path))
        else:
            self._directory(directory, walk, "", top=False)
        self._add(walk, rel, self._app_sites(app), patch=False, form="")

    def _helm_release(self, release: argocd_apps.HelmRelease, path: Path, walk: _Walk) -> None:
        """A Flux HelmRelease: a chart at a path of its GitRepository (this repository, as
        Flux's own bootstrap names it) renders the chart's ``values.yaml`` under the release's
        ``spec.values``, which is the environment's own values layer."""
        rel = self.rel(path)
        if release.source_kind != "GitRepository":
            walk.notes.append(
                f"{rel}: {release.name} renders chart {release.chart} of {release.source_kind} "
                f"{release.source_name}, not followed"
            )
            return
        chart = Path(os.path.normpath(self.repo_root / release.chart))
        if self.tree.text(chart / "Chart.yaml") is None:
            walk.notes.append(
                f"{rel}: {release.name}'s chart {release.chart} is not in the repository, not followed"
            )
            return
        values = chart / "values.yaml"
        if (text := self._read(values, walk)) is not None:
            walk.notes.append(f"{self.rel(values)}: the chart's values, read under {rel}")
            self._plain(values, text, walk)
        walk.values.append(rel)
        walk.releases.add(rel)

    def _flux(self, flux: argocd_apps.FluxKustomization, rel: str, walk: _Walk) -> None:
        """A Flux Kustomization: its path built as kustomize builds it (a directory without a
        kustomization gets one generated over its files), then its ``spec.images``, which Flux
        applies after the build."""
        directory = Path(os.path.normpath(self.repo_root / flux.path))
        if not self.tree.is_dir(directory):
            walk.notes.append(f"{rel}: {flux.name}'s path {flux.path} is not here, not followed")
            return
        kfile = self._kfile(directory)
        if kfile is not None and (text := self._read(kfile, walk)) is not None:
            walk.layers.append(self.rel(kfile))
            self._kustomization(kfile, text, walk, ())
        else:
            self._directory(directory, walk, "", top=False)
        sites = []
        for name, new_name, tag, digest, line in flux.images:
            spec = next((s for s in self.specs if s.name == name), None)
            if spec is not None:
                sites.append(images.Site(spec.name, "flux", line, new_name, tag, digest))
        self._add(walk, rel, sites, patch=False, form="Flux Kustomization spec.images entry")

    def _app_sites(self, app: argocd_apps.AppSource) -> list[images.Site]:
        out: list[images.Site] = []
        for entry in app.images:
            wanted, ref = argocd_apps.entry_image(entry.value)
            keys = (WrittenRef(wanted).location, ref.location)
            spec = next((s for s in self.specs if s.name == wanted or s.repository_key in keys), None)
            if spec is not None:
                out.append(images.Site(spec.name, "argocd", entry.line, ref.name, ref.tag, ref.digest))
        for spec in self.specs:
            by_field = {f: p for p in app.parameters for f, key in spec.helm.items() if p.name == key}
            if "tag" in by_field or "reference" in by_field:
                held = by_field.get("tag") or by_field["reference"]
                repo = by_field.get("repository")
                out.append(
                    images.Site(
                        spec.name,
                        "argocd",
                        held.line,
                        repo.value if repo else None,
                        held.value,
                        None,
                        _PARAMETER,
                    )
                )
        return out

    def _kfile(self, directory: Path) -> Path | None:
        return next(
            (directory / n for n in KUSTOMIZATION_NAMES if self.tree.text(directory / n) is not None), None
        )

    def _directory(self, directory: Path, walk: _Walk, env: str, *, top: bool) -> None:
        if top:
            for name in KUSTOMIZATION_NAMES:
                self.tree.check(directory / name)
        kfile = self._kfile(directory)
        if kfile is not None:
            text = self._read(kfile, walk)
            assert text is not None
            if top:
                walk.configured.setdefault(self.rel(kfile), None)
                walk.layers.append(self.rel(kfile))
            self._kustomization(kfile, text, walk, ())
            return
        found = self._yaml_files(directory)
        chosen = _values_files(found, env) if top else None
        if chosen is not None:
            found = chosen
            walk.values += [self.rel(p) for p in chosen if p.stem != "values"]
            walk.notes.append(
                f"{self.rel(directory)}: read {', '.join(p.name for p in chosen)} "
                f"(the directory holds a values file per environment)"
            )
        if top and not found:
            raise UsageError(
                f"environment {env!r}: {self.rel(directory)} has no kustomization and no YAML files",
                hint="point its path at an overlay, a manifests directory or a file",
            )
        for path in found:
            if top:
                self.tree.check(path)
            text = self._read(path, walk)
            if text is None:
                continue
            if top:
                walk.configured.setdefault(self.rel(path), None)
            if path.parent == directory:
                self._plain(path, text, walk)
                continue
            try:  # deeper in a directory read recursively: a template or a stray file is noted
                self._plain(path, text, walk)
            except GitOpsBotError as e:
                walk.notes.append(f"{self.rel(path)}: not read ({e})")

    def _yaml_files(self, directory: Path, depth: int = 0) -> list[Path]:
        """The directory's YAML files, its subdirectories' after its own (recursively)."""
        out: list[Path] = []
        subdirs: list[Path] = []
        for p in self.tree.listing(directory):
            if p.name.startswith("."):
                continue
            if self.tree.is_dir(p):
                subdirs.append(p)
            elif p.suffix in YAML_SUFFIXES:
                out.append(p)
        if depth < MAX_DEPTH:
            for d in subdirs:
                out += self._yaml_files(d, depth + 1)
        return out[:MAX_FILES]

    def _plain(self, path: Path, text: str, walk: _Walk) -> None:
        rel = self.rel(path)
        self._add(walk, rel, self._sites(text, rel, strict=rel in walk.configured), patch=False)

    def _kustomization(self, kfile: Path, text: str, walk: _Walk, stack: tuple[Path, ...]) -> None:
        directory = kfile.parent
        if directory in stack or len(stack) > MAX_DEPTH:
            walk.notes.append(f"{self.rel(kfile)}: a resource cycle; read once")
            return
        stack = (*stack, directory)
        rel = self.rel(kfile)
        refs = kustomize_refs.refs(text, rel)
        if refs.refused:
            walk.refused.append(refs.refused)
        walk.stack.append(rel)
        try:
            self._build(directory, rel, text, refs, walk, stack)
        finally:
            walk.stack.pop()

    def _build(
        self,
        directory: Path,
        rel: str,
        text: str,
        refs: kustomize_refs.Refs,
        walk: _Walk,
        stack: tuple[Path, ...],
    ) -> None:
        # kustomize builds the resources (each nested kustomization with its own patches and
        # images), adds the components, then applies this kustomization's patches and last its
        # images: the order of the ranks here
        for entry in (*refs.resources, *refs.components):
            self._resource(directory, entry, walk, stack)
        for patch in refs.patches:
            self._patch(directory, rel, patch, walk)
        self._add(walk, rel, self._sites(text, rel, strict=rel in walk.configured), patch=False)

    def _resource(self, directory: Path, entry: str, walk: _Walk, stack: tuple[Path, ...]) -> None:
        if kustomize_refs.is_remote(entry):
            walk.notes.append(f"{entry}: a remote resource, not followed")
            return
        path = Path(os.path.normpath(directory / entry))
        if self.tree.is_dir(path):
            kfile = self._kfile(path)
            if kfile is None:
                self._directory(path, walk, "", top=False)
                return
            text = self._read(kfile, walk)
            if text is not None:
                self._kustomization(kfile, text, walk, stack)
            return
        text = self._read(path, walk)
        if text is None:
            walk.notes.append(f"{self.rel(path)}: not in the repository, not followed")
        elif path.name in KUSTOMIZATION_NAMES:
            self._kustomization(path, text, walk, stack)
        else:
            self._plain(path, text, walk)

    def _patch(self, directory: Path, krel: str, patch: kustomize_refs.Patch, walk: _Walk) -> None:
        how = {None: "any", True: "6902", False: "smp"}[patch.json6902]
        if patch.inline is not None:
            sites = [
                replace(
                    s,
                    line=patch.first_line + s.line - 1,
                    value_line=patch.first_line + s.value_line - 1 if s.value_line else 0,
                    workload=s.workload or patch.target,
                )
                for s in self._inline_sites(patch.inline, krel, how)
            ]
            self._add(walk, krel, sites, patch=True, form=f"inline patch in {krel}")
            return
        assert patch.path is not None
        if kustomize_refs.is_remote(patch.path):
            walk.notes.append(f"{patch.path}: a remote patch, not followed")
            return
        path = Path(os.path.normpath(directory / patch.path))
        text = self._read(path, walk)
        if text is None:
            walk.notes.append(f"{self.rel(path)}: a patch not in the repository, not followed")
            return
        rel = self.rel(path)
        sites = [replace(s, workload=s.workload or patch.target) for s in self._sites(text, rel, how)]
        self._add(walk, rel, sites, patch=True)

    def _inline_sites(self, text: str, krel: str, how: str) -> list[images.Site]:
        # read as a patch's own text (not as the kustomization it is written in): its
        # containers are a workload's, whatever the file holding it is called
        return kustomize_refs.patch_sites(text, f"{krel} (inline patch)", self.specs, _FORMS.get(how))

    # -- reading ------------------------------------------------------------------------

    def read(self, sources: Sequence[Source]) -> dict[str, EnvironmentReading]:
        walks = {s.name: self.environment(s) for s in sources}
        renders: dict[str, set[str]] = {}
        for name, walk in walks.items():
            for f in walk.files:
                renders.setdefault(f, set()).add(name)
        return {s.name: _reading(s, walks[s.name], _own_documents(s.name, walks, renders)) for s in sources}


def _applications(text: str, rel: str) -> list[argocd_apps.AppSource]:
    if "argoproj.io" not in text or "Application" not in text:  # most files: no second parse
        return []
    return argocd_apps.sources(text, rel)


def _own_applications(
    apps: list[argocd_apps.AppSource], source: Source, rel: str, walk: _Walk
) -> list[argocd_apps.AppSource]:
    """Of a file holding several Applications, the environment's own: the one its config names
    (``argocd_application``), else the one whose name has the environment's name as a word
    (``app-staging``); all of them when none or several do (the reading then says so)."""
    names = {a.application for a in apps}
    if len(names) < 2:
        return apps
    named = [a for a in apps if a.application in source.applications]
    if not named:
        named = [a for a in apps if source.name in re.split(r"[-_.]", a.application)]
    if len({a.application for a in named}) == 1:
        walk.documents[rel] = named[0].application
        walk.notes.append(f"{rel}: read {named[0].application} of {len(names)} Applications (its name)")
        return named
    walk.notes.append(
        f"{rel}: holds {len(names)} Applications and none is {source.name}'s alone; all are read "
        "(name it with argocd_application)"
    )
    return apps


def _base_of(elsewhere: Sequence[str]) -> str:
    """The branch the bot reads, as the reason names it."""
    return elsewhere[0].rpartition(" reads ")[2] if elsewhere else "main"


def _own_documents(
    env: str, walks: Mapping[str, _Walk], renders: Mapping[str, set[str]]
) -> Mapping[str, set[str]]:
    """What renders each file, as ``env`` sees it: of a file holding several environments'
    Applications, another environment reading a different Application of it renders none of
    ``env``'s (each document is its own place)."""
    own = walks[env].documents
    if not own:
        return renders
    out = dict(renders)
    for f, doc in own.items():
        out[f] = {n for n in renders.get(f, set()) if walks[n].documents.get(f, doc) == doc}
    return out


def _repo_key(url: str) -> str:
    """A repoURL as one repository is named however it is written (scheme, ``.git``, case)."""
    key = re.sub(r"^[a-z+]+://|^git@", "", url.strip().lower()).replace(":", "/")
    return key.removesuffix("/").removesuffix(".git")


def _helm_releases(text: str, rel: str) -> list[argocd_apps.HelmRelease]:
    if "helm.toolkit.fluxcd.io" not in text:  # most files: no second parse
        return []
    return argocd_apps.helm_releases(text, rel)


def _flux(text: str, rel: str) -> list[argocd_apps.FluxKustomization]:
    if "kustomize.toolkit.fluxcd.io" not in text:  # most files: no second parse
        return []
    return argocd_apps.flux_kustomizations(text, rel)


def _values_files(found: Sequence[Path], env: str) -> list[Path] | None:
    """Of a directory holding a values file per environment (``values-dev.yaml``, …): the
    environment's own and the common ``values.yaml``; None when the directory is not one."""
    per_env = (
        [p for p in found if p.parent == found[0].parent and p.stem.startswith("values-")] if found else []
    )
    if len(per_env) < 2:
        return None
    own = [p for p in per_env if p.stem.removeprefix("values-") == env]
    common = [p for p in found if p.stem == "values" and p.parent == per_env[0].parent]
    return common + own


def _reading(source: Source, walk: _Walk, renders: Mapping[str, set[str]]) -> EnvironmentReading:
    env = source.name

    def alone(file: str) -> bool:
        return not renders.get(file, set()) - {env}

    out: list[ImageReading] = []
    by_image: dict[str, list[_Found]] = {}
    for f in walk.found:
        by_image.setdefault(f.site.image, []).append(f)
    # what a release for this environment may edit: its own files only (a file another
    # environment renders too is shared, whoever names it in its path)
    writable: dict[str, None] = {f: None for f in walk.configured if alone(f)}
    for image in source.images:
        reading = _image(env, image, by_image.get(image, []), walk, renders, alone)
        out.append(reading)
        if reading.status is Status.PINNED and reading.would_write is None:
            writable.update((p.file, None) for p in reading.pins if p.effective and p.editable)
        if reading.would_write is not None:
            writable.setdefault(reading.would_write.file, None)
    return EnvironmentReading(
        env, tuple(out), tuple(walk.files), tuple(writable), tuple(walk.notes), tuple(walk.documents.items())
    )


def _not_rendered(env: str, image: str, walk: _Walk) -> ImageReading:
    remote = [n for n in walk.notes if "not followed" in n]
    return ImageReading(
        env,
        image,
        Status.NOT_RENDERED,
        reason=f"nothing {env} renders names {image} ({len(walk.files)} files read"
        + (f"; {'; '.join(remote[:3])}" if remote else "")
        + ")",
        fix=f"name the image in gitops-bot.yaml as the manifests write it (repository: what they pull), "
        f"or point {env}'s path at what deploys it",
    )


def _image(
    env: str,
    image: str,
    found: list[_Found],
    walk: _Walk,
    renders: Mapping[str, set[str]],
    alone: Callable[[str], bool],
) -> ImageReading:
    if walk.refused:  # the tool renders nothing of it: what the files say, and why not
        return ImageReading(
            env,
            image,
            Status.UNSUPPORTED,
            tuple(Pin(f.file, f.site.value_line or f.site.line, f.kind, False, ()) for f in found),
            reason=walk.refused[0],
            fix="write each patches: entry as '- path: FILE' (patchesStrategicMerge: takes plain file names)",
        )
    if walk.elsewhere:  # what this checkout holds is not what the environment runs
        return ImageReading(
            env,
            image,
            Status.UNSUPPORTED,
            tuple(Pin(f.file, f.site.value_line or f.site.line, f.kind, False, ()) for f in found),
            reason=f"{'; '.join(dict.fromkeys(walk.elsewhere))}: its files there are not what {env} runs",
            fix=f"leave {env} out of gitops-bot.yaml and release it on its branch by hand, or keep its "
            f"overlay on {_base_of(walk.elsewhere)} with its Application tracking that branch",
        )
    if not found and walk.unread:  # rendered by what cannot be read: said, not "not rendered"
        return ImageReading(
            env,
            image,
            Status.UNSUPPORTED,
            reason="; ".join(walk.unread[:3]),
            fix=f"give {env} a path the repository holds whole: an Application file of its own (or the "
            "overlay or values file its generated Application renders)",
        )
    if not found:
        return _not_rendered(env, image, walk)
    effective = _effective(found)
    pins = tuple(
        Pin(
            f.file,
            f.site.value_line or f.site.line,
            f.kind,
            f in effective,
            tuple(sorted(renders.get(f.file, set()) - {env})),
            f.site.repository,
            f.site.tag,
            f.site.digest,
            f.editable,
            f.form,
        )
        for f in found
    )
    wins = [p for p in pins if p.effective]
    shared = [p for p in wins if p.shared_with]
    fixed = [p for p in wins if not p.editable]
    if not shared and not fixed:
        return ImageReading(env, image, Status.PINNED, pins)
    pin = (shared or fixed)[0]
    status = Status.INHERITED if shared else Status.PINNED
    where = f"{pin.form} at {pin.file}:{pin.line}" if pin.form else f"{pin.file}:{pin.line}"
    why = (
        f"set only in {where}, which {', '.join(pin.shared_with)} "
        f"{'renders' if len(pin.shared_with) == 1 else 'render'} too"
        if shared
        else f"set in a {pin.form or pin.kind.value} at {pin.file}:{pin.line}, which the bot cannot edit "
        "in place"
    )
    late = [p for p in shared if p.kind in (PinKind.ARGOCD, PinKind.FLUX)]
    if late:  # applied after every file: no layer of this environment's would count
        return ImageReading(
            env,
            image,
            Status.UNSUPPORTED,
            pins,
            reason=f"{why}; that file holds what {', '.join(late[0].shared_with)} deploy too, and its "
            "setting is applied after every file of the environment",
            fix=f"give {env} a file of its own holding only its Application or Kustomization, and name "
            "that file as its path",
        )
    if any(p.kind is PinKind.ARGOCD for p in fixed):  # applied after every file: only it counts
        return ImageReading(
            env,
            image,
            Status.UNSUPPORTED,
            pins,
            reason=f"{why}; Argo CD applies it after every values file",
            fix="set the image in a values file of the Application (its helm.valueFiles) and drop the "
            "parameter; releases then go there",
        )
    if any(p.kind is PinKind.FLUX for p in fixed):
        return ImageReading(
            env,
            image,
            Status.UNSUPPORTED,
            pins,
            reason=f"{why}; Flux applies it after building every file",
            fix="move the entry into the images: of the kustomization at the Kustomization's path; "
            "releases then go there",
        )
    values = [f for f in walk.values if alone(f)]
    if pin.kind is PinKind.HELM and values:
        form = HELMRELEASE_KEY if values[-1] in walk.releases else HELM_KEY
        return ImageReading(env, image, status, pins, would_write=WouldWrite(values[-1], form))
    layers = [f for f in walk.layers if alone(f)]
    if not layers:
        own = "values file" if pin.kind is PinKind.HELM else "kustomization"
        return ImageReading(
            env,
            image,
            Status.UNSUPPORTED,
            pins,
            reason=f"{why}, and {env} has no {own} of its own to pin it in",
            fix=(
                f"give {env} a values file of its own, layered over {pin.file}, as its path"
                if pin.kind is PinKind.HELM
                else f"give {env} an overlay of its own (a kustomization.yaml whose resources: list what "
                "it renders) as its path"
            )
            + "; releases then go there",
        )
    names = {p.repository if p.kind is not PinKind.KUSTOMIZE else (p.repository or image) for p in wins}
    rendered = next((n for n in sorted(n for n in names if n) if n != image), None)
    if rendered:
        return ImageReading(
            env,
            image,
            Status.UNSUPPORTED,
            pins,
            reason=f"{why}; kustomize matches an images: entry by the name rendered there "
            f"({rendered}), and gitops-bot.yaml names the image {image}",
            fix=f"name the image {rendered!r} in gitops-bot.yaml (its repository stays as it is)",
        )
    return ImageReading(env, image, status, pins, would_write=WouldWrite(layers[0], KUSTOMIZE_ENTRY))


def _effective(found: Sequence[_Found]) -> list[_Found]:
    """The places that win when rendered, in kustomize's order of applying them: an
    ``images:`` entry sets the image in every workload below it; a container, a patch or a
    values key sets it in its own workload (or key) until something later does."""
    wins: dict[tuple[int, str], _Found] = {}
    for f in found:  # in rank order
        if f.kind is PinKind.KUSTOMIZE:  # every workload built in its kustomization
            wins = {k: w for k, w in wins.items() if k[0] != f.root or f.file not in w.under}
            wins[(f.root, f.file)] = f
        elif f.kind in (PinKind.ARGOCD, PinKind.FLUX):  # applied after the build: over all it renders
            wins = {k: w for k, w in wins.items() if k[0] != f.root}
            wins[(f.root, f.file)] = f
        else:
            wins[(f.root, f.site.workload)] = f
    return list(wins.values())
