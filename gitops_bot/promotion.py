"""Releases that move an environment to a known image set: promotion, rollback, holds.

``update`` asks the registry what each policy would choose; these ask git instead:

* **promote SRC DST**: DST gets exactly what SRC runs, by digest. A tag SRC pins without a
  digest is resolved now, every digest is checked to still exist (HEAD by digest), and the
  promotion chain (``promote_from``), holds and the optional Argo CD gate must all agree.
* **rollback ENV**: the image set of an earlier release (from ``history``) is written back with
  byte-exact edits (not ``git revert``, so unrelated changes made since stay), and the restored
  images are held so the next ``update`` does not undo the rollback.
* **hold / unhold**: edit the holds file only.

Each returns a :class:`Release` (None when there is nothing to do) and notes for the output;
:mod:`gitops_bot.writeback` delivers it as a pull request or a commit like any update.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import replace
from pathlib import Path

from gitops_bot import argocd, history
from gitops_bot.app import App
from gitops_bot.config import EnvironmentConfig, ImageConfig
from gitops_bot.errors import (
    GateClosed,
    GitOpsBotError,
    RegistryAccessError,
    RegistryProtocolError,
    UsageError,
)
from gitops_bot.model import Deployed, ImageMetadata, ImageRef, ReleaseKind, Verification, short_digest
from gitops_bot.release import Change, Release
from gitops_bot.scm.git import Workspace

# image -> reason (None: an unhold) of an open hold pull request, not on the base yet
Pending = Mapping[str, str | None]


def plan(
    app: App,
    ws: Workspace,
    root: Path,
    source: str,
    target: str,
    *,
    only: Sequence[str] = (),
    force: bool = False,
    skip_gate: bool = False,
    environ: Mapping[str, str],
) -> tuple[Release | None, list[str]]:
    cfg = app.config
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
        if cfg.image(name) is None:
            raise UsageError(f"unknown image {name!r}", hint="name an image listed under 'images'")

    app.prepare_verification([dst])
    running = _deployed(app, src.name)
    present = _deployed(app, dst.name)
    notes: list[str] = []
    wanted: list[tuple[ImageConfig, Deployed, Deployed]] = []
    for name in only or sorted(running):
        img = cfg.image(name)
        assert img is not None
        have, want = present.get(name), running.get(name)
        if want is None:
            notes.append(f"{name}: not deployed in {src.name}; nothing to promote")
        elif have is None:
            notes.append(f"{name}: {dst.name} has no entry for it; add one to promote it")
        elif want.tag is None and have.tag is not None:
            notes.append(
                f"{name}: {src.name} pins it by digest only and {dst.name} by tag; edit {dst.name} by hand"
            )
        elif want.tag is None and want.digest is None:
            notes.append(f"{name}: {src.name} gives it neither tag nor digest; nothing to promote")
        else:
            wanted.append((img, want, have))

    # Resolve tags SRC runs without a digest, then check every digest still exists.
    changes: list[Change] = []
    gate: list[argocd.Wanted] = []
    for img, want, have in wanted:
        ref = _location(img, want)
        client = app.registries.client(ref.registry)
        digest = want.digest or client.resolve_digest(ref.repository, str(want.tag), img.platform)
        new_name = want.new_name if want.new_name and want.new_name != have.new_name else None
        gate.append(argocd.Wanted(img.name, ref.location, want.tag, want.digest))
        if (have.tag, have.digest) == (want.tag, digest) and new_name is None:
            continue
        if not client.exists(ref.repository, digest):
            raise GateClosed(
                f"refused: {ref.location}@{digest} no longer exists in the registry",
                hint=f"deploy a new build to {src.name} first",
            )
        verdict = _verified(app, dst.name, img, ref, digest)
        changes.append(
            Change(
                environment=dst.name,
                image=img.name,
                repository=ref.location,
                files=(),
                from_tag=have.tag,
                from_digest=have.digest,
                to_tag=want.tag,
                to_digest=digest,
                reason="",
                new_name=new_name,
                verification=verdict,
            )
        )
    if not changes:
        return None, notes

    held = app.holds.get(dst.name, {})
    blocked = [c.image for c in changes if c.image in held]
    if blocked and not force:
        raise GateClosed(
            f"refused: {dst.name} holds {', '.join(blocked)} ({held[blocked[0]] or 'no reason given'})",
            hint=f"run 'gitops-bot unhold {dst.name} IMAGE' first, or pass --force",
        )
    if src.argocd_application and not skip_gate:
        _gate(
            app, src.argocd_application, [g for g in gate if g.image in {c.image for c in changes}], environ
        )

    sources = _sources(app, ws, root, src.name, [c.image for c in changes])
    changes = [
        replace(
            c,
            reason=f"{src.name} runs it since {sources[c.image]}" if c.image in sources else "",
            metadata=_metadata(app, c),
        )
        for c in changes
    ]
    return Release(dst.name, tuple(changes), kind=ReleaseKind.PROMOTION, source=src.name), notes


def rollback(
    app: App, ws: Workspace, root: Path, environment: str, *, to: str | None, steps: int | None
) -> tuple[Release | None, list[str]]:
    """``root`` is the worktree at the base (git paths are relative to it)."""
    env = app.config.environment(environment)
    paths = app.repo_paths(env, root)
    limit = None if to is not None else (steps or 1) + 1
    entries = history.read(ws, ws.base_ref, paths, app.image_specs(), limit=limit)
    if not entries:
        raise UsageError(f"{env.name} has no release history in git", hint="nothing to roll back to")
    target = history.find(entries, to=to, steps=steps, environment=env.name)
    present = _deployed(app, env.name)
    notes: list[str] = []
    changes: list[Change] = []
    holds: list[tuple[str, str | None]] = []
    for name, want in sorted(target.images.items()):
        img = app.config.image(name)
        have = present.get(name)
        if img is None or have is None:
            notes.append(f"{name}: no longer in {env.name}'s files; not restored")
            continue
        new_name = want.new_name if want.new_name and want.new_name != have.new_name else None
        if (have.tag, have.digest) == (want.tag, want.digest) and new_name is None:
            continue
        if want.tag is None and have.tag is not None:
            notes.append(f"{name}: {target.name} pinned it by digest only; restore it by hand")
            continue
        changes.append(
            Change(
                environment=env.name,
                image=name,
                repository=_location(img, want).location,
                files=(),
                from_tag=have.tag,
                from_digest=have.digest,
                to_tag=want.tag,
                to_digest=want.digest,
                reason=f"as released in {target.name} ({target.time}, {target.commit[:12]})",
                new_name=new_name,
            )
        )
        was = have.tag or short_digest(have.digest or "")
        holds.append((name, f"rolled back to {target.name} (was {was})"))
    if not changes:
        notes.append(f"{env.name} already runs the image set of {target.name}")
        return None, notes
    notes += _missing_digests(app, changes)
    return Release(env.name, tuple(changes), kind=ReleaseKind.ROLLBACK, holds=tuple(holds)), notes


def _missing_digests(app: App, changes: Sequence[Change]) -> list[str]:
    """Best effort for a rollback: warn about restored digests the registry no longer has (or
    that cannot be checked now), but never block an emergency rollback on the registry."""
    out = []
    for c in changes:
        if not c.to_digest:
            continue
        ref = ImageRef.parse(c.repository)
        try:
            if not app.registries.client(ref.registry).exists(ref.repository, c.to_digest):
                out.append(f"{c.image}: {ref.location}@{c.to_digest} no longer exists in the registry")
        except GitOpsBotError as exc:
            out.append(f"{c.image}: could not check {short_digest(c.to_digest)} in the registry ({exc})")
    return out


def hold(
    app: App, environment: str, image: str, reason: str | None, *, pending: Pending | None = None
) -> tuple[Release | None, list[str]]:
    """The release that holds ``image`` in ``environment`` (None with a note: already held).
    ``pending`` are the holds of the environment's open hold pull request that the base does
    not have yet (image -> reason, or None for an unhold): the release carries them too, so a
    second hold joins the open pull request instead of replacing it and dropping the first."""
    env, current = _holds_of(app, environment, image, pending)
    text = reason or "held by hand"
    if current.get(image) == text:
        return None, [f"{image} is already held in {env.name}"]
    return _hold_release(env, pending, image, text), []


def unhold(
    app: App, environment: str, image: str, *, pending: Pending | None = None
) -> tuple[Release | None, list[str]]:
    """The release that lifts ``image``'s hold in ``environment`` (None with a note: not held)."""
    env, current = _holds_of(app, environment, image, pending)
    if image not in current:
        return None, [f"{image} is not held in {env.name}"]
    return _hold_release(env, pending, image, None), []


def _holds_of(
    app: App, environment: str, image: str, pending: Pending | None
) -> tuple[EnvironmentConfig, dict[str, str]]:
    env = app.config.environment(environment)
    if app.config.image(image) is None:
        raise UsageError(f"unknown image {image!r}", hint="name an image listed under 'images'")
    merged = {**app.holds.get(env.name, {}), **(pending or {})}
    return env, {k: v for k, v in merged.items() if v is not None}


def _hold_release(env: EnvironmentConfig, pending: Pending | None, image: str, reason: str | None) -> Release:
    wanted = {**(pending or {}), image: reason}
    return Release(env.name, (), kind=ReleaseKind.HOLD, holds=tuple(sorted(wanted.items())))


# -- helpers ---------------------------------------------------------------------------


def _deployed(app: App, environment: str) -> dict[str, Deployed]:
    env = app.config.environment(environment)
    return {t.image.name: t.deployed for t in app.targets(env) if t.deployed is not None}


def _location(img: ImageConfig, d: Deployed) -> ImageRef:
    """Where the environment pulls the image from: its newName when that is a full
    reference, else the configured repository."""
    if d.new_name:
        try:
            return ImageRef.parse(d.new_name)
        except GitOpsBotError:
            pass
    return img.repository


def _verified(app: App, env: str, img: ImageConfig, ref: ImageRef, digest: str) -> Verification | None:
    """The target's signature policy must hold for the digest; --force does not bypass it."""
    verdict = app.verify(env, img, ref, digest)
    if verdict is not None and not verdict.verified:
        raise GateClosed(
            f"refused: {img.name} {ref.location}@{short_digest(digest)} is not verified for {env}: "
            f"{verdict.reason}",
            hint=f"promote a digest signed as {env}'s verify: policy requires",
        )
    return verdict


def _gate(app: App, application: str, wanted: list[argocd.Wanted], environ: Mapping[str, str]) -> None:
    client = argocd.ArgoCD(app.config.argocd, environ)
    try:
        problems = argocd.check(client.application(application), application, wanted)
    finally:
        client.close()
    if problems:
        raise GateClosed(
            "refused by the Argo CD gate: " + "; ".join(problems),
            hint="wait for the source to be Synced and Healthy, or pass --skip-gate",
        )


def _metadata(app: App, c: Change) -> ImageMetadata | None:
    """Created time and source labels for the PR table; the promotion does not depend on them."""
    img = app.config.image(c.image)
    if img is None or c.to_digest is None:
        return None
    ref = ImageRef.parse(c.repository)
    try:
        return app.registries.client(ref.registry).get_metadata(ref.repository, c.to_digest, img.platform)
    except (RegistryAccessError, RegistryProtocolError):
        return None


def _sources(app: App, ws: Workspace, root: Path, environment: str, images: Sequence[str]) -> dict[str, str]:
    """For each image, the source environment's release that brought its current value."""
    env = app.config.environment(environment)
    paths = app.repo_paths(env, root)
    out: dict[str, str] = {}
    for entry in history.read(ws, ws.base_ref, paths, app.image_specs()):
        for name in entry.changed:
            if name in images and name not in out:
                out[name] = f"release {entry.name} ({entry.time})"
        if len(out) == len(images):
            break
    return out
