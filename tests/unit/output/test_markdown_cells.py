"""Text from outside lands in Markdown tables (PR body, dashboard, step summary) as one inert cell."""

from __future__ import annotations

import re

from hypothesis import given, settings
from hypothesis import strategies as st

from gitops_bot.core.model import ImageMetadata
from gitops_bot.core.outside import Outside, md_cell
from gitops_bot.release.proposal import _source_link
from testkit.examples import examples


def _cells(row: str) -> list[str]:
    """A GFM table row's cells: split at each ``|`` that no backslash escapes."""
    out, cur, i = [], "", 0
    while i < len(row):
        if row[i] == "\\" and i + 1 < len(row):
            cur += row[i : i + 2]
            i += 2
            continue
        if row[i] == "|":
            out.append(cur)
            cur = ""
        else:
            cur += row[i]
        i += 1
    out.append(cur)
    return out[1:-1]  # the row's leading and trailing pipes


def _unescaped(text: str, char: str) -> bool:
    i = 0
    while i < len(text):
        if text[i] == "\\":
            i += 2
            continue
        if text[i] == char:
            return True
        i += 1
    return False


def _inert(text: str) -> None:
    assert "\n" not in text and "\r" not in text
    assert not _unescaped(text, "<") and not _unescaped(text, "|") and not _unescaped(text, "[")
    assert not re.search(r"@[\w-]", text)  # no mention GitHub, GitLab or Gitea would notify


@settings(max_examples=examples(300))
@given(st.text())
def test_any_string_in_a_cell_keeps_the_row_at_its_cell_count_with_no_live_html_or_mention(
    value: str,
) -> None:
    escaped = md_cell(Outside(value))
    assert len(_cells(f"| a | {escaped} | b |")) == 3
    _inert(escaped)


HOSTILE = [
    "<script>alert(1)</script>",
    '<img src=x onerror="alert(1)">',
    "@octocat @org/team",
    "a | b | c",
    "line\nbreak\u2028x",
    "\\|",
]


def test_hostile_revision_and_source_labels_stay_one_inert_cell() -> None:
    for bad in HOSTILE:
        for labels in (
            {
                "org.opencontainers.image.revision": bad,
                "org.opencontainers.image.source": "https://github.com/o/r",
            },
            {"org.opencontainers.image.revision": "0123456789abcdef", "org.opencontainers.image.source": bad},
            {"org.opencontainers.image.source": bad},
        ):
            shown = _source_link(ImageMetadata(labels=labels))
            assert len(_cells(f"| a | {shown} | b |")) == 3, (labels, shown)
            _inert(shown.replace("](https://github.com/o/r/commit/", ""))
    plain = {
        "org.opencontainers.image.revision": "0123456789abcdef",
        "org.opencontainers.image.source": "https://github.com/o/r.git",
    }
    assert (
        _source_link(ImageMetadata(labels=plain))
        == "[0123456789ab](https://github.com/o/r/commit/0123456789abcdef)"
    )
