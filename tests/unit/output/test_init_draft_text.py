"""init's draft (charts found, no environment it can name) is printed as a draft: never said
to be what `init --write` writes (a draft is never written), and no first plan is announced
under it, since none runs."""

from __future__ import annotations

from gitops_bot.core.model import Plan
from gitops_bot.output.result import Initialized
from gitops_bot.output.text import init_text

DRAFT = "# DRAFT: init found no environment it can name, but the charts below ...\nversion: 1\n"


def test_a_draft_is_not_said_to_be_written_nor_followed_by_a_plan() -> None:
    shown = init_text(
        Initialized(DRAFT, None, (), (), error="gitops-bot: error: found no environment", draft=True),
        Plan(()),
    )
    assert "init --write` writes it" not in shown
    assert "The first plan under it" not in shown
    assert "a draft, not written" in shown


def test_a_found_configuration_still_says_how_to_write_it() -> None:
    shown = init_text(Initialized("version: 1\n"), Plan(()))
    assert "Printed only: `gitops-bot init --write` writes it as gitops-bot.yaml." in shown


def test_a_configuration_whose_first_plan_failed_is_no_draft() -> None:
    """A first plan that failed (exit 2) is an error too: the configuration is still the one
    --write writes, not a draft."""
    failed = "gitops-bot: error: the first plan under it failed: gitops-bot.holds.yaml:2: not valid YAML"
    shown = init_text(Initialized("version: 1\n", None, (), ("holds",), error=failed), Plan(()))
    assert "a draft" not in shown
    assert "Printed only: `gitops-bot init --write` writes it" in shown
