"""``gitops-bot status`` as the HTML page ``watch --status-page`` serves at ``/``.

Server-rendered, no build step and no framework, readable without JavaScript: per repository,
its environments as a release pipeline, in promotion order (a source before what it promotes
to), each with its gate and its open pull requests once, and a table of what each image runs
and what the bot does next (the run's decision). Readable from 360 px wide (the tables stack
their cells) to a wide screen. The words are the terminal table's own
(:func:`gitops_bot.output.status_cells.cells`), so the page, the table and the JSON never disagree.

Everything in a cell comes from outside (tag names, PR titles and URLs, plan and gate reasons,
Argo CD's messages) and is written through :mod:`gitops_bot.core.outside`'s HTML rule; a PR
link is made only of an ``http(s)`` URL. The one
inline script and the one inline style are constants whose SHA-256 the listener's
``Content-Security-Policy`` allows by hash: a nonce would make every response differ and defeat
the ``ETag`` the script polls.
"""

from __future__ import annotations

import base64
import hashlib
from collections.abc import Sequence
from datetime import datetime
from typing import TYPE_CHECKING, Protocol

from gitops_bot.core.model import Deployed
from gitops_bot.core.outside import html_text
from gitops_bot.engine.results import NextChange, Row, Status, Unknown
from gitops_bot.output.explain_text import chain_html, change_text
from gitops_bot.output.report_text import durations, frequency, rate, rests_on
from gitops_bot.output.status_cells import HEADERS, Tone, cells, environment_state, summary
from gitops_bot.output.words import counted
from gitops_bot.release.ledger import Entry

if TYPE_CHECKING:  # a type: the report's gathering loads only where watch computes it
    from gitops_bot.engine.report import Reports

# Asks /status.json whether the data changed (a 304 costs the listener nothing: the bodies are
# computed once per cycle) and reloads when it did. A <meta refresh> would reload the page
# every time, losing the reader's place even when nothing changed.
POLL_SECONDS = 20
SCRIPT = (
    "(function(){var v=document.documentElement.getAttribute('data-version');"
    "function poll(){fetch('status.json',{headers:{'If-None-Match':'\"'+v+'\"'},"
    "cache:'no-store',credentials:'same-origin'}).then(function(r){"
    "if(r.status===200){location.reload();}}).catch(function(){});}"
    f"setInterval(poll,{POLL_SECONDS * 1000});}})();"
)
STYLE = (
    "body{font-family:system-ui,sans-serif;margin:1rem;color:#1b1b1b;background:#fff;max-width:110rem}"
    ".pipeline{list-style:none;padding:0;margin:0 0 1.5rem;display:grid;gap:1rem}"
    ".env{border:1px solid #c8c8c8;border-radius:6px;padding:.5rem .8rem}"
    ".env h3{margin:.2rem 0 .4rem}.facts{margin:0 0 .5rem;display:flex;flex-wrap:wrap;gap:.2rem 1.5rem}"
    ".facts div{display:flex;gap:.4rem}.facts dt{font-weight:600}.facts dd{margin:0}"
    "table{border-collapse:collapse;width:100%}"
    ".sr{position:absolute;width:1px;height:1px;overflow:hidden;clip:rect(0 0 0 0);white-space:nowrap}"
    # words wrap between words; a word wider than its cell breaks only then (break-word, unlike
    # anywhere, leaves a column as wide as its longest word); references break at <wbr>
    "th,td{border:1px solid #c8c8c8;padding:.3rem .5rem;text-align:left;vertical-align:top;"
    "overflow-wrap:break-word}"
    "thead th{background:#f0f0f0;white-space:nowrap}"
    ".state{font-weight:600;margin:0 0 .4rem}"
    ".ok{color:#05620f}.warn{color:#7a4a00}.bad{color:#a40000;font-weight:600}"
    ".held{color:#6b0a75}code{font-size:.95em}.error{color:#a40000}"
    ".chain table{margin:.3rem 0}.chain .wins{font-weight:600}"
    "details{margin:.5rem 0 0}.history{margin:.3rem 0;padding-left:1.2rem}.who{color:#4a4a4a}"
    "@media(max-width:700px){body{margin:.5rem}table,thead,tbody,tr,th,td{display:block}"
    "thead{position:absolute;left:-9999px}tr{border-top:1px solid #c8c8c8;padding:.3rem 0}"
    'th,td{border:none;padding:.1rem 0}td::before{content:attr(data-label) ": ";font-weight:600;'
    "color:#1b1b1b}}"
    "@media(prefers-color-scheme:dark){body{color:#e8e8e8;background:#161616}"
    "thead th{background:#2a2a2a}th,td,.env,tr{border-color:#444}.ok{color:#7ddc86}"
    ".warn{color:#f0c060}.bad,.error{color:#ff8a8a}.held{color:#e39cf0}a{color:#8ab4f8}"
    "td::before{color:#e8e8e8}.who{color:#c8c8c8}}"
)


def _csp_hash(text: str) -> str:
    return "'sha256-" + base64.b64encode(hashlib.sha256(text.encode()).digest()).decode() + "'"


CONTENT_SECURITY_POLICY = (
    f"default-src 'none'; script-src {_csp_hash(SCRIPT)}; style-src {_csp_hash(STYLE)}; "
    "connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"
)


class RepositoryStatus(Protocol):
    """One repository's status as the watch loop last computed it (``status`` None: it could
    not be computed, ``error`` says why)."""

    @property
    def repository(self) -> str | None: ...
    @property
    def computed_at(self) -> datetime: ...
    @property
    def status(self) -> Status | None: ...
    @property
    def error(self) -> str | None: ...
    @property
    def delivery(self) -> Reports | None: ...
    @property
    def delivery_error(self) -> str | None: ...


def _e(text: str) -> str:
    """Every word of the page that is not markup: through the one HTML rule (the cells quote
    tags, titles, reasons and Argo CD's messages, all outside text)."""
    return html_text(text)


def _pull_request(row: Row, text: str) -> str:
    pr = row.pull_request
    if pr is None or isinstance(pr, Unknown):
        return _e(text)
    title = f" {_e(pr.title)}" if pr.title else ""
    if pr.url.lower().startswith(("https://", "http://")):
        return f'<a href="{_e(pr.url)}" rel="noopener noreferrer">{_e(text)}</a>{title}'
    return _e(text) + title


COLUMNS = ("Image", "Declared", "Cluster", "Candidate", "Decision")
_CELLS = (1, 2, 3, 4, 5)  # of status_cells.cells: image, declared, cluster, candidate, plan
_PR, _GATE = HEADERS.index("PR"), HEADERS.index("GATE")


_REFERENCES = ("Declared", "Cluster", "Candidate")  # tags and digests: may break at their separators


def _breakable(text: str) -> str:
    """``text`` escaped, with a break opportunity after each separator of a reference
    (``main-1767225600-1a2b3c4@c26eada1``), so a narrow column breaks it there, not mid-word."""
    return "".join(_e(c) + ("<wbr>" if c in "@-:/," else "") for c in text)


def _row(row: Row) -> str:
    found = cells(row)
    image, *rest = (found[k] for k in _CELLS)
    out = [f'<th scope="row">{_e(image[0])}</th>']
    for name, (text, tone) in zip(COLUMNS[1:], rest, strict=True):
        cls = " ".join(c for c in ("plan" if name == "Decision" else name.lower(), str(tone)) if c)
        shown = _breakable(text) if name in _REFERENCES else _e(text)
        if name == "Decision" and row.chain:  # the rules behind it, as `gitops-bot explain` shows them
            shown += chain_html(row.chain, "Why: every rule, in precedence order")
        out.append(f'<td class="{cls}" data-label="{name}">{shown}</td>')
    return "<tr>" + "".join(out) + "</tr>"


def _in_promotion_order(rows: Sequence[Row]) -> list[tuple[str, list[Row]]]:
    """The environments, each after the one it receives promotions from (else as configured)."""
    by_env: dict[str, list[Row]] = {}
    for r in rows:
        by_env.setdefault(r.environment, []).append(r)
    placed: list[str] = []
    pending = list(by_env)
    while pending:
        ready = [e for e in pending if by_env[e][0].source not in pending or by_env[e][0].source == e]
        nxt = ready[0] if ready else pending[0]  # a cycle (refused by the config): as configured
        placed.append(nxt)
        pending.remove(nxt)
    return [(e, by_env[e]) for e in placed]


def _history(entries: Sequence[Entry]) -> str:
    """The environment's last releases, newest first: when, what changed (from -> to), who, and
    the commit's subject (the bot's say which rule: update, promotion, rollback, hold)."""
    if not entries:
        return ""
    items = []
    for i, e in enumerate(entries):
        before = entries[i + 1].images if i + 1 < len(entries) else {}
        moves = []
        for name in e.changed:
            after, was = e.images.get(name), before.get(name)
            moves.append(f"{name} {_version(was)} → {_version(after)}")
        moves += [f"chart {c} {e.charts.get(c, '(none)')}" for c in e.changed_charts]
        who = e.author.split(" <", 1)[0]
        how = "gitops-bot" if e.release else "by hand"
        pr = f", #{e.pull_request}" if e.pull_request else ""
        items.append(
            f'<li><time datetime="{_e(e.time)}">{_e(e.time)}</time> {_e("; ".join(moves))} '
            f'<span class="who">({_e(how)}, {_e(who)}{_e(pr)}: {_e(e.subject)})</span></li>'
        )
    return (
        f"<details><summary>Recent releases ({len(entries)})</summary>"
        f'<ol class="history">{"".join(items)}</ol></details>'
    )


def _version(d: Deployed | None) -> str:
    if d is None:
        return "(none)"
    digest = f"@{d.digest.split(':')[-1][:8]}" if d.digest else ""
    return f"{d.tag or ''}{digest}" or "(none)"


def _environment(
    n: int,
    k: int,
    env: str,
    rows: list[Row],
    entries: Sequence[Entry] = (),
    upcoming: tuple[str, NextChange] | None = None,
) -> str:
    first = rows[0]
    head = f'<li class="env"><section aria-labelledby="env-{n}-{k}"><h3 id="env-{n}-{k}">{_e(env)}</h3>'
    gate_text, gate_tone = cells(first)[_GATE]
    pulls: dict[str, str] = {}
    for r in rows:
        text = cells(r)[_PR][0]
        if text != "-":
            pulls.setdefault(text, _pull_request(r, text))
    state = environment_state(rows)
    if state is not None:  # what holds the environment, first and in its decision's colour;
        # the gate's own reading is then a plain fact, never a green "open" under a freeze
        head += f'<p class="state {state[1]}">{_e(state[0])}</p>'
        gate_tone = Tone.PLAIN if gate_tone is Tone.OK else gate_tone
    facts = []
    if first.source:
        facts.append(("Receives promotions from", _e(first.source), ""))
    facts.append(("Gate", _e(gate_text), str(gate_tone)))
    facts.append(("Open pull requests", ", ".join(pulls.values()) or "none", ""))
    if upcoming is not None:
        facts.append(("Next change", _e(f"{upcoming[0]} at {change_text(upcoming[1])}"), ""))
    dl = "".join(
        f'<div><dt>{_e(name)}</dt><dd class="{tone}">{value}</dd></div>'
        if tone
        else f"<div><dt>{_e(name)}</dt><dd>{value}</dd></div>"
        for name, value, tone in facts
    )
    cols = "".join(f'<th scope="col">{c}</th>' for c in COLUMNS)
    caption = f'<caption class="sr">{_e(env)}: what each image runs and what the bot does next</caption>'
    body = "".join(_row(r) for r in rows)
    table = f"<table>{caption}<thead><tr>{cols}</tr></thead><tbody>{body}</tbody></table>"
    return f'{head}<dl class="facts">{dl}</dl>{table}{_history(entries)}</section></li>'


def _section(n: int, s: RepositoryStatus) -> str:
    title = s.repository or "this repository"
    when = s.computed_at.isoformat(timespec="seconds")
    parts = [f'<section aria-labelledby="repo-{n}"><h2 id="repo-{n}">{_e(title)}</h2>']
    parts.append(f'<p>Computed at <time datetime="{_e(when)}">{_e(when)}</time>.</p>')
    if s.status is None:
        parts.append(f'<p class="error">Status unknown: {_e(s.error or "not computed")}</p></section>')
        return "".join(parts)
    if not s.status.rows:
        parts.append("<p>No images: no environment deploys an image gitops-bot.yaml lists.</p></section>")
        return "".join(parts)
    parts.append(f'<p class="summary"><strong>{_e(summary(s.status, "below"))}</strong></p>')
    envs = _in_promotion_order(s.status.rows)
    parts.append('<ol class="pipeline">')
    releases = s.status.releases
    parts += [
        _environment(n, k, env, rows, releases.get(env, ()), s.status.next.get(env))
        for k, (env, rows) in enumerate(envs)
    ]
    parts.append("</ol>")
    for u in s.status.unknown:
        parts.append(f'<p class="error">Unknown: {_e(u.detail)}</p>')
    parts.append(_delivery(n, s.delivery, s.delivery_error))
    parts.append("</section>")
    return "".join(parts)


DELIVERY_COLUMNS = ("Releases", "Lead time", "Change failure rate", "Time to restore")


def _delivery(n: int, found: Reports | None, error: str | None) -> str:
    """Each environment's delivery figures, as ``gitops-bot report`` words them (the step
    summary's table, :func:`gitops_bot.output.report_text.report_rows`), each with what it rests on."""
    if found is None:
        return f'<p class="error">Delivery figures unknown: {_e(error)}</p>' if error else ""
    days = (found.until - found.since).total_seconds() / 86400
    rows = []
    for r in found.reports:
        figures = (
            f"{len(r.releases)} ({frequency(r)})",
            f"{durations(r.lead_time)} ({rests_on(r.lead_time, 'image change')})",
            f"{rate(r)} ({len(r.failures)} of {r.changes})",
            f"{durations(r.restore)} ({rests_on(r.restore, 'failure')})",
        )
        cells = "".join(
            f'<td data-label="{c}">{_e(v)}</td>' for c, v in zip(DELIVERY_COLUMNS, figures, strict=True)
        )
        rows.append(f'<tr><th scope="row">{_e(r.environment)}</th>{cells}</tr>')
    cols = "".join(f'<th scope="col">{c}</th>' for c in ("Environment", *DELIVERY_COLUMNS))
    return (
        f'<section class="delivery" aria-labelledby="delivery-{n}">'
        f'<h3 id="delivery-{n}">Delivery (last {counted(days, "day")})</h3>'
        f'<table><caption class="sr">Delivery per environment, with what each figure rests on</caption>'
        f"<thead><tr>{cols}</tr></thead><tbody>{''.join(rows)}</tbody></table></section>"
    )


def render(sections: Sequence[RepositoryStatus], version: str) -> str:
    """The whole page; ``version`` (the data's ETag, hex) is what the script polls against."""
    body = "".join(_section(n, s) for n, s in enumerate(sections))
    if not sections:
        body = "<p>No cycle has finished yet: the status appears after the first one.</p>"
    return (
        f'<!DOCTYPE html>\n<html lang="en" data-version="{_e(version)}"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        "<title>gitops-bot status</title>"
        f"<style>{STYLE}</style>"
        f'<noscript><meta http-equiv="refresh" content="{POLL_SECONDS * 3}"></noscript>'
        "</head><body><main><h1>gitops-bot status</h1>"
        "<p>Each environment in promotion order: what git declares, what the cluster runs, and "
        "what the bot does next and why. Computed by the watch loop each cycle; this page "
        "follows it.</p>"
        f"{body}</main><script>{SCRIPT}</script></body></html>\n"
    )
