"""What the use cases return: one :class:`Outcome` per release (``history`` returns
:class:`gitops_bot.release.proposal.ledger.Entry` values); ``output`` renders them, ``notify`` sends them."""

from __future__ import annotations

from dataclasses import field
from typing import TYPE_CHECKING, Any

from gitops_bot.core.model import OutcomeAction, ReleaseKind, WriteMode
from gitops_bot.core.record import record
from gitops_bot.release.next_step import NextStep
from gitops_bot.release.proposal import Change

if TYPE_CHECKING:
    from gitops_bot.render.diff import Rendered


@record
class Outcome:
    """What happened to one release; feeds the summary, JSON output and the Action."""

    environment: str
    changes: tuple[Change, ...]
    action: OutcomeAction
    branch: str | None = None
    url: str | None = None
    commit: str | None = None
    release_id: str | None = None
    title: str | None = None
    body: str | None = None
    diff: str | None = None
    warnings: list[str] = field(default_factory=list)
    write: WriteMode = WriteMode.PULL_REQUEST  # the environment's write mode
    kind: ReleaseKind = ReleaseKind.UPDATE
    rendered: tuple[Rendered, ...] = ()  # the rendered diff (docs/manifests/rendered-diff.md)
    # an automatic release's rule and instants (docs/concepts/auto-promote.md, auto-rollback.md)
    decision: dict[str, Any] | None = None
    # the release's next step, as decided: what the run did and the dry run would do
    # (docs/concepts/decisions.md#next-steps)
    step: NextStep | None = None

    def _would(self) -> dict[str, Any]:
        return {"title": self.title, "body": self.body, "diff": self.diff}

    def to_json(self) -> dict[str, Any]:
        return {
            "environment": self.environment,
            "action": self.action,
            "release": self.release_id,
            "branch": self.branch,
            "pull_request": self.url,
            "commit": self.commit,
            "kind": self.kind,
            "images": [
                {
                    "image": c.image,
                    "from": {"tag": c.from_tag, "digest": c.from_digest},
                    "to": {"tag": c.to_tag, "digest": c.to_digest},
                    "files": list(c.files),
                    "verification": c.verification.to_json() if c.verification else None,
                }
                for c in self.changes
            ],
            "warnings": self.warnings,
            # added only when rendering was asked: a document without it stays what it was
            **({"rendered": [r.to_json() for r in self.rendered]} if self.rendered else {}),
            **({"decision": self.decision} if self.decision is not None else {}),
            **({"next_step": self.step.to_json()} if self.step is not None else {}),
            # a dry run carries what it would publish, for the Action's log
            **(self._would() if self.action is OutcomeAction.DRY_RUN else {}),
        }
