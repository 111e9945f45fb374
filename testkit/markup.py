"""Judges of live markup in what the bot writes: is any outside text read as more than text?

Markdown is rendered by a real CommonMark + GFM renderer (markdown-it-py's ``gfm-like``
preset: tables, strikethrough, bare-URL autolinks through linkify-it-py, raw HTML), then
cleaned by GitHub's own allowlist (:mod:`testkit.forge_view`'s, html-pipeline's
``SanitizationFilter``, applied by ammonia) — what github.com shows — and read as HTML. A text
is inert when that has exactly the elements the same template makes of benign text (no new
tag: no ``<img>``, ``<a>``, heading, list item, table cell, code block…), and no text node
outside code and links holds a mention or a reference a forge would act on (GitHub's
``MentionFilter`` and issue-reference filter read those text nodes, which is what
:func:`references` reads).
"""

from __future__ import annotations

import re
from collections import Counter
from html.parser import HTMLParser

from markdown_it import MarkdownIt

from testkit.forge_view import sanitised

_GFM = MarkdownIt("gfm-like", {"html": True})

# html-pipeline's MentionFilter (@user, @org/team) and the issue and merge request references
# of GitHub (#12, GH-12), GitLab (#12, !12) and Gitea (#12)
MENTION = re.compile(r"(?:^|[^\w`])@[a-z0-9][a-z0-9-]*", re.IGNORECASE)
REFERENCE = re.compile(r"(?:^|\W)(?:#|!|GH-)\d+", re.IGNORECASE)
_QUIET = {"code", "pre", "a", "script", "style"}  # text a forge does not scan for mentions


def markdown_html(text: str) -> str:
    """``text`` as GitHub shows it: rendered, then sanitised by GitHub's allowlist."""
    return sanitised(_GFM.render(text))


class _Reader(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.elements: list[str] = []
        self.open: list[str] = []
        self.texts: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "wbr" and not attrs:  # a line-break opportunity (the page's in references): inert
            return
        self.elements.append(tag + "".join(sorted(f" {k}" for k, _ in attrs)))
        if tag not in {"br", "img", "hr", "input", "meta", "link"}:
            self.open.append(tag)

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.elements.append(tag + "".join(sorted(f" {k}" for k, _ in attrs)))

    def handle_endtag(self, tag: str) -> None:
        if tag in self.open:
            while self.open and self.open.pop() != tag:
                pass

    def handle_data(self, data: str) -> None:
        if not _QUIET.intersection(self.open):
            self.texts.append(data)

    def handle_comment(self, data: str) -> None:
        self.elements.append("<!--")


def read_html(html: str) -> tuple[list[str], list[str]]:
    """The elements (tag and attribute names, in order) and the text nodes a forge scans."""
    reader = _Reader()
    reader.feed(html)
    reader.close()
    return reader.elements, reader.texts


def references(texts: list[str]) -> list[str]:
    """The mentions and issue references in text nodes."""
    found = []
    for text in texts:
        found += [m.group().strip() for m in MENTION.finditer(text)]
        found += [m.group().strip() for m in REFERENCE.finditer(text)]
    return found


def live_in_markdown(benign: str, hostile: str) -> list[str]:
    """What the hostile rendering of a template makes live that the benign one does not: each
    element it adds, or removes, and each mention or reference (empty: inert)."""
    want, own = read_html(markdown_html(benign))
    got, texts = read_html(markdown_html(hostile))
    problems = [f"elements differ: {_diff(want, got)}"] if want != got else []
    extra = Counter(references(texts)) - Counter(references(own))  # the template's own stay
    return problems + [f"live reference {r!r}" for r in extra.elements()]


def live_in_html(benign: str, hostile: str) -> list[str]:
    """The same judgement for a page the bot serves as HTML."""
    want, _ = read_html(benign)
    got, _ = read_html(hostile)
    return [f"elements differ: {_diff(want, got)}"] if want != got else []


def _diff(want: list[str], got: list[str]) -> str:
    extra = [e for e in got if e not in want]
    missing = [e for e in want if e not in got]
    return f"added {extra[:8]}, removed {missing[:8]}, {len(want)} -> {len(got)} elements"


class _Text(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []

    def handle_data(self, data: str) -> None:
        self.parts.append(data)


def shown(markdown: str) -> str:
    """The text a reader sees of a Markdown body as GitHub shows it: escapes resolved, markup
    gone, the zero-width spaces that keep mentions and references inert dropped. Tests assert
    what a person reads here, whatever escaping the output layer chose."""
    reader = _Text()
    reader.feed(markdown_html(markdown))
    reader.close()
    return "".join(reader.parts).replace("\u200b", "").strip()
