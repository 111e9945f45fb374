"""The rendered diff of a release: each kustomization of the environment rendered with the real
``kubectl kustomize`` before and after the release's edits (:mod:`gitops_bot.render.tools`) and
the two renders compared (:mod:`gitops_bot.render.diff`); with no kustomization, the environment
as its reading renders it (:func:`gitops_bot.render.rendered_reading.streams`). Loaded where a
rendered diff is asked for, not by the reading's render.

Rendering never blocks a release: every failure (no kubectl, a render that fails, runs past
its deadline or prints more than the bound) becomes a "not rendered: why" line in the result.
"""

from __future__ import annotations

import time
from collections.abc import Collection, Mapping, Sequence
from pathlib import Path

from gitops_bot.core.log import get_logger
from gitops_bot.core.reading import EnvironmentReading
from gitops_bot.render import rendered_reading, tools
from gitops_bot.render import walk as walks
from gitops_bot.render.bounded import NotRendered
from gitops_bot.render.diff import Rendered, compare
from gitops_bot.render.settings import RenderSettings

log = get_logger(__name__)

# what the diff of an environment with no kustomization asks its reading's render: the
# configuration's directory, the environment's reading, its paths (relative to that directory)
Read = tuple[Path, EnvironmentReading, Sequence[str]]


# its kustomizations walked once a tree, for the size budget, the links leading out and the
# render cache's keys of both sides, where each walked them again: 9 walks of a one-overlay
# environment's release, 2 now (the tree as edited before and after)
@walks.one_reading()
def rendered_diff(
    settings: RenderSettings,
    environment: str,
    root: Path,
    kustomizations: list[Path],
    before: Mapping[Path, str],
    after: Mapping[Path, str],
    read: Read | None = None,
    values_images: Collection[str] = (),
) -> tuple[Rendered, ...]:
    """Each kustomization directory (under the worktree ``root``) rendered with the files of
    ``before`` and then with those of ``after`` (path under ``root`` -> text), compared; with
    none, the environment as its reading renders it (``read``: the configuration's directory
    under ``root``, the environment's reading and its paths). ``values_images``: the images'
    helm keys, an image's in a HelmRelease's values."""
    if not settings.enabled:
        return ()
    if not kustomizations:
        if read is None:
            return (Rendered(environment, ".", error="no kustomization among the environment's paths"),)
        return _reading_diff(settings, environment, root, read, before, after, values_images)
    names = [d.relative_to(root).as_posix() or "." for d in kustomizations]
    kubectl = settings.tool("kubectl")
    if kubectl is None:
        return tuple(Rendered(environment, n, error="kubectl not found") for n in names)
    dirs = dict(zip(names, kustomizations, strict=True))
    over = {
        n: reason
        for n, d in dirs.items()
        if (reason := tools.over_budget(settings, root, d, n, after)) is not None
    }
    names = [n for n in names if n not in over]
    skipped = tuple(Rendered(environment, n, error=reason) for n, reason in over.items())
    if not names:
        return skipped
    # the reader's rule (nothing outside the repository is read) for the render too: kubectl
    # follows a link as a base or a resource, and what it renders is published; before any
    # render or kept render is used
    leaving = {
        n: link for n in names if (link := tools.links_read(root, dirs[n], tools.links_out(root), after))
    }
    for n, link in leaving.items():
        refused = (
            f"not rendered: {link} is a symbolic link leading out of the repository (kubectl "
            "kustomize would render what it points at); make it a directory in the repository, or remove it"
        )
        skipped += (Rendered(environment, n, error=refused),)
    names = [n for n in names if n not in leaving]
    if not names:
        return skipped
    far = {n: remote for n in names if (remote := tools.remote(root, dirs[n], after))}
    skipped += tuple(Rendered(environment, n, error=why) for n, why in far.items())
    names = [n for n in names if n not in far]
    if not names:
        return skipped
    started = time.monotonic()
    kept = {
        n for n in names if tools.all_here(root, dirs[n], before) and tools.all_here(root, dirs[n], after)
    }
    old_new = tools.render_kept(settings, root, names, {"before": before, "after": after}, kept)
    out = list(skipped)
    for name, old, new in zip(names, *old_new, strict=True):
        if isinstance(old, NotRendered) or isinstance(new, NotRendered):
            why = old if isinstance(old, NotRendered) else new
            out.append(Rendered(environment, name, error=str(why)))
        else:
            out.append(compare(environment, name, old, new, values_images))
    log.info("rendered", environment=environment, seconds=round(time.monotonic() - started, 3))
    return tuple(out)


def _reading_diff(
    settings: RenderSettings,
    environment: str,
    root: Path,
    read: Read,
    before: Mapping[Path, str],
    after: Mapping[Path, str],
    values_images: Collection[str] = (),
) -> tuple[Rendered, ...]:
    """The environment as its reading renders it (:func:`rendered_reading.streams`) before and
    after: an environment with no kustomization among its paths (a chart, an Application's
    path, plain manifests)."""
    config_root, reading, paths = read
    name = ", ".join(paths) or "."
    if tools.links_out(root):
        why = "not rendered: a symbolic link leads out of the repository (helm would read what it points at)"
        return (Rendered(environment, name, error=why),)
    old, old_failed = rendered_reading.streams(settings, root, config_root, reading, paths, before)
    new, new_failed = rendered_reading.streams(settings, root, config_root, reading, paths, after)
    if old_failed or new_failed:
        return (Rendered(environment, name, error=(*old_failed, *new_failed)[0]),)
    return (compare(environment, name, "\n---\n".join(old), "\n---\n".join(new), values_images),)
