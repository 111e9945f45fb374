"""The ``dashboard:`` section: the one issue the bot keeps on the forge with the status table
(docs/guides/status.md)."""

from __future__ import annotations

from gitops_bot.config.kinds import BOOL, STR
from gitops_bot.config.spec import Field, Section, matches
from gitops_bot.scm.issues import DEFAULT_LABEL, DEFAULT_TITLE, DashboardSettings

DASHBOARD = Section(
    (
        Field(
            "enabled",
            BOOL,
            False,
            description="Keep one issue on the forge with the status table, updated by update and by "
            "watch each cycle, edited only when it changes (GitHub).",
        ),
        Field(
            "title",
            STR,
            DEFAULT_TITLE,
            (matches(r"^[^\r\n]{1,200}$", "dashboard title must be one line of at most 200 characters"),),
            description="The issue's title.",
        ),
        Field(
            "label",
            STR,
            DEFAULT_LABEL,
            (
                matches(
                    r"^[^,\r\n]{1,50}$", "dashboard label must be one name of at most 50 characters, no comma"
                ),
            ),
            description="The label the issue is found by (with a marker in its body).",
        ),
    ),
    lambda v: DashboardSettings(**v.values),
    name="dashboard",
)
