"""The playground's pull requests as a person reads them: in the terminal (``scripts/play prs``)
every word from outside goes through the terminal rule the bot's own commands print by, and a
closed pipe (``| head``) ends it quietly; in a browser the description's table fits the page."""

from __future__ import annotations

import contextlib
import html as html_mod
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from testkit import browser, forge_view
from testkit import docs_examples as dx
from testkit.playground import Control
from testkit.registry_process import RegistryProcess
from testkit.update_world import World, update, world_with_token

HOSTILE = "\x1b[2J\x1b]8;;http://evil.example/\x07click\x1b]8;;\x07\rfake\x9b31m"
CONTROLS = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f]")  # all but the tab and the line break


def _commit(remote: Path, subject: str) -> tuple[str, str]:
    """A branch in ``remote`` (bare) with one commit whose subject and author are ``subject``."""
    work = remote.parent / "work"
    run = lambda *a: subprocess.run(["git", "-C", str(work), *a], check=True, capture_output=True)  # noqa: E731
    subprocess.run(["git", "init", "-q", "-b", "main", str(work)], check=True)
    ident = ["-c", f"user.name={subject}", "-c", "user.email=a@example.com"]
    (work / "f").write_text("a\n")
    run("add", "f")
    run(*ident, "commit", "-qm", "base")
    run("push", "-q", str(remote), "main")
    (work / "f").write_text(f"a\n{HOSTILE}\n")
    run(*ident, "commit", "-qam", subject)
    run("push", "-q", str(remote), "main:topic")
    return "topic", "main"


def test_a_pull_requests_outside_text_reaches_the_terminal_escaped(tmp_path: Path) -> None:
    remote = tmp_path / "remote.git"
    subprocess.run(["git", "init", "-q", "--bare", "-b", "main", str(remote)], check=True)
    head, base = _commit(remote, f"subject {HOSTILE}")
    pr: dict[str, Any] = {
        "number": 4,
        "state": "open",
        "title": f"title {HOSTILE}",
        "body": f"line one {HOSTILE}\nline two\r\n",
        "labels": [{"name": f"label{HOSTILE}"}],
        "requested_reviewers": [{"login": f"rev{HOSTILE}"}],
        "head": {"ref": f"gitops-bot/{HOSTILE}", "sha": ""},
        "base": {"ref": base},
        "html_url": f"http://127.0.0.1/acme/gitops/pull/4{HOSTILE}",
    }
    pr["head"]["ref"] = head  # the branch must exist to list its commits; its name is checked below
    said = forge_view.text(remote, pr)
    listed = forge_view.summary_line({**pr, "head": {"ref": f"x{HOSTILE}", "sha": ""}})
    for out in (said, listed):
        assert not CONTROLS.search(out), repr(out)
    assert "title \\x1b[2J\\x1b]8;;http://evil.example/\\x07click" in said
    assert (
        "commits (1):" in said
        and "subject \\x1b[2J" in said
        and "line one \\x1b[2J" in said
        and "+\\x1b[2J" in said
    )
    assert "\\x9b31m\nline two\\r" in said  # the description's own line breaks kept, its CR shown
    assert "[label\\x1b[2J" in listed


class _Stub:
    """What the control port asks of a playground, answering ``prs`` with a long listing."""

    lock = threading.Lock()
    push = merge = health = wait = revert = None

    def at_its_time(self) -> contextlib.nullcontext[None]:
        return contextlib.nullcontext()

    def prs(self, number: str | None = None) -> str:
        return "\n".join(f"#{n} open  a pull request" for n in range(20_000))


def test_scripts_play_into_a_closed_pipe_ends_quietly(tmp_path: Path) -> None:
    state = tmp_path / "state.json"
    with Control(playground=_Stub()) as control:  # type: ignore[arg-type]
        state.write_text(json.dumps({"control": control.url, "token": control.token}))
        code = (
            "import sys; from pathlib import Path; from testkit import play as p; "
            "p.STATE = Path(sys.argv[1]); raise SystemExit(p.main(['prs']))"
        )
        proc = subprocess.Popen(
            [sys.executable, "-c", code, str(state)],
            cwd=dx.ROOT,
            env={**os.environ, "PYTHONPATH": str(dx.ROOT)},
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
        )
        assert proc.stdout is not None and proc.stderr is not None
        proc.stdout.read(10)  # `| head -c 10`: what the reader wanted, then the pipe closes
        proc.stdout.close()
        err = proc.stderr.read().decode()
        assert proc.wait(timeout=60) in (0, 141), err
    assert "Traceback" not in err and "BrokenPipe" not in err, err


# -- the description's table in a browser -------------------------------------------------------

# writes, into the DOM --dump-dom reads, how far the page and each description table reach
# past where they may (0: they fit)
_MEASURE = """
window.addEventListener('load', function () {
  var out = document.createElement('pre'); out.id = 'widths';
  var body = document.querySelector('.body');
  var tables = Array.prototype.map.call(document.querySelectorAll('.body table'), function (t) {
    return Math.max(0, t.getBoundingClientRect().right - body.getBoundingClientRect().right,
                    t.scrollWidth - t.clientWidth);
  });
  out.textContent = JSON.stringify({
    page: document.documentElement.scrollWidth - window.innerWidth, tables: tables});
  document.body.appendChild(out);
});
"""


def overflow(page: str, width: int) -> dict[str, Any]:
    """How many px the page and each description table reach past their box, ``width`` px wide."""
    folder = Path(tempfile.mkdtemp(prefix="gitops-bot-width-"))  # under /tmp: readable by nobody
    folder.chmod(0o755)
    (folder / "page.html").write_text(page.replace("</body>", f"<script>{_MEASURE}</script></body>"))
    (folder / "page.html").chmod(0o644)
    try:
        with browser._scratch() as (d, prefix):
            dom = browser._run(
                f"file://{folder}/page.html", d, prefix, f"--window-size={width},900", "--dump-dom"
            ).stdout
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    found = re.search(r'<pre id="widths">(.*?)</pre>', dom, re.S)
    assert found, dom[-2000:]
    return dict(json.loads(html_mod.unescape(found.group(1))))


# the table the bot writes into a promotion's description (the playground's, copied)
PROMOTION_TABLE = (
    "| environment | image | from | to | digest | created | source |\n|---|---|---|---|---|---|---|\n"
    + "".join(
        f"| production | `example/{name}` | `1.1.0` | `main-1767225600-1a2b3c4` | "
        f"`sha256:{'d2' * 32}` | 2026-05-01T00:00:00Z | "
        f"http://127.0.0.1:35315/acme/app b9993d85adce23871a8d001a86f414e6441a2f71 |\n"
        for name in ("app", "proxy", "worker")
    )
)


@pytest.fixture
def world(tmp_path: Path, registry: RegistryProcess, monkeypatch: pytest.MonkeyPatch) -> Iterator[World]:
    yield from world_with_token(tmp_path, registry, monkeypatch)


@pytest.mark.timeout(600)
def test_a_description_table_fits_a_wide_window_and_never_scrolls_the_page(
    world: World, capsys: pytest.CaptureFixture[str]
) -> None:
    world.push("app", "1.1.0")
    update(capsys, world)
    pr = next(p for p in world.github.open_pulls() if p["head"]["ref"] == "gitops-bot/staging")
    pages = {
        "the bot's": forge_view.pull_html("acme/gitops", world.remote, pr),
        "a promotion's": forge_view.pull_html(
            "acme/gitops", world.remote, {**pr, "body": "**Releases**\n\n" + PROMOTION_TABLE}
        ),
    }
    for name, page in pages.items():
        assert "<table>" in page, name
        for width in (1440, 1600):
            seen = overflow(page, width)
            assert seen["tables"] and all(x <= 1 for x in seen["tables"]), (name, width, seen)
            assert seen["page"] <= 0, (name, width, seen)
        for width in (360, 800):  # narrower, the table scrolls in its own box, never the page
            assert overflow(page, width)["page"] <= 0, (name, width)
