"""One typed result, rendered for each reader: the terminal (text, JSON), the Action's log,
outputs and step summary. And the images a plan skipped are never hidden behind "nothing to do"."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest

from gitops_bot import output
from gitops_bot.cli import execute, main
from gitops_bot.core.model import (
    Decision,
    DecisionAction,
    DecisionRule,
    Deployed,
    EnvironmentMode,
    EnvironmentPlan,
    OutcomeAction,
    Plan,
    PlanAction,
    PlanItem,
)
from gitops_bot.core.reading import ImageReading, Pin, PinKind, PinStatus
from gitops_bot.engine.outcome import Outcome
from gitops_bot.output import as_json, github, release_text
from gitops_bot.output.command_results import Delivered, ImageSet, Show
from gitops_bot.output.result import Failed, Format, Result
from gitops_bot.output.text import plan_text
from gitops_bot.release.proposal import Change


def skip(environment: str, image: str, reason: str) -> PlanItem:
    current = Deployed(image, None, "1.0.0", None)
    return PlanItem(
        environment, image, "kustomization.yaml", image, "semver", PlanAction.SKIP, reason, current
    )


SKIPS = (
    skip("staging", "example/worker", "registry: not found (HTTP 404)"),
    skip("production", "example/app", "no tag matches ^1"),
)


LINE = (
    "2 skipped (staging example/worker: registry: not found (HTTP 404); "
    "production example/app: no tag matches ^1); see `gitops-bot plan`"
)


PR = Outcome(
    "staging",
    (
        Change(
            "staging", "example/app", "r/app", ("k.yaml",), "1.0.0", None, "1.1.0", "sha256:" + "1" * 64, "x"
        ),
    ),
    OutcomeAction.PULL_REQUEST,
    url="https://x/pull/1",
)


def test_nothing_to_change_says_how_many_images_were_skipped_and_why() -> None:
    assert release_text.update_text([], skipped=SKIPS) == f"Nothing to change; {LINE}"
    assert release_text.update_text([]) == "Nothing to do: every environment runs what its policies choose."
    text = release_text.update_text([PR], skipped=SKIPS[:1])
    assert text.endswith(
        "  staging: example/app 1.0.0 -> 1.1.0: pull request https://x/pull/1\n"
        "  1 skipped (staging example/worker: registry: not found (HTTP 404)); see `gitops-bot plan`"
    )


def test_many_skips_stay_one_line() -> None:
    many = tuple(skip(f"env{n}", "example/app", "no tag matches") for n in range(5))
    line = release_text.update_text([], skipped=many)
    assert "\n" not in line and line.endswith("; and 2 more); see `gitops-bot plan`")
    assert line.startswith("Nothing to change; 5 skipped (env0 example/app: no tag matches; ")


def test_the_action_and_json_carry_the_skips_too() -> None:
    result = Result("update", Delivered((), SKIPS), format=Format.JSON)
    assert github.short(result) == f"gitops-bot update: nothing to change; {LINE}"
    assert f"Nothing to change; {LINE}." in github.markdown_summary(result)
    assert github.outputs(result)["changed"] == "false"
    doc = as_json.document(result)
    assert (
        doc is not None
        and doc["results"] == []
        and doc["skipped"][1]
        == {
            "environment": "production",
            "image": "example/app",
            "action": "skip",  # what was decided, in the words plan and status count by
            "reason": "no tag matches ^1",
        }
    )
    # without skips, the v1 document is what it always was
    assert as_json.document(Result("update", Delivered(()))) == {
        "schema": "gitops-bot/update/v1",
        "changed": False,
        "results": [],
    }


def test_one_result_feeds_the_terminal_and_the_action_alike() -> None:
    result = Result("update", Delivered((PR,)), format=Format.JSON)
    out, err = io.StringIO(), io.StringIO()
    output.emit(result, out, err)
    assert err.getvalue() == ""
    outputs = github.outputs(result)
    assert json.loads(outputs["plan"]) == json.loads(out.getvalue())
    assert outputs["pr-url"] == "https://x/pull/1" and outputs["changed"] == "true"
    assert github.short(result) == "gitops-bot update: staging: pull_request"


def test_execute_returns_typed_results_and_failures_as_values(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    k = tmp_path / "kustomization.yaml"
    k.write_text("images:\n  - name: app\n    newTag: '1.0'\n")
    monkeypatch.chdir(tmp_path)
    result = execute(["set-image", "--check", "app:1.1"])
    assert result.exit_code == 5 and isinstance(result.body, ImageSet)
    assert result.body.show is Show.CHECK and result.body.edit.changed and not result.body.edit.written
    failed = execute(["set-image", "--file", str(tmp_path / "missing.yaml"), "app:1.1"])
    assert failed.exit_code == 2 and output.error_lines(failed)[0].startswith("gitops-bot: error: ")
    assert main(["set-image", "app:1.1"]) == 0
    assert capsys.readouterr().err == f"{k}: updated app newTag 1.0 -> 1.1\n"
    assert k.read_text() == "images:\n  - name: app\n    newTag: '1.1'\n"


def test_the_history_summary_names_changed_charts_beside_images() -> None:
    """A release that moved only a chart still says what it changed in the step summary."""
    from gitops_bot.output.command_results import HistoryRead
    from gitops_bot.release.ledger import Entry

    entry = Entry("a" * 40, "2026-11-23T10:00:00Z", "bot", "s", "r1", 4, {}, (), {}, ("podinfo",))
    summary = github.markdown_summary(Result("history", HistoryRead("dev", (entry,)), 0))
    assert summary.strip().splitlines()[-1].endswith("| podinfo (chart) |")


def test_a_run_that_stopped_after_reading_git_still_shows_the_reading_on_every_surface() -> None:
    """A registry out of reach ends the run (exit 3), but what git shows is not unsaid: the
    terminal prints each environment's images before the error line, the Action's step summary
    tables them, the JSON error document carries them."""
    pin = Pin("overlays/staging/kustomization.yaml", 5, PinKind.KUSTOMIZE, True, (), tag="1.2.0")
    reading = (ImageReading("staging", "ghcr.io/acme/app", PinStatus.PINNED, (pin,)),)
    line = "gitops-bot: error: registry ghcr.io unreachable: connection refused"
    failed = Result("plan", Failed(line, reading), 3)
    out, err = io.StringIO(), io.StringIO()
    output.emit(failed, out, err)
    assert out.getvalue().splitlines()[1:] == [
        "staging",
        "  ghcr.io/acme/app  1.2.0  pinned at overlays/staging/kustomization.yaml:5",
    ]
    assert err.getvalue() == line + "\n"
    summary = github.markdown_summary(failed)
    # the reading's words as Markdown text: its dots and colons escaped, never a link
    row = r"| staging | `ghcr.io/acme/app` | `1.2.0` | pinned at overlays/staging/kustomization\.yaml\:5 |"
    assert row in summary
    out = io.StringIO()
    output.emit(Result("plan", Failed(line, reading), 3, format=Format.JSON), out, io.StringIO())
    assert json.loads(out.getvalue())["reading"][0]["image"] == "ghcr.io/acme/app"


def test_a_row_a_person_promotes_is_marked_as_one_not_as_up_to_date() -> None:
    """The plan's marks say what happens to a row: ``==`` nothing; a promotion that is ready
    changes the environment once a person runs the command its reason names, so its mark says
    so (``=>``) instead of the ``==`` of a row that is up to date."""
    current = Deployed("example/app", None, "1.0.0", None)
    ready = PlanItem(
        "production",
        "example/app",
        "overlays/production/kustomization.yaml",
        "ghcr.io/acme/app",
        "semver",
        PlanAction.NONE,
        "receives promotions from staging",
        current,
        decision=Decision(
            DecisionAction.PROMOTE,
            DecisionRule.PROMOTION,
            "staging runs 1.1.0; run 'gitops-bot promote staging production'",
        ),
    )
    same = PlanItem(
        "production",
        "example/worker",
        "overlays/production/kustomization.yaml",
        "ghcr.io/acme/worker",
        "semver",
        PlanAction.NONE,
        "runs what staging runs",
        current,
        decision=Decision(DecisionAction.UP_TO_DATE, DecisionRule.PROMOTION, "runs what staging runs"),
    )
    shown = plan_text(
        Plan(
            (EnvironmentPlan("production", EnvironmentMode.REGISTRY, (ready, same), promote_from="staging"),)
        )
    )
    rows = shown.splitlines()[1:3]
    assert rows[0].split()[2] == "=>" and "promote (promotion)" in rows[0]
    assert rows[1].split()[2] == "==" and "up to date (promotion)" in rows[1]
