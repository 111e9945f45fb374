"""A person's intent, read from git: when someone moves an image back by hand (a commit or a pull
request the bot did not make: a manual rollback, or a version pinned below what ran), the bot
holds that image rather than propose the newer one again or roll back over it. PURE.

Which changes the bot made is read from what they did, not only from who signed them: a commit
whose release trailer (:mod:`gitops_bot.release.ledger`) names a release is the bot's only when
the values it leaves are the ones that release set. A release id is a hash of the values it sets
(:attr:`Release.release_id <gitops_bot.release.proposal.Release.release_id>`), so the trailer
itself is the record: a trailer copied onto another change (``git commit -C``), or a bot pull
request a reviewer re-pinned before merging it, leaves values that do not hash to the id it
names, and is a person's change. Where a file has no place for a digest the bot wrote the tag
alone; such a release is checked against the to-values its commit message lists (checked in turn
against the id), the digest aside. For each image, the newest change to it decides:

- made by the bot: nothing to respect;
- made by a person, moving the image to a tag its policy ranks below the tag before (or, where
  the tags do not say, to a build the environment ran before: the same digest whatever its tag,
  kept or dropped, or, for values without a digest, the same tag): a manual rollback, held with
  who, the commit and its subject in the reason;
- made by a person, moving it forward: the person's own next change lifts what their rollback
  asked for.

Nothing is kept outside git: the hold is written to the holds file by a hold release (so
``unhold`` lifts it, and the holds file's history says it was once placed: it is not placed
again for the same commit).
"""

from __future__ import annotations

import functools
import importlib
import re
from collections.abc import Callable, Mapping, Sequence
from typing import cast

from gitops_bot.core.model import Deployed, short_digest
from gitops_bot.core.outside import Outside
from gitops_bot.core.record import record
from gitops_bot.release.ledger import Entry

PREFIX = "manual rollback:"  # a hold reason this rule wrote
# The pull request's writer, whose rule gives a release its id: imported by name when a history
# holds a release of the bot's to compare (a plan of a checkout with none does not load it).
PROPOSAL = "gitops_bot.release.proposal"


# compiled at its first use, not at import: a plan's start-up does not use it
# a release's own line in its commit message: "- IMAGE FROM -> TO" and, when pinned, " (DIGEST)"
@functools.cache
def _record_line() -> re.Pattern[str]:
    return re.compile(r"^- (\S+) \S+ -> (\S+)(?: \(([a-z0-9]+:[0-9a-f]+)\))?$")


Values = dict[str, tuple[str | None, str | None]]  # name -> (tag or chart version, digest)


@record
class ManualChange:
    """The newest change to ``image``, made by a person."""

    image: str
    commit: str
    author: str
    subject: str
    before: Deployed
    after: Deployed
    back: bool  # it moved the image back (a rollback), not forward
    # who committed it, when its author was copied with a release trailer that did not hold
    # (``git commit -C`` keeps the bot's authorship): "" when the author made it
    committer: str = ""

    def reason(self) -> str:
        """The hold's reason: who, where and what, never "now" (the same for every run)."""
        who = self.author.split(" <", 1)[0]
        by = self.committer.split(" <", 1)[0]
        if by and by != who:
            who = f"{by} (author {who})"
        subject = " ".join(self.subject.split())[:120]
        return f"{PREFIX} {_ref(self.before)} -> {_ref(self.after)} by {who} in {self.commit[:12]}" + (
            f" ({subject})" if subject else ""
        )


def _ref(d: Deployed) -> str:
    digest = f"@{short_digest(d.digest, algorithm=False)[:12]}" if d.digest else ""
    return f"{d.tag or ''}{digest}" or "(none)"


def _same(a: Deployed, b: Deployed | None) -> bool:
    """Whether ``a`` is the build ``b`` was: the same digest, whatever the tags say (a tag kept
    or dropped over another build names nothing); without both digests, the same tag and no
    digest either side."""
    if b is None:
        return False
    if a.digest and b.digest:
        return a.digest == b.digest
    if a.tag is None or b.tag is None:
        return False  # a digest on one side only, and no tag to compare: another value
    return (a.tag, a.digest) == (b.tag, b.digest)


def _values(entry: Entry) -> Values:
    """What ``entry`` left for each image and chart it changed."""
    out: Values = {}
    for name in entry.changed:
        d = entry.images.get(name)
        out[name] = (d.tag, d.digest) if d is not None else (None, None)
    for name in entry.changed_charts:
        out[name] = (entry.charts.get(name), None)
    return out


def _release_id(release: str, values: Values) -> str:
    """The id a release setting ``values`` in ``release``'s environment has: the bot's own
    rule (:attr:`Release.release_id`), so the two never drift apart."""
    proposal = importlib.import_module(PROPOSAL)
    environment = release.rsplit("-", 1)[0]
    changes = tuple(
        proposal.Change(environment, name, "", (), None, None, tag, digest, Outside(""))
        for name, (tag, digest) in values.items()
    )
    return cast(str, proposal.Release(environment, changes).release_id)


def record_of(message: str, release: str) -> Values | None:
    """The to-values release ``release`` recorded in its commit message ``message`` (its
    ``- IMAGE FROM -> TO (DIGEST)`` lines), when they are the ones its id names; else None."""
    values: Values = {}
    for line in message.splitlines():
        if (m := _record_line().match(line.strip())) is None:
            continue
        name, shown, digest = m.groups()
        tag = None if digest and shown == short_digest(digest) else shown
        values[name] = (tag, digest)
    return values if values and _release_id(release, values) == release else None


def made_by_release(entry: Entry, record: Values | None = None) -> bool:
    """Whether ``entry`` is the release its trailer names: the values it left are the ones that
    release set (its id is their hash). ``record``: the to-values its commit message lists, for
    a release whose file had no place for a digest (written with the tag alone)."""
    if entry.release is None:
        return False
    left = _values(entry)
    if _release_id(entry.release, left) == entry.release:
        return True
    if record is None or set(record) != set(left):
        return False
    return all(
        tag == record[name][0] and digest in (None, record[name][1]) for name, (tag, digest) in left.items()
    )


# (image, new, old): whether the policy ranks new below old; None: it cannot rank them
Older = Callable[[str, Deployed, Deployed], bool | None]


def manual_changes(
    entries: Sequence[Entry],
    older: Older,
    records: Mapping[str, Values | None] | None = None,
    committers: Mapping[str, str] | None = None,
) -> dict[str, ManualChange]:
    """For each image whose newest change (``entries``: an environment's releases, newest
    first) a person made, that change; ``older`` ranks two values by the image's policy.

    A change is the bot's when :func:`made_by_release` says so; ``records`` (by commit) the
    to-values read from the commit messages of the trailers that did not hold by their id,
    ``committers`` (by commit) who committed those."""
    out: dict[str, ManualChange] = {}
    seen: set[str] = set()
    for i, entry in enumerate(entries):
        for image in entry.changed:
            if image in seen:
                continue
            seen.add(image)
            if i + 1 >= len(entries) or made_by_release(entry, (records or {}).get(entry.commit)):
                continue  # the image's first appearance, or the bot's own release
            before, after = entries[i + 1].images.get(image), entry.images.get(image)
            if before is None or after is None:
                continue
            ranked = older(image, after, before)
            # the policy ranks two tags; where the tags do not say (the same tag, a tag kept
            # over another build, a tag dropped), what ran decides: a build that ran before
            back = (
                ranked
                if ranked is not None
                else any(_same(after, e.images.get(image)) for e in entries[i + 2 :])
            )
            committer = (committers or {}).get(entry.commit, "") if entry.release is not None else ""
            out[image] = ManualChange(
                image, entry.commit, entry.author, entry.subject, before, after, back, committer
            )
    return out


def shown(environment: str, image: str, reason: str) -> str:
    """A hold's reason as said: one this rule wrote (read from history, in the holds file or
    not yet) gains the command that lifts it, since it may hold from the first plan of a
    repository whose old rollback the user never knew of; any other hold is said as written."""
    fix = f"(fix: gitops-bot unhold {environment} {image})"
    return f"{reason} {fix}" if reason.startswith(PREFIX) and not reason.endswith(fix) else reason


def to_hold(changes: Mapping[str, ManualChange], held: Mapping[str, str]) -> dict[str, ManualChange]:
    """The manual rollbacks not held yet (``held``: the environment's holds)."""
    return {name: c for name, c in changes.items() if c.back and name not in held}


def to_lift(changes: Mapping[str, ManualChange], held: Mapping[str, str]) -> list[str]:
    """The images this rule held whose person has since moved them forward."""
    return [
        name
        for name, reason in held.items()
        if reason.startswith(PREFIX)
        and (c := changes.get(name)) is not None
        and not c.back
        and c.commit[:12] not in reason
    ]
