"""The status page's HTML: every word from outside (tags, PR titles and URLs, reasons, errors,
repository names) is escaped, the only script and style are the constants the
Content-Security-Policy allows by hash, and the table is a real one (column and row headings
with their scope) that reads without JavaScript."""

from __future__ import annotations

import base64
import hashlib
import re
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from html.parser import HTMLParser

from gitops_bot.core.model import Candidate, Deployed, PlanAction, PlanItem, WrittenRef
from gitops_bot.engine.report import Reports
from gitops_bot.engine.results import GateStatus, Row, Status, Unknown
from gitops_bot.forges.forge import ChangeRequest
from gitops_bot.gate.argocd import State
from gitops_bot.output import status_html

DIGEST = "sha256:" + "a" * 64
EVIL = "<script>alert(1)</script>"
EVIL_ATTR = '"><img src=x onerror=alert(2)>'
WHEN = datetime(2026, 11, 23, 14, 0, tzinfo=UTC)


@dataclass(frozen=True)
class Section:
    repository: str | None
    computed_at: datetime
    status: Status | None = None
    error: str | None = None
    delivery: Reports | None = None
    delivery_error: str | None = None


def row(env: str, tag: str, reason: str, pr: ChangeRequest | Unknown | None, gate: object = None) -> Row:
    item = PlanItem(
        env,
        "example/app",
        "overlays/x",
        "acme/app",
        "semver ^1",
        PlanAction.UPDATE,
        reason,
        Deployed("example/app", None, "1.0.0", None),
        Candidate(tag, DIGEST),
    )
    return Row(
        env,
        "example/app",
        "overlays/x/kustomization.yaml",
        Deployed("example/app", "127.0.0.1:5000/acme/app", tag, DIGEST),
        "127.0.0.1:5000/acme/app",
        item,
        pr,
        gate,  # type: ignore[arg-type]
    )


HOSTILE = Status(
    (
        row(
            "dev",
            f"1.0{EVIL}",
            f"because {EVIL}",
            ChangeRequest(3, "https://github.test/acme/gitops/pull/3", "gitops-bot/dev", EVIL_ATTR, ""),
        ),
        row(
            "staging",
            "1.0",
            "ok",
            ChangeRequest(4, "javascript:alert(3)", "gitops-bot/staging", "t", ""),
            GateStatus(
                "app", State("Synced", f"Degraded{EVIL}", "Succeeded"), (WrittenRef("x", "1"),), (EVIL,)
            ),
        ),
        row("prod", "1.0", "ok", Unknown(f"forge said {EVIL}", 3)),
    )
)


class Parsed(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.data: dict[str, list[str]] = {"script": [], "style": []}
        self._in: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))
        self._in = tag if tag in self.data else None

    def handle_endtag(self, tag: str) -> None:
        self._in = None

    def handle_data(self, data: str) -> None:
        if self._in:
            self.data[self._in].append(data)


def parse(page: str) -> Parsed:
    p = Parsed()
    p.feed(page)
    return p


def page_of(*sections: Section) -> str:
    return status_html.render(list(sections), "0123abcd")


def test_hostile_words_from_tags_titles_reasons_and_errors_are_text_never_markup() -> None:
    page = page_of(
        Section(f"https://git.test/{EVIL}", WHEN, HOSTILE), Section("other", WHEN, error=f"down {EVIL}")
    )
    p = parse(page)
    assert [t for t, _ in p.tags].count("script") == 1  # the page's own, nothing injected
    assert not [t for t, _ in p.tags if t == "img"]
    assert not [a for _, attrs in p.tags for a in attrs if a.startswith("on")]
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert "&quot;&gt;&lt;img src=x onerror=alert(2)&gt;" in page


def test_a_pull_request_link_is_made_only_of_an_http_url() -> None:
    links = [a["href"] for t, a in parse(page_of(Section(None, WHEN, HOSTILE))).tags if t == "a"]
    assert links == ["https://github.test/acme/gitops/pull/3"]


def test_the_inline_script_and_style_are_the_ones_the_policy_allows_by_hash() -> None:
    p = parse(page_of(Section(None, WHEN, HOSTILE)))
    csp = status_html.CONTENT_SECURITY_POLICY
    for kind, directive in (("script", "script-src"), ("style", "style-src")):
        (text,) = p.data[kind]
        digest = base64.b64encode(hashlib.sha256(text.encode()).digest()).decode()
        allowed = re.search(rf"{directive} ([^;]+)", csp)
        assert allowed is not None and allowed.group(1) == f"'sha256-{digest}'"
    assert "default-src 'none'" in csp and "unsafe-inline" not in csp and "frame-ancestors 'none'" in csp


def test_each_environment_has_its_table_with_scoped_headings_and_one_row_per_image() -> None:
    p = parse(page_of(Section(None, WHEN, HOSTILE)))
    cols = [a for t, a in p.tags if t == "th" and a.get("scope") == "col"]
    rows = [a for t, a in p.tags if t == "th" and a.get("scope") == "row"]
    envs = len({r.environment for r in HOSTILE.rows})
    assert len(cols) == len(status_html.COLUMNS) * envs and len(rows) == len(HOSTILE.rows)
    assert [t for t, _ in p.tags].count("caption") == envs
    assert [t for t, _ in p.tags].count("h3") == envs
    assert ("html", {"lang": "en", "data-version": "0123abcd"}) in p.tags


def test_environments_come_in_promotion_order_with_their_pull_requests_once() -> None:
    """Configured production, dev, staging (production from staging, staging from dev): the
    page reads dev, staging, production; an environment's PR is named once, not per image."""
    pr = ChangeRequest(9, "https://github.test/acme/gitops/pull/9", "gitops-bot/dev", "dev: release", "")
    two = [row("dev", "1.1", "new", pr), replace(row("dev", "1.1", "new", pr), image="example/worker")]
    status = Status(
        (
            replace(row("production", "1.0", "ok", None), source="staging"),
            *two,
            replace(row("staging", "1.0", "ok", None), source="dev"),
        )
    )
    page = page_of(Section(None, WHEN, status))
    assert re.findall(r'<h3 id="[^"]*">(.*?)</h3>', page) == ["dev", "staging", "production"]
    assert page.count('href="https://github.test/acme/gitops/pull/9"') == 1
    assert "<dt>Receives promotions from</dt><dd>staging</dd>" in page


def test_without_javascript_the_page_still_refreshes_and_before_the_first_cycle_it_says_so() -> None:
    page = page_of()
    assert "No cycle has finished yet" in page
    assert '<noscript><meta http-equiv="refresh"' in page


def test_each_environment_lists_its_recent_releases_who_what_and_by_which_rule() -> None:
    from gitops_bot.release.ledger import Entry

    def entry(sha: str, tag: str, release: str | None, subject: str, pr: int | None = None) -> Entry:
        value = Deployed("example/app", None, tag, DIGEST)
        return Entry(
            sha * 40,
            "2026-11-24T10:00:00Z",
            "Dana <d@x>",
            subject,
            release,
            pr,
            {"example/app": value},
            ("example/app",),
        )

    releases = {
        "dev": (
            entry("b", "1.1.0", "dev-1", f"dev: promote from staging {EVIL}", 7),
            entry("a", "1.0.0", None, "initial"),
        )
    }
    page = page_of(Section(None, WHEN, replace(HOSTILE, releases=releases)))
    assert "<summary>Recent releases (2)</summary>" in page
    assert "example/app 1.0.0@aaaaaaaa → 1.1.0@aaaaaaaa" in page
    assert "(gitops-bot, Dana, #7: dev: promote from staging &lt;script&gt;" in page
    assert "(by hand, Dana: initial)" in page
    assert [t for t, _ in parse(page).tags].count("script") == 1


def _decided(r: Row, action: str, rule: str, reason: str) -> Row:
    from gitops_bot.core.model import Decision, DecisionAction, DecisionRule

    assert not isinstance(r.plan, Unknown)
    plan = replace(r.plan, decision=Decision(DecisionAction(action), DecisionRule(rule), reason))
    return replace(r, plan=plan)


OPEN_GATE = GateStatus("app-production", State("Synced", "Healthy", "Succeeded"), (WrittenRef("x", "1"),), ())


def test_a_frozen_environment_says_so_first_and_never_shows_a_green_gate() -> None:
    frozen = _decided(
        row("production", "1.0", "r", None, OPEN_GATE),
        "blocked",
        "freeze",
        "production is frozen until 2026-11-24T00:00:00Z: launch day",
    )
    page = status_html.render([Section("acme/gitops", WHEN, Status((frozen,)))], "v1")
    state = re.search(r'<p class="state ([a-z]*)">([^<]*)</p>', page)
    assert state and state.group(1) == "held"
    assert state.group(2) == "Frozen: production is frozen until 2026-11-24T00:00:00Z: launch day"
    assert '<dd class="ok">open' not in page and "<dd>open (Synced, Healthy)</dd>" in page


def test_the_strongest_state_of_an_environment_leads_its_header() -> None:
    rows = (
        _decided(row("staging", "1.0", "r", None), "wait", "window", "the window opens at 09:00"),
        _decided(row("staging", "1.1", "r", None), "rollback", "auto_rollback", "Degraded for 12m"),
    )
    page = status_html.render([Section("acme/gitops", WHEN, Status(rows))], "v1")
    assert '<p class="state bad">Rolling back: Degraded for 12m</p>' in page
    closed = replace(OPEN_GATE, state=State("Synced", "Degraded", "Succeeded"), reasons=("Degraded",))
    page = status_html.render(
        [Section("acme/gitops", WHEN, Status((row("dev", "1", "r", None, closed),)))], "v1"
    )
    assert '<p class="state bad">Gate closed (Synced, Degraded)</p>' in page
    page = status_html.render(
        [Section("acme/gitops", WHEN, Status((row("dev", "1", "r", None, OPEN_GATE),)))], "v1"
    )
    assert 'class="state' not in page and '<dd class="ok">open (Synced, Healthy)</dd>' in page


def test_words_wrap_between_words_and_references_at_their_separators() -> None:
    assert "anywhere" not in status_html.STYLE  # it lets a column shrink below its longest word
    page = status_html.render(
        [Section("acme/gitops", WHEN, Status((row("dev", "main-17672-1a2b", "r", None),)))], "v1"
    )
    assert "main-<wbr>17672-<wbr>1a2b@<wbr>aaaaaaaa" in page
    assert '<th scope="row">example/app</th>' in page  # a name is a word
