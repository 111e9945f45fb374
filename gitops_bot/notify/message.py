"""PURE: what happened -> a :class:`Notice` -> the body each destination type expects.

A notice names the environment, every image from -> to (tag and short digest), the pull
request or commit, and the reason (the policy's choice, or the error)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Protocol, assert_never

from gitops_bot.core.model import OutcomeAction, ReleaseKind, WriteMode, short_digest
from gitops_bot.core.outside import Outside, Part, mrkdwn, plain, safe_url
from gitops_bot.core.outside import teams as teams_text
from gitops_bot.core.record import record

TITLES = {
    "proposed": "Release proposed",
    "committed": "Release committed",
    "promoted": "Promotion",
    "rolled_back": "Rollback",
    "hold": "Hold changed",
    "gate_refused": "Promotion refused by the gate",
    "failed": "gitops-bot run failed",
}


class NotifiedChange(Protocol):
    """What a notice says of one image's change (:class:`gitops_bot.release.proposal.Change` is
    one; no import: releases sit above the adapters that announce them)."""

    @property
    def image(self) -> str: ...

    @property
    def repository(self) -> str: ...

    @property
    def from_tag(self) -> str | None: ...

    @property
    def from_digest(self) -> str | None: ...

    @property
    def to_tag(self) -> str | None: ...

    @property
    def to_digest(self) -> str | None: ...

    @property
    def reason(self) -> str: ...


class OutcomeLike(Protocol):
    """What :class:`gitops_bot.engine.outcome.Outcome` offers (no import: the use cases import us)."""

    @property
    def environment(self) -> str: ...

    @property
    def changes(self) -> tuple[NotifiedChange, ...]: ...

    @property
    def action(self) -> OutcomeAction: ...

    @property
    def write(self) -> WriteMode: ...

    @property
    def kind(self) -> ReleaseKind: ...

    @property
    def url(self) -> str | None: ...

    @property
    def commit(self) -> str | None: ...

    @property
    def title(self) -> str | None: ...

    @property
    def warnings(self) -> Sequence[str]: ...


@record
class Notice:
    event: str
    environment: str | None
    changes: tuple[NotifiedChange, ...] = ()
    url: str | None = None
    commit: str | None = None
    reason: Outside | None = None
    title: Outside | None = None
    dry_run: bool = False

    @property
    def headline(self) -> str:
        where = f" in {self.environment}" if self.environment else ""
        return f"{'[dry run] ' if self.dry_run else ''}{TITLES[self.event]}{where}"

    def lines(self) -> list[tuple[Part, ...]]:
        """The notice's lines as parts: each destination's medium writes the outside ones
        (tags, titles, reasons quoting Argo CD or a person) by its own rule."""
        out: list[tuple[Part, ...]] = [
            (
                c.image,
                ": ",
                Outside(_version(c.from_tag, c.from_digest)),
                " -> ",
                Outside(_version(c.to_tag, c.to_digest)),
            )
            for c in self.changes
        ]
        if self.title and not self.changes:
            out.append((Outside(self.title),))
        if self.url:  # the forge's answer: a link only when it is a plain http(s) URL
            out.append(("Pull request: ", self.url if safe_url(self.url) else Outside(self.url)))
        elif self.commit:
            out.append((f"Commit: {self.commit[:12]}",))
        if self.reason:
            out.append(("Reason: ", Outside(self.reason)))
        return out

    def text(self) -> str:
        return "\n".join([self.headline, *(plain(*parts) for parts in self.lines())])


def _version(tag: str | None, digest: str | None) -> str:
    short = short_digest(digest, algorithm=False) if digest else None
    if tag and short:
        return f"{tag} ({short})"
    return tag or short or "(none)"


def event_of(o: OutcomeLike) -> str | None:
    """The notification event an outcome is, or None (unchanged, closed: nothing to tell)."""
    match o.action:
        case OutcomeAction.UNCHANGED | OutcomeAction.CLOSED:
            return None
        case OutcomeAction.PULL_REQUEST | OutcomeAction.COMMIT | OutcomeAction.DRY_RUN:
            pass
        case _ as unreachable:
            assert_never(unreachable)
    match o.kind:
        case ReleaseKind.PROMOTION:
            return "promoted"
        case ReleaseKind.ROLLBACK:
            return "rolled_back"
        case ReleaseKind.HOLD:
            return "hold"
        case ReleaseKind.UPDATE | ReleaseKind.FREEZE:  # a freeze has always been told as a change
            committed = o.action is OutcomeAction.COMMIT or (
                o.action is OutcomeAction.DRY_RUN and o.write is WriteMode.COMMIT
            )
            return "committed" if committed else "proposed"
        case _ as unknown_kind:
            assert_never(unknown_kind)


def from_outcomes(outcomes: Sequence[OutcomeLike]) -> list[Notice]:
    out = []
    for o in outcomes:
        event = event_of(o)
        if event is None:
            continue
        reasons = sorted({c.reason for c in o.changes if c.reason})
        out.append(
            Notice(
                event,
                o.environment,
                o.changes,
                o.url,
                o.commit,
                Outside("; ".join(reasons)) if reasons else None,
                Outside(o.title) if o.title else None,
                dry_run=o.action is OutcomeAction.DRY_RUN,
            )
        )
    return out


def from_error(error: BaseException, *, gate: bool, command: str, dry_run: bool) -> Notice:
    reason = f"{command}: {error}" if gate or str(error) else f"{command}: {type(error).__name__}"
    return Notice("gate_refused" if gate else "failed", None, reason=Outside(reason), dry_run=dry_run)


def slack(n: Notice) -> dict[str, Any]:
    """A Slack incoming webhook: ``text`` (mrkdwn) is what every client shows."""
    lines = [f"*{n.headline}*", *[f"• {mrkdwn(*parts)}" for parts in n.lines()]]
    return {"text": "\n".join(lines)}


def teams(n: Notice) -> dict[str, Any]:
    """A Teams incoming webhook (Workflows): a message carrying one Adaptive Card."""
    body: list[dict[str, Any]] = [{"type": "TextBlock", "text": n.headline, "weight": "Bolder", "wrap": True}]
    body += [{"type": "TextBlock", "text": teams_text(*parts), "wrap": True} for parts in n.lines()]
    card = {
        "$schema": "http://adaptivecards.io/schemas/adaptive-card.json",
        "type": "AdaptiveCard",
        "version": "1.4",
        "body": body,
    }
    if n.url:
        card["actions"] = [{"type": "Action.OpenUrl", "title": "Open pull request", "url": n.url}]
    return {
        "type": "message",
        "attachments": [{"contentType": "application/vnd.microsoft.card.adaptive", "content": card}],
    }


def webhook(n: Notice) -> dict[str, Any]:
    """The generic JSON body: every field, for a program to read."""
    return {
        "event": n.event,
        "environment": n.environment,
        "dry_run": n.dry_run,
        "images": [
            {
                "image": c.image,
                "repository": c.repository,
                "from": {"tag": c.from_tag, "digest": c.from_digest},
                "to": {"tag": c.to_tag, "digest": c.to_digest},
            }
            for c in n.changes
        ],
        "pull_request": n.url,
        "commit": n.commit,
        "title": n.title,
        "reason": n.reason,
        "text": n.text(),
    }


RENDERERS = {"slack": slack, "teams": teams, "webhook": webhook}
