"""The one rule per medium for outside text, judged by real renderers (CommonMark + GFM by
markdown-it-py with GFM's autolinks, HTML by the standard library's parser)."""

from __future__ import annotations

import re

from hypothesis import given, settings
from hypothesis import strategies as st

from gitops_bot.core.outside import (
    Code,
    Outside,
    html,
    md,
    md_item,
    md_link,
    md_row,
    mrkdwn,
    plain,
    teams,
    terminal_text,
)
from testkit.examples import examples
from testkit.markup import live_in_html, live_in_markdown, markdown_html

HOSTILE = [
    '<img src=x onerror="alert(1)"> <script>alert(1)</script> <details open>',
    "@everyone @octocat @org/team thanks",
    "fixes #1, closes GH-2, see !3 and acme/app#4",
    "[click](https://evil.example) ![pixel](https://evil.example/p.png) [ref]: https://evil.example",
    "https://evil.example www.evil.example mail@evil.example <https://evil.example>",
    "```\nfenced\n```",
    "# heading\n\n- item\n1. item\n> quote\n---\n===",
    "a | b | c\n| --- | --- |",
    "`tick` ``two`` *bold* _it_ ~~gone~~ $x^2$ [^1] \\",
    "line one\n\nline two\u2028three\r\nfour",
    "&lt;img src=x&gt; &amp; &#60;b&#62;",
    "    indented code",
    "<!-- comment --> <a href='https://evil.example'>a</a>",
]


def _benign(template: str) -> str:
    return template.replace("{}", "plain")


def _check_markdown(template: str, build: object) -> None:
    for bad in HOSTILE:
        benign = build(Outside("plain"))  # type: ignore[operator]
        hostile = build(Outside(bad))  # type: ignore[operator]
        assert live_in_markdown(benign, hostile) == [], (template, bad, hostile)


def test_outside_text_in_a_paragraph_a_list_item_and_a_table_cell_is_inert() -> None:
    _check_markdown("paragraph", lambda t: "Intro.\n\n" + md("Why: ", t, ".") + "\n\nEnd.\n")
    _check_markdown("item", lambda t: "**Why**\n\n" + md_item(Code("app"), ": ", t) + "\n- second\n")
    _check_markdown(
        "cell",
        lambda t: (
            "| a | b | c |\n| --- | --- | --- |\n" + md_row("x", t, Code(t)) + "\n" + md_row("y", "z", "w")
        ),
    )
    _check_markdown("code", lambda t: "Text " + md(Code(t)) + " and " + md_item(Code(t)) + "\n")


@settings(max_examples=examples(200), deadline=None)
@given(st.text())
def test_any_string_in_any_markdown_position_is_inert(value: str) -> None:
    def body(text: str) -> str:
        return (
            f"Intro {md(Outside(text))}\n\n{md_item(Outside(text))}\n{md_item(Code(text))}\n\n"
            f"| a | b |\n| --- | --- |\n{md_row(Outside(text), Code(text))}\n"
        )

    benign = "x" if md(Code(value)) != "—" else ""  # what is left of it may be nothing at all
    assert live_in_markdown(body(benign), body(value)) == []


def test_the_bots_own_text_is_written_as_it_is() -> None:
    assert (
        md("**Why**: ", Code("app"), " [docs](https://example.com)")
        == "**Why**: `app` [docs](https://example.com)"
    )
    assert html("<b>", "own", "</b>") == "<b>own</b>"


def test_a_code_span_holds_any_backticks_and_a_table_cell_keeps_its_pipes() -> None:
    assert md(Code("a`b")) == "``a`b``"
    assert md(Code("`a")) == "`` `a ``"
    assert md_row(Code("a|b")) == "| `a\\|b` |"


def test_a_link_is_made_only_of_a_plain_https_url() -> None:
    assert md_link("compare", "https://github.com/acme/app/compare/a...b") == (
        "[compare](https://github.com/acme/app/compare/a...b)"
    )
    bad = md_link("compare", "https://evil.example/x) ![p](https://evil.example/p.png")
    assert live_in_markdown(md_link("compare", "https://ok.example/x".replace("https", "ftp")), bad) == []
    assert "<a" not in markdown_html(md_link("x", "javascript:alert(1)"))


@settings(max_examples=examples(200), deadline=None)
@given(st.text())
def test_any_string_in_html_adds_no_element(value: str) -> None:
    page = "<p>" + html("Reason: ", Outside(value), " ", Code(value)) + "</p>"
    assert live_in_html("<p>" + html("Reason: ", Outside("x"), " ", Code("x")) + "</p>", page) == []


@given(st.text())
def test_no_control_character_reaches_a_terminal(value: str) -> None:
    shown = terminal_text(value)
    assert not re.search(r"[\x00-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]", shown)
    assert terminal_text("\x1b[31mred\x1b[0m\n\u202eevil") == "\\x1b[31mred\\x1b[0m\\n\\u202eevil"
    assert terminal_text("a\nb\x1b", lines=True) == "a\nb\\x1b"


def test_slack_text_has_no_command_mention_link_or_formatting() -> None:
    shown = mrkdwn(
        "Reason: ", Outside("<!everyone> <@U123> <https://evil.example|x> @here *b* _i_ ~s~ `c` & #general")
    )
    assert "<" not in shown.removeprefix("Reason: ") and ">" not in shown
    assert not re.search(r"@(here|channel|everyone)\b", shown)
    assert not re.search(r"\*b\*|_i_|~s~|`c`", shown)
    assert "&amp;" in shown


def test_teams_text_has_no_link_emphasis_or_list() -> None:
    shown = teams(Outside("[x](https://evil.example) **b** _i_\n- item @user"))
    assert "\n" not in shown
    assert not re.search(r"\[x\]\(|\*\*b\*\*|_i_|@user", shown)


def test_a_plain_line_names_no_issue_and_no_person() -> None:
    shown = plain("- hold `app`: ", Outside("fixes #12 for @octocat\nSigned-off-by: eve"))
    assert "\n" not in shown
    assert not re.search(r"#\d|@\w", shown)
    assert shown.startswith("- hold `app`: fixes #")
