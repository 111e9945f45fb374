"""The files in an Argo CD Application's path its repo server merges over the Application's
source before it renders it (argo-cd reposerver ``mergeSourceParameters``): ``.argocd-source.yaml``
then ``.argocd-source-NAME.yaml`` (argocd-image-updater's git write-back), each a JSON merge
patch. One merger for every render of an Application: a kustomization's build
(:mod:`gitops_bot.render.argo_kustomize`) and a chart's ``helm template``
(:mod:`gitops_bot.render.helm_render`)."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

from gitops_bot.core.errors import GitOpsBotError
from gitops_bot.manifests import apps_module, yamlvalues
from gitops_bot.render import bounded
from gitops_bot.render import walk as walks
from gitops_bot.render.bounded import NotRendered


def merged(
    src: object, root: Path, directory: Path, name: str, texts: Mapping[Path, str]
) -> tuple[object, tuple[str, ...]]:
    """The Application's source with ``.argocd-source.yaml`` then ``.argocd-source-NAME.yaml``
    of its path merged over it, each a JSON merge patch (RFC 7386: a list replaced whole, a
    null removing the key), its chart, path, repoURL and targetRevision kept; or the merge's
    refusal; and the files merged (as ``directory``'s names)."""
    out, files = src, []
    # a name is one path part (Kubernetes names never hold a /): none leads out of the path
    names = [n for n in (name,) if n and "/" not in n and n not in (".", "..")]
    first, each = apps_module().SOURCE_FILES  # imported when first asked for, as the reader does
    for file in [first, *(each.format(name=n) for n in names)]:
        if (directory / file).is_symlink() and not walks.inside(root, directory / file):
            # argo-cd's repo server refuses a repository holding one (CheckOutOfBoundsSymlinks)
            return NotRendered(f"{file} is a symbolic link leading out of the repository"), ()
        held = text(root, directory / file, texts)
        if held is None:
            continue
        try:  # read as every file of the repository is: bounded depth and aliases, no tags
            docs = yamlvalues.load_all(held, file)
        except GitOpsBotError as e:
            return NotRendered(f"{file}: {e.message}"), ()
        if docs and docs[0] is not None and not isinstance(docs[0], dict):
            # a merge patch that is a list or a scalar replaces the source whole: no source
            return NotRendered(f"{file} is no mapping, so Argo CD cannot merge it over the source"), ()
        out = _merge_patch(out, docs[0] if docs else None)
        files.append(file)
    if out is src or not isinstance(out, dict) or not isinstance(src, dict):
        return out, tuple(files)
    own = ("chart", "path", "repoURL", "targetRevision")
    kept = {k: v for k, v in out.items() if k not in own} | {k: src[k] for k in own if k in src}
    return kept, tuple(files)


def text(root: Path, path: Path, texts: Mapping[Path, str]) -> str | None:
    """``path``'s text as the marked render writes it, else as the repository holds it: a file
    really inside ``root`` (a link leading out is not followed) within the render's size bound;
    None otherwise (the reading says what it could not read)."""
    if path in texts:
        return texts[path]
    try:
        real = path.resolve(strict=True)
        if not real.is_relative_to(root.resolve()) or not real.is_file():
            return None
        return bounded.read_text(real)
    except (OSError, RuntimeError):
        return None


def _merge_patch(target: object, patch: object) -> object:
    if not isinstance(patch, dict):
        return patch
    out = dict(target) if isinstance(target, dict) else {}
    for key, value in patch.items():
        if value is None:
            out.pop(key, None)
        else:
            out[key] = _merge_patch(out.get(key), value)
    return out
