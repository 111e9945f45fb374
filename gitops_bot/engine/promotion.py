"""A promotion's release: DST gets exactly the digests SRC runs (``gitops-bot promote`` and the
automatic promotions deliver it).

This module gathers what :mod:`gitops_bot.release.promotion` decides on: what both environments run,
the digests of tags SRC pins without one (resolved now), that every digest still exists (HEAD
by digest), the signature verdicts and the PR table's metadata. Whether a person's promotion
may be made at all (a freeze, its source's gates, Argo CD's among them) is the one decision's
(:mod:`gitops_bot.engine.consent`).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import replace

import yaml

from gitops_bot.config import EnvironmentConfig
from gitops_bot.core import files
from gitops_bot.core.errors import (
    GateClosed,
    GitOpsBotError,
    ManifestError,
    RegistryAccessError,
    RegistryProtocolError,
)
from gitops_bot.core.model import ArtifactKind, ImageMetadata, ImageRef, ReleaseKind
from gitops_bot.core.outside import Outside
from gitops_bot.engine import fanout
from gitops_bot.engine.app import App
from gitops_bot.engine.history import deployed, history
from gitops_bot.engine.session import Session
from gitops_bot.manifests.guard import LOADER  # a date naming no day read as Go reads it: a string
from gitops_bot.release import planning, promotion
from gitops_bot.release.proposal import Change, Release


def release(
    s: Session,
    source: str,
    target: str,
    *,
    only: Sequence[str] = (),
    force: bool = False,
) -> tuple[Release | None, list[str]]:
    """The promotion's release (None: nothing to promote) and notes for the output."""
    app = s.app
    src, dst = promotion.environments(app.config, source, target, only=only, force=force)
    app.vetting.prepare([dst])
    images = [n for n in only if app.config.image(n) is not None]
    wanted: promotion.Wanted = []
    notes: list[str] = []
    if images or not only:  # --image naming charts alone promotes no image
        wanted, notes = promotion.wanted(
            app.config, src.name, dst.name, deployed(app, src.name), deployed(app, dst.name), images
        )
    changes = _resolved(app, src, dst, wanted)
    changes += _chart_changes(app, src, dst, only, notes)
    if not changes:
        return None, notes
    promotion.check_holds(dst.name, changes, app.held(dst.name), force=force)
    sources = _sources(s, src.name, [c.image for c in changes])
    labels = fanout.run(
        app, range(len(changes)), lambda i: _metadata(app, changes[i]), what="reading the images' labels"
    )
    changes = [
        replace(
            c,
            reason=Outside(f"{src.name} runs it since {sources[c.image]}")
            if c.image in sources
            else c.reason,
            metadata=labels[i],
        )
        for i, c in enumerate(changes)
    ]
    generated = app.reading(dst).generated
    return (
        Release(dst.name, tuple(changes), kind=ReleaseKind.PROMOTION, source=src.name, generated=generated),
        notes,
    )


def _chart_changes(
    app: App, src: EnvironmentConfig, dst: EnvironmentConfig, only: Sequence[str], notes: list[str]
) -> list[Change]:
    """DST gets the chart versions SRC pins: each chart both pin exactly (a range is each
    environment's own to resolve), named in ``only`` when that is given. One DST pins only
    where other environments render it too is not changed for DST alone, and one SRC does not
    pin, or pins only as a range, cannot be carried: a note says so, in the plan's words."""
    pinned = planning.source_chart_pins(app.chart_targets(src))
    out = []
    for t in app.chart_targets(dst):
        have = t.version
        if have is None or not t.exact or (only and t.chart.name not in only):
            continue
        if (stuck := planning.chart_not_promotable(t, pinned)) is not None:
            notes.append(f"{t.chart.name} (chart): {stuck.reason}")
            continue
        want = pinned[t.chart.name]
        if t.shared and want.version != have:
            notes.append(f"{t.chart.name} (chart): {planning.shared_reason(t)}")
            continue
        if want.version != have:
            out.append(
                Change(
                    environment=dst.name,
                    image=t.chart.name,
                    repository=t.chart.repository,
                    files=(t.file,),
                    from_tag=have,
                    from_digest=None,
                    to_tag=want.version,
                    to_digest=None,
                    reason=Outside(f"{src.name} pins {want.version}"),
                    kind=ArtifactKind.CHART,
                )
            )
    return out


def _resolved(
    app: App, src: EnvironmentConfig, dst: EnvironmentConfig, wanted: promotion.Wanted
) -> list[Change]:
    """Resolve tags SRC runs without a digest, then check every digest still exists and is
    verified for DST. The images are checked at once (one round trip or three each); the first
    refusal in SRC's order is the one raised, as one after another."""

    def one(i: int) -> Change | None:
        img, want, have = wanted[i]
        ref = promotion.location(img, want)
        client = app.registry(ref.registry)
        try:
            digest = want.digest or client.resolve_digest(ref.repository, str(want.tag), img.platform)
        except RegistryAccessError as e:
            if e.status != 404:
                raise
            raise _absent(app, src, img.name, ref, str(want.tag)) from None
        if (have.tag, have.digest) == (want.tag, digest) and promotion.moved_name(img, want, have) is None:
            return None
        if not client.exists(ref.repository, digest):
            raise GateClosed(
                f"refused: {ref.location}@{digest} no longer exists in the registry",
                hint=f"deploy a new build to {src.name} first",
            )
        verdict = app.vetting.verify(dst.name, img, ref, digest)
        promotion.check_verdict(dst.name, img, ref, digest, verdict)
        return promotion.promoted(dst.name, img, ref, want, have, digest, verdict)

    done = fanout.run(app, range(len(wanted)), one, what="checking what to promote")
    return [c for i in range(len(wanted)) if (c := done[i]) is not None]


def _absent(app: App, src: EnvironmentConfig, image: str, ref: ImageRef, tag: str) -> GitOpsBotError:
    """A tag SRC runs that the registry does not hold, named; one its file writes as a YAML
    number (``value: 1.10``: Argo CD's Application schema and kustomize's ``newTag`` take only a
    string, so the deploy tool refuses the file as written) with the fix to quote it."""
    read = app.reading(src).image(image)
    pin = read.effective if read is not None else None
    if pin is not None and pin.branch is None and pin.tag == tag:
        try:
            text = files.read_text(files.inside(app.root, app.config.root / pin.file))
        except (GitOpsBotError, OSError, UnicodeDecodeError):
            text = ""
        lines = text.splitlines()
        written = _SCALAR.match(lines[pin.line - 1]) if 0 < pin.line <= len(lines) else None
        if written and written["value"] == tag and isinstance(yaml.load(tag, Loader=LOADER), int | float):
            key = written["key"]
            return ManifestError(
                pin.file,
                pin.line,
                f"{src.name}'s {key}: {tag} is a YAML number, not the tag string {tag!r}, and "
                f"{ref.location} holds no tag {tag} (HTTP 404)",
                hint=f'quote it ({key}: "{tag}"): the deploy tool takes a tag only as a string',
            )
    return GateClosed(
        f"refused: {src.name} runs {ref.location}:{tag}, which the registry does not hold (HTTP 404)",
        hint=f"push {tag} to {ref.location}, or release {src.name} to a tag the registry holds",
    )


# a line holding one plain scalar: ``key: value`` (in a list item too), a comment after it
_SCALAR = re.compile(r"^\s*(?:-\s+)?(?P<key>[\w.-]+):\s+(?P<value>[^\s#'\"]+)\s*(?:#.*)?$")


def _metadata(app: App, c: Change) -> ImageMetadata | None:
    """Created time and source labels for the PR table; the promotion does not depend on them."""
    img = app.config.image(c.image)
    if img is None or c.to_digest is None:
        return None
    ref = ImageRef.parse(c.repository)
    try:
        return app.registry(ref.registry).get_metadata(ref.repository, c.to_digest, img.platform)
    except (RegistryAccessError, RegistryProtocolError):
        return None


def _sources(s: Session, environment: str, images: Sequence[str]) -> dict[str, str]:
    """For each image, the source environment's release that brought its current value."""
    out: dict[str, str] = {}
    for entry in history(s, environment):
        for name in entry.changed:
            if name in images and name not in out:
                out[name] = f"release {entry.name} ({entry.time})"
        if len(out) == len(images):
            break
    return out
