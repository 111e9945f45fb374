"""One vocabulary of outcomes: plan, update, status and the page count the same decisions in
the same words (gitops_bot.output.words), and docs/concepts/decisions.md defines each one."""

from __future__ import annotations

from gitops_bot.core.model import (
    Candidate,
    Decision,
    DecisionAction,
    DecisionRule,
    Deployed,
    EnvironmentMode,
    EnvironmentPlan,
    Plan,
    PlanAction,
    PlanItem,
)
from gitops_bot.engine.results import Row, Status
from gitops_bot.output import release_text, status_cells, text, words
from testkit.paths import ROOT

DIGEST = "sha256:" + "b" * 64


def _item(image: str, action: PlanAction, decision: Decision) -> PlanItem:
    return PlanItem(
        "dev",
        image,
        "overlays/dev",
        f"acme/{image}",
        "semver",
        action,
        decision.reason,
        Deployed(image, None, "1.0", None),
        Candidate("1.1", DIGEST),
        decision=decision,
    )


SIGNATURE = Decision(DecisionAction.BLOCKED, DecisionRule.SIGNATURE, "1.1 not verified: no signature")
ITEMS = (
    _item("app", PlanAction.SKIP, SIGNATURE),
    _item("worker", PlanAction.SKIP, SIGNATURE),
    _item("web", PlanAction.UPDATE, Decision(DecisionAction.PROPOSE, DecisionRule.POLICY, "highest of 2")),
)


def test_the_same_decisions_are_counted_in_the_same_words_by_plan_update_and_status() -> None:
    plan = text.plan_text(Plan((EnvironmentPlan("dev", EnvironmentMode.REGISTRY, ITEMS),)))
    assert plan.splitlines()[-1] == "1 to propose; 2 blocked; 0 skipped"
    update = release_text.update_text([], skipped=ITEMS[:2])
    assert update.startswith("Nothing to change; 2 blocked (dev app: 1.1 not verified: no signature; ")
    rows = tuple(Row("dev", i.image, i.file, i.current, "x", i, None, None) for i in ITEMS)
    assert "; 1 to propose; 2 blocked; 0 skipped; " in status_cells.summary(Status(rows))


def test_the_docs_define_each_word_once() -> None:
    page = (ROOT / "docs/concepts/decisions.md").read_text(encoding="utf-8")
    table = page.split("<!-- words -->", 1)[1].split("\n\n", 1)[0]
    rows = [line.split("|")[1:3] for line in table.strip().splitlines()[2:]]
    documented = {a.strip().strip("`"): w.strip() for a, w in rows}
    assert documented == {a.value: w for a, w in words.COUNTED.items()}
    assert set(words.COUNTED) == set(DecisionAction)  # a new action gets its word
