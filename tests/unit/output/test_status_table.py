"""``gitops-bot status`` rendered: the table fits the width it is given, is coloured only on a
terminal and never under NO_COLOR, and the JSON document keeps its published shape, with a
cell its source could not answer marked unknown and the reason given."""

from __future__ import annotations

import io
import json
import re

import pytest

from gitops_bot import output
from gitops_bot.core.model import Candidate, Deployed, PlanAction, PlanItem, WrittenRef
from gitops_bot.engine.results import SCHEMA, GateStatus, Row, Status, Unknown
from gitops_bot.forges.forge import ChangeRequest
from gitops_bot.gate.argocd import State
from gitops_bot.output.command_results import StatusRead
from gitops_bot.output.result import Format, Result
from gitops_bot.output.status_text import status_text, use_color, width_for

DIGEST_A = "sha256:" + "a" * 64
DIGEST_B = "sha256:" + "b" * 64
LONG = "highest of 4 tags matching semver ^1, newer than the deployed 1.2.0 and signed by CI's key"


def item(env: str, action: PlanAction, reason: str, candidate: Candidate | None = None) -> PlanItem:
    current = Deployed("example/app", None, "1.2.0", DIGEST_A)
    return PlanItem(
        env, "example/app", "overlays/x", "acme/app", "semver ^1", action, reason, current, candidate
    )


GATE = GateStatus(
    "app-staging",
    State("Synced", "Healthy", "Succeeded"),
    (WrittenRef("127.0.0.1:5000/acme/app", "1.2.0", DIGEST_A), WrittenRef("127.0.0.1:5000/acme/other", "2")),
    (),
)
PR = ChangeRequest(7, "https://github.com/acme/gitops/pull/7", "gitops-bot/dev", "dev: example/app", "")
ARGO_DOWN = Unknown("Argo CD at https://argocd.example.com is unavailable (HTTP 503)", 3, "try again later")


def row(env: str, plan: PlanItem | Unknown, *, pr: object = None, gate: object = None) -> Row:
    return Row(
        env,
        "example/app",
        "overlays/x/kustomization.yaml",
        Deployed("example/app", "127.0.0.1:5000/acme/app", "1.2.0", DIGEST_A),
        "127.0.0.1:5000/acme/app",
        plan,
        pr,  # type: ignore[arg-type]
        gate,  # type: ignore[arg-type]
    )


STATUS = Status(
    (
        row("dev", item("dev", PlanAction.UPDATE, LONG, Candidate("1.4.1", DIGEST_B)), pr=PR),
        row(
            "staging", item("staging", PlanAction.NONE, "up to date", Candidate("1.2.0", DIGEST_A)), gate=GATE
        ),
        row(
            "production",
            item("production", PlanAction.HELD, "held: incident 42 (1.4.1 available)"),
            gate=ARGO_DOWN,
        ),
    )
)
ANSI = re.compile(r"\033\[[0-9;]*m")


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def _blocks(text: str) -> dict[str, list[str]]:
    """Each environment's lines (its heading first), by its name."""
    out: dict[str, list[str]] = {}
    for block in text.split("\n\n")[:-1]:
        lines = block.splitlines()
        out[lines[0].split()[0]] = lines
    return out


@pytest.mark.parametrize("width", [80, 120])
def test_in_a_narrow_terminal_every_line_fits_names_are_whole_and_the_decision_wraps_under_its_row(
    width: int,
) -> None:
    text = status_text(STATUS, width=width)
    lines = text.splitlines()
    assert all(len(line) <= width for line in lines), [len(line) for line in lines]
    blocks = _blocks(text)
    assert list(blocks) == ["dev", "staging", "production"]  # grouped, in the order configured
    for env, block in blocks.items():
        header = next(line for line in block if line.strip().startswith("IMAGE"))
        assert header.split() == ["IMAGE", "DECLARED", "CLUSTER", "CANDIDATE"], env
        assert any(line.startswith("  example/app  ") for line in block), env  # never cut
    # the decision is whole, on lines of its own under its row
    assert LONG in " ".join(line.strip() for line in blocks["dev"][3:])
    assert ("…" in text) is (width == 80)  # the references give way where they must


def test_without_a_width_nothing_is_shortened_and_the_decision_is_a_column() -> None:
    text = status_text(STATUS)
    assert LONG in text and "…" not in text
    assert _blocks(text)["dev"][1].split()[-1] == "DECISION"
    assert max(len(line) for line in text.splitlines()) > 80


def test_cells_say_what_each_source_answered() -> None:
    blocks = _blocks(status_text(STATUS))
    dev, staging, production = (b[2] for b in blocks.values())
    assert blocks["dev"][0] == "dev  no gate · pull request #7"
    assert "1.2.0@aaaaaaaa " in dev and "1.4.1@bbbbbbbb " in dev
    assert "would propose: " in dev and dev.count("no gate") == 1
    assert blocks["staging"][0] == "staging  gate open (Synced, Healthy) · no pull request"
    assert "acme/other" not in staging
    # the cluster runs this image's declared digest (acme/other is another image); the policy's
    # candidate is the declared one too
    assert staging.count("1.2.0@aaaaaaaa ") == 1 and staging.count("= declared") == 2
    assert "held: incident 42" in production
    assert "unknown: Argo CD at https://argocd.example.com is unavailable" in blocks["production"][0]
    assert "unknown: Argo CD at https://argocd.example.com is unavailable" in production
    assert "try again later" not in "".join(blocks["production"])  # the hint is for the error line


def test_a_frozen_environment_says_so_under_its_name_and_its_gate_is_not_green() -> None:
    from dataclasses import replace

    from gitops_bot.core.model import Decision, DecisionAction, DecisionRule

    frozen = Decision(
        DecisionAction.BLOCKED, DecisionRule.FREEZE, "staging is frozen until 2026-12-01T00:00:00Z: launch"
    )
    plan = replace(item("staging", PlanAction.HELD, "frozen"), decision=frozen)
    text = status_text(Status((row("staging", plan, gate=GATE),)), width=80, color=True)
    heading, state = text.splitlines()[:2]
    assert ANSI.sub("", heading) == "staging  gate open (Synced, Healthy) · no pull request"
    assert "\033[32m" not in heading  # no green over a freeze
    assert state == "  \033[35mFrozen: staging is frozen until 2026-12-01T00:00:00Z: launch\033[0m"


def test_colour_only_when_asked_and_never_shifts_the_columns() -> None:
    plain, coloured = status_text(STATUS, width=100), status_text(STATUS, width=100, color=True)
    assert not ANSI.search(plain)
    assert ANSI.search(coloured) and ANSI.sub("", coloured) == plain


@pytest.mark.parametrize(
    ("tty", "environ", "expected"),
    [
        (True, {}, True),
        (True, {"NO_COLOR": "1"}, False),
        (True, {"NO_COLOR": ""}, True),  # no-color.org: set *and not empty*
        (False, {}, False),
    ],
)
def test_colour_is_for_a_terminal_without_no_color(
    tty: bool, environ: dict[str, str], expected: bool
) -> None:
    assert use_color(Terminal() if tty else io.StringIO(), environ) is expected


def test_the_width_is_columns_then_the_terminal_and_unbounded_for_a_pipe() -> None:
    assert width_for(io.StringIO(), {"COLUMNS": "100"}) == 100
    assert width_for(Terminal(), {"COLUMNS": "100"}) == 100
    assert width_for(io.StringIO(), {}) is None
    assert isinstance(width_for(Terminal(), {}), int)


def test_printed_to_a_pipe_the_table_has_no_colour_and_the_errors_go_to_stderr(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv("NO_COLOR", raising=False)
    monkeypatch.setenv("COLUMNS", "90")
    out, err = io.StringIO(), io.StringIO()
    output.emit(Result("status", StatusRead(STATUS), STATUS.exit_code), out, err)
    assert not ANSI.search(out.getvalue())
    assert all(len(line) <= 90 for line in out.getvalue().splitlines())
    assert err.getvalue() == (
        "gitops-bot: error: unknown: Argo CD at https://argocd.example.com is unavailable (HTTP 503); "
        "try again later\n"
    )


def test_json_rows_carry_every_field_with_unknown_cells_marked() -> None:
    out, err = io.StringIO(), io.StringIO()
    output.emit(Result("status", StatusRead(STATUS), 3, Format.JSON), out, err)
    doc = json.loads(out.getvalue())
    assert doc["schema"] == SCHEMA == "gitops-bot/status/v1" and doc["complete"] is False
    keys = {"environment", "kind", "image", "declared", "cluster", "plan", "decision", "pull_request", "gate"}
    assert all(set(r) == keys for r in doc["rows"])
    dev, staging, production = doc["rows"]
    assert dev["declared"] == {
        "file": "overlays/x/kustomization.yaml",
        "repository": "127.0.0.1:5000/acme/app",
        "tag": "1.2.0",
        "digest": DIGEST_A,
    }
    assert dev["plan"] == {
        "state": "known",
        "action": "update",
        "reason": LONG,
        "candidate": {"tag": "1.4.1", "digest": DIGEST_B},
        "policy": "semver ^1",
        "verification": None,
    }
    assert dev["pull_request"] == {
        "state": "open",
        "number": 7,
        "url": "https://github.com/acme/gitops/pull/7",
        "title": "dev: example/app",
        "branch": "gitops-bot/dev",
    }
    assert dev["cluster"] == {"state": "no_gate", "images": [], "runs_declared": None, "reason": None}
    assert dev["gate"] == {"state": "no_gate"}
    assert staging["cluster"] == {
        "state": "reported",
        "images": [f"127.0.0.1:5000/acme/app:1.2.0@{DIGEST_A}"],
        "runs_declared": True,
        "reason": None,
    }
    assert staging["gate"] == {
        "state": "open",
        "application": "app-staging",
        "sync": "Synced",
        "health": "Healthy",
        "operation": "Succeeded",
        "reasons": [],
    }
    assert staging["pull_request"] == {"state": "none"}
    assert production["gate"] == {"state": "unknown", "reason": ARGO_DOWN.reason}
    assert production["cluster"]["state"] == "unknown" and production["plan"]["action"] == "held"


def test_the_exit_code_is_the_worst_unknown_source_and_each_is_named_once() -> None:
    registry = Unknown("registry 127.0.0.1:5000 unavailable", 3)
    config = Unknown("Argo CD has no application 'app-staging'", 2)
    status = Status((row("a", registry, gate=config), row("b", registry, gate=config), row("c", registry)))
    assert status.unknown == (registry, config)
    assert status.exit_code == 2  # bad config over an unavailable service, as for a fleet
    assert STATUS.exit_code == 3 and Status((STATUS.rows[0],)).exit_code == 0


def test_a_cluster_running_another_build_is_not_what_git_declares() -> None:
    other = GateStatus(
        "app",
        State("Synced", "Healthy", "Succeeded"),
        (WrittenRef("127.0.0.1:5000/acme/app", "1.2.0", DIGEST_B),),
        ("x",),
    )
    r = row("staging", item("staging", PlanAction.NONE, "up to date"), gate=other)
    assert r.runs_declared is False
    lines = status_text(Status((r,))).splitlines()
    line = next(line for line in lines if line.startswith("  example/app"))
    assert "1.2.0@bbbbbbbb (not declared)" in line and "gate closed (Synced, Healthy)" in lines[0]
    assert lines[1] == "  Gate closed (Synced, Healthy)"


def test_a_chart_row_reads_as_a_chart_and_says_the_cluster_does_not_apply() -> None:
    """A chart's row: its name marked (chart), its version declared, the candidate version, the
    cluster cell not applicable (live images say nothing of a chart) even under a gate that
    reports images, and in JSON ``kind`` chart with the declared version."""
    from gitops_bot.core.model import ArtifactKind
    from gitops_bot.output import status_cells

    plan = PlanItem(
        "dev",
        "podinfo",
        "apps/dev/Chart.yaml",
        "https://stefanprodan.github.io/podinfo",
        "semver ^6",
        PlanAction.UPDATE,
        "highest of 3 tags matching semver ^6",
        Deployed("podinfo", "https://stefanprodan.github.io/podinfo", "6.5.4", None),
        Candidate("6.7.1", None),
        kind=ArtifactKind.CHART,
    )
    chart = Row(
        "dev",
        "podinfo",
        "apps/dev/Chart.yaml",
        Deployed("podinfo", "https://stefanprodan.github.io/podinfo", "6.5.4", None),
        "https://stefanprodan.github.io/podinfo",
        plan,
        PR,
        GATE,
        kind=ArtifactKind.CHART,
    )
    words = [w for w, _ in status_cells.cells(chart)]
    assert words[:6] == [
        "dev",
        "podinfo (chart)",
        "6.5.4",
        "n/a",
        "6.7.1",
        "would propose: highest of 3 tags matching semver ^6",
    ]
    assert words[6] == "#7" and words[7].startswith("open (")
    doc = chart.to_json()
    assert doc["kind"] == "chart" and doc["declared"]["version"] == "6.5.4"
    assert doc["cluster"] == {"state": "not_applicable", "images": [], "runs_declared": None, "reason": None}
    assert (
        STATUS.rows[0].to_json()["kind"] == "image" and "version" not in STATUS.rows[0].to_json()["declared"]
    )
    both = Status((STATUS.rows[0], chart))
    assert status_cells.summary(both).startswith("1 environment, 1 image, 1 chart; 2 to propose")


def test_a_decision_whose_reason_is_its_action_says_it_once() -> None:
    from gitops_bot.core.model import Decision, DecisionAction, DecisionRule

    assert Decision(DecisionAction.UP_TO_DATE, DecisionRule.POLICY, "up to date").text() == "up to date"
    said = Decision(DecisionAction.UP_TO_DATE, DecisionRule.PROMOTION, "runs what staging runs").text()
    assert said == "up to date (promotion): runs what staging runs"


def _sample() -> Status:
    """The status docs/guides/status.md shows: dev with a release proposed, staging up to
    date behind an open gate, production frozen."""
    from dataclasses import replace

    from gitops_bot.core.model import Decision, DecisionAction, DecisionRule

    def decided(env: str, action: str, rule: str, reason: str, cand: Candidate | None) -> PlanItem:
        d = Decision(DecisionAction(action), DecisionRule(rule), reason)
        return replace(item(env, PlanAction.UPDATE, reason, cand), decision=d)

    prod_gate = replace(GATE, application="app-production")
    return Status(
        (
            row("dev", decided("dev", "propose", "policy", LONG, Candidate("1.4.1", DIGEST_B)), pr=PR),
            row(
                "staging",
                decided("staging", "up_to_date", "policy", "up to date", Candidate("1.2.0", DIGEST_A)),
                gate=GATE,
            ),
            replace(
                row(
                    "production",
                    decided(
                        "production",
                        "blocked",
                        "freeze",
                        "production is frozen until 2026-12-01T00:00:00Z: launch day",
                        None,
                    ),
                    gate=prod_gate,
                ),
                source="staging",
            ),
        )
    )


@pytest.mark.parametrize(("name", "width"), [("full", None), ("80", 80)])
def test_the_guides_sample_is_what_status_prints(name: str, width: int | None) -> None:
    """docs/guides/status.md's samples are this test's output: stale, they fail here;
    GITOPS_BOT_DOCS_SHOTS=1 writes them."""
    import os

    from testkit.paths import ROOT

    page = ROOT / "docs/guides/status.md"
    marker = f"<!-- status-sample: {name} -->\n```text\n"
    doc = page.read_text(encoding="utf-8")
    start = doc.index(marker) + len(marker)
    end = doc.index("```\n", start)
    printed = status_text(_sample(), width=width) + "\n"
    if os.environ.get("GITOPS_BOT_DOCS_SHOTS") == "1":
        page.write_text(doc[:start] + printed + doc[end:], encoding="utf-8")
    else:
        assert doc[start:end] == printed, "run this test with GITOPS_BOT_DOCS_SHOTS=1 to rewrite it"
