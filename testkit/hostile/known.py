"""Failures the harness has found whose fix is under way in another part of the tree: each is
tolerated (and reported) only for its service and only while its words match, so anything
else the same service does wrong still fails the test. An entry leaves this table with the
fix that ends it, and each entry's ``why`` names where that fix belongs."""

from __future__ import annotations

import re
from dataclasses import dataclass


@dataclass(frozen=True)
class Known:
    service: str
    problem: str  # a regular expression over one line of :func:`testkit.hostile.run.problems`
    why: str  # where the fix belongs

    def matches(self, service: str, problem: str) -> bool:
        return service == self.service and re.search(self.problem, problem) is not None


KNOWN: tuple[Known, ...] = ()


def known(service: str, problem: str) -> Known | None:
    return next((k for k in KNOWN if k.matches(service, problem)), None)
