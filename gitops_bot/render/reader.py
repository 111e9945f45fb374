"""The one reader of what each environment renders.

From an environment's paths it follows what its tool follows: a kustomization's ``resources:``/``bases:``
(files, directories, other kustomizations, recursively), ``components:`` and patches of every form; a
directory without a kustomization recursively (Argo CD's ``directory.recurse``, Flux's generated
kustomization); a directory of per-environment Helm values files by the environment's own file and the
common ``values.yaml``. For each configured image it returns every place that sets its version there
(:class:`~gitops_bot.core.reading.Pin`), the one that wins when rendered, the other environments that
render the same place, and where a release for this environment goes: the effective place when this
environment alone renders it (or names it in its path), else the environment's own layer (an ``images:``
entry in its own kustomization, which kustomize applies after everything below it).

Files are read through :class:`Tree` (the disk, bounded to the repository), each once per reading; the text
parts are :mod:`gitops_bot.manifests`' readers. What Argo CD's and Flux's objects render is followed by
:mod:`gitops_bot.render.deploy_tools` through this reader's steps (:meth:`Reader.read_file`, …)."""

from __future__ import annotations

import functools
import importlib
import os
import re
from collections.abc import Iterable, Sequence
from dataclasses import replace
from pathlib import Path

from gitops_bot.core import files
from gitops_bot.core.errors import GitOpsBotError, NotYaml, UsageError
from gitops_bot.core.reading import EnvironmentReading, PinKind, generated_by
from gitops_bot.core.record import record
from gitops_bot.manifests import images, kustomize_refs, workloads
from gitops_bot.manifests.kustomize import KUSTOMIZATION_NAMES
from gitops_bot.render import chart_values, deploy_tools, deployers, entry_reach, missing, roots, verdict
from gitops_bot.render import walk as walks
from gitops_bot.render.pin_rules import PATCH_FIX
from gitops_bot.render.values_key import ValuesKey
from gitops_bot.render.walk import MAX_DEPTH, MAX_FILES, DiskTree, Found, Source, Tree, Walk

_FORMS = {"smp": False, "6902": True}  # a patch's form by how it is listed (JSON 6902 or not)
# a value the editor does not write in place (manifests/yamltext.check_scalar): an anchor, an
# alias or a tag before it, or a block scalar; an alias is read at its anchor's line
_NOT_PLAIN = re.compile(r"^[^#'\"]*?:[ \t]+[&*!|>]|^\s*-[ \t]+[&*!]")


@record
class Reach:
    """What one kustomization renders: the files kustomize reads for it (resources, bases, components,
    patches, through every nested kustomization), and whether all of it is here (nothing remote)."""

    files: tuple[Path, ...]
    local: bool
    remote: tuple[str, ...] = ()  # the remote entries it names (a resource, a file loaded), never fetched


def reach(tree: Tree, root: Path, directory: Path) -> Reach:
    """The files ``directory``'s kustomization renders, walked once in a reading (walk.kept)."""
    return walks.kept(tree, ("reach", root, directory), lambda: _reach(tree, root, directory))


def _reach(tree: Tree, root: Path, directory: Path) -> Reach:
    Reader(tree, root, ()).walk_directory(directory, walk := Walk())
    whole = not walk.unfollowed and not walk.refused and not walk.capped  # nor what kustomize refuses
    return Reach(tuple(root / f for f in walk.files), whole, walk.remote)


def _template_literals(walk: Walk, rel: str, text: str, specs: Iterable[images.ImageSpec]) -> None:
    """The configured images ``rel`` (a chart template the YAML reading refused) writes whole,
    found by their lines: said where they are rather than read as not rendered."""
    if not workloads.is_template(rel, text):
        return
    keys = {s.repository_key: s.name for s in specs if s.repository_key}
    for lit in workloads.template_literals(text):
        name = keys.get(workloads.repository_key(lit.reference.name) or "")
        if name is not None:
            walk.templated.setdefault(name, []).append((rel, lit.line, lit.reference))


class Reader:
    """Reads every environment of a configuration at once (what else renders a place is a
    question about all of them)."""

    def __init__(
        self,
        tree: Tree,
        config_root: Path,
        specs: Sequence[images.ImageSpec],
        repo_root: Path | None = None,
        base: deploy_tools.Bases = None,
        render: deploy_tools.Render = None,  # the tools an app-of-apps chart is rendered with
    ) -> None:
        self.tree = tree
        self.config_root = config_root
        self.repo_root = repo_root or config_root  # what an Argo CD Application's path is relative to
        self.specs = list(specs)
        self._memo: dict[tuple[str, str, bool, str], list[images.Site]] = {}
        self.owners: dict[str, tuple[Path, ...]] = {}  # each environment's paths, as read() is given them
        # Argo CD's and Flux's objects, followed through this reader's steps; ``base``: the
        # branch read, against which an Application's revision is matched
        self.deploy_tools = deploy_tools.DeployTools(self, base, render)

    # -- walking ------------------------------------------------------------------------

    def _text(self, rel: str) -> str | None:
        return self.tree.text(self.config_root / rel)

    def rel(self, path: Path) -> str:
        return walks.relative(path, self.config_root)

    def read_file(self, path: Path, walk: Walk) -> str | None:
        if len(walk.files) >= MAX_FILES:
            walk.past_files(self.rel(path))
            return None
        text = self.tree.text(path)
        if text is not None:
            rel = self.rel(path)
            walk.files.setdefault(rel, None)
            walk.read_in.setdefault(rel, set()).add(walk.unit)
            if (tool := generated_by(text)) is not None:
                walk.generated[rel] = tool
        else:
            self.unread(path, walk)
        return text

    def unread(self, path: Path, walk: Walk, *, rendered: bool = True) -> bool:
        """Whether ``path`` is there and was read as no file (:meth:`Tree.unread`: over the
        bound, not text, a link on the way leading out of the repository): noted once, naming
        it, with its fix, where the plan shows it (``Walk.said``); what includes it is then not
        known whole. ``rendered``: the environment renders it (``Walk.incomplete``), so what
        it sets may be a version a release must also write: nothing of the units reading it is
        released until it is read (:func:`missing.scope_unread`)."""
        got = self.tree.unread(path)
        if got is None:
            return False
        where, why = got
        rel = self.rel(where)
        note = f"{rel}: {why}"
        if note not in walk.said:
            walk.said.append(note)
            walk.note(rel, why, walks.NoteKind.UNREAD)
        if rendered:
            walk.incomplete.setdefault((rel, why), set()).add(walk.unit)
        walk.unsure.update(walk.stack)
        return True

    def _there(self, path: Path) -> bool:
        return self.tree.text(path) is not None or self.tree.unread(path) is not None

    def _missing(self, path: Path, walk: Walk) -> bool:
        """Whether ``path``, read as no file, is not there at all: neither said as there and
        not read (:meth:`unread`) nor past the files the bot reads of an environment."""
        return not walk.capped and self.tree.unread(path) is None

    def _sites(self, text: str, rel: str, how: str = "", *, strict: bool = False) -> list[images.Site]:
        """The image sites of a file, read once per reading; one the tool fails on (not YAML, a
        kustomization that is no mapping) fails the reading, naming file and line. ``strict``: a
        file the environment's path names, where a marker naming no configured image (or a Flux
        policy name in two namespaces) is refused; below, other images' markers are not ours."""
        if not self.specs:  # a walk for what is rendered, not for versions: nothing parsed
            return []
        # a tree read over and over (a history's states, most files the same from one to the
        # next) keeps the parses of the texts it served, for readers of the same images
        memo: dict[tuple[str, str, bool, str], list[images.Site]] = getattr(self.tree, "sites", self._memo)
        key = (rel, how, strict, text)
        if key not in memo:
            if how in ("", "values"):  # "values": a Helm values file, a key written twice read as helm
                found = images.read(text, rel, self.specs, strict=strict, values=how == "values")
                if images.is_kustomization(rel):
                    found += images.tagged_entries(text, rel, self.specs)
            else:
                found = kustomize_refs.patch_sites(text, rel, self.specs, _FORMS.get(how))
            memo[key] = found
        return memo[key]

    def add(
        self,
        walk: Walk,
        rel: str,
        sites: Iterable[images.Site],
        *,
        patch: bool,
        form: str = "",
        misses: str = "",
        text: str = "",
    ) -> None:
        entry_reach.saw(walk, text)  # a kustomization's own text: after its images: are judged
        lines = text.splitlines()
        for s in sites:
            kind = PinKind.PATCH if patch else PinKind(s.kind)
            # a JSON 6902 operation's value and an inline patch are not written in place: the
            # environment's own images: entry, applied after them, is
            how = form or ("JSON 6902 operation" if s.kind == "patch" else "")
            at = (s.value_line or s.line) - 1
            plain = not (0 <= at < len(lines) and _NOT_PLAIN.search(lines[at]))
            how = how or ("" if plain else walks.IN_PLACE_REFUSED)
            words = how or images.APP_WORDS.get(s.workload, "")
            found = Found(
                rel, s, kind, len(walk.found), not how, words, walk.root, tuple(walk.stack), misses, walk.unit
            )
            walk.found.append(found)

    def environment(self, source: Source) -> Walk:
        walk = Walk(env=source)
        for rel in source.paths:
            with walk.entered():
                self._path(source, rel, walk)
        return walk

    def _path(self, source: Source, rel: str, walk: Walk) -> None:
        """One of an environment's paths, read as its tool renders it: a unit of its own."""
        # a path (or a symlink on it) leading out of the repository: refused, naming it
        path = files.inside(self.repo_root, self.config_root / rel)
        if self.tree.is_dir(path):
            self.deploy_tools.other_branch(path, walk)
            if not roots.by_hand(self.deploy_tools, path, walk):
                first, noted = len(walk.files), len(walk.notes)
                self.directory(path, walk, source.name, top=True)
                roots.kustomized(self.deploy_tools, path, walk, first, noted)
        elif (text := self.read_file(path, walk)) is not None:
            walk.configured.setdefault(self.rel(path), None)
            if path.name in KUSTOMIZATION_NAMES:
                walk.layers.append(self.rel(path))
                self.kustomization(path, text, walk, ())
            elif roots.followed(self.deploy_tools, path, text, walk, source) or chart_values.read(
                self, path, text, walk
            ):
                pass
            elif any(s.helm for s in self.specs) and (users := self.deploy_tools.deployed_by(path)):
                for origin, app in users:
                    walk.note(self.rel(path), f"a value file of {app.application} ({origin})")
                    self.deploy_tools.application(app, origin, walk)
            else:
                self.plain(path, text, walk, walk.helm_reads(self.rel(path)))
        elif self.tree.unread(path) is None:  # there and not read: noted by read_file
            raise UsageError(
                f"environment {source.name!r}: {rel} does not exist",
                hint="fix its path in gitops-bot.yaml",
            )

    def deeper(self, path: Path, text: str, walk: Walk) -> None:
        """A file deeper in a directory read recursively, or a chart's template: read if YAML, else
        noted. A chart's template holding template actions is helm's input, never a manifest
        (YAML only once rendered, or lines helm prints only as its actions decide): only the
        images it writes whole are read from it, by their lines."""
        if workloads.is_template(self.rel(path), text) and self._charted(path):
            _template_literals(walk, self.rel(path), text, self.specs)
            return
        try:
            self.plain(path, text, walk)
        except GitOpsBotError as e:
            walk.unread_deeper(self.rel(path), e)
            _template_literals(walk, self.rel(path), text, self.specs)

    def _charted(self, path: Path) -> bool:
        """Whether ``path`` is under a chart's ``templates/`` (a ``Chart.yaml`` beside it)."""
        return any(d.name == "templates" and self.tree.text(d.parent / "Chart.yaml") for d in path.parents)

    def walk_directory(self, directory: Path, walk: Walk) -> None:
        """``directory`` read as a resource of a kustomization would be (named as its own ``.``:
        a relative ``directory`` joined to itself would name a path under it)."""
        self._resource(directory, ".", walk, ())

    def reached(self, directory: Path) -> tuple[Path, ...]:
        return reach(self.tree, self.repo_root, directory).files

    def kfile(self, directory: Path) -> Path | None:
        return next(
            (directory / n for n in KUSTOMIZATION_NAMES if self.tree.text(directory / n) is not None), None
        )

    def directory(self, directory: Path, walk: Walk, env: str, *, top: bool, flat: bool = False) -> None:
        if top:
            for name in KUSTOMIZATION_NAMES:
                self.tree.check(directory / name)
        kfile = self.kfile(directory)
        if kfile is not None:
            text = self.read_file(kfile, walk)
            if text is None:  # past the files read of an environment: said by read_file
                return
            if top:
                walk.configured.setdefault(self.rel(kfile), None)
                walk.layers.append(self.rel(kfile))
            self.kustomization(kfile, text, walk, ())
            if top:  # an Application deploying it may write images over it (its write-back file)
                roots.written_back(self.deploy_tools, directory, walk)
            return
        builds: list[Path] = []
        flat = flat or (
            top
            and (
                deployers.holds_others(self, self.owners, directory, env, walk)
                or deployers.applied_flat(self, self.deploy_tools.sources_of(directory), directory, walk)
            )
        )
        before = len(walk.said)
        listed = deployers.yaml_files(self, directory, unread=walk, builds=builds, flat=flat)
        found = deployers.chart_reads(directory, listed)
        chosen = deployers.values_files(found, env) if top else None
        if chosen is not None:
            found = chosen
            walk.own_values(*(self.rel(p) for p in chosen if p.stem.startswith("values-")))
            walk.note(
                self.rel(directory),
                f"read {', '.join(p.name for p in chosen if p.stem.startswith('values'))} (the directory "
                "holds a values file per environment)",
            )
        # flat: its subdirectories, said; Jsonnet alone: said as what Argo CD renders and the bot not
        if top and not found and not builds and not flat and not deployers.said_jsonnet(walk.said[before:]):
            raise UsageError(
                f"environment {env!r}: {self.rel(directory)} has no kustomization and no YAML files",
                hint="point its path at an overlay, a manifests directory or a file",
            )
        if top and self.tree.text(directory / "Chart.yaml") is not None:  # installed as it is
            deps = importlib.import_module(deploy_tools.CHART_DEPS)  # its file:// dependencies
            deps.read_values(self, self.repo_root, directory, walk)
        held: list[tuple[str, str]] = []  # its own files holding Argo CD Applications (roots)
        for path in found:
            if top:
                self.tree.check(path)
            text = self.read_file(path, walk)
            if text is None:
                walk.unsure.update(walk.stack)
                continue
            if top:
                walk.configured.setdefault(self.rel(path), None)
            if top and path.parent == directory and deployers.applications(text, self.rel(path)):
                held.append((self.rel(path), text))
            elif path.parent == directory:
                rel, how = self.rel(path), walk.helm_reads(self.rel(path))
                read = functools.partial(self.plain, path, text, walk, how)
                if how or not top:  # helm, or Argo CD applying the directory whole, refuses one
                    tool = "helm" if how else f"Argo CD, applying {self.rel(directory)} whole,"
                    missing.unless_not_yaml(read, walk, tool, rel)
                elif (e := missing.not_yaml(read)) is not None:
                    walk.unparsed(rel, e.message, text, self.specs)
            else:
                self.deeper(path, text, walk)
        roots.applications(self.deploy_tools, self.rel(directory), held, walk)
        for build in builds:
            # built, as Flux's generated kustomization lists it: its images: override the files in it
            kfile = self.kfile(build)
            if kfile is not None and (text := self.read_file(kfile, walk)) is not None:
                if top:
                    walk.configured.setdefault(self.rel(kfile), None)
                    walk.layers.append(self.rel(kfile))
                self.kustomization(kfile, text, walk, ())

    def yaml_files(
        self, directory: Path, depth: int = 0, unread: Walk | None = None, builds: list[Path] | None = None
    ) -> list[Path]:
        return deployers.yaml_files(self, directory, depth, unread, builds)

    def plain(self, path: Path, text: str, walk: Walk, how: str = "") -> None:
        rel = self.rel(path)
        for k in walk.stack:  # built by every kustomization including it
            walk.built.setdefault(k, []).append(rel)
        sites = self._sites(text, rel, how, strict=rel in walk.configured)
        self.add(walk, rel, sites, patch=False, text=text)

    def kustomization(
        self, kfile: Path, text: str, walk: Walk, stack: tuple[Path, ...], listed: tuple[str, str] = ("", "")
    ) -> None:
        """``listed``: the key and entry of the kustomization listing this one (a resource or a
        component), "" for one an environment's path or a deploy tool names."""
        directory = kfile.parent
        lister = walk.stack[-1] if walk.stack else self.rel(kfile)
        if directory in stack:  # a file resource naming its own kustomization
            walk.refuse(
                *kustomize_refs.cycle(lister, "resources", kfile.name, directory, stack, self.rel) or ("", "")
            )
            return
        if len(stack) > MAX_DEPTH:
            walk.past_depth(self.rel(kfile))
            return
        stack = (*stack, directory)
        rel = self.rel(kfile)
        refs = kustomize_refs.refs(text, rel)
        if refs.refused:
            walk.refuse(refs.refused, PATCH_FIX)
        chart_values.helm_charts(self, kfile, text, refs, walk)
        names = kustomize_refs.present(lambda n: n == kfile.name or self._there(directory / n))
        if refused := kustomize_refs.two_files(self.rel(directory), names):
            walk.refuse(*refused)
        key, entry = listed
        if key and (refused := kustomize_refs.kind_refused(lister, key, entry, rel, refs.component)):
            walk.refuse(*refused)
        walk.stack.append(rel)
        if refs.unsure or refs.component:
            walk.unsure.update(walk.stack)
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
        walk: Walk,
        stack: tuple[Path, ...],
    ) -> None:
        # kustomize builds the resources (each nested kustomization with its patches and images),
        # adds the components, then applies its patches and last its images: the ranks' order
        entry_reach.entering(walk, rel, sites := self._sites(text, rel, strict=rel in walk.configured))
        for entry in refs.resources:
            self._resource(directory, entry, walk, stack)
        for entry in refs.components:
            self._resource(directory, entry, walk, stack, "components")
        for patch in refs.patches:
            self._patch(directory, rel, patch, walk)
            for k in walk.stack:
                walk.patched[k] = walk.patched.get(k, 0) + 1
        if "Generator" in text:  # a generated ConfigMap's file may be a HelmRelease's values
            importlib.import_module(deploy_tools.GENERATED_VALUES).read(self, directory, text, walk)
        if any(map(kustomize_refs.is_remote, text.split())):  # a file its loader fetches (crds:, openapi:)
            importlib.import_module("gitops_bot.render.loaded_urls").note(text, rel, walk)
        self.add(walk, rel, entry_reach.built(walk, rel, text, sites), patch=False, text=text)

    def _resource(
        self, directory: Path, entry: str, walk: Walk, stack: tuple[Path, ...], key: str = "resources"
    ) -> None:
        lister = walk.stack[-1] if walk.stack else ""  # "": a directory read as a resource (reach)
        if kustomize_refs.is_remote(entry):
            walk.note(entry, "a remote resource, not followed", walks.NoteKind.REMOTE, lister)
            walk.said.append(kustomize_refs.remote_said(entry))
            walk.unsure.update(walk.stack)
            return
        path = walks.joined(directory, entry)
        if lister and (refused := kustomize_refs.placed(lister, key, entry, path, self.repo_root)):
            walk.refuse(*refused)
            return
        if self.tree.is_dir(path):
            if lister and (refused := kustomize_refs.cycle(lister, key, entry, path, stack, self.rel)):
                walk.refuse(*refused)
                return
            kfile = self.kfile(path)
            if kfile is None:
                self.directory(path, walk, "", top=False)
                return
            text = self.read_file(kfile, walk)
            if text is not None:
                self.kustomization(kfile, text, walk, stack, (key, entry) if lister else ("", ""))
            return
        text = self.read_file(path, walk)
        if text is None:
            if lister and self._missing(path, walk):  # kustomize refuses it, as it refuses a cycle
                missing.refuse(walk, lister, key, entry, self.rel(path))
            elif self._missing(path, walk):  # else noted by read_file, naming why
                walk.note(self.rel(path), "not in the repository, not followed", walks.NoteKind.UNFOLLOWED)
            walk.unsure.update(walk.stack)
        elif path.name in KUSTOMIZATION_NAMES:
            self.kustomization(path, text, walk, stack, (key, entry))
        else:
            if lister and (refused := kustomize_refs.not_objects(lister, entry, text, self.rel(path))):
                walk.refuse(*refused)
            building = f"kustomize, building {lister or self.rel(directory)},"
            missing.unless_not_yaml(
                functools.partial(self.plain, path, text, walk), walk, building, self.rel(path)
            )
            roots.own_charts(self.deploy_tools, path, text, walk)  # a HelmRelease of a chart here

    def _patch(self, directory: Path, krel: str, patch: kustomize_refs.Patch, walk: Walk) -> None:
        how = {None: "any", True: "6902", False: "smp"}[patch.json6902]
        if patch.inline is not None:
            entry_reach.saw(walk, patch.inline)
            sites = [
                replace(
                    s,
                    line=patch.first_line + s.line - 1,
                    value_line=patch.first_line + s.value_line - 1 if s.value_line else 0,
                    workload=s.workload or patch.target,
                )
                # read as the patch's own text: its containers are a workload's, whatever file holds it
                for s in kustomize_refs.patch_sites(
                    patch.inline, f"{krel} (inline patch)", self.specs, _FORMS.get(how)
                )
            ]
            sites, misses = self._selected(krel, patch, sites, krel, walk)
            self.add(walk, krel, sites, patch=True, form=f"inline patch in {krel}", misses=misses)
            self._operations(krel, patch, patch.inline, krel, patch.first_line, walk)
            self._mistyped(krel, patch, patch.inline, krel, patch.first_line, walk)
            return
        assert patch.path is not None
        if kustomize_refs.is_remote(patch.path):
            walk.note(patch.path, "a remote patch, not followed", walks.NoteKind.REMOTE)
            walk.said.append(kustomize_refs.remote_said(patch.path, "patch"))
            return
        path = walks.joined(directory, patch.path)
        text = self.read_file(path, walk)
        if text is None:
            if self._missing(path, walk):  # else noted by read_file, naming why
                missing.refuse(walk, krel, "patches", patch.path, self.rel(path))
            return
        rel = self.rel(path)
        try:  # kustomize may build what the bot does not read (a key twice: the first wins)
            sites = [replace(s, workload=s.workload or patch.target) for s in self._sites(text, rel, how)]
        except NotYaml as e:  # its unit's, not the environment's: the others are read
            return walk.not_whole(rel, f"{e}; what it sets is not read")
        sites, misses = self._selected(krel, patch, sites, rel, walk)
        self.add(walk, rel, sites, patch=True, misses=misses, text=text)
        walk.values_patch(rel, text, misses)
        self._operations(krel, patch, text, rel, 1, walk)
        self._mistyped(krel, patch, text, rel, 1, walk)

    def _mistyped(
        self, krel: str, patch: kustomize_refs.Patch, text: str, rel: str, first: int, walk: Walk
    ) -> None:
        """A strategic-merge patch setting an image the object it patches runs to a mapping or a
        list, checked against the objects as their files hold them (no patch before it)."""
        if patch.json6902 is True or krel in walk.unsure or walk.patched.get(krel):
            return
        files = [(f, self.tree.text(self.config_root / f)) for f in walk.built.get(krel, ())]
        found = functools.partial(kustomize_refs.target_object, files)
        if got := kustomize_refs.mistyped_image(krel, text, rel, first, found):
            walk.refuse(*got)

    def _operations(
        self, krel: str, patch: kustomize_refs.Patch, text: str, rel: str, first: int, walk: Walk
    ) -> None:
        """A JSON 6902 patch checked against the one object it targets, as its file holds it
        (no patch applied before it in ``krel``'s build, its names known whole)."""
        sel = patch.selector
        if patch.json6902 is False or sel is None or krel in walk.unsure or walk.patched.get(krel):
            return
        chosen = [(k, n) for k, n in walk.built_objects(krel, self._text) or () if sel.selects(k, n)]
        if len(chosen) == 1:
            files = ((f, self.tree.text(self.config_root / f)) for f in walk.built.get(krel, ()))
            doc = kustomize_refs.target_object(files, *chosen[0])
            if doc is not None and (got := kustomize_refs.unapplied_operation(text, rel, doc, first)):
                walk.refuse(*kustomize_refs.unapplied(krel, rel, chosen[0], got))

    def _selected(
        self, krel: str, patch: kustomize_refs.Patch, sites: list[images.Site], rel: str, walk: Walk
    ) -> tuple[list[images.Site], str]:
        """A patch's sites as kustomize applies them to what ``krel`` builds: in the workload its
        ``target:`` selects (one it selects by pattern named), and why it changes nothing when
        its target selects nothing built (kustomize then applies nothing, silently). A
        strategic-merge patch with no target naming nothing built fails the build (refused, as
        kustomize refuses it). No claim where the built names are not all known."""
        if not sites or krel in walk.unsure or (built := walk.built_objects(krel, self._text)) is None:
            return sites, ""
        where = os.path.dirname(krel) or "."
        first = sites[0]
        at = f"{rel}:{first.value_line or first.line}"
        if patch.selector is not None and (patch.selector.kind or patch.selector.name):
            chosen = [f"{k}/{n}" for k, n in built if patch.selector.selects(k, n)]
            if not chosen:
                what = " ".join(x for x in (patch.selector.kind, patch.selector.name) if x)
                return sites, f"patch {at} targets {what}, which nothing {where} builds"
            if len(chosen) == 1:
                return [replace(s, workload=chosen[0]) for s in sites], ""
            return sites, ""
        if patch.selector is None and patch.json6902 is not True:
            known = {f"{k}/{n}" for k, n in built}
            lost = next((s for s in sites if s.workload and s.workload not in known), None)
            if lost is not None:
                kind, _, name = lost.workload.partition("/")
                reason = (
                    f"kustomize refuses {krel}: patch {rel}:{lost.value_line or lost.line} patches "
                    f"{kind} {name}, which nothing {where} builds"
                )
                walk.refuse(
                    reason,
                    f"set the patch's metadata.name to the {kind} it is meant to change (kubectl kustomize "
                    f"{where} lists what is built), or drop the patch",
                )
        return sites, ""

    # -- reading ------------------------------------------------------------------------

    def read(self, sources: Sequence[Source]) -> dict[str, EnvironmentReading]:
        self.owners = {s.name: tuple(self.config_root / p for p in s.paths) for s in sources}
        walks = {s.name: self.environment(s) for s in sources}
        renders: dict[str, set[str]] = {}
        for name, walk in walks.items():
            for f in walk.files:
                renders.setdefault(f, set()).add(name)
        # a tree knowing no links (a history's state) reads each name as its own file
        if (real := getattr(self.tree, "real", None)) is not None:
            verdict.same_files(renders, lambda f: self.rel(real(self.config_root / f)))
        verdict.may_render(sources, walks, renders)
        others = verdict.rendered_by(walks)
        return {
            s.name: verdict.reading(
                s,
                walks[s.name],
                verdict.own_documents(s.name, walks, renders),
                others,
                ValuesKey(lambda f: self.tree.text(self.config_root / f), walks[s.name]),
                functools.partial(
                    verdict.checked_writes, self.specs, lambda f: self.tree.text(self.config_root / f)
                ),
            )
            for s in sources
        }


__all__ = ["DiskTree", "EnvironmentReading", "Reach", "Reader", "Source", "Tree", "reach"]
