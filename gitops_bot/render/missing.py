"""A kustomization's entries naming what the repository does not hold, named together; a
file that is not YAML where its tool renders the whole build; and what a refusal blocks: the
deployer unit reading the refused file, not its whole environment.

kustomize stops at the first such entry (``accumulating resources from ENTRY: ... no such file
or directory``), so a user adding that file meets the next one on the following run. The walk
keeps one refusal per kustomization and key naming every missing entry (the first few, then how
many more), so one fix adds them all."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from itertools import islice

from gitops_bot.core.errors import NotYaml
from gitops_bot.core.reading import unread_unit
from gitops_bot.manifests import kustomize_refs
from gitops_bot.render.walk import Found, Walk

SHOWN = 4  # the missing entries named after the first; past them, only how many


def refuse(walk: Walk, lister: str, key: str, entry: str, rel: str) -> None:
    """``lister``'s ``key:`` entry ``entry`` (the file ``rel``) is not in the repository: the
    refusal naming the kustomization's missing entries so far, in place of the one before."""
    seen = walk.missing.setdefault((lister, key), {})
    if entry in seen:  # read again in another unit: blocks it too
        said = kustomize_refs.missing(lister, key, list(islice(seen.items(), SHOWN + 1)), len(seen))[0]
        walk.refused_in.setdefault(said, set()).add(walk.unit)
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
    walk.refused_in[reason] = walk.refused_in.pop(before[0], set()) | {walk.unit}
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


def refused_units(walk: Walk) -> dict[int, str] | None:
    """Each deployer unit (``Walk.units``) a refusal arose in -> that refusal: Argo CD and Flux
    fail the one Application or Kustomization they cannot render and sync the others. None: the
    environment is refused whole (each of its paths' units refused, or a refusal in none). The
    units read inside a refused one are not refused with it: Argo CD and Flux sync the
    Applications and Kustomizations already applied while the one deploying them fails."""
    return _units(walk, {reason: walk.refused_in.get(reason, {-1}) for reason in walk.refused})


def scope_unread(walk: Walk, env: str) -> tuple[str, ...]:
    """Each file ``env`` renders and the bot could not read (``Walk.incomplete``) made a refusal
    of the deployer units reading it: what it sets is not known (it may pin an image again, and
    a release of the rest of those units would leave them on two versions), while Argo CD and
    Flux render the environment's other Applications and Kustomizations alone, so those are read
    as they are. Left whole (nothing of ``env`` released) when its every path reads one, or past
    the files read of one environment (what is past the bound may be anywhere). The reasons
    made refusals, in :func:`~gitops_bot.core.reading.unread_unit`'s words."""
    if not walk.incomplete or walk.capped:
        return ()
    words = {unread_unit(env, rel, why): (rel, why) for rel, why in walk.incomplete}
    if _units(walk, {w: walk.incomplete[e] for w, e in words.items()}) is None:
        return ()
    for reason, (rel, why) in words.items():
        walk.refuse(reason, why.rpartition(": ")[2] or why)
        walk.refused_in[reason] = set(walk.incomplete[rel, why])
        if f"{rel}: {why}" in walk.said:  # said once, with what it blocks (verdict.unit_said)
            walk.said.remove(f"{rel}: {why}")
    walk.incomplete.clear()
    return tuple(words)


def _units(walk: Walk, arose: Mapping[str, set[int]]) -> dict[int, str] | None:
    """Each unit a reason arose in (``arose``: reason -> its units, -1 none) -> that reason, as
    :func:`refused_units`; None when the environment is blocked whole."""
    out: dict[int, str] = {}
    for reason, units in arose.items():
        for unit in sorted(units):
            out.setdefault(unit, reason)
    # a unit pinning nothing itself that only deploys refused ones (a path holding the refused
    # Application) is refused with them; units are numbered as entered, the inner ones after
    pinning = {f.unit for f in walk.found}
    for unit in sorted(walk.units, reverse=True):
        inner = [u for u, outer in walk.units.items() if outer == unit]
        if unit not in out and unit not in pinning and inner and all(u in out for u in inner):
            out[unit] = out[inner[0]]
    return None if -1 in out or all(u in out for u, outer in walk.units.items() if outer == -1) else out


def unit_refusal(walk: Walk, units: Mapping[int, str], found: Found) -> str | None:
    """The refusal of a unit ``found`` is read in, or whose file a refused unit reads (a base
    two units build, the Application's own file its refused app of apps applies): no release
    goes there."""
    if (why := units.get(found.unit)) is not None:
        return why
    return next((units[u] for u in sorted(walk.read_in.get(found.file, ())) if u in units), None)
