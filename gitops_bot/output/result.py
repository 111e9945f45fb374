"""What a command produced, typed: the one value the CLI, the Action and tests render.

``cli.execute`` returns a :class:`Result`; ``output`` turns it into text or JSON for a terminal,
and into outputs, a log and a step summary for GitHub Actions. Each renderer matches the body
exhaustively, so a new kind of result is a type error until every renderer knows it.

This module holds the result itself, a failure and a plan's (and init's) body, which every run
may print; the other commands' bodies are :mod:`gitops_bot.output.command_results`', imported
by the commands that return them and the renderers that show them: a plan creates none of them.
"""

from __future__ import annotations

from enum import StrEnum
from typing import TYPE_CHECKING, Any

from gitops_bot.core.model import Plan
from gitops_bot.core.record import record

if TYPE_CHECKING:
    from typing import TypeAlias

    from gitops_bot.core.reading import ChartReading, ImageReading
    from gitops_bot.output.command_results import CommandBody
    from gitops_bot.render.diff import Rendered


class Format(StrEnum):
    """``--output``: for people or for machines."""

    TEXT = "text"
    JSON = "json"


@record
class Planned:
    """``plan``: what each environment runs and could run."""

    plan: Plan
    rendered: tuple[Rendered, ...] = ()  # the rendered diff of what update would propose
    init: Initialized | None = None  # ``init``: the configuration written before its first plan


@record
class Initialized:
    """``init``: the configuration found in the repository (its commented text), where it was
    written (None: printed only), what the registries said of each guessed policy (``--registry``)
    and what the onboarding pull request became (``--pull-request``)."""

    config: str
    written: str | None = None
    checks: tuple[str, ...] = ()
    notes: tuple[str, ...] = ()  # what the first plan could not do (no environment pins an image)
    onboarding: str | None = None
    # the line saying which registries --registry could not reach (exit 3), or that the first
    # plan failed, after all the rest
    error: str | None = None
    draft: bool = False  # a draft (charts, no environment init can name): printed, never written
    # notes that matter only in a case init cannot tell and less likely (the extra a public
    # registry's image needs only if its repository is private): after the plan, not before it
    unlikely: tuple[str, ...] = ()

    def to_json(self) -> dict[str, Any]:
        return {
            "config": self.config,
            "written": self.written,
            "checks": list(self.checks),
            "notes": [*self.notes, *self.unlikely],
            "onboarding": self.onboarding,
            "error": self.error,
        }


@record
class Failed:
    """An expected failure: one line for stderr (already redacted), and what the environments
    render when it was read before the failure."""

    line: str
    reading: tuple[ImageReading | ChartReading, ...] = ()  # a chart's entry beside the images'

    @property
    def message(self) -> str:
        return self.line.removeprefix("gitops-bot: error: ")


if TYPE_CHECKING:
    Body: TypeAlias = Planned | Failed | CommandBody | None


@record
class Result:
    """A command's result and exit code; ``body`` None when there is nothing to show (``watch``)."""

    command: str
    body: Body
    exit_code: int = 0
    format: Format = Format.TEXT
