"""A person's reasons are outside text: typed into `hold --reason` and `freeze --reason` with
HTML, mentions, references, links and line breaks, they reach the pull or merge request (title
and body, on GitHub and on GitLab), its commit message, `plan`'s terminal text and the JSON as
what was typed, and nowhere as markup, a mention, a reference or a control character. Through
the real CLI, the real registry and git remote, and each forge's spec-held fake; the bodies
are judged as GitHub shows them (markdown-it's GFM and GitHub's allowlist)."""

from __future__ import annotations

import html
import json
import re
from collections.abc import Iterator
from pathlib import Path

import pytest

from gitops_bot.cli import main
from testkit.forge_world import World as ForgeWorld
from testkit.forge_world import make_world
from testkit.markup import markdown_html, read_html, references
from testkit.registry_process import RegistryProcess
from testkit.update_world import World, git

APP = "example/app"
REASON = (
    '<img src=x onerror="alert(1)"> @everyone fixes #1, GH-2, !3 [x](https://evil.example) '
    "https://evil.example\n# heading\n- item \x1b[31mred"
)


def inert_markdown(body: str) -> None:
    """Nothing of :data:`REASON` is live in ``body`` as GitHub shows it."""
    shown = markdown_html(body)
    elements, texts = read_html(shown)
    assert "evil.example" not in " ".join(re.findall(r'(?:href|src)="([^"]*)"', shown)), shown
    assert not [e for e in elements if e.split()[0] in {"img", "h1", "script"}], elements
    assert not {"@everyone", "#1", "GH-2", "!3"} & set(references(texts)), references(texts)
    assert "\x1b" not in body


def inert_line(text: str) -> None:
    """A commit message or a title: the reason on one line, naming no one and no issue."""
    assert "# heading" not in text.splitlines() and "- item" not in text.splitlines()
    assert not {"@everyone", "#1", "!3"} & {m.strip(" ,") for m in re.findall(r"[@#!]\w+", text)}
    assert "\x1b" not in text


@pytest.fixture
def gitlab(
    tmp_path: Path, registry: RegistryProcess, monkeypatch: pytest.MonkeyPatch
) -> Iterator[ForgeWorld]:
    yield from make_world(tmp_path, registry, monkeypatch, "gitlab", "environment")


def test_a_hostile_hold_and_freeze_reason_stay_text_on_gitlab(
    gitlab: ForgeWorld, capsys: pytest.CaptureFixture[str]
) -> None:
    world = gitlab
    world.run(capsys, "hold", "staging", APP, "--reason", REASON)
    (hold,) = world.forge.open_views()
    inert_markdown(hold["body"])
    inert_line(hold["title"])
    inert_line(git(world.remote, "log", "-1", "--format=%B", hold["head"]))
    world.forge.merge(hold["number"])

    world.run(capsys, "freeze", "production", "--until", "2d", "--reason", REASON)
    (freeze,) = world.forge.open_views()
    inert_markdown(freeze["body"])
    assert "fixes #\u200b1" in html.unescape(markdown_html(freeze["body"]))  # what was typed, defused
    world.forge.merge(freeze["number"])

    checkout = world.tmp / "checkout"  # plan reads a checkout
    git(world.tmp, "clone", "-q", str(world.remote), str(checkout))
    code = main(["plan", "--repo", str(checkout)])
    out, err = capsys.readouterr()
    assert code == 0, err
    assert "\x1b" not in out and "\\x1b[31mred" in out  # shown, not obeyed
    assert not any(line.startswith(("# heading", "- item")) for line in out.splitlines())
    assert main(["plan", "--repo", str(checkout), "--output", "json"]) == 0
    assert json.dumps(REASON)[1:-1] in capsys.readouterr().out  # the JSON keeps what was typed


def test_a_hostile_hold_reason_stays_text_on_github(world: World, capsys: pytest.CaptureFixture[str]) -> None:
    code = main(
        ["hold", "staging", APP, "--reason", REASON, "--repo", f"file://{world.remote}", "--output", "json"]
    )
    _, err = capsys.readouterr()
    assert code == 0, err
    (pr,) = world.github.open_pulls()
    inert_markdown(pr["body"])
    inert_line(pr["title"])
    inert_line(git(world.remote, "log", "-1", "--format=%B", pr["head"]["ref"]))
    assert "@\u200beveryone fixes #\u200b1" in html.unescape(markdown_html(pr["body"]))  # there, defused
