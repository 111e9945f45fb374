"""What a command produced, typed: the one value the CLI, the Action and tests render.

``cli.execute`` returns a :class:`Result`; ``output`` turns it into text or JSON for a terminal,
and into outputs, a log and a step summary for GitHub Actions. Each renderer matches the body
exhaustively, so a new kind of result is a type error until every renderer knows it.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import TYPE_CHECKING, Any

from gitops_bot.core.model import Plan, PlanItem

if TYPE_CHECKING:
    from gitops_bot.core.reading import ChartReading, ImageReading
    from gitops_bot.engine.explain import Explained
    from gitops_bot.engine.outcome import Outcome
    from gitops_bot.engine.report import Reports
    from gitops_bot.engine.results import RepositoryResult, SetImageResult, Status
    from gitops_bot.release.ledger import Entry
    from gitops_bot.render.diff import Rendered


class Format(StrEnum):
    """``--output``: for people or for machines."""

    TEXT = "text"
    JSON = "json"


class Show(StrEnum):
    """What ``set-image`` shows of its edit."""

    WRITE = "write"  # write the file, say what changed
    DIFF = "diff"  # print a unified diff, write nothing
    CHECK = "check"  # the diff, and exit 1 when the file would change


@dataclass(frozen=True, slots=True)
class Planned:
    """``plan``: what each environment runs and could run."""

    plan: Plan
    rendered: tuple[Rendered, ...] = ()  # the rendered diff of what update would propose
    init: Initialized | None = None  # ``init``: the configuration written before its first plan


@dataclass(frozen=True, slots=True)
class Initialized:
    """``init``: the configuration found in the repository (its commented text), where it was
    written (None: printed only), what the registries said of each guessed policy (``--registry``)
    and what the onboarding pull request became (``--pull-request``)."""

    config: str
    written: str | None = None
    checks: tuple[str, ...] = ()
    notes: tuple[str, ...] = ()  # what the first plan could not do (no environment pins an image)
    onboarding: str | None = None
    # the line saying which registries --registry could not reach (exit 3), after all the rest
    error: str | None = None

    def to_json(self) -> dict[str, Any]:
        return {
            "config": self.config,
            "written": self.written,
            "checks": list(self.checks),
            "notes": list(self.notes),
            "onboarding": self.onboarding,
            "error": self.error,
        }


@dataclass(frozen=True, slots=True)
class Delivered:
    """``update``, ``promote``, ``rollback``, ``hold``, ``unhold``: one outcome per release, and
    the images the plan skipped (so "nothing to do" is never said over a skip)."""

    outcomes: tuple[Outcome, ...]
    skipped: tuple[PlanItem, ...] = ()
    reading: tuple[ImageReading, ...] = ()  # how each environment renders its images (update's)


@dataclass(frozen=True, slots=True)
class HistoryRead:
    """``history ENV``: its releases, newest first."""

    environment: str
    entries: tuple[Entry, ...]


@dataclass(frozen=True, slots=True)
class Reported:
    """``report``: each environment's four DORA keys over a period."""

    reports: Reports


@dataclass(frozen=True, slots=True)
class Explaining:
    """``explain ENV [IMAGE]``: each image's chain of rules and its next change."""

    explained: Explained


@dataclass(frozen=True, slots=True)
class StatusRead:
    """``status``: every environment and image, git beside the cluster, the plan and the PRs."""

    status: Status


@dataclass(frozen=True, slots=True)
class FleetDelivered:
    """``update`` over many repositories: each one's outcomes or error."""

    results: tuple[RepositoryResult, ...]
    exit_code: int

    @property
    def outcomes(self) -> tuple[Outcome, ...]:
        return tuple(o for r in self.results for o in r.outcomes)


@dataclass(frozen=True, slots=True)
class ImageSet:
    """``set-image``: the edit, and how it is to be shown."""

    edit: SetImageResult
    show: Show


@dataclass(frozen=True, slots=True)
class Schema:
    """``schema``: the published JSON Schema's text."""

    text: str


@dataclass(frozen=True, slots=True)
class Failed:
    """An expected failure: one line for stderr (already redacted), and what the environments
    render when it was read before the failure."""

    line: str
    reading: tuple[ImageReading | ChartReading, ...] = ()  # a chart's entry beside the images'

    @property
    def message(self) -> str:
        return self.line.removeprefix("gitops-bot: error: ")


Body = (
    Planned
    | Delivered
    | HistoryRead
    | Reported
    | Explaining
    | StatusRead
    | FleetDelivered
    | ImageSet
    | Schema
    | Failed
    | None
)


@dataclass(frozen=True, slots=True)
class Result:
    """A command's result and exit code; ``body`` None when there is nothing to show (``watch``)."""

    command: str
    body: Body
    exit_code: int = 0
    format: Format = Format.TEXT
