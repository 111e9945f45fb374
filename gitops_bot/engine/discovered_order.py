"""Each environment's ``promote_from`` as init writes it: from the tools' definitions (Kargo,
GitOps Promoter, an ApplicationSet's RollingSync), else guessed from the names; one the names
leave open, or that orders environments sharing no image, is asked instead of guessed."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import replace

from gitops_bot.core.reading import EnvironmentReading
from gitops_bot.engine import discovered_roots
from gitops_bot.engine.candidates import FoundEnvironment
from gitops_bot.engine.discovered_policies import built_per_environment
from gitops_bot.engine.promotion_order import apart, name_order, rolling_sync_order, tool_order
from gitops_bot.engine.repository_files import RepoFiles


def ordered(
    repo: RepoFiles,
    envs: Sequence[FoundEnvironment],
    questions: list[str],
    readings: Mapping[str, EnvironmentReading],
) -> tuple[list[FoundEnvironment], str]:
    """Each environment's promote_from: from the tools' definitions (Kargo, GitOps Promoter, an
    ApplicationSet's RollingSync), else guessed from the names; one the names leave open is
    asked (a guess among several would be a coin toss). The order's source, in a word."""
    names = [e.name for e in envs]
    upstream, order_source, said = tool_order(repo, names)
    if not upstream:
        upstream, said = rolling_sync_order(repo, names)
        order_source = "argocd-rolling-sync" if upstream else ""
    guessed = False
    open_: dict[str, list[str]] = {}
    if not upstream:
        # examples named alike (a tool's staging and production inputs) are no stages of one line
        upstream, open_ = name_order([e.name for e in envs if not discovered_roots.is_example(e.cluster)])
        guessed = bool(upstream)
        order_source = "names" if guessed else ""
    # a cycle (Kargo Stages taking freight from each other round) orders none of its members
    looped = [n for n in upstream if _on_cycle(upstream, n)]
    for n in looped:
        del upstream[n]
    # an image each environment builds for itself (dev-<sha>, staging-<sha>) is left out of the
    # configuration: it is no image they share, and ordering them by it would fail the first plan
    own = {i.image for r in readings.values() for i in r.images if built_per_environment(i.image, readings)}
    # an environment whose images were not read (another branch not fetched) is not judged
    runs = {
        n: [i.image for i in r.images if i.effective and i.image not in own]
        for n, r in readings.items()
        if any(i.effective for i in r.images)
    }
    # names that order two environments sharing no image order nothing: asked, not guessed; a
    # tool's stage is matched to an environment by its name too (environment/development to
    # dev-insecure), so the same holds of its order
    unshared = apart(upstream, runs)
    # a guess under which the later environment runs images the earlier never does leaves those
    # unreleasable (no policy runs under promote_from): asked, with what it would leave
    beyond = {
        n: (frm, sorted(set(runs[n]) - set(runs[frm])))
        for n, frm in upstream.items()
        if guessed and n in runs and frm in runs and set(runs[n]) - set(runs[frm])
    }
    for n in beyond:
        del upstream[n]
    order_source = order_source if upstream else ""
    out = []
    for e in envs:
        n = e.name
        frm = upstream.get(n)
        why = ""
        if frm:
            why = f"guessed from the names: {frm} comes before {n}" if guessed else _said_of(n, said)
        elif n in unshared:
            by = "the names say so" if guessed else f"{_said_of(n, said)} says so, matched by the names"
            why = (
                f"open question: {n} is promoted from {unshared[n]}? {by}, but they share "
                f"no image: a promotion would never change {n}; set promote_from only if they run one image"
            )
            questions.append(f"environment {n}: promote_from {unshared[n]}? they share no image")
        elif n in beyond:
            src, left = beyond[n]
            shown = ", ".join(left[:3]) + (f" and {len(left) - 3} more" if len(left) > 3 else "")
            why = (
                f"open question: {n} is promoted from {src}? the names say so, but {src} does not run "
                f"{shown}, which no promotion could release (no policy runs under promote_from); set "
                f"promote_from: {src} if {n} takes {src}'s versions and those images are released by hand"
            )
            questions.append(
                f"environment {n}: promote_from {src}? {len(left)} of its images are not in {src}"
            )
        elif n in looped:
            why = (
                f"open question: {', '.join(looped)} take freight from each other in a cycle, which "
                "orders none of them; set promote_from by hand"
            )
            questions.append(f"environment {n}: promote_from? {', '.join(looped)} are in a cycle")
        elif n in open_:
            why = (
                f"open question: {n} is promoted from {' or '.join(open_[n])}? the names do not say; "
                f"set promote_from to the one whose versions {n} takes"
            )
            questions.append(f"environment {n}: promote_from {' or '.join(open_[n])}? the names do not say")
        out.append(replace(e, promote_from=frm, order=why))
    return out, order_source


def _said_of(name: str, said: Sequence[str]) -> str:
    """The tool's definition that orders ``name`` (the first where none names it)."""
    return next((s for s in said if name in s), said[0] if said else "")


def _on_cycle(upstream: Mapping[str, str], start: str) -> bool:
    """Whether following promote_from from ``start`` comes back to it."""
    seen: set[str] = set()
    n = upstream.get(start)
    while n is not None and n not in seen:
        if n == start:
            return True
        seen.add(n)
        n = upstream.get(n)
    return False
