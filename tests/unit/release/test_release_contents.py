"""The pull request body's Contents section: per image, a collapsed list of the source commits
a release brings (newest first, with authors and pull requests), cut at 30 with a link to the
full comparison; a rollback says the commits are taken out; a comparison that could not be had
is one line saying why, and the rest of the body is unchanged."""

from __future__ import annotations

from markdown_it import MarkdownIt

from gitops_bot.core.model import ReleaseKind
from gitops_bot.forges.compare_kit import Comparison, SourceCommit
from gitops_bot.release.proposal import MAX_COMMITS, Change, Release

URL = "https://github.com/acme/app/compare/aaaaaaa...bbbbbbb"


def _change(**kw: object) -> Change:
    base = dict(
        environment="staging",
        image="app",
        repository="registry.example.com/acme/app",
        files=("overlays/staging/kustomization.yaml",),
        from_tag="1.0.0",
        from_digest="sha256:" + "1" * 64,
        to_tag="1.1.0",
        to_digest="sha256:" + "2" * 64,
        reason="newest 1.x",
    )
    base.update(kw)
    return Change(**base)  # type: ignore[arg-type]


def _comparison(n: int) -> Comparison:
    commits = tuple(
        SourceCommit(f"{i:040x}", f"Change number {i} (#{100 + i})", f"dev{i}", (100 + i,)) for i in range(n)
    )
    return Comparison(commits, n, URL, "https://github.com/acme/app/pull/")


def test_commits_are_listed_newest_first_with_authors_and_pull_request_links() -> None:
    body = Release("staging", (_change(contents=_comparison(2)),)).body()
    assert "<details>\n<summary><code>app</code>: 2 commits</summary>" in body
    first, second = body.index("Change number 1"), body.index("Change number 0")
    assert first < second
    assert "- `0000000` Change number 1 — dev1 ([#101](https://github.com/acme/app/pull/101))" in body
    assert f"[Compare on the forge]({URL})" in body
    assert "(#101) —" not in body  # the number is linked once, not repeated from the title


def test_a_long_comparison_is_cut_with_a_link_to_the_rest() -> None:
    body = Release("staging", (_change(contents=_comparison(45)),)).body()
    listed = [line for line in body.splitlines() if line.startswith("- `") and "Change number" in line]
    assert len(listed) == MAX_COMMITS == 30
    assert "Change number 44" in body and "Change number 14 " not in body
    assert f"- … and 15 more: [the full comparison]({URL})" in body
    assert "45 commits" in body


def test_a_rollback_says_the_commits_are_taken_out() -> None:
    body = Release("staging", (_change(contents=_comparison(1)),), kind=ReleaseKind.ROLLBACK).body()
    assert "<code>app</code>: 1 commit taken out</summary>" in body


def test_a_missing_comparison_is_one_line_saying_why() -> None:
    change = _change(contents_note="no revision of the running image")
    body = Release("staging", (change,)).body()
    assert "- `app`: commits unknown: no revision of the running image" in body
    assert "<details>" not in body


def test_commit_text_cannot_inject_html_or_mention_people() -> None:
    commit = SourceCommit("a" * 40, "<img src=x> thanks @octocat", "<b>eve</b>")
    body = Release("staging", (_change(contents=Comparison((commit,), 1, URL, None)),)).body()
    shown = MarkdownIt("gfm-like", {"html": True}).render(body)
    assert "<img" not in shown and "<b>" not in shown  # shown as text: &lt;img
    assert "@octocat" not in shown and "@\u200boctocat" in shown


def test_a_release_without_comparisons_has_no_contents_section() -> None:
    assert "**Contents**" not in Release("staging", (_change(),)).body()
