"""The playground's view of its pull requests (testkit.forge_view): what the bot opened, as a
reviewer reads it on GitHub — title, labels, the description rendered and sanitised as
github.com does, the commits and the diff — at the ``html_url`` the bot records."""

from __future__ import annotations

import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from testkit import forge_view
from testkit.forge_view import ForgeView, render_markdown
from testkit.registry_process import RegistryProcess
from testkit.update_world import World, update, world_with_token


@pytest.fixture
def world(tmp_path: Path, registry: RegistryProcess, monkeypatch: pytest.MonkeyPatch) -> Iterator[World]:
    yield from world_with_token(tmp_path, registry, monkeypatch)


def _get(url: str) -> tuple[int, str]:
    try:
        with urllib.request.urlopen(url, timeout=10) as r:
            return r.status, r.read().decode()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read().decode()


def test_the_pull_request_the_bot_opened_is_shown_where_its_link_leads(
    world: World, capsys: pytest.CaptureFixture[str]
) -> None:
    with ForgeView(world.github) as view:
        world.github.web_url = view.url
        world.push("app", "1.1.0")
        update(capsys, world)
        pr = next(p for p in world.github.open_pulls() if p["head"]["ref"] == "gitops-bot/staging")
        assert pr["html_url"] == f"{view.url}/acme/gitops/pull/{pr['number']}"
        status, page = _get(pr["html_url"])
        assert status == 200
        assert f"#{pr['number']}" in page and ">Open<" in page
        assert 'class="label">release<' in page  # the labels the config asks for
        assert "<details>" in page and "<summary>" in page  # the body's own HTML survives
        assert '<span class="add">+    newTag: 1.1.0' in page  # the diff of the overlay
        assert "gitops-bot" in page and "Commits (1)" in page
        status, listing = _get(f"{view.url}/acme/gitops/pulls")
        assert status == 200 and pr["title"] in listing
        assert _get(f"{view.url}/acme/gitops/pull/999")[0] == 404

        # merged, its branch gone: the view still has its commits and its diff
        world.github.merge(pr["number"])
        status, page = _get(pr["html_url"])
        assert ">Merged<" in page and '<span class="add">+    newTag: 1.1.0' in page
        said = forge_view.text(world.remote, world.github._pull(pr["number"]) or {})
        assert said.startswith(f"#{pr['number']} merged  ") and "+    newTag: 1.1.0" in said


@pytest.mark.parametrize(
    ("body", "kept", "gone"),
    [
        ("<script>alert(1)</script>hi", "hi", "alert"),
        ("<style>body{display:none}</style>x", "x", "display:none"),
        ('<a href="javascript:alert(1)">go</a>', ">go</a>", "javascript:"),
        ('<img src="x" onerror="alert(1)">', "<img", "onerror"),
        ('<iframe src="https://example.com"></iframe>ok', "ok", "iframe"),
        ("| a | b |\n|---|---|\n| 1 | ~~2~~ |", "<del>2</del>", "|---|"),
        ("<details><summary>s</summary>\n\n*more*\n\n</details>", "<em>more</em>", "&lt;details"),
        ('<div class="x" style="color:red">t</div>', "<div>t</div>", "style="),
    ],
)
def test_a_body_is_sanitised_as_github_sanitises_it(body: str, kept: str, gone: str) -> None:
    html = render_markdown(body)
    assert kept in html and gone not in html
