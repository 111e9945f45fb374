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

import os
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Protocol

from gitops_bot.core.errors import GitOpsBotError, UsageError
from gitops_bot.core.reading import (
    HELM_KEY,
    KUSTOMIZE_ENTRY,
    EnvironmentReading,
    ImageReading,
    Pin,
    PinKind,
    Status,
    WouldWrite,
)
from gitops_bot.manifests import images, kustomize_refs
from gitops_bot.manifests.kustomize import KUSTOMIZATION_NAMES

YAML_SUFFIXES = (".yaml", ".yml")
MAX_FILES = 5000  # files read per environment at most: a path at the repository's root stops there
MAX_DEPTH = 64  # kustomizations nested at most (a cycle is cut at once; this bounds a chain)
_FORMS = {"smp": False, "6902": True}  # a patch's form by how it is listed (JSON 6902 or not)


class Tree(Protocol):
    """The file access the reader needs: texts and listings, under one root."""

    def text(self, path: Path) -> str | None:
        """The file's text; None when it is no readable file inside the root."""

    def is_dir(self, path: Path) -> bool: ...

    def listing(self, path: Path) -> list[Path]:
        """The directory's entries, sorted."""


class DiskTree:
    """The repository on disk; nothing outside ``root`` (symlinks resolved) is read, and each
    file is read once."""

    def __init__(self, root: Path) -> None:
        self.root = root.resolve()
        self._texts: dict[Path, str | None] = {}

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


@dataclass(frozen=True, slots=True)
class Source:
    """An environment as the configuration gives it."""

    name: str
    paths: tuple[str, ...]  # relative to the config file's directory
    images: tuple[str, ...]  # the configured images to read there


@dataclass(frozen=True, slots=True)
class _Found:
    file: str
    site: images.Site
    kind: PinKind
    rank: int  # applied later when higher: kustomize's order of building
    editable: bool
    form: str


@dataclass
class _Walk:
    """One environment's walk: what it reads, in the order its tool applies it."""

    files: dict[str, None] = field(default_factory=dict)  # rendered, in reading order
    configured: dict[str, None] = field(default_factory=dict)  # named by its paths
    layers: list[str] = field(default_factory=list)  # its own kustomization files
    values: list[str] = field(default_factory=list)  # its own Helm values files
    found: list[_Found] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


class Reader:
    """Reads every environment of a configuration at once (what else renders a place is a
    question about all of them)."""

    def __init__(self, tree: Tree, config_root: Path, specs: Sequence[images.ImageSpec]) -> None:
        self.tree = tree
        self.config_root = config_root
        self.specs = list(specs)
        self._memo: dict[tuple[str, str], list[images.Site]] = {}

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

    def _sites(self, text: str, rel: str, how: str = "") -> list[images.Site]:
        """The image sites of a file, read once per reading. A file the tool would fail on
        (not YAML, a kustomization that is not a mapping) fails the reading, naming file and
        line, as it fails the tool's render."""
        key = (rel, how)
        if key not in self._memo:
            if how == "":
                found = images.read(text, rel, self.specs, strict=False)
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
            walk.found.append(_Found(rel, s, kind, len(walk.found), not how, how))

    def environment(self, source: Source) -> _Walk:
        walk = _Walk()
        for rel in source.paths:
            path = self.config_root / rel
            if self.tree.is_dir(path):
                self._directory(path, walk, source.name, top=True)
            elif (text := self._read(path, walk)) is not None:
                walk.configured.setdefault(self.rel(path), None)
                if path.name in KUSTOMIZATION_NAMES:
                    walk.layers.append(self.rel(path))
                    self._kustomization(path, text, walk, ())
                else:
                    self._chart_values(path, walk)
                    self._plain(path, text, walk)
            else:
                raise UsageError(
                    f"environment {source.name!r}: {rel} does not exist",
                    hint="fix its path in gitops-bot.yaml",
                )
        return walk

    def _chart_values(self, path: Path, walk: _Walk) -> None:
        """A values file inside a chart is rendered over the chart's own ``values.yaml``:
        read that first (what the file does not set, the chart's defaults do), and the file
        is the environment's own values layer."""
        if not any(s.helm for s in self.specs) or path.suffix not in YAML_SUFFIXES:
            return
        for directory in path.parents:
            if directory == self.config_root.parent or not self.tree.is_dir(directory):
                return
            if self.tree.text(directory / "Chart.yaml") is not None:
                values = directory / "values.yaml"
                if values != path and (text := self._read(values, walk)) is not None:
                    walk.notes.append(f"{self.rel(values)}: the chart's values, read under {self.rel(path)}")
                    self._plain(values, text, walk)
                walk.values.append(self.rel(path))
                return
            if directory == self.config_root:
                return

    def _kfile(self, directory: Path) -> Path | None:
        return next(
            (directory / n for n in KUSTOMIZATION_NAMES if self.tree.text(directory / n) is not None), None
        )

    def _directory(self, directory: Path, walk: _Walk, env: str, *, top: bool) -> None:
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
        self._add(walk, rel, self._sites(text, rel), patch=False)

    def _kustomization(self, kfile: Path, text: str, walk: _Walk, stack: tuple[Path, ...]) -> None:
        directory = kfile.parent
        if directory in stack or len(stack) > MAX_DEPTH:
            walk.notes.append(f"{self.rel(kfile)}: a resource cycle; read once")
            return
        stack = (*stack, directory)
        rel = self.rel(kfile)
        refs = kustomize_refs.refs(text, rel)
        # kustomize builds the resources (each nested kustomization with its own patches and
        # images), adds the components, then applies this kustomization's patches and last its
        # images: the order of the ranks here
        for entry in (*refs.resources, *refs.components):
            self._resource(directory, entry, walk, stack)
        for patch in refs.patches:
            self._patch(directory, rel, patch, walk)
        self._add(walk, rel, self._sites(text, rel), patch=False)

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
                replace(s, line=patch.first_line + s.line - 1, workload=s.workload or patch.target)
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
        return kustomize_refs.patch_sites(text, krel, self.specs, _FORMS.get(how))

    # -- reading ------------------------------------------------------------------------

    def read(self, sources: Sequence[Source]) -> dict[str, EnvironmentReading]:
        walks = {s.name: self.environment(s) for s in sources}
        renders: dict[str, set[str]] = {}
        for name, walk in walks.items():
            for f in walk.files:
                renders.setdefault(f, set()).add(name)
        return {s.name: _reading(s, walks[s.name], renders) for s in sources}


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
    out: list[ImageReading] = []
    writable: dict[str, None] = dict(walk.configured)
    for image in source.images:
        reading = _image(source.name, image, walk, renders)
        out.append(reading)
        pin = reading.effective
        if (
            reading.status is Status.PINNED
            and pin is not None
            and pin.editable
            and reading.would_write is None
        ):
            writable.setdefault(pin.file, None)
        if reading.would_write is not None:
            writable.setdefault(reading.would_write.file, None)
    return EnvironmentReading(source.name, tuple(out), tuple(walk.files), tuple(writable), tuple(walk.notes))


def _image(env: str, image: str, walk: _Walk, renders: Mapping[str, set[str]]) -> ImageReading:
    found = [f for f in walk.found if f.site.image == image]
    if not found:
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
    effective = _effective(found)
    pins = tuple(
        Pin(
            f.file,
            f.site.line,
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
    shared = [p for p in wins if p.file not in walk.configured and p.shared_with]
    fixed = [p for p in wins if not p.editable]
    if not shared and not fixed:
        return ImageReading(env, image, Status.PINNED, pins)
    pin = (shared or fixed)[0]
    own = not shared
    status = Status.PINNED if own else Status.INHERITED
    where = f"{pin.form} at {pin.file}:{pin.line}" if pin.form else f"{pin.file}:{pin.line}"
    if pin.kind is PinKind.HELM and walk.values and not own:
        own_file = walk.values[-1]
        return ImageReading(
            env,
            image,
            status,
            pins,
            fix=f"set the image's values keys in {own_file} once (the bot edits a key it finds and "
            "adds none); releases then go there",
            would_write=WouldWrite(own_file, HELM_KEY),
        )
    if not walk.layers:
        why = (
            f"set only in {where}, which {', '.join(pin.shared_with)} render too"
            if not own
            else f"set in a {pin.form or pin.kind.value} at {pin.file}:{pin.line}, "
            "which the bot cannot edit in place"
        )
        return ImageReading(
            env,
            image,
            Status.UNSUPPORTED,
            pins,
            reason=f"{why}, and {env} has no kustomization of its own to pin it in",
            fix=f"give {env} an overlay (a kustomization.yaml listing what it renders) as its path, "
            f"or name {pin.file} in its path to edit it for every environment that renders it",
        )
    names = {p.repository if p.kind is not PinKind.KUSTOMIZE else (p.repository or image) for p in wins}
    rendered = next((n for n in sorted(n for n in names if n) if n != image), None)
    if rendered:
        return ImageReading(
            env,
            image,
            Status.UNSUPPORTED,
            pins,
            reason=f"set in {where}; kustomize matches an images: entry by the name rendered there "
            f"({rendered}), and gitops-bot.yaml names the image {image}",
            fix=f"name the image {rendered!r} in gitops-bot.yaml (its repository stays as it is)",
        )
    return ImageReading(env, image, status, pins, would_write=WouldWrite(walk.layers[0], KUSTOMIZE_ENTRY))


def _effective(found: Sequence[_Found]) -> list[_Found]:
    """The places that win when rendered, in kustomize's order of applying them: an
    ``images:`` entry sets the image in every workload below it; a container, a patch or a
    values key sets it in its own workload (or key) until something later does."""
    wins: dict[str, _Found] = {}
    for f in found:  # in rank order
        if f.kind is PinKind.KUSTOMIZE:
            wins = {"": f}
        else:
            wins[f.site.workload] = f
    return list(wins.values())
