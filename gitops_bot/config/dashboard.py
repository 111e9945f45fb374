"""The ``dashboard:`` section: the one issue the bot keeps on the forge with the status table
(docs/guides/status.md). Its keys are declared on :class:`gitops_bot.forges.issues.DashboardSettings`."""

from __future__ import annotations

from gitops_bot.config.kinds import section_of
from gitops_bot.forges.issues import DashboardSettings

DASHBOARD = section_of(
    DashboardSettings,
    lambda v: DashboardSettings(**v.values),
    name="dashboard",
    description="One issue on the forge the bot keeps up to date with the status table "
    "(docs/guides/status.md).",
)
