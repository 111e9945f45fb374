"""``gitops-bot set-image``: set images in one file, byte-exact (kustomize edit set image syntax).

Works on a file in the current checkout, with no config, registry or remote: the arguments say
what each image becomes, the editors say where it is written. Returns an :class:`SetImageResult`
that ``output`` renders (a diff, or a line saying what changed).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from gitops_bot.core import files
from gitops_bot.core.errors import UsageError
from gitops_bot.core.log import get_logger
from gitops_bot.engine.results import SetImageResult
from gitops_bot.manifests import images, kustomize, setimage, workloads
from gitops_bot.manifests.edit import EditResult
from gitops_bot.manifests.kustomize_text import ImageEdit
from gitops_bot.output.result import ImageSet, Result, Show

log = get_logger(__name__)

# `set-image --check` found the file would change: not a failure of the command (1 is a bug,
# 2 bad input), so a CI step can tell "needs the edit" from "could not tell"
WOULD_CHANGE = 5


@dataclass(frozen=True, slots=True, kw_only=True)
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
