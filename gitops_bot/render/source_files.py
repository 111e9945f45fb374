"""The files in an Argo CD Application's path its repo server merges over the Application's
source before it renders it (argo-cd reposerver ``mergeSourceParameters``): ``.argocd-source.yaml``
then ``.argocd-source-NAME.yaml`` (argocd-image-updater's git write-back), each a JSON merge
patch. One merger for every render of an Application: a kustomization's build
(:mod:`gitops_bot.render.argo_kustomize`) and a chart's ``helm template``
(:mod:`gitops_bot.render.helm_render`). And whether a path an Application renders holds
Applications itself (an app of apps, rendered again), or is that Application's own build."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

from gitops_bot.core.errors import GitOpsBotError
from gitops_bot.manifests import apps_module, yamlvalues
from gitops_bot.manifests.kustomize import KUSTOMIZATION_NAMES
from gitops_bot.render import bounded
from gitops_bot.render import walk as walks
from gitops_bot.render.bounded import NotRendered
from gitops_bot.render.walk import YAML_SUFFIXES


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


def holds_applications(directory: Path, depth: int = 0) -> bool:
    """Whether what the directory renders holds an Argo CD Application (an app of apps): with a
    kustomization, a YAML file its ``resources:`` list (or a directory they list) holding one;
    else one of its own YAML files (the first few, as text). An Application file beside a
    kustomization that does not list it (``path: .`` of the repository's root, application.yaml
    there) is not rendered there: the directory is that Application's own build, built as Argo
    CD builds it (its write-back file merged), not an app of apps rendered again."""
    kfile = next((directory / n for n in KUSTOMIZATION_NAMES if (directory / n).is_file()), None)
    paths = sorted(directory.glob("*.y*ml"))[:50]
    if kfile is not None:
        try:
            doc = (yamlvalues.load_all(bounded.read_text(kfile) or "", kfile.name) or [None])[0]
        except GitOpsBotError:
            return False  # kustomize refuses it: rendered by nothing
        listed = doc.get("resources") if isinstance(doc, dict) else None
        entries = (
            [directory / e for e in listed[:50] if isinstance(e, str)] if isinstance(listed, list) else []
        )
        if any(depth < 3 and e.is_dir() and holds_applications(e, depth + 1) for e in entries):
            return True
        paths = [e for e in entries if e.suffix in YAML_SUFFIXES and e.is_file()]
    return any(map(bounded.application_file, paths))
