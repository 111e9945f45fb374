"""``gitops-bot status`` as the HTML page ``watch --status-page`` serves at ``/``.

Server-rendered, no build step and no framework: one ``<table>`` per repository with ``<th
scope>`` headings, readable without JavaScript. The cells are the terminal table's own
(:func:`gitops_bot.output.status_cells.cells`), so the page, the table and the JSON never disagree.

Everything in a cell comes from outside (tag names, PR titles and URLs, plan and gate reasons,
Argo CD's messages) and is escaped here; a PR link is made only of an ``http(s)`` URL. The one
inline script and the one inline style are constants whose SHA-256 the listener's
``Content-Security-Policy`` allows by hash: a nonce would make every response differ and defeat
the ``ETag`` the script polls.
"""

from __future__ import annotations

import base64
import hashlib
from collections.abc import Sequence
from datetime import datetime
from html import escape
from typing import Protocol

from gitops_bot.engine.results import Row, Status, Unknown
from gitops_bot.output.status_cells import HEADERS, cells, summary

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
    "body{font-family:system-ui,sans-serif;margin:1.5rem;color:#1b1b1b;background:#fff}"
    "table{border-collapse:collapse;margin:0 0 1.5rem}"
    "caption{text-align:left;font-weight:600;padding:.3rem 0}"
    "th,td{border:1px solid #c8c8c8;padding:.3rem .5rem;text-align:left;vertical-align:top}"
    "thead th{background:#f0f0f0}"
    "td.ok{color:#05620f}td.warn{color:#7a4a00}td.bad{color:#a40000;font-weight:600}"
    "td.held{color:#6b0a75}code{font-size:.95em}.error{color:#a40000}"
    "@media(prefers-color-scheme:dark){body{color:#e8e8e8;background:#161616}"
    "thead th{background:#2a2a2a}th,td{border-color:#444}td.ok{color:#7ddc86}"
    "td.warn{color:#f0c060}td.bad,.error{color:#ff8a8a}td.held{color:#e39cf0}a{color:#8ab4f8}}"
)


def _csp_hash(text: str) -> str:
    return "'sha256-" + base64.b64encode(hashlib.sha256(text.encode()).digest()).decode() + "'"


CONTENT_SECURITY_POLICY = (
    f"default-src 'none'; script-src {_csp_hash(SCRIPT)}; style-src {_csp_hash(STYLE)}; "
    "connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"
)


class Section(Protocol):
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


def _e(text: str) -> str:
    return escape(text, quote=True)


def _pull_request_cell(row: Row, text: str) -> str:
    pr = row.pull_request
    if pr is None or isinstance(pr, Unknown):
        return _e(text)
    title = f" {_e(pr.title)}" if pr.title else ""
    if pr.url.lower().startswith(("https://", "http://")):
        return f'<a href="{_e(pr.url)}" rel="noopener noreferrer">{_e(text)}</a>{title}'
    return _e(text) + title


def _row(row: Row) -> str:
    out = []
    for k, (text, tone) in enumerate(cells(row)):
        name = HEADERS[k].lower()
        if k == 0:
            out.append(f'<th scope="row">{_e(text)}</th>')
            continue
        cls = " ".join(c for c in (name, str(tone)) if c)
        body = _pull_request_cell(row, text) if HEADERS[k] == "PR" else _e(text)
        out.append(f'<td class="{cls}">{body}</td>')
    return "<tr>" + "".join(out) + "</tr>"


def _section(n: int, s: Section) -> str:
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
    head = "".join(f'<th scope="col">{_e(h.capitalize() if h != "PR" else h)}</th>' for h in HEADERS)
    parts.append(f"<table><caption>{_e(summary(s.status, 'below'))}</caption>")
    parts.append(f"<thead><tr>{head}</tr></thead><tbody>")
    parts += [_row(r) for r in s.status.rows]
    parts.append("</tbody></table>")
    for u in s.status.unknown:
        parts.append(f'<p class="error">Unknown: {_e(u.detail)}</p>')
    parts.append("</section>")
    return "".join(parts)


def render(sections: Sequence[Section], version: str) -> str:
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
        "<p>What git declares, what the cluster runs, what the bot would do next and why. "
        "Computed by the watch loop each cycle; this page follows it.</p>"
        f"{body}</main><script>{SCRIPT}</script></body></html>\n"
    )
