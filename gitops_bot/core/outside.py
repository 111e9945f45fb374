"""Text from outside, and the one rule per medium that makes it inert wherever it lands.

A string that came from outside the bot — a reason a person typed (``hold --reason``,
``freeze --reason``, ``--force --reason``), a forge's or Argo CD's message, a commit's subject
and author, an image's labels and tags, a metric's labels, a registry's error — is an
:class:`Outside`, marked where it enters. Text composed from one (a reason that quotes Argo CD)
is outside too. The bot's own text is a plain ``str`` and stays exactly as written.

Output is built from *parts*: a plain ``str`` is the bot's own text (markup included), an
:class:`Outside` is escaped by the rule of the medium it lands in, and :class:`Code` is a code
span whatever its text. A template never escapes anything itself; it says where a part goes
(:func:`md`, :func:`md_item`, :func:`md_row`, :func:`html`, :func:`mrkdwn`, :func:`teams`,
:func:`plain`; :func:`terminal_text` for a terminal) and the rule of that medium does the
rest, so no template can forget a case and a new case is fixed once for every template:

- **Markdown** (paragraphs, list items, table cells of PR and issue bodies, comments, the
  Action's step summary): one line (a line break would start a block or end a table row),
  every ASCII punctuation character CommonMark or GFM gives meaning to backslash-escaped (no
  HTML, link, image, autolink, emphasis, code, heading, list, quote, table cell or math), and
  a zero-width space after ``@``, ``#`` and ``!`` so that no forge notifies whoever the text
  names nor links (and so cross-references, or closes on merge) another issue or merge request.
- **HTML** (the status page): entity-escaped, quotes included, controls dropped.
- **terminal**: control characters and ANSI escapes, and the bidirectional overrides that
  reorder what a terminal shows, written as visible escapes (``\\x1b``), so outside text can
  neither move the cursor, recolour the screen nor forge a line of the bot's own.
- **Slack mrkdwn** (Slack, and Discord's Slack-compatible hooks): ``&``, ``<`` and ``>`` as
  entities (no ``<!everyone>``, ``<@U…>`` or ``<url|label>``), a zero-width space after ``@``
  and ``#`` and after each formatting character.
- **Teams** (an Adaptive Card's Markdown subset): a zero-width space after every character that
  subset or a mention gives meaning to.
- **one line of plain text** (commit messages, pull request titles, a generic webhook's
  ``text``): one line, controls dropped, a zero-width space after ``@``, ``#`` and ``!`` (a
  commit that says "fixes #12" closes issue 12 when it reaches the default branch).

Outside text is also bounded in every medium but the terminal (:data:`MAX_TEXT` characters):
a label of megabytes is not a sentence.
"""

from __future__ import annotations

import functools
import re
import unicodedata
from collections.abc import Callable

from gitops_bot.core.record import record

# html.escape's (quote=True), written out: the html package loads its entity tables, two
# modules every run would import for five characters
_HTML_ESCAPES = str.maketrans({"&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#x27;"})
MAX_TEXT = 300  # characters of one piece of outside text in a body (a label, a commit title)
ZWSP = "\u200b"


class Outside(str):
    """Text that came from outside the bot: rendered only through a medium's rule."""

    __slots__ = ()


@record
class Code:
    """A code span of ``text`` (the bot's own or outside): shown literally in every medium."""

    text: str


Part = str | Code
Parts = tuple[Part, ...]  # a piece of text made of parts: rendered by the medium it lands in


# ----- the rules, one per medium ---------------------------------------------------------------
# Each medium's pattern is a string compiled (and cached by re) when text is first rendered in
# that medium: a command that writes to no forge or chat compiles none but the controls'.

# C0 and C1 controls and DEL, and the Unicode controls that reorder or hide what is shown
_BIDI = "\u061c\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"


# compiled at its first use, not at import: a plan's start-up does not use it
@functools.cache
def _controls() -> re.Pattern[str]:
    return re.compile(f"[\\x00-\\x1f\\x7f-\\x9f{_BIDI}]")


def _one_line(text: str) -> str:
    """One line of at most MAX_TEXT characters: every run of whitespace (line breaks, the
    Unicode line and paragraph separators) one space, controls dropped."""
    one = _controls().sub("", " ".join(text.split()))
    return one if len(one) <= MAX_TEXT else one[: MAX_TEXT - 1] + "…"


# every ASCII punctuation character CommonMark, GFM or GitHub's extensions read: HTML, links,
# images, autolinks (the ':' of a scheme, the '.' of www.), emphasis, code, headings, lists,
# quotes, thematic breaks, setext underlines, tables, strikethrough, math, footnotes, entities
_MD_SPECIAL = r"([\\`*_{}\[\]()#+\-.!|~<>:=$&])"
# after escaping: what a forge reads in the rendered text (mentions, references: #12, !12 and
# GitHub's GH-12)
_MD_REFERENCE = r"([@#!]|\b[Gg][Hh]\\-(?=\d))"


def md_text(value: str) -> str:
    """The Markdown rule: outside text as literal, inert text in a paragraph, a list item or a
    table cell of a body on any forge."""
    return re.sub(_MD_REFERENCE, r"\1&#8203;", re.sub(_MD_SPECIAL, r"\\\1", _one_line(value)))


def md_code(value: str, *, cell: bool = False) -> str:
    """A code span holding ``value`` literally: a fence longer than any run of backticks in it,
    and, in a table cell, ``|`` escaped (GFM splits cells before it reads code spans)."""
    text = _one_line(value)
    if not text:
        return "—"
    run = max((len(r) for r in re.findall(r"`+", text)), default=0)
    fence = "`" * (run + 1)
    pad = " " if text.startswith("`") or text.endswith("`") else ""  # CommonMark strips one each side
    if cell:
        text = text.replace("|", "\\|")
    return f"{fence}{pad}{text}{pad}{fence}"


def html_escaped(value: str) -> str:
    """``value`` with ``& < > " '`` escaped, as html.escape(quote=True) writes it."""
    return value.translate(_HTML_ESCAPES)


def html_text(value: str) -> str:
    """The HTML rule: entity-escaped (quotes too: attribute values are text), controls dropped."""
    return html_escaped(_controls().sub("", value))


def terminal_text(value: str, *, lines: bool = False) -> str:
    """The terminal rule: every control character and bidirectional override shown as its
    escape (``\\x1b``, ``\\n``, ``\\u202e``); with ``lines``, line breaks kept (a whole
    document the bot wrote, whose only line breaks are its own)."""
    keep = "\n" if lines else ""
    return _controls().sub(lambda m: m.group() if m.group() in keep else _visible(m.group()), value)


def _visible(char: str) -> str:
    return repr(char)[1:-1] if unicodedata.category(char) == "Cc" else f"\\u{ord(char):04x}"


_MRKDWN_FORMAT = r"([*_~`@#])"


def mrkdwn_text(value: str) -> str:
    """The Slack rule (mrkdwn, and Discord's Slack-compatible hooks): no ``<…>`` command,
    mention or link, no ``@here``, no formatting."""
    text = _one_line(value).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return re.sub(_MRKDWN_FORMAT, rf"\1{ZWSP}", text)


_TEAMS_SPECIAL = r"([*_~`\[\]()<>@#!\-+.])"


def teams_text(value: str) -> str:
    """The Teams rule (an Adaptive Card TextBlock's Markdown subset, which has no escapes): a
    zero-width space after each character it reads, so nothing forms."""
    return re.sub(_TEAMS_SPECIAL, rf"\1{ZWSP}", _one_line(value))


_PLAIN_REFERENCE = r"([@#!]|\b[Gg][Hh]-)(?=\w)"


def plain_text(value: str) -> str:
    """The plain-text rule (a commit message's line, a pull request's title, a webhook's
    ``text``): one line, and no mention or issue reference a forge reads in it."""
    return re.sub(_PLAIN_REFERENCE, rf"\1{ZWSP}", _one_line(value))


# ----- parts: the bot's own text as written, outside text through the medium's rule --------


Rule = Callable[[str], str]


def _render(parts: tuple[Part, ...], rule: Rule, code: Rule) -> str:
    out = []
    for p in parts:
        if isinstance(p, Code):
            out.append(code(p.text))
        elif isinstance(p, Outside):
            out.append(rule(p))
        else:
            out.append(p)
    return "".join(out)


def md(*parts: Part) -> str:
    """Markdown inline text (a paragraph's line): own parts as written, outside parts inert."""
    return _render(parts, md_text, md_code)


def md_item(*parts: Part) -> str:
    """One item of a Markdown list."""
    return "- " + md(*parts)


Cell = Part | tuple[Part, ...]


def md_cell(value: Cell) -> str:
    """One cell of a GFM table (a lone part, or the parts of one cell)."""
    parts = value if isinstance(value, tuple) else (value,)
    return _render(parts, md_text, lambda t: md_code(t, cell=True))


def md_row(*cells: Cell) -> str:
    """One row of a GFM table: its cell count whatever the text."""
    return "| " + " | ".join(md_cell(c) for c in cells) + " |"


def html(*parts: Part) -> str:
    """HTML text: own parts (the page's markup) as written, outside parts escaped."""
    return _render(parts, html_text, lambda t: f"<code>{html_text(t)}</code>")


def _slack_entities(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def mrkdwn(*parts: Part) -> str:
    """Slack mrkdwn. Slack reads ``&``, ``<`` and ``>`` as its control characters in every
    text, so the bot's own parts have those three written as entities too (its formatting,
    ``*bold*``, stays as written)."""
    own = tuple(_slack_entities(p) if type(p) is str else p for p in parts)
    return _render(own, mrkdwn_text, mrkdwn_text)


def teams(*parts: Part) -> str:
    """An Adaptive Card TextBlock's text."""
    return _render(parts, teams_text, teams_text)


def plain(*parts: Part) -> str:
    """One line of plain text: commit messages, titles."""
    return _render(parts, plain_text, plain_text)


# a URL from outside (a forge's answer, an image's source label) is linked only when it is a
# plain http(s) URL: no space, quote, bracket, parenthesis or angle that would end the link
# early or start markup of its own
_SAFE_URL = (
    r"https?://[A-Za-z0-9.-]+(?::[0-9]+)?(?:/[A-Za-z0-9._~%/+=,;:@-]*)?(?:\?[A-Za-z0-9._~%/+=&,;:@-]*)?"
)


def safe_url(url: str) -> bool:
    """Whether ``url`` may be the target of a link the bot writes."""
    return re.fullmatch(_SAFE_URL, url) is not None


def md_link(label: Part, url: str) -> str:
    """A Markdown link to ``url`` when it is a plain http(s) URL; otherwise the label and the URL
    as text (``url`` counts as outside either way)."""
    if safe_url(url):
        return f"[{md(label)}]({url})"
    return md(label, " (", Outside(url), ")")
