"""What Bitbucket Cloud and Bitbucket Data Center say alike: a commit's build statuses (a
``key`` and a ``state`` each, the newest per key) and the pull-request fields neither has."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from gitops_bot.core import checks
from gitops_bot.core.checks import Check, CheckState
from gitops_bot.forges import forge

no_labels = forge.lacks(
    "Bitbucket", "labels", "remove pull_request.labels, or leave them for the other forges"
)
no_assignees = forge.lacks("Bitbucket", "assignees", "name them as reviewers instead")


def build_checks(listed: Iterable[Any], states: Mapping[str, CheckState]) -> tuple[Check, ...]:
    """The checks of a build-status listing; a state the product does not document is a failure."""
    out = []
    for s in listed:
        key, state = (s.get(k) if isinstance(s, dict) else None for k in ("key", "state"))
        if isinstance(key, str) and isinstance(state, str):
            out.append(Check(key, states.get(state, CheckState.FAILURE), state))
    return checks.newest(out)
