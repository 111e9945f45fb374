"""Every surface's reading of the run's one decision, read back as a user meets it: ``plan``
(JSON and text, on a fresh clone), ``status`` (JSON and text), the status page's HTML and the
dashboard issue's Markdown, with the forge's open pull requests. :func:`surfaces` checks they
all agree, and that nothing reads green (or says "run promote") while a release is held, and
returns each row's decision for the story to assert on."""

from __future__ import annotations

import html
import json
import os
import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from gitops_bot.cli import main
from gitops_bot.commands.status import status as status_of
from gitops_bot.engine.report import Reports
from gitops_bot.engine.results import Status
from gitops_bot.output import dashboard, status_html
from gitops_bot.output.status_cells import Tone, cells
from testkit.update_world import git

Key = tuple[str, str]  # (environment, image)


@dataclass(frozen=True)
class Section:
    """What the page renders of one repository (the watch loop's snapshot, without the loop)."""

    repository: str | None
    computed_at: datetime
    status: Status | None
    error: str | None = None
    delivery: Reports | None = None
    delivery_error: str | None = None


def _clone(remote: Path, tmp: Path) -> Path:
    checkout = tmp / f"plan-{datetime.now(UTC).timestamp()}"
    git(tmp, "clone", "-q", str(remote), str(checkout))
    return checkout


def _plan_json(checkout: Path, capsys: pytest.CaptureFixture[str]) -> dict[Key, dict[str, Any]]:
    assert main(["plan", "--repo", str(checkout), "--output", "json"]) == 0
    doc = json.loads(capsys.readouterr().out)
    return {
        (e["name"], i.get("image") or i["chart"]): i["decision"]
        for e in doc["environments"]
        for i in [*e["images"], *e["charts"]]
    }


def _plan_text(checkout: Path, capsys: pytest.CaptureFixture[str]) -> str:
    assert main(["plan", "--repo", str(checkout)]) == 0
    return capsys.readouterr().out


def surfaces(
    remote: Path,
    tmp: Path,
    capsys: pytest.CaptureFixture[str],
    open_prs: Iterable[int] | None = None,
    status_exit: int = 0,
) -> dict[Key, dict[str, Any]]:
    """Every row's decision as plan JSON and status JSON give it, after checking that the
    text plan, the text status, the page and the dashboard show that same decision, and (given
    the numbers of the bot's open pull requests on the forge) that status shows exactly those.
    ``status_exit``: status's exit code (3 while a service it reads is unavailable: it still
    prints every row)."""
    checkout = _clone(remote, tmp)
    planned = _plan_json(checkout, capsys)
    plan_text = _plan_text(checkout, capsys)
    repo = f"file://{remote}"
    assert main(["status", "--repo", repo, "--output", "json"]) == status_exit, capsys.readouterr().err
    doc = json.loads(capsys.readouterr().out)
    columns = os.environ.pop("COLUMNS", None)  # the text table whole, not fitted to a terminal
    try:
        assert main(["status", "--repo", repo]) == status_exit
    finally:
        if columns is not None:
            os.environ["COLUMNS"] = columns
    status_text = capsys.readouterr().out
    found = status_of(repo)
    page = status_html.render([Section(None, datetime.now(UTC), found)], "v1")
    issue = dashboard.markdown(found)
    shown = {(r["environment"], r["image"]): r["decision"] for r in doc["rows"]}
    assert shown == planned  # plan and status: one value, reason and evidence included
    page_cells = page_decisions(page)
    assert page.count('<details class="chain">') == sum(1 for r in found.rows if r.chain)
    assert len(page_cells) == len(found.rows) == len(shown)
    for row in found.rows:
        page_cell = page_cells[(row.environment, row.image)]
        d = shown[(row.environment, row.image)]
        label = d["action"].replace("_", " ") + ("" if d["rule"] == "policy" else f" ({d['rule']})")
        said_once = d["reason"] in ("", d["action"].replace("_", " "))  # "up to date", not twice
        first = label if said_once else f"{label}: {d['reason']}"
        text, tone = cells(row)[5]
        assert text.startswith(first), (text, d)
        assert page_cell == text  # the page
        block = next(b for b in status_text.split("\n\n") if b.split()[0] == row.environment)
        name = cells(row)[1][0]
        assert any(text in line for line in block.splitlines() if line.startswith(f"  {name}  "))
        assert dashboard.text(text) in issue  # the dashboard issue, escaped for Markdown
        if row.chain:  # the chain behind it (explain's, the page's and the issue's "why"): its winner
            (won,) = [step for step in row.chain if step.wins]
            assert won.decision is not None and won.decision.to_json() == d
            assert f"<summary>why {html.escape(row.environment)} {html.escape(row.image)}: " in issue
        assert any(first in line for line in plan_text.splitlines())  # the text plan
        if d["until"]:
            assert d["until"][:16].replace("T", " ") in text or d["until"] in text, (text, d)
        if d["action"] in ("wait", "blocked", "rollback", "unknown", "skip") or d["rule"] == "gate":
            assert tone is not Tone.OK, text  # nothing green beside what holds a release
            assert "run 'gitops-bot promote" not in text
    if open_prs is not None:
        listed = {r["pull_request"]["number"] for r in doc["rows"] if r["pull_request"]["state"] == "open"}
        assert listed == set(open_prs), (listed, open_prs)
    return shown


def page_decisions(page: str) -> dict[Key, str]:
    """The decision cell of each (environment, image) of the status page, as text (without the
    chain of rules each decision opens on: ``explain``'s, checked apart)."""
    out = {}
    page = re.sub(r'<details class="chain">.*?</details>', "", page, flags=re.S)
    for env, body in re.findall(r'<li class="env">.*?<h3 id="[^"]*">(.*?)</h3>(.*?)</li>', page, re.S):
        for image, cell in re.findall(
            r'<th scope="row">(.*?)</th>.*?<td class="plan[^"]*"[^>]*>(.*?)</td>', body, re.S
        ):
            out[(html.unescape(env), html.unescape(image).removesuffix(" (chart)"))] = html.unescape(
                re.sub(r"<[^>]+>", "", cell)
            )
    return out


def act(d: dict[str, Any]) -> tuple[str, str]:
    """A decision's (action, rule)."""
    return d["action"], d["rule"]


def declared(overlay: str) -> list[str]:
    """What Argo CD reports running when an environment runs what its overlay declares."""
    out, name, tag, digest = [], "", "", ""
    for line in [*overlay.splitlines(), "  - name: end"]:
        key, _, value = line.strip().removeprefix("- ").partition(": ")
        value = value.split(" #")[0].strip()  # a setter comment (Flux's, kpt's) is not the value
        if key == "name" and name:
            out.append(f"{name}:{tag}" + (f"@{digest}" if digest else ""))
            name = ""
        if key == "newName":
            name, digest = value, ""
        elif key == "newTag":
            tag = value.strip('"')
        elif key == "digest":
            digest = value
    return out
