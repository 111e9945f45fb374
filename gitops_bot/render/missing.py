"""A kustomization's entries naming what the repository does not hold, named together; and a
file that is not YAML where its tool renders the whole build.

kustomize stops at the first such entry (``accumulating resources from ENTRY: ... no such file
or directory``), so a user adding that file meets the next one on the following run. The walk
keeps one refusal per kustomization and key naming every missing entry (the first few, then how
many more), so one fix adds them all."""

from __future__ import annotations

from collections.abc import Callable
from itertools import islice

from gitops_bot.core.errors import NotYaml
from gitops_bot.manifests import kustomize_refs
from gitops_bot.render.walk import Walk

SHOWN = 4  # the missing entries named after the first; past them, only how many


def refuse(walk: Walk, lister: str, key: str, entry: str, rel: str) -> None:
    """``lister``'s ``key:`` entry ``entry`` (the file ``rel``) is not in the repository: the
    refusal naming the kustomization's missing entries so far, in place of the one before."""
    seen = walk.missing.setdefault((lister, key), {})
    if entry in seen:
        return
    # the first few, never a copy of all of them: a kustomization may list thousands not here
    before = (
        kustomize_refs.missing(lister, key, list(islice(seen.items(), SHOWN + 1)), len(seen))
        if seen
        else None
    )
    seen[entry] = rel
    reason, fix = kustomize_refs.missing(lister, key, list(islice(seen.items(), SHOWN + 1)), len(seen))
    if before is None or before[0] not in walk.fixes:
        walk.refuse(reason, fix)
        return
    walk.refused[walk.refused.index(before[0])] = reason
    del walk.fixes[before[0]]
    walk.fixes[reason] = fix


def unless_not_yaml(read: Callable[[], None], walk: Walk, tool: str, rel: str) -> None:
    """``read()`` of the file ``rel``; one not YAML is ``tool``'s refusal of the whole render
    (a kustomization's build, helm's values, Argo CD's directory: kubectl applying a directory
    alone leaves it out), said with its fix, and the environment's other files still read."""
    if (e := not_yaml(read)) is not None:
        walk.refuse(f"{tool} refuses {rel}: {e.message}", f"fix the YAML of {rel}")


def not_yaml(read: Callable[[], None]) -> NotYaml | None:
    """``read()``, and what it raised if the file is not YAML."""
    try:
        read()
    except NotYaml as e:
        return e
    return None
