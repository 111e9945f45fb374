"""``gitops-bot set-image``: set images in one file, byte-exact (kustomize edit set image syntax).

Works on a file in the current checkout, with no config, registry or remote: the arguments say
what each image becomes, the editors say where it is written. Returns an :class:`SetImageResult`
that ``output`` renders (a diff, or a line saying what changed).
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

from gitops_bot.core import files
from gitops_bot.core.errors import GitOpsBotError, UsageError
from gitops_bot.core.imageref import WrittenRef
from gitops_bot.core.log import get_logger
from gitops_bot.core.record import record
from gitops_bot.engine.results import SetImageResult
from gitops_bot.manifests import images, kustomize, nodes, setimage, workloads
from gitops_bot.manifests.edit import EditResult
from gitops_bot.manifests.kustomize import KUSTOMIZATION_NAMES
from gitops_bot.manifests.kustomize_text import ImageEdit
from gitops_bot.output.command_results import ImageSet, Show
from gitops_bot.output.result import Result
from gitops_bot.render import reader

log = get_logger(__name__)

# `set-image --check` found the file would change: not a failure of the command (1 is a bug,
# 2 bad input), so a CI step can tell "needs the edit" from "could not tell"
WOULD_CHANGE = 5


@record(kw_only=True)
class Request:
    args: Sequence[str] = ()  # the images to set (kustomize edit set image forms, or a policy)
    file: str | None = None
    helm: Sequence[str] = ()  # --helm FIELD=PATH (repeatable)
    check: bool = False
    diff: bool = False
    digest_in_tag: bool = False


def run(request: Request) -> Result:
    show = Show.CHECK if request.check else Show.DIFF if request.diff else Show.WRITE
    edit = set_image(
        request.args,
        file=request.file,
        helm_paths=request.helm or (),
        write=show is Show.WRITE,
        cwd=Path.cwd(),
        digest_in_tag=request.digest_in_tag,
    )
    code = WOULD_CHANGE if show is Show.CHECK and edit.changed else 0
    return Result("set-image", ImageSet(edit, show), code)


def set_image(
    args: Sequence[str],
    *,
    file: str | None,
    helm_paths: Sequence[str],
    write: bool,
    cwd: Path,
    digest_in_tag: bool = False,
) -> SetImageResult:
    """Edit ``file`` (default: the kustomization in ``cwd``) as ``args`` say; write it when
    ``write`` and the text changed. Bad arguments are refused before a missing file."""
    for arg in args:
        setimage.check_arg(arg)
    path = Path(file) if file else kustomize.find_kustomization(cwd)
    before = files.read_text(path)
    result = _edit(path, before, args, helm_paths, digest_in_tag=digest_in_tag)
    after = result.text
    if write and after != before:
        files.write_atomic(path, after, expected=before)
    return SetImageResult(path, before, after, result.changes, written=write and after != before)


def _edit(
    path: Path, before: str, args: Sequence[str], helm_paths: Sequence[str], *, digest_in_tag: bool
) -> EditResult:
    kustomization = images.is_kustomization(str(path)) or declares_kustomization(before)
    setters = images.setter_names(before, str(path))
    entries = images.marked_entries(before, str(path)) if kustomization else {}
    readings = [setimage.read_arg(a, setters, entries) for a in args]
    for r in readings:  # an argument that reads two ways: say which one was taken
        if r.note is not None:
            log.warning("image_argument_reading", detail=r.note)
    edits = [r.edit for r in readings]
    for e in edits:  # kustomize renders these names as written; a registry would not take them
        warnings = setimage.edit_warnings(e, setters)
        if warnings:  # one line per argument, however many of its names are kept as written
            log.warning("image_name_kept_as_written", detail="; ".join(warnings))
    names = [e.name for e in edits]
    twice = next((n for n in names if names.count(n) > 1), None)
    if twice is not None:  # which one wins would be a guess: refused, as kustomize merges them in turn
        raise UsageError(f"image {twice!r} is named by more than one ARG", hint="give each image one ARG")
    helm = setimage.parse_helm_paths(list(helm_paths), digest_in_tag=digest_in_tag)
    if kustomization:
        # Flux-marked scalars first, as Flux's setters write them; kustomize's images: reading
        # for the other arguments, on the result
        marked = [r.edit for r in readings if r.setter is not None]
        result = _edit_sites(path, before, marked, {}, set(setters)) if marked else EditResult(before)
        plain = [r.edit for r in readings if r.setter is None]
        if not plain:
            return result
        rest = kustomize.edit(result.text, plain, str(path))
        for line in unused(path, [e.name for e in plain]):
            log.warning("image_not_used", detail=line)
        return EditResult(rest.text, result.changes + rest.changes, result.images + rest.images)
    return _edit_sites(path, before, edits, helm, setters)


def _edit_sites(
    path: Path, before: str, edits: Sequence[ImageEdit], helm: dict[str, str], setters: set[str]
) -> EditResult:
    """The edits at marker comments, containers and Helm values paths; each image must be
    found and each value must have its place."""
    specs = [
        images.ImageSpec(e.name, helm=helm)
        if e.name in setters
        else images.ImageSpec(e.name, workloads.repository_key(e.name), helm, written=e.name)
        for e in edits
    ]
    updates = [images.Update(e.name, e.new_name, e.new_tag, e.digest, e.keep_digest) for e in edits]
    result = images.edit_sites(before, str(path), specs, updates)
    absent = [e.name for e in edits if e.name not in result.images]
    if absent:
        raise _not_found(path, absent, helm)
    if result.unwritten:
        raise UsageError(result.unwritten[0].message(), hint=setimage.unwritten_hint(result.unwritten[0]))
    return result


def unused(path: Path, names: Sequence[str]) -> list[str]:
    """A line for each of ``names`` that no resource of the kustomization at ``path`` uses,
    naming the closest name that is used: kustomize adds such an entry and renders nothing
    different, so a misspelt image is released nowhere without a word. Nothing is said when
    the tree could not be read whole (a remote resource, a missing file): the name may be
    used where the reader did not look."""
    root = _repository_root(path.parent)
    try:
        walk = reader.Reader(reader.DiskTree(root), path.parent, [], root).environment(
            reader.Source("set-image", (path.name,), ())
        )
    except GitOpsBotError:  # a tree kustomize would refuse to build: the edit is said, not this
        return []
    if walk.notes or walk.refused:
        return []
    used: set[str] = set()
    for rel in walk.files:
        file = path.parent / rel
        if file.name in KUSTOMIZATION_NAMES:
            continue
        used |= _image_names(file)
    if not used:  # no workload read at all (generated, remote): nothing to compare with
        return []
    out = []
    for name in names:
        if name in used:
            continue
        closest = difflib.get_close_matches(name, sorted(used), n=1, cutoff=0.0)
        near = f"; the closest used is {closest[0]!r}" if closest else ""
        out.append(
            f"{path}: no resource in the kustomization's tree uses image {name!r}, so this entry "
            f"changes nothing{near}"
        )
    return out


def _repository_root(start: Path) -> Path:
    """The git work tree ``start`` is in (the reader reads nothing outside it), else ``start``."""
    for directory in (start.resolve(), *start.resolve().parents):
        if (directory / ".git").exists():
            return directory
    return start.resolve()


def _image_names(file: Path) -> set[str]:
    """The image names (as kustomize's ``images:`` matches them: the reference before its tag
    and digest) of every ``image:`` scalar in the file's documents."""
    try:
        docs = nodes.compose_all(files.read_text(file), str(file))
    except GitOpsBotError:
        return set()
    return {
        WrittenRef.split(str(node.value)).name
        for doc in docs
        for key, node in _image_fields(doc)
        if key == "image" and nodes.is_scalar(node) and not nodes.is_null(node)
    }


def _image_fields(node: Any) -> Iterator[tuple[str, Any]]:
    if nodes.is_map(node):
        for k, v in node.value:
            if nodes.is_scalar(k):
                yield str(k.value), v
            yield from _image_fields(v)
    elif nodes.is_seq(node):
        for item in node.value:
            yield from _image_fields(item)


_KIND = re.compile(r"^kind:[ \t]*([\"']?)Kustomization\1[ \t]*(#.*)?$", re.MULTILINE)
_API = re.compile(r"^apiVersion:[ \t]*[\"']?([^\s\"'#]+)", re.MULTILINE)


def declares_kustomization(text: str) -> bool:
    """A file under another name that says ``kind: Kustomization`` is a kustomization too, unless
    its apiVersion is another group's (Flux's ``kustomize.toolkit.fluxcd.io`` Kustomization is a
    cluster resource, not a kustomization file)."""
    first = text.split("\n---", 1)[0]
    api = _API.search(first)
    return bool(_KIND.search(first)) and (api is None or api.group(1).startswith("kustomize.config.k8s.io/"))


def _not_found(path: Path, absent: list[str], helm: dict[str, str]) -> UsageError:
    names = ", ".join(absent)
    if helm:
        paths = ", ".join(f"{field}={key}" for field, key in helm.items())
        return UsageError(
            f"{path}: no image {names} found: none of the --helm key paths ({paths}) is in the file, "
            "and no container or marker comment names it",
            hint="check the key paths against the file (dotted; list items by index: sidecars.0.image.tag)",
        )
    return UsageError(
        f"{path}: no image {names} found (no container image with that repository, no marker comment)",
        hint="name the image's repository as written in the file, or pass --helm FIELD=PATH for Helm values",
    )
