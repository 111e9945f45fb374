"""A guess from several tags of different lines (youngseokyoon/gitops-demo's examples: postgres
15 and 15-alpine in one environment) said "the first is followed", and init's own first plan
refused the entry: one environment running both lines is refused whatever the policy. The
guess says so; tags of one line keep the short words."""

from __future__ import annotations

from gitops_bot.policy.guess import guess


def test_tags_of_two_lines_say_an_environment_running_both_is_refused() -> None:
    g = guess(["15", "15-alpine"], "postgres")
    assert g.keys == {"policy": "digest", "tag": "15"}, g
    assert (
        "2 different tags pinned: 15, 15-alpine, of different lines: the first is followed; an environment "
        "running two of them is refused by the plan until they are one line (the same variant)" in g.why
    ), g.why


def test_tags_of_one_line_keep_the_first_followed() -> None:
    g = guess(["v1.31-latest", "v1.32-latest"], "envoyproxy/envoy")
    assert "; the first is followed)" in g.why, g.why
