"""A read-only web view of the local GitHub's pull requests, as github.com shows a reviewer.

The playground's bot opens pull requests; this is where a newcomer reads them. The local
GitHub (:class:`testkit.github_server.FakeGitHub`) keeps each pull request as GitHub's API
returns it, with its branch in a real bare git remote; this server shows them at GitHub's own
web paths, so the ``html_url`` the bot records (and the status page links) opens here:

    /OWNER/NAME/pulls          every pull request, open ones first
    /OWNER/NAME/pull/N         one: title, state, labels, reviewers, the body rendered from its
                               Markdown, the commits and the diff (``Files changed``)

The body is rendered as github.com renders a pull request's description: CommonMark with the
GFM tables and strikethrough, raw HTML allowed, then cleaned by GitHub's allowlist
(:data:`ALLOWED_TAGS`, ``html-pipeline``'s ``SanitizationFilter``) and GFM's tag filter, by
ammonia (``nh3``), the maintained sanitiser. What a reviewer reads here is what GitHub would
show: a body that only looks right before sanitising (a ``<style>``, a ``<script>``, an
``<iframe>``) looks broken here too.

:func:`text` is the same pull request for a terminal (``scripts/play prs N``).
"""

from __future__ import annotations

import re
import subprocess
import threading
from dataclasses import dataclass
from html import escape
from http.server import BaseHTTPRequestHandler
from pathlib import Path
from typing import Any, Self
from urllib.parse import urlparse

import nh3
from markdown_it import MarkdownIt

from gitops_bot.core.outside import terminal_text
from testkit.loopback import LoopbackHTTPServer

# GitHub's allowlist for user content, from html-pipeline's SanitizationFilter WHITELIST
# (github.com/gjtorikian/html-pipeline, lib/html/pipeline/sanitization_filter.rb; copied as
# data). ``h7``/``h8`` are not HTML elements and are left out.
ALLOWED_TAGS = frozenset(
    [
        "h1",
        "h2",
        "h3",
        "h4",
        "h5",
        "h6",
        "br",
        "b",
        "i",
        "strong",
        "em",
        "a",
        "pre",
        "code",
        "img",
        "tt",
        "div",
        "ins",
        "del",
        "sup",
        "sub",
        "p",
        "ol",
        "ul",
        "table",
        "thead",
        "tbody",
        "tfoot",
        "blockquote",
        "dl",
        "dt",
        "dd",
        "kbd",
        "q",
        "samp",
        "var",
        "hr",
        "ruby",
        "rt",
        "rp",
        "li",
        "tr",
        "td",
        "th",
        "s",
        "strike",
        "summary",
        "details",
    ]
)
_ALL = [
    "abbr",
    "accept",
    "accept-charset",
    "accesskey",
    "action",
    "align",
    "alt",
    "axis",
    "border",
    "cellpadding",
    "cellspacing",
    "char",
    "charoff",
    "charset",
    "checked",
    "clear",
    "cols",
    "colspan",
    "color",
    "compact",
    "coords",
    "datetime",
    "dir",
    "disabled",
    "enctype",
    "for",
    "frame",
    "headers",
    "height",
    "hreflang",
    "hspace",
    "ismap",
    "label",
    "lang",
    "maxlength",
    "media",
    "method",
    "multiple",
    "name",
    "nohref",
    "noshade",
    "nowrap",
    "open",
    "prompt",
    "readonly",
    "rev",
    "rows",
    "rowspan",
    "rules",
    "scope",
    "selected",
    "shape",
    "size",
    "span",
    "start",
    "summary",
    "tabindex",
    "target",
    "title",
    "type",
    "usemap",
    "valign",
    "value",
    "vspace",
    "width",
    "itemprop",
]
ALLOWED_ATTRIBUTES = {
    "*": set(_ALL),
    "a": {"href"},
    "img": {"src", "longdesc"},
    "div": {"itemscope", "itemtype"},
    "blockquote": {"cite"},
    "del": {"cite"},
    "ins": {"cite"},
    "q": {"cite"},
}
URL_SCHEMES = {"http", "https", "mailto"}  # and relative URLs (ammonia keeps those)
# removed with their contents: the allowlist's ``script``, and GFM's tag filter (spec 6.11)
REMOVED_WITH_CONTENTS = {
    "script",
    "style",
    "title",
    "textarea",
    "xmp",
    "iframe",
    "noembed",
    "noframes",
    "plaintext",
}

_MARKDOWN = MarkdownIt("commonmark", {"html": True}).enable(["table", "strikethrough"])
# cmark-gfm writes ~~struck~~ as <del>, markdown-it as <s>
_MARKDOWN.add_render_rule("s_open", lambda *_: "<del>")
_MARKDOWN.add_render_rule("s_close", lambda *_: "</del>")


def render_markdown(text: str) -> str:
    """A pull request body as github.com shows it: GFM rendered, then GitHub's sanitising."""
    return sanitised(_MARKDOWN.render(text))


def sanitised(html: str) -> str:
    """Rendered HTML as GitHub keeps it: its allowlist of tags, attributes and URL schemes."""
    return nh3.clean(
        html,
        tags=set(ALLOWED_TAGS),
        clean_content_tags=REMOVED_WITH_CONTENTS,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes=URL_SCHEMES,
        link_rel="nofollow noopener noreferrer",
    )


# -- what a pull request holds in git ---------------------------------------------------------


@dataclass(frozen=True)
class Commit:
    sha: str
    subject: str
    author: str


@dataclass(frozen=True)
class Contents:
    commits: list[Commit]
    diff: str


def _git(remote: Path, *args: str) -> str:
    # bytes, decoded here: text mode's universal newlines would turn a CR in a commit's subject
    # or a file into a line break (the commit then lost from the list, the diff altered)
    done = subprocess.run(["git", "-C", str(remote), *args], capture_output=True, check=False)
    return done.stdout.decode(errors="replace") if done.returncode == 0 else ""


def contents(remote: Path, pr: dict[str, Any]) -> Contents:
    """The commits and the diff of ``pr``: its branch's while it is there, else the head it
    had when it was merged or closed (the fake records it), against where it left its base."""
    head = _git(remote, "rev-parse", "--verify", "-q", f"refs/heads/{pr['head']['ref']}").strip()
    head = head or pr["head"]["sha"]
    base = _git(remote, "merge-base", f"refs/heads/{pr['base']['ref']}", head).strip()
    if not base:
        return Contents([], "")
    log = _git(remote, "log", "--reverse", "--format=%H%x1f%s%x1f%an", f"{base}..{head}")
    commits = [Commit(*line.split("\x1f")) for line in log.split("\n") if line.count("\x1f") == 2]
    return Contents(commits, _git(remote, "diff", "--no-color", base, head))


def state(pr: dict[str, Any]) -> str:
    if pr["state"] == "open":
        return "Draft" if pr.get("draft") else "Open"
    return "Merged" if pr.get("merged") else "Closed"


def labels(pr: dict[str, Any]) -> list[str]:
    return [str(x["name"]) for x in pr.get("labels", [])]


# -- the terminal -----------------------------------------------------------------------------


def summary_line(pr: dict[str, Any]) -> str:
    """One line: what the pull request holds from outside (its title, its labels) through the
    terminal rule the bot's own commands print by, so no control in them reaches the screen."""
    tags = "".join(f" [{terminal_text(n)}]" for n in labels(pr))
    return f"#{pr['number']} {state(pr).lower()}  {terminal_text(pr['title'])}{tags}"


def text(remote: Path, pr: dict[str, Any]) -> str:
    """One pull request for a terminal: what the web view shows, as plain text. Everything in
    it came from outside (the forge's answer, the branch's commits and files), so each part goes
    through the terminal rule: one line each, a description or a diff keeping its own line
    breaks and nothing else (a CR, ESC, OSC or BEL is shown as its escape)."""
    c = contents(remote, pr)
    people = [terminal_text(r["login"]) for r in pr.get("requested_reviewers", [])]
    lines = [
        summary_line(pr),
        f"{terminal_text(pr['head']['ref'])} -> {terminal_text(pr['base']['ref'])}   "
        + terminal_text(pr["html_url"]),
    ]
    if people:
        lines.append("reviewers: " + ", ".join(people))
    if pr.get("auto_merge"):
        lines.append(f"auto-merge: on ({terminal_text(pr['auto_merge']['merge_method'])})")
    body = terminal_text(pr.get("body") or "", lines=True)
    lines += ["", body or "(no description)", "", f"commits ({len(c.commits)}):"]
    lines += [f"  {x.sha[:7]} {terminal_text(x.subject)} ({terminal_text(x.author)})" for x in c.commits]
    lines += ["", "diff:", terminal_text(c.diff.rstrip(), lines=True) or "(no changes)"]
    return "\n".join(lines)


# -- the web view -----------------------------------------------------------------------------

STYLE = (
    "body{font-family:system-ui,sans-serif;margin:0;color:#1f2328;background:#fff}"
    "header{background:#24292f;color:#fff;padding:.6rem 1rem}header a{color:#fff}"
    "main{max-width:100rem;margin:0 auto;padding:1rem}"
    "h1{font-size:1.6rem;font-weight:400;margin:.5rem 0;overflow-wrap:break-word}"
    ".num{color:#59636e}.meta{color:#59636e;margin:.3rem 0 1rem}"
    ".state{display:inline-block;border-radius:2em;padding:.2rem .7rem;color:#fff;font-weight:600;"
    "margin-right:.4rem}.Open{background:#1f883d}.Draft{background:#59636e}.Merged{background:#8250df}"
    ".Closed{background:#cf222e}"
    ".label{display:inline-block;border:1px solid #d1d9e0;border-radius:2em;padding:0 .5rem;"
    "font-size:.85rem;margin:0 .2rem}"
    "section{border:1px solid #d1d9e0;border-radius:6px;margin:1rem 0}"
    "section>h2{font-size:1rem;background:#f6f8fa;margin:0;padding:.5rem .8rem;"
    "border-bottom:1px solid #d1d9e0}.body{padding:0 1rem;overflow-wrap:break-word}"
    # a body's table wraps inside the page: its words at their spaces and hyphens, a long
    # token in code (a whole digest) anywhere past 15 characters, so an image name or a tag
    # stays whole and the promotion table (seven columns, digests, a source and its revision)
    # fits a 1,440 px window without scrolling; narrower, the table scrolls in its own box
    # (github.com's way), never the page
    ".body table{border-collapse:collapse;display:block;max-width:100%;overflow-x:auto}"
    ".body th,.body td{border:1px solid #d1d9e0;padding:.2rem .5rem}"
    ".body td code{overflow-wrap:anywhere;display:inline-block;min-width:15ch}"
    ".body code{background:#eff1f3;padding:.1rem .3rem;border-radius:4px}"
    "ol.commits{margin:0;padding:.5rem 2rem}code.sha{color:#59636e}"
    "pre.diff{margin:0;padding:.5rem 0;overflow-x:auto;font-size:.85rem;line-height:1.4}"
    "pre.diff span{display:block;padding:0 .8rem;white-space:pre}"
    ".add{background:#dafbe1}.del{background:#ffebe9}.hunk{background:#ddf4ff;color:#59636e}"
    ".file{font-weight:700;background:#f6f8fa}"
    "table.list{border-collapse:collapse;width:100%}table.list td{border-top:1px solid #d1d9e0;"
    "padding:.5rem;vertical-align:top}"
)


def _page(title: str, body: str, repository: str) -> str:
    return (
        '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{escape(title)}</title><style>{STYLE}</style></head><body>"
        f'<header><a href="/{escape(repository)}/pulls">{escape(repository)}</a>'
        " · pull requests (the playground's local GitHub)</header>"
        f"<main>{body}</main></body></html>\n"
    )


def _labels_html(pr: dict[str, Any]) -> str:
    return "".join(f'<span class="label">{escape(n)}</span>' for n in labels(pr))


def list_html(repository: str, pulls: list[dict[str, Any]]) -> str:
    ordered = sorted(pulls, key=lambda p: (p["state"] != "open", -p["number"]))
    rows = "".join(
        f'<tr><td><span class="state {state(p)}">{state(p)}</span></td><td>'
        f'<a href="/{escape(repository)}/pull/{p["number"]}">{escape(p["title"])}</a> '
        f'{_labels_html(p)}<div class="meta">#{p["number"]} · {escape(p["head"]["ref"])}</div></td></tr>'
        for p in ordered
    )
    body = f"<h1>Pull requests ({len(pulls)})</h1>" + (
        f'<table class="list">{rows}</table>' if pulls else "<p>No pull requests yet.</p>"
    )
    return _page(f"Pull requests · {repository}", body, repository)


def _diff_html(diff: str) -> str:
    out = []
    for line in diff.splitlines():
        cls = (
            "file"
            if line.startswith("diff --git")
            else "hunk"
            if line.startswith("@@")
            else "add"
            if line.startswith("+") and not line.startswith("+++")
            else "del"
            if line.startswith("-") and not line.startswith("---")
            else ""
        )
        out.append(f'<span class="{cls}">{escape(line)}</span>' if cls else f"<span>{escape(line)}</span>")
    return '<pre class="diff">' + "".join(out) + "</pre>"


def pull_html(repository: str, remote: Path, pr: dict[str, Any]) -> str:
    c = contents(remote, pr)
    people = ", ".join(escape(r["login"]) for r in pr.get("requested_reviewers", []))
    meta = [
        f'<span class="state {state(pr)}">{state(pr)}</span>',
        f"<code>{escape(pr['head']['ref'])}</code> into <code>{escape(pr['base']['ref'])}</code>",
    ]
    if people:
        meta.append(f"reviewers: {people}")
    if pr.get("auto_merge"):
        meta.append(f"auto-merge: {escape(pr['auto_merge']['merge_method'])}")
    commits = "".join(
        f'<li><code class="sha">{x.sha[:7]}</code> {escape(x.subject)} · {escape(x.author)}</li>'
        for x in c.commits
    )
    body = (
        f'<h1>{escape(pr["title"])} <span class="num">#{pr["number"]}</span></h1>'
        f'<p class="meta">{" · ".join(meta)}</p><p>{_labels_html(pr)}</p>'
        f'<section aria-labelledby="d"><h2 id="d">Description</h2>'
        f'<div class="body">{render_markdown(pr.get("body") or "")}</div></section>'
        f'<section aria-labelledby="c"><h2 id="c">Commits ({len(c.commits)})</h2>'
        f'<ol class="commits">{commits}</ol></section>'
        f'<section aria-labelledby="f"><h2 id="f">Files changed</h2>{_diff_html(c.diff)}</section>'
    )
    return _page(f"{pr['title']} · Pull request #{pr['number']}", body, repository)


class ForgeView:
    """The web view, on a loopback port, of ``forge``'s pull requests (a FakeGitHub: its
    ``repository``, ``remote``, ``pulls`` and ``lock``)."""

    def __init__(self, forge: Any) -> None:
        self.forge = forge
        view = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: Any) -> None:
                pass

            def do_GET(self) -> None:
                status, page = view.answer(urlparse(self.path).path)
                data = page.encode()
                self.send_response(status)
                self.send_header("Content-Type", "text/html; charset=utf-8")
                self.send_header("Content-Length", str(len(data)))
                self.send_header(
                    "Content-Security-Policy", "default-src 'none'; style-src 'unsafe-inline'; img-src 'self'"
                )
                self.end_headers()
                self.wfile.write(data)

        self.server = LoopbackHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self._thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def answer(self, path: str) -> tuple[int, str]:
        repository = self.forge.repository
        with self.forge.lock:
            pulls = [dict(p) for p in self.forge.pulls]
        if path in ("/", f"/{repository}", f"/{repository}/pulls"):
            return 200, list_html(repository, pulls)
        m = re.fullmatch(rf"/{re.escape(repository)}/pull/(\d+)(?:/(?:commits|files))?", path)
        pr = next((p for p in pulls if m and p["number"] == int(m.group(1))), None)
        if pr is None:
            return 404, _page("Not found", "<h1>No such pull request</h1>", repository)
        return 200, pull_html(repository, self.forge.remote, pr)

    def __enter__(self) -> Self:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()
