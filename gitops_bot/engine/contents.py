"""What is in a release: for each image change, the source commits between the revision that
runs now and the one proposed (docs/concepts/release-contents.md).

The source repository and revision come from the images' OCI labels
(``org.opencontainers.image.source``, ``org.opencontainers.image.revision``), else from the
image's ``source:`` settings. One compare call per image change, only for a release that opens
or updates a pull request; nothing here can fail the release: what could not be found becomes
one line of the body.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from dataclasses import replace

from gitops_bot.config import Config
from gitops_bot.core.errors import GitOpsBotError
from gitops_bot.core.log import get_logger
from gitops_bot.core.model import ImageMetadata, ImageRef, ReleaseKind
from gitops_bot.core.outside import Outside
from gitops_bot.core.settings import GOREGEXP
from gitops_bot.engine import fanout
from gitops_bot.engine.app import App
from gitops_bot.forges import registry as forges
from gitops_bot.forges.compare_kit import CompareUnavailable, Comparison, head_of
from gitops_bot.forges.forge import Forge
from gitops_bot.forges.remotes import remote_server
from gitops_bot.forges.settings import SourceConfig
from gitops_bot.forges.sources import SourceHistory, Sources, hosts_for
from gitops_bot.release.proposal import Change, Release

log = get_logger(__name__)


def history(cfg: Config, url: str, forge: Forge | None) -> SourceHistory:
    """The forges the run may ask about source repositories: the GitOps forge's host with its
    token (bound to that host only; a dry run, which connects no forge, asks without it), and
    github.com anonymously."""
    kind = forges.kind(cfg, url)
    api = cfg.forge.api_url or (cfg.github.api_url if kind == "github" else None)
    token = forges.git_secret(cfg, url, forge) if forge is not None else None
    return Sources(hosts_for(kind, api, remote_server(url), token))


# tests replace it to answer from a fake forge
make_history: Callable[[Config, str, Forge | None], SourceHistory] = history


def attach(app: App, rel: Release, source: SourceHistory) -> Release:
    """``rel`` with each change's commits (or the line saying why they are unknown). The images'
    labels are read for every change at once (a release of a thousand images is a thousand
    round trips apart otherwise); the source compares, one forge call each, stay one at a time,
    as forges ask of one client."""
    if not unread(rel):
        return rel
    labels = read_labels(app, rel.changes)
    once = _Once(source)
    changes = tuple(_one(app, rel.kind, c, once, labels) for c in rel.changes)
    return replace(rel, changes=changes, contents_read=True)


def unread(rel: Release) -> bool:
    """Whether :func:`attach` has anything to read for ``rel``: a release's contents are read
    once, and a hold or a release of no change has none."""
    return rel.kind is not ReleaseKind.HOLD and bool(rel.changes) and not rel.contents_read


class _Once:
    """One compare per (repository, base, head) in a release: images built from one commit of
    one repository (a monorepo's services) share its answer, or its refusal."""

    def __init__(self, source: SourceHistory) -> None:
        self._source = source
        self._answers: dict[tuple[str, str, str], Comparison | CompareUnavailable] = {}

    def compare(self, repository: str, base: str, head: str) -> Comparison:
        key = (repository, base, head)
        if key not in self._answers:
            try:
                self._answers[key] = self._source.compare(repository, base, head)
            except CompareUnavailable as exc:
                self._answers[key] = exc
        found = self._answers[key]
        if isinstance(found, CompareUnavailable):
            raise CompareUnavailable(str(found))
        return found


_Key = tuple[str, str, str | None]  # (repository, reference, platform)


def _running(c: Change) -> str | None:
    """The reference of what runs now, when the change has commits to list (None: it has none)."""
    running = c.from_digest or c.from_tag  # an overlay pinning only a tag: that tag's image
    if running is None or c.to_digest is None or c.from_digest == c.to_digest:
        return None
    if c.from_digest is None and c.from_tag == c.to_tag:
        return None  # pinning the digest of the tag that runs: the same build, nothing to list
    return running


def _platform(app: App, c: Change) -> str | None:
    img = app.config.image(c.image)
    return img.platform if img else None


def read_labels(app: App, changes: tuple[Change, ...]) -> dict[_Key, ImageMetadata | None]:
    """The labels the changes that list commits need, read concurrently: first the proposed
    images' (where the plan did not read them already), then the running images' of the changes
    whose source repository is known (without one there is nothing to compare: two round trips
    an image saved)."""
    listing = [c for c in changes if _running(c) is not None and c.to_digest is not None]
    proposed: dict[_Key, None] = {
        (c.repository, str(c.to_digest), _platform(app, c)): None for c in listing if c.metadata is None
    }
    labels = fanout.run(app, proposed, lambda k: _metadata(app, *k), what="reading the images' labels")
    running: dict[_Key, None] = {
        (c.repository, str(_running(c)), _platform(app, c)): None
        for c in listing
        if _source(app, c, c.metadata or labels[(c.repository, str(c.to_digest), _platform(app, c))])
    }
    # a running build that is another change's proposed one (a history's builds replace each
    # other: the report reads most of them in both roles) is read once
    again = {k: None for k in running if k not in labels}
    return labels | fanout.run(app, again, lambda k: _metadata(app, *k), what="reading the images' labels")


def _settings(app: App, c: Change) -> SourceConfig:
    img = app.config.image(c.image)
    return img.source if img and img.source else SourceConfig()


def _source(app: App, c: Change, new: ImageMetadata | None) -> str | None:
    """The source repository of the proposed image: its label, else the image's settings."""
    return (new.source if new else None) or _settings(app, c).repository


def _one(
    app: App, kind: ReleaseKind, c: Change, source: SourceHistory, labels: dict[_Key, ImageMetadata | None]
) -> Change:
    found = revisions(app, kind, c, labels)
    if found is None:
        return c
    if isinstance(found, Outside):
        return replace(c, contents_note=found)
    repository, base, head = found
    try:
        compared = source.compare(repository, base, head)
    except CompareUnavailable as exc:
        log.info("release_contents_unavailable", image=c.image, repository=repository, reason=str(exc))
        return replace(c, contents_note=Outside(f"{repository}: {exc}"))
    last = head_of(compared, repository, head) if kind is not ReleaseKind.ROLLBACK else None
    built = (
        (last.sha.lower(), last.time)
        if last is not None and not isinstance(last, str) and last.time
        else None
    )
    return replace(c, contents=compared, built_from=built)


def revisions(
    app: App, kind: ReleaseKind, c: Change, labels: dict[_Key, ImageMetadata | None]
) -> tuple[str, str, str] | Outside | None:
    """The comparison a change lists, as (source repository, base, head) from the images'
    labels (:func:`read_labels`) or the image's ``source:`` settings; the line saying why it
    has none; None: the change has no commits to list (the same build, or a new image)."""
    running = _running(c)
    if running is None or c.to_digest is None:
        return None
    settings = _settings(app, c)
    platform = _platform(app, c)
    new = c.metadata or labels[(c.repository, c.to_digest, platform)]
    repository = _source(app, c, new)
    head = (new.revision if new else None) or _from_tag(settings, c.to_tag)
    if repository is None:  # the running image was not read: there is nothing to compare it with
        note = "no source repository (label org.opencontainers.image.source or source.repository)"
        return Outside(note if head else f"{note}, no revision of the proposed image")
    old = labels[(c.repository, running, platform)]
    base = (old.revision if old else None) or _from_tag(settings, c.from_tag)
    missing = [
        what
        for what, value in (("revision of the running image", base), ("revision of the proposed image", head))
        if not value
    ]
    if missing:
        return Outside("no " + ", no ".join(missing))
    assert base and head
    if kind is ReleaseKind.ROLLBACK:
        base, head = head, base  # what the rollback takes out: from the restored revision to the running one
    return repository, base, head


def _from_tag(settings: SourceConfig, tag: str | None) -> str | None:
    if not settings.revision_from_tag or not tag:
        return None
    regexp = importlib.import_module(GOREGEXP).compiled(settings.revision_from_tag)
    sha: str | None = regexp.group(tag, "sha", True)
    return sha or None


def _metadata(app: App, repository: str, reference: str, platform: str | None) -> ImageMetadata | None:
    ref = ImageRef.parse(repository)
    try:
        return app.registry(ref.registry).get_metadata(ref.repository, reference, platform)
    except GitOpsBotError as exc:
        log.info("release_contents_no_metadata", repository=repository, reason=str(exc))
        return None
