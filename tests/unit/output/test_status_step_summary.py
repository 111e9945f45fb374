"""The Action's ``status`` step: ``$GITHUB_STEP_SUMMARY`` gets the status table, the very table
the dashboard issue holds (one renderer: the same cells, the same escaping, the PR as GitHub's
own ``#n``), without the issue's introduction about editing it; an empty fleet says so."""

from __future__ import annotations

from markdown_it import MarkdownIt

from gitops_bot.core.model import Candidate, Deployed, PlanAction, PlanItem
from gitops_bot.engine.results import Row, Status
from gitops_bot.forges.forge import ChangeRequest
from gitops_bot.output import dashboard, github
from gitops_bot.output.command_results import StatusRead
from gitops_bot.output.result import Result

DIGEST = "sha256:" + "b" * 64
PR = ChangeRequest(7, "https://github.com/acme/gitops/pull/7", "gitops-bot/dev", "dev: example/app", "")


def row(env: str, reason: str, pr: ChangeRequest | None) -> Row:
    current = Deployed("example/app", "127.0.0.1:5000/acme/app", "1.2.0", None)
    item = PlanItem(
        env,
        "example/app",
        "overlays/x",
        "acme/app",
        "semver ^1",
        PlanAction.UPDATE,
        reason,
        current,
        Candidate("1.4.1", DIGEST),
    )
    return Row(
        env,
        "example/app",
        "overlays/x/kustomization.yaml",
        current,
        "127.0.0.1:5000/acme/app",
        item,
        pr,
        None,
    )


def test_the_status_summary_is_the_dashboards_table_under_a_heading() -> None:
    found = Status(
        (row("dev", "would propose: a | b @admins <b>x</b>", PR), row("staging", "up to date", None))
    )
    summary = github.markdown_summary(Result("status", StatusRead(found), 0))
    assert summary == f"### gitops-bot status\n\n{dashboard.table(found)}\n"
    assert "edits by hand are overwritten" not in summary  # the words, not the step's

    tokens = MarkdownIt("commonmark").enable("table").parse(summary)
    rows = [t for t in tokens if t.type == "tr_open"]
    assert len(rows) == 3  # the heading row and one per image
    cells = [t.content for t in tokens if t.type == "inline"]
    assert "#7" in cells  # GitHub links its own pull request
    html = MarkdownIt("commonmark").enable("table").render(summary)
    assert "<b>" not in html and "@admins" not in html  # text stays text, nobody is notified


def test_a_fleet_without_images_says_so() -> None:
    summary = github.markdown_summary(Result("status", StatusRead(Status(())), 0))
    assert "No images: no environment deploys an image gitops-bot.yaml lists." in summary
