"""The commit status a release's pull request carries while ``min_age`` holds its image: what
branch protection can require, so a person cannot merge what the forge's clock still holds."""

from __future__ import annotations

from datetime import datetime

from gitops_bot.core.checks import CheckState
from gitops_bot.core.errors import GitOpsBotError
from gitops_bot.core.instants import format_instant
from gitops_bot.core.log import redact
from gitops_bot.forges import statuses as statuses_port
from gitops_bot.forges.forge import Forge

MIN_AGE_STATUS = "gitops-bot/min-age"


def report(forge: Forge, sha: str, waits: datetime | None) -> list[str]:
    """Pending until ``waits``, then success. Reported only when it changes (a new head, the
    wait ending), so a run that changes nothing writes nothing; a forge without the port, or a
    token without the permission, leaves the body's words alone (the warning returned)."""
    port = statuses_port.statuses_of(forge)
    if port is None:
        return []
    state, said = (
        (CheckState.PENDING, f"min_age: do not merge before {format_instant(waits)}")
        if waits is not None
        else (CheckState.SUCCESS, "min_age has passed")
    )
    try:
        port.report_status(sha, MIN_AGE_STATUS, state, said)
    except GitOpsBotError as exc:
        return [f"status {MIN_AGE_STATUS} not set: {redact(str(exc))[:200]}"]
    return []
