"""The results of the commands other than ``plan`` (and ``init``, which plans): what was
released, a history, the DORA report, explain's chains, status, ``update`` over many
repositories, set-image's edit and the JSON Schema. Each is created by the command that returns
it and matched by the renderers that show it (:mod:`gitops_bot.output.command_output`, the
Action's :mod:`gitops_bot.output.github`); a plan loads none of them. The result itself, a
failure and a plan's body are :mod:`gitops_bot.output.result`'s."""

from __future__ import annotations

from enum import StrEnum
from typing import TYPE_CHECKING

from gitops_bot.core.model import PlanItem
from gitops_bot.core.record import record

if TYPE_CHECKING:
    from typing import TypeAlias

    from gitops_bot.core.reading import ImageReading
    from gitops_bot.engine.explain import Explained
    from gitops_bot.engine.outcome import Outcome
    from gitops_bot.engine.report import Reports
    from gitops_bot.engine.results import RepositoryResult, SetImageResult, Status
    from gitops_bot.release.ledger import Entry


class Show(StrEnum):
    """What ``set-image`` shows of its edit."""

    WRITE = "write"  # write the file, say what changed
    DIFF = "diff"  # print a unified diff, write nothing
    CHECK = "check"  # the diff, and exit 1 when the file would change


@record
class Delivered:
    """``update``, ``promote``, ``rollback``, ``hold``, ``unhold``: one outcome per release, and
    the images the plan skipped (so "nothing to do" is never said over a skip)."""

    outcomes: tuple[Outcome, ...]
    skipped: tuple[PlanItem, ...] = ()
    reading: tuple[ImageReading, ...] = ()  # how each environment renders its images (update's)


@record
class HistoryRead:
    """``history ENV``: its releases, newest first."""

    environment: str
    entries: tuple[Entry, ...]


@record
class Reported:
    """``report``: each environment's four DORA keys over a period."""

    reports: Reports


@record
class Explaining:
    """``explain ENV [IMAGE]``: each image's chain of rules and its next change."""

    explained: Explained


@record
class StatusRead:
    """``status``: every environment and image, git beside the cluster, the plan and the PRs."""

    status: Status


@record
class FleetDelivered:
    """``update`` over many repositories: each one's outcomes or error."""

    results: tuple[RepositoryResult, ...]
    exit_code: int

    @property
    def outcomes(self) -> tuple[Outcome, ...]:
        return tuple(o for r in self.results for o in r.outcomes)


@record
class ImageSet:
    """``set-image``: the edit, and how it is to be shown."""

    edit: SetImageResult
    show: Show


@record
class Schema:
    """``schema``: the published JSON Schema's text."""

    text: str


if TYPE_CHECKING:
    CommandBody: TypeAlias = (
        Delivered | HistoryRead | Reported | Explaining | StatusRead | FleetDelivered | ImageSet | Schema
    )
