"""The dashboard issue: the status table as Markdown in one issue on the forge, for teams that do
not expose ``watch``'s listener (``dashboard: {enabled: true}``; docs/guides/status.md).

``update`` refreshes it after its run and ``watch`` after each repository's run, each in a
read-only session of its own (the pull requests just opened are listed). It shows every
environment whatever ``--env`` a run was given, so two jobs over different environments do not
take turns rewriting it, and it holds no time: the issue is edited only when the table changes
(:func:`gitops_bot.forges.issues.keep`), so its history is the history of the fleet's state.

The Markdown itself (every cell written so Markdown reads it as text only) is
:mod:`gitops_bot.output.dashboard`'s.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from gitops_bot.core.errors import GitOpsBotError, UsageError
from gitops_bot.core.log import get_logger, redact
from gitops_bot.engine.results import Status
from gitops_bot.engine.session import Session, Sessions
from gitops_bot.engine.status import status
from gitops_bot.forges import issues
from gitops_bot.forges import registry as forge_registry
from gitops_bot.output.dashboard import markdown

log = get_logger(__name__)


def keep(s: Session, found: Status | None = None) -> issues.Kept | None:
    """The dashboard made to show ``found`` (None: every environment's status, asked now);
    None when the configuration keeps no dashboard."""
    settings = s.app.config.dashboard
    if not settings.enabled:
        return None
    forge, _ = s.forge()
    board = issues.board_of(forge)
    if board is None:
        raise UsageError(
            f"dashboard: {forge.name} has no issue board gitops-bot can keep "
            f"(supported: {', '.join(forge_registry.with_issues())})",
            hint="set dashboard: {enabled: false} in gitops-bot.yaml, or use watch --status-page",
        )
    body = markdown(found if found is not None else status(s), ref=issues.change_ref(board))
    kept, issue = issues.keep(board, settings.title, body, settings.label)
    log.info("dashboard", action=str(kept), issue=issue.url)
    return kept


def observe(s: Session, env_names: Sequence[str] | None, *, page: bool) -> Status | None:
    """``watch``'s work after a repository's run: its status for the status page (``page``),
    and the dashboard kept (when configured; a failure to keep it is a warning line, the loop
    goes on). Returns the page's status."""
    shown = status(s, env_names) if page else None
    if s.app.config.dashboard.enabled:
        try:
            safely(lambda: keep(s, shown if env_names is None else None))
        except UsageError as exc:  # the page and the next cycles go on; the log says what to fix
            log.error("dashboard_failed", error=redact(str(exc)), hint=exc.hint)
    return shown


def refresh(sessions: Sessions, *, dry_run: bool = False) -> issues.Kept | None:
    """``update``'s dashboard, after its run: in a read-only session of its own, and only when
    the configuration it read keeps one (no session is opened otherwise)."""
    cfg = sessions.config
    if dry_run or cfg is None or not cfg.dashboard.enabled:
        return None
    return safely(lambda: sessions.open(keep, sign=False))


def safely(fn: Callable[[], issues.Kept | None]) -> issues.Kept | None:
    """A dashboard that cannot be kept (the forge refuses or is down) is a warning, never the
    run's failure: the releases it reports on are delivered. A configuration to fix still is."""
    try:
        return fn()
    except UsageError:
        raise
    except GitOpsBotError as exc:
        log.warning(
            "dashboard_failed",
            error=redact(" ".join(str(exc).split())),
            hint="the token needs issues write access" if "403" in str(exc) else exc.hint,
        )
        return None
