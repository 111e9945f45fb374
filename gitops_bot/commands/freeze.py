"""``gitops-bot freeze ENV --until WHEN --reason TEXT`` and ``unfreeze ENV``: a release of kind
freeze that changes the environment's freeze file only (``gitops-bot.freezes/<env>.yaml``),
delivered like every other release by :mod:`gitops_bot.engine.delivery` (so signing, labels,
reviewers and the push race hold for it): by pull request on ``<prefix>/freeze/<env>`` (the
freeze takes effect when it is merged) or by a commit on the base (``write: commit``). The file
is written canonically, so the same freeze twice changes nothing the second time; a duration
(``--until 3d``) is counted from now, so re-running it extends it.
"""

from __future__ import annotations

from dataclasses import dataclass

from gitops_bot.commands.request import Changing, delivered
from gitops_bot.core.errors import UsageError
from gitops_bot.core.instants import OutOfBounds
from gitops_bot.core.model import ReleaseKind
from gitops_bot.core.outside import Outside
from gitops_bot.engine import delivery
from gitops_bot.engine.outcome import Outcome
from gitops_bot.engine.session import Session
from gitops_bot.output.result import Result
from gitops_bot.release.proposal import Release
from gitops_bot.release.windows import Freeze, parse_until


@dataclass(frozen=True, slots=True, kw_only=True)
class Request(Changing):
    environment: str
    until: str
    reason: str


def run(request: Request) -> Result:
    return delivered(
        "freeze",
        request,
        lambda s: freeze(s, request.environment, request.until, request.reason, dry_run=request.dry_run),
    )


def freeze(s: Session, environment: str, until: str, reason: str, *, dry_run: bool = False) -> list[Outcome]:
    env = s.app.config.environment(environment)
    now = s.app.clock()
    try:
        when = parse_until(until, now)
    except OutOfBounds as exc:
        raise UsageError(
            f"--until {until!r} is outside {exc.allowed}",
            hint="give an instant or a duration in that range (or lift the freeze with gitops-bot unfreeze)",
        ) from None
    if when is None:
        raise UsageError(
            f"--until {until!r} is neither an RFC 3339 instant nor a duration",
            hint="write e.g. 2026-12-28T00:00:00Z, or 90m, 12h, 3d, 1w",
        )
    if when <= now:
        raise UsageError(f"--until {until!r} is in the past", hint="give a later instant")
    if not reason.strip():
        raise UsageError("a freeze needs a reason", hint="pass --reason TEXT")
    f = Freeze(env.name, when.replace(microsecond=0), Outside(reason))  # what a person typed
    rel = Release(env.name, (), kind=ReleaseKind.FREEZE, freeze=f)
    return delivery.deliver_one(s, env.name, rel, (), kind=ReleaseKind.FREEZE, dry_run=dry_run)


def unfreeze(s: Session, environment: str, *, dry_run: bool = False) -> list[Outcome]:
    env = s.app.config.environment(environment)
    rel = Release(env.name, (), kind=ReleaseKind.FREEZE, freeze=None)
    return delivery.deliver_one(s, env.name, rel, (), kind=ReleaseKind.FREEZE, dry_run=dry_run)
