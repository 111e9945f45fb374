"""The chain behind a decision and the next change, as each surface lays them out: ``explain``'s
text (every rule in precedence order, the winner marked, the next change last), the status
page (a ``<details>`` under each decision, a "Next change" fact per environment) and the
dashboard issue (a collapsed details block per row, bounded, and a next change per
environment). What the chain says is :mod:`gitops_bot.release.decision`'s (tests/unit/release/
test_chain.py); these hold the layouts."""

from __future__ import annotations

import re
from dataclasses import replace
from datetime import UTC, datetime, timedelta

from gitops_bot.core.model import Decision, DecisionAction, DecisionRule, Deployed, PlanAction, PlanItem
from gitops_bot.engine.explain import Explained, Explanation
from gitops_bot.engine.results import NextChange, Row, Status
from gitops_bot.output import dashboard, status_html
from gitops_bot.output.explain_text import explain_text
from gitops_bot.release.decision import Facts, chain
from gitops_bot.release.windows import Deferral
from testkit.markup import shown
from testkit.surfaces import Section

NOW = datetime(2026, 11, 20, 15, 0, tzinfo=UTC)
OPENS = NOW + timedelta(hours=9)
DEPLOYED = Deployed("example/app", "registry.example/app", "1.0.0", "sha256:" + "a" * 64)
FACTS = Facts("production", window=Deferral("deny window fri 16:00-24:00 UTC", OPENS), commits=True, now=NOW)


def _item(image: str = "example/app") -> PlanItem:
    item = PlanItem(
        "production", image, "f.yaml", "registry.example/app", "semver", PlanAction.UPDATE, "1.1.0", DEPLOYED
    )
    return replace(item, decision=chain(item, FACTS)[-1].decision)


def _change() -> NextChange:
    return NextChange(
        OPENS, Decision(DecisionAction.PROPOSE, DecisionRule.POLICY, "1.1.0"), ("the window opens",)
    )


def _row(image: str) -> Row:
    item = _item(image)
    return Row("production", image, "f.yaml", DEPLOYED, "registry.example/app", item, None, None,
               chain=chain(item, FACTS))  # fmt: skip


def test_explain_text_lists_every_rule_marks_the_winner_and_ends_with_the_next_change() -> None:
    item = _item()
    found = Explained("production", NOW, NOW, (Explanation(item, chain(item, FACTS), _change()),))
    lines = explain_text(found).splitlines()
    assert lines[0] == "production at 2026-11-20T15:00:00Z"
    assert lines[2] == "example/app (runs 1.0.0@aaaaaaaaaaaa)"
    assert (
        lines[3]
        == "  decision: wait (window): deny window fri 16:00-24:00 UTC until Sat 2026-11-21 00:00 UTC (1.1.0)"
    )
    rules = [line.split()[0] for line in lines[5:-1]]
    assert rules == ["error", "hold", "auto_rollback", "freeze", "signature", "promotion", "min_age",
                     "policy", "gate", "window"]  # fmt: skip
    (won,) = [line for line in lines if "(decides)" in line]
    assert won.split()[:3] == ["window", "blocking", "(decides)"]
    assert lines[-1] == "  next change: 2026-11-21T00:00:00Z (the window opens): propose: 1.1.0"
    ahead = explain_text(replace(found, at=NOW + timedelta(days=1))).splitlines()[0]
    assert ahead.endswith("(now is 2026-11-20T15:00:00Z; gates, health, checks and the registry's "
                          "contents are taken as they read now)")  # fmt: skip


def test_the_page_opens_on_the_chain_under_each_decision_and_says_the_next_change() -> None:
    found = Status(
        (_row("example/app"), _row("example/worker")), {}, {"production": ("example/app", _change())}
    )
    page = status_html.render([Section(None, NOW, found)], "v1")
    assert page.count('<details class="chain"><summary>Why: every rule, in precedence order</summary>') == 2
    assert page.count('<tr class="wins"><td><code>window</code></td><td>blocking (decides)</td>') == 2
    assert (
        "<dt>Next change</dt><dd>example/app at 2026-11-21T00:00:00Z (the window opens): propose: 1.1.0"
        in page
    )


def test_the_dashboard_collapses_each_chain_says_the_next_change_and_stays_bounded() -> None:
    found = Status((_row("example/app"),), {}, {"production": ("example/app", _change())})
    issue = dashboard.markdown(found)
    assert "<details>\n<summary>why production example/app: wait (window)</summary>\n" in issue
    assert "next change in production: example/app at 2026-11-21T00:00:00Z (the window opens)" in shown(issue)
    many = Status(tuple(_row(f"example/app{k}") for k in range(dashboard.CHAINS + 5)))
    body = dashboard.markdown(many)
    assert len(re.findall(r"^<details>$", body, re.M)) == dashboard.CHAINS
    assert "the chains of 5 more rows: gitops-bot explain ENV" in shown(body)
