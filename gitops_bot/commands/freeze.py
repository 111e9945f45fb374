"""``gitops-bot freeze ENV --until WHEN --reason TEXT`` and ``unfreeze ENV``: a release of kind
freeze that changes the environment's freeze file only (``gitops-bot.freezes/<env>.yaml``),
delivered like every other release by :mod:`gitops_bot.engine.delivery` (so signing, labels,
reviewers and the push race hold for it): by pull request on ``<prefix>/freeze/<env>`` (the
freeze takes effect when it is merged) or by a commit on the base (``write: commit``). The file
is written canonically, so the same freeze twice changes nothing the second time; a duration
(``--until 3d``) is counted from now, so re-running it extends it.

``--all`` stops the line: one freeze for every environment (those added later too), one
release on ``<prefix>/freeze/_all`` delivered the same way (one pull request, or one commit when
every environment lands by commit: :func:`gitops_bot.release.freezes.everywhere_environment`);
``unfreeze --all`` lifts exactly it. Its outcome names ``all environments``.
"""

from __future__ import annotations

from dataclasses import replace

from gitops_bot.commands.request import Changing, delivered
from gitops_bot.core.errors import UsageError
from gitops_bot.core.instants import OutOfBounds
from gitops_bot.core.model import ReleaseKind
from gitops_bot.core.outside import Outside
from gitops_bot.core.record import record
from gitops_bot.engine import delivery
from gitops_bot.engine.outcome import Outcome
from gitops_bot.engine.session import Session
from gitops_bot.output.result import Result
from gitops_bot.release import freezes
from gitops_bot.release.proposal import Release
from gitops_bot.release.windows import EVERYWHERE, EVERYWHERE_SHOWN, Freeze, parse_until


@record(kw_only=True)
class Request(Changing):
    environment: str | None = None
    everywhere: bool = False  # --all: stop the line
    until: str
    reason: str


def run(request: Request) -> Result:
    target(request.environment, request.everywhere, "freeze")
    return delivered(
        "freeze",
        request,
        lambda s: freeze(
            s,
            request.environment,
            request.until,
            request.reason,
            everywhere=request.everywhere,
            dry_run=request.dry_run,
        ),
    )


def target(environment: str | None, everywhere: bool, command: str) -> None:
    """Exactly one of ENV and ``--all``, said in one line before anything is read."""
    if everywhere and environment is not None:
        raise UsageError(
            f"{command} takes ENV or --all, not both",
            hint=f"'gitops-bot {command} {environment}' for one environment, "
            f"'gitops-bot {command} --all' for every environment",
        )
    if not everywhere and environment is None:
        raise UsageError(
            f"{command} needs ENV or --all",
            hint=f"name the environment, or pass --all for every environment (gitops-bot {command} --help)",
        )


def freeze(
    s: Session,
    environment: str | None,
    until: str,
    reason: str,
    *,
    everywhere: bool = False,
    dry_run: bool = False,
) -> list[Outcome]:
    """Freeze ``environment``, or with ``everywhere`` stop the line (``environment`` None)."""
    # an environment is looked up first: none can be named like the stopped line's record
    name = EVERYWHERE if everywhere else s.app.config.environment(str(environment)).name
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
    f = Freeze(name, when.replace(microsecond=0), Outside(reason))  # what a person typed
    rel = Release(name, (), kind=ReleaseKind.FREEZE, freeze=f)
    return _named(delivery.deliver_one(s, name, rel, (), kind=ReleaseKind.FREEZE, dry_run=dry_run))


def unfreeze(
    s: Session, environment: str | None, *, everywhere: bool = False, dry_run: bool = False
) -> list[Outcome]:
    """Lift ``environment``'s own freeze, or with ``everywhere`` restart the line; either says
    in one line what stays frozen (the line, or environments' own freezes)."""
    name = EVERYWHERE if everywhere else s.app.config.environment(str(environment)).name
    root, now = s.app.config.root, s.app.clock()
    freezes.guard(s.root, root)
    if everywhere:  # read once: a fleet of environments is not read once per environment
        configured = {e.name for e in s.app.config.environments}
        own = [f for f in freezes.load(root) if f.environment in configured and f.active(now)]
        notes = [f"{f.environment} stays frozen: {f.text()}" for f in own]
    else:
        notes = [n for n in (freezes.still_frozen(root, name, now),) if n]
    rel = Release(name, (), kind=ReleaseKind.FREEZE, freeze=None)
    return _named(delivery.deliver_one(s, name, rel, notes, kind=ReleaseKind.FREEZE, dry_run=dry_run))


def _named(outcomes: list[Outcome]) -> list[Outcome]:
    """The stopped line's outcome names what it holds, "all environments", as people read it
    (the results, the text summary, notifications)."""
    return [replace(o, environment=EVERYWHERE_SHOWN) if o.environment == EVERYWHERE else o for o in outcomes]
