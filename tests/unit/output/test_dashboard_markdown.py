"""The dashboard issue's Markdown, read back by a CommonMark parser with GFM tables: one table,
one row per image and one cell per column whatever the cells hold; words from outside (tags,
reasons, titles, Argo CD's messages) stay text: no HTML, no link, no image, no emphasis, no
mention that would notify anyone. The body holds no time, so an unchanged fleet is an unchanged
issue."""

from __future__ import annotations

import re

import pytest
from markdown_it import MarkdownIt

from gitops_bot.core.model import Candidate, Deployed, PlanAction, PlanItem, WrittenRef
from gitops_bot.engine.results import GateStatus, Row, Status, Unknown
from gitops_bot.forges.forge import ChangeRequest
from gitops_bot.gate.argocd import State
from gitops_bot.output.dashboard import markdown, text
from gitops_bot.output.status_cells import HEADERS

DIGEST = "sha256:" + "b" * 64
HOSTILE = [
    "<script>alert(1)</script>",
    "a | b || c",
    "@octocat and @acme/admins",
    "[click](https://evil.test) ![x](https://evil.test/x.png)",
    "**bold** _it_ `code` ~~gone~~",
    "<!-- hidden --> &amp; &lt;",
    "# heading\n- list\n> quote",
    "see #12 and GH-3",
    "back\\slash\\|pipe",
]


def row(env: str, reason: str, pr: ChangeRequest | Unknown | None, gate: object = None) -> Row:
    item = PlanItem(
        env,
        "example/app",
        "overlays/x",
        "acme/app",
        "semver ^1",
        PlanAction.SKIP,
        reason,
        Deployed("example/app", None, "1.0.0", None),
        Candidate("1.1.0", DIGEST),
    )
    return Row(
        env,
        "example/app",
        "overlays/x/kustomization.yaml",
        Deployed("example/app", "127.0.0.1:5000/acme/app", "1.0.0", None),
        "127.0.0.1:5000/acme/app",
        item,
        pr,
        gate,  # type: ignore[arg-type]
    )


def parse(body: str) -> list[list[tuple[str, set[str]]]]:
    """The table's rows: each cell's text and the kinds of inline tokens it is made of."""
    tokens = MarkdownIt("commonmark").enable("table").parse(body)
    rows: list[list[tuple[str, set[str]]]] = []
    in_cell = False
    for t in tokens:
        if t.type == "tr_open":
            rows.append([])
        elif t.type in ("th_open", "td_open"):
            in_cell = True
        elif t.type == "inline" and in_cell:
            rows[-1].append((t.content, {c.type for c in t.children or []}))
            in_cell = False
    return rows


@pytest.mark.parametrize("hostile", HOSTILE)
def test_a_hostile_reason_stays_text_in_its_own_cell(hostile: str) -> None:
    pr = ChangeRequest(7, "https://github.test/acme/gitops/pull/7", "gitops-bot/dev", hostile, "")
    gate = GateStatus("app", State("Synced", hostile, "Succeeded"), (WrittenRef("x", "1"),), (hostile,))
    found = Status((row("dev", hostile, pr, gate), row("prod", "ok", Unknown(hostile, 3))))
    body = markdown(found)
    rows = parse(body)
    assert len(rows) == 1 + len(found.rows)  # the heading row and one per image
    assert all(len(r) == len(HEADERS) for r in rows), body
    for r in rows[1:]:
        env, *others = r
        assert env[1] == {"strong_open", "text", "strong_close"}
        assert all(kinds <= {"text"} for _, kinds in others), (others, body)
    outside = MarkdownIt("commonmark").enable("table").parse(body)
    assert [
        t.type
        for t in outside
        if t.type.endswith("_open") and not t.type.startswith(("t", "paragraph", "bullet", "list"))
    ] == []
    marked = body.replace("&#8203;", "\u200b").replace("| #7 |", "")
    assert not re.search("[@#](?!\u200b)", marked)  # a zero-width space after each: no mention, no reference
    assert "pull/7" not in body and "#7" in body  # the forge links its own number; titles are not shown


def test_literal_text_reads_back_as_the_same_words() -> None:
    md = MarkdownIt("commonmark")
    for hostile in HOSTILE:
        shown = md.renderInline(text(hostile))
        assert "<" not in shown.replace("&lt;", "").replace("&#8203;", "")  # no element at all
        plain = (
            shown.replace("&lt;", "<")
            .replace("&gt;", ">")
            .replace("&quot;", '"')
            .replace("&amp;", "&")
            .replace("&#8203;", "\u200b")
            .replace("\u200b", "")
        )
        assert plain == " ".join(hostile.split())


def test_the_body_holds_no_time_so_the_same_status_is_the_same_body() -> None:
    found = Status((row("dev", "no tag matches", None),))
    assert markdown(found) == markdown(Status((row("dev", "no tag matches", None),)))
    assert not re.search(r"\d{4}-\d\d-\d\dT", markdown(found))


def test_gitlab_refers_to_a_merge_request_as_bang_number() -> None:
    """On GitLab ``#1`` is issue 1: the PR column names merge request 1 as ``!1``; elsewhere
    the same cell stays ``#1``."""
    pr = ChangeRequest(1, "https://gitlab.test/acme/gitops/-/merge_requests/1", "gitops-bot/dev", "t", "b")
    found = Status((row("dev", "would propose", pr),))
    assert "| !1 |" in markdown(found, ref="!") and "#1" not in markdown(found, ref="!")
    assert "| #1 |" in markdown(found)
