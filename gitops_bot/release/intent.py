"""A person's intent, read from git: when someone moves an image back by hand (a commit or a pull
request the bot did not make: a manual rollback, or a version pinned below what ran), the bot
holds that image rather than propose the newer one again or roll back over it. PURE.

The release history (:mod:`gitops_bot.release.ledger`) already says which changes the bot made
(their release trailer). For each image, the newest change to it decides:

- made by the bot: nothing to respect;
- made by a person, moving the image to a tag its policy ranks below the tag before (or, for
  a new build of the same tag, to a build the environment ran before): a manual rollback,
  held with the author, commit and subject in the reason;
- made by a person, moving it forward: the person's own next change lifts what their rollback
  asked for.

Nothing is kept outside git: the hold is written to the holds file by a hold release (so
``unhold`` lifts it, and the holds file's history says it was once placed: it is not placed
again for the same commit).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

from gitops_bot.core.model import Deployed, short_digest
from gitops_bot.release.ledger import Entry

PREFIX = "manual rollback:"  # a hold reason this rule wrote


@dataclass(frozen=True, slots=True)
class ManualChange:
    """The newest change to ``image``, made by a person."""

    image: str
    commit: str
    author: str
    subject: str
    before: Deployed
    after: Deployed
    back: bool  # it moved the image back (a rollback), not forward

    def reason(self) -> str:
        """The hold's reason: who, where and what, never "now" (the same for every run)."""
        who = self.author.split(" <", 1)[0]
        subject = " ".join(self.subject.split())[:120]
        return f"{PREFIX} {_ref(self.before)} -> {_ref(self.after)} by {who} in {self.commit[:12]}" + (
            f" ({subject})" if subject else ""
        )


def _ref(d: Deployed) -> str:
    digest = f"@{short_digest(d.digest, algorithm=False)[:12]}" if d.digest else ""
    return f"{d.tag or ''}{digest}" or "(none)"


def _same(a: Deployed | None, b: Deployed | None) -> bool:
    return a is not None and b is not None and (a.tag, a.digest) == (b.tag, b.digest)


# (image, new, old): whether the policy ranks new below old; None: it cannot rank them
Older = Callable[[str, Deployed, Deployed], bool | None]


def manual_changes(entries: Sequence[Entry], older: Older) -> dict[str, ManualChange]:
    """For each image whose newest change (``entries``: an environment's releases, newest
    first) a person made, that change; ``older`` ranks two values by the image's policy."""
    out: dict[str, ManualChange] = {}
    seen: set[str] = set()
    for i, entry in enumerate(entries):
        for image in entry.changed:
            if image in seen:
                continue
            seen.add(image)
            if entry.release is not None or i + 1 >= len(entries):
                continue  # the bot's own release, or the image's first appearance
            before, after = entries[i + 1].images.get(image), entry.images.get(image)
            if before is None or after is None:
                continue
            ranked = older(image, after, before)
            # the policy ranks two tags; a new build of one tag is a rollback when it ran before
            back = (
                ranked
                if ranked is not None
                else any(_same(e.images.get(image), after) for e in entries[i + 2 :])
            )
            out[image] = ManualChange(image, entry.commit, entry.author, entry.subject, before, after, back)
    return out


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
