"""An image's labels are the publisher's text: pushed to the real registry with markup, table
pipes, mentions, script and javascript links in its OCI source and revision labels, a build
reaches the pull request the bot opens only as inert text — no raw HTML, no live @mention, no
link the label wrote, no line break that starts new markdown, and nothing unbounded."""

from __future__ import annotations

import re

import pytest

from testkit.update_world import World, update

SOURCE = "org.opencontainers.image.source"
REVISION = "org.opencontainers.image.revision"

HOSTILE = [
    "<script>alert(1)</script>",
    "| a | b |",
    "@octocat",
    "[x](javascript:alert(1))",
    "line one\n# heading\n- item",
    "x" * 5000,
]


def _build(world: World, tag: str, labels: dict[str, str]) -> str:
    return world.pusher.image(f"{world.ns}/app", tag, labels=labels, salt=f"{world.ns}-app-{tag}-h").digest


@pytest.mark.parametrize("value", HOSTILE, ids=["script", "pipes", "mention", "js-link", "newlines", "long"])
@pytest.mark.parametrize("label", [SOURCE, REVISION])
def test_hostile_source_labels_reach_the_pull_request_only_as_inert_text(
    world: World, capsys: pytest.CaptureFixture[str], label: str, value: str
) -> None:
    good = {SOURCE: f"{world.github.url}/acme/app", REVISION: "0" * 40}
    _build(world, "1.0.0", {**good, label: value})  # the running build
    _build(world, "1.1.0", {**good, label: value + " "})

    result = update(capsys, world, "--env", "staging")

    assert result["results"][0]["action"] == "pull_request"
    (pr,) = world.github.open_pulls()
    body = pr["body"]
    # escaped (backslash or entity) is shown as text; what must not be there is the live form
    assert not re.search(r"(?<!\\)<script", body, re.IGNORECASE), "live HTML"
    assert not re.search(r"(?<!\\)\]\(javascript:", body), "a link the label wrote"
    assert not re.search(r"(?<![\w`\u200d])@octocat", body), "a live mention"
    assert "x" * 600 not in body
    for line in body.splitlines():  # a label's line break never starts a heading or a list item
        assert not line.startswith(("# heading", "- item"))
    if value == "| a | b |":
        for line in body.splitlines():
            if "a | b" in line:
                assert "\\|" in line or "`" in line, line
