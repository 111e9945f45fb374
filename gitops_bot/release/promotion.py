"""Releases that move an environment to a known image set: promotion, rollback, holds.

Pure functions over what the use cases gathered (``usecases/promote.py``, ``rollback.py``,
``hold.py`` read git, the registry and Argo CD, then ask these):

* **promote SRC DST**: DST gets exactly what SRC runs, by digest. The promotion chain
  (``promote_from``) and holds must agree; the use case resolves tags, checks digests and
  signatures and asks the Argo CD gate.
* **rollback ENV**: the image set of an earlier release (from ``history``) is written back with
  byte-exact edits (not ``git revert``, so unrelated changes made since stay), and the restored
  images are held so the next ``update`` does not undo the rollback.
* **hold / unhold**: edit the holds file only.

Each release is delivered by :mod:`gitops_bot.engine.delivery` as a pull request or a commit like any
update.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from gitops_bot.config import Config, EnvironmentConfig, ImageConfig
from gitops_bot.core.errors import GateClosed, GitOpsBotError, UsageError
from gitops_bot.core.model import (
    Deployed,
    ImageRef,
    ReleaseKind,
    Verification,
    is_placeholder_digest,
    short_digest,
)
from gitops_bot.core.outside import Outside
from gitops_bot.release.ledger import Entry
from gitops_bot.release.planning import placeholder, placeholder_source
from gitops_bot.release.proposal import Change, Release

# image -> reason (None: an unhold) of an open hold pull request, not on the base yet
Pending = Mapping[str, str | None]
# image -> (its configuration, what the source runs, what the target runs)
Wanted = list[tuple[ImageConfig, Deployed, Deployed]]


def environments(
    cfg: Config, source: str, target: str, *, only: Sequence[str], force: bool
) -> tuple[EnvironmentConfig, EnvironmentConfig]:
    """The source and target of a promotion the chain (``promote_from``) allows."""
    src, dst = cfg.environment(source), cfg.environment(target)
    if src.name == dst.name:
        raise UsageError("promote needs two different environments")
    if dst.promote_from != src.name and not force:
        why = (
            f"{dst.name} receives promotions from {dst.promote_from}, not {src.name}"
            if dst.promote_from
            else f"{dst.name} is not configured to receive promotions (no promote_from)"
        )
        raise GateClosed(f"refused: {why}", hint="fix promote_from in gitops-bot.yaml, or pass --force")
    for name in only:
        if cfg.image(name) is None and cfg.chart(name) is None:
            raise UsageError(
                f"unknown image {name!r}",
                hint="name an image listed under 'images' (or a chart under 'charts')",
            )
    return src, dst


def wanted(
    cfg: Config,
    src: str,
    dst: str,
    running: Mapping[str, Deployed],
    present: Mapping[str, Deployed],
    only: Sequence[str],
) -> tuple[Wanted, list[str]]:
    """The images to promote (source runs, target has), and notes on those that cannot be."""
    notes: list[str] = []
    out: Wanted = []
    for name in only or sorted(running):
        img = cfg.image(name)
        assert img is not None
        have, want = present.get(name), running.get(name)
        if want is None:
            notes.append(f"{name}: not deployed in {src}; nothing to promote")
        elif have is None:
            notes.append(f"{name}: {dst} has no entry for it; add one to promote it")
        elif want.tag is None and have.tag is not None:
            notes.append(f"{name}: {src} pins it by digest only and {dst} by tag; edit {dst} by hand")
        elif want.tag is None and want.digest is None:
            notes.append(f"{name}: {src} gives it neither tag nor digest; nothing to promote")
        elif is_placeholder_digest(want.digest):
            notes.append(f"{name}: {placeholder_source(src, want.digest)}")
        else:
            out.append((img, want, have))
    return out, notes


def moved_name(img: ImageConfig, want: Deployed, have: Deployed) -> str | None:
    """The newName to write when the source pulls the image from elsewhere than the target: a
    target naming no repository of its own pulls the configured one (a chart's default), so a
    source naming that same repository moves nothing (and the target's file need not hold the key)."""
    if not want.new_name or want.new_name == have.new_name:
        return None
    return want.new_name if location(img, want).location != location(img, have).location else None


def promoted(
    dst: str,
    img: ImageConfig,
    ref: ImageRef,
    want: Deployed,
    have: Deployed,
    digest: str,
    verdict: Verification | None,
) -> Change:
    """The change bringing ``dst`` to ``ref@digest`` (tag as the source pins it)."""
    return Change(
        environment=dst,
        image=img.name,
        repository=ref.location,
        files=(),
        from_tag=have.tag,
        from_digest=have.digest,
        to_tag=want.tag,
        to_digest=digest,
        reason=Outside(""),
        new_name=moved_name(img, want, have),
        verification=verdict,
    )


def check_verdict(
    env: str, img: ImageConfig, ref: ImageRef, digest: str, verdict: Verification | None
) -> None:
    """The target's signature policy must hold for the digest; --force does not bypass it."""
    if verdict is not None and not verdict.verified:
        raise GateClosed(
            f"refused: {img.name} {ref.location}@{short_digest(digest)} is not verified for {env}: "
            f"{verdict.reason}",
            hint=f"promote a digest signed as {env}'s verify: policy requires",
        )


def check_holds(dst: str, changes: Sequence[Change], held: Mapping[str, str | None], *, force: bool) -> None:
    blocked = [c.image for c in changes if c.image in held]
    if blocked and not force:
        raise GateClosed(
            f"refused: {dst} holds {', '.join(blocked)} ({held[blocked[0]] or 'no reason given'})",
            hint=f"run 'gitops-bot unhold {dst} IMAGE' first, or pass --force",
        )


def rollback(
    cfg: Config, env: str, target: Entry, present: Mapping[str, Deployed]
) -> tuple[Release | None, list[str]]:
    """The release restoring ``target``'s image set in ``env`` (which runs ``present``)."""
    notes: list[str] = []
    changes: list[Change] = []
    holds: list[tuple[str, Outside | None]] = []
    for name, want in sorted(target.images.items()):
        img = cfg.image(name)
        have = present.get(name)
        if img is None or have is None:
            notes.append(f"{name}: no longer in {env}'s files; not restored")
            continue
        new_name = moved_name(img, want, have)
        if (have.tag, have.digest) == (want.tag, want.digest) and new_name is None:
            continue
        if is_placeholder_digest(want.digest):
            notes.append(
                f"{name}: {target.name} pinned a placeholder digest ({placeholder(want.digest)}), "
                "not a release; not restored"
            )
            continue
        if want.tag is None and have.tag is not None:
            notes.append(f"{name}: {target.name} pinned it by digest only; restore it by hand")
            continue
        changes.append(
            Change(
                environment=env,
                image=name,
                repository=location(img, want).location,
                files=(),
                from_tag=have.tag,
                from_digest=have.digest,
                to_tag=want.tag,
                to_digest=want.digest,
                reason=Outside(f"as released in {target.name} ({target.time}, {target.commit[:12]})"),
                new_name=new_name,
            )
        )
        was = have.tag or short_digest(have.digest or "")
        holds.append((name, Outside(f"rolled back to {target.name} (was {was})")))
    if not changes:
        if not notes:  # nothing was left out: the set is already there
            notes.append(f"{env} already runs the image set of {target.name}")
        return None, notes
    return Release(env, tuple(changes), kind=ReleaseKind.ROLLBACK, holds=tuple(holds)), notes


def hold(
    cfg: Config,
    held: Mapping[str, Mapping[str, str]],
    environment: str,
    image: str,
    reason: str | None,
    *,
    pending: Pending | None = None,
) -> tuple[Release | None, list[str]]:
    """The release that holds ``image`` in ``environment`` (None with a note: already held).
    ``held``: the base's holds; ``pending`` are the holds of the environment's open hold pull
    request that the base does not have yet (image -> reason, or None for an unhold): the
    release carries them too, so a second hold joins the open pull request instead of
    replacing it and dropping the first."""
    env, current = _holds_of(cfg, held, environment, image, pending)
    text = reason or "held by hand"
    if current.get(image) == text:
        return None, [f"{image} is already held in {env.name}"]
    return _hold_release(env, pending, image, text), []


def unhold(
    cfg: Config,
    held: Mapping[str, Mapping[str, str]],
    environment: str,
    image: str,
    *,
    pending: Pending | None = None,
) -> tuple[Release | None, list[str]]:
    """The release that lifts ``image``'s hold in ``environment`` (None with a note: not held)."""
    env, current = _holds_of(cfg, held, environment, image, pending)
    if image not in current:
        return None, [f"{image} is not held in {env.name}"]
    return _hold_release(env, pending, image, None), []


def _holds_of(
    cfg: Config, held: Mapping[str, Mapping[str, str]], environment: str, image: str, pending: Pending | None
) -> tuple[EnvironmentConfig, dict[str, str]]:
    env = cfg.environment(environment)
    if cfg.image(image) is None and cfg.chart(image) is None:
        raise UsageError(
            f"unknown image {image!r}", hint="name an image listed under 'images' (or a chart under 'charts')"
        )
    merged = {**held.get(env.name, {}), **(pending or {})}
    return env, {k: v for k, v in merged.items() if v is not None}


def _hold_release(env: EnvironmentConfig, pending: Pending | None, image: str, reason: str | None) -> Release:
    wanted = {
        name: None if why is None else Outside(why)
        for name, why in {**(pending or {}), image: reason}.items()
    }
    return Release(env.name, (), kind=ReleaseKind.HOLD, holds=tuple(sorted(wanted.items())))


def location(img: ImageConfig, d: Deployed) -> ImageRef:
    """Where the environment pulls the image from: its newName when that is a full
    reference, else the configured repository."""
    if d.new_name:
        try:
            return ImageRef.parse(d.new_name)
        except GitOpsBotError:
            pass
    return img.repository
