"""A newcomer's path, as a test: a fresh clone, the playground up, the tutorial's commands in
its order exactly as written, the status page at three widths, and the playground down with
nothing left running.

The tutorial's first command is ``bash scripts/demo.sh --keep``; its ``scripts/bootstrap.sh``
builds the clone's own ``.venv``, which the suite's venv stands in for here (the same locked
packages, built by the same script), so the test runs the script's next line itself:
``python -m testkit.demo --keep`` in the clone. Every other command runs as the page has it,
through ``bash``, with ``PYTHON`` naming the suite's interpreter."""

from __future__ import annotations

import html as html_mod
import json
import os
import re
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

import pytest

from testkit import browser
from testkit import docs_examples as dx

TUTORIAL = dx.ROOT / "docs/guides/tutorial.md"

# what each step's output must say (the tutorial tells the reader so)
EXPECT: dict[str, list[str]] = {
    "scripts/play bot status": ["production", "runs what staging runs"],
    "scripts/play push app 1.5.0": [
        "pushed acme/app:1.5.0",
        "gitops-bot/staging: staging: release: example/app 1.4.1 -> 1.5.0",
    ],
    "scripts/play merge staging": ["merged #", "Argo CD synced app-staging"],
    "scripts/play bot status --env production": [],  # checked per occurrence below
    "scripts/play wait 1h": [
        "gitops-bot/promotion/production: production: promote from staging: example/app 1.4.1 -> 1.5.0"
    ],
    "scripts/play merge production": ["promote from staging", "Argo CD synced app-production"],
    "scripts/play push app 1.5.1": ["gitops-bot/staging: staging: release: example/app 1.5.0 -> 1.5.1"],
    "scripts/play health staging Degraded": ["app-staging Degraded"],
    "scripts/play wait 15m": ["gitops-bot/rollback/staging: staging: roll back: example/app 1.5.1 -> 1.5.0"],
    "scripts/play merge rollback/staging": ["roll back"],
    "scripts/play bot freeze production --until 2h --reason 'launch day'": ["production: freeze until"],
    "scripts/play revert production": [
        "Pat Example reverted",
        "gitops-bot/hold/production: production: hold example/app",
    ],
    "scripts/play merge hold/production": ["merged #"],
    "scripts/play merge freeze/production": ["merged #"],
    "scripts/play bot unfreeze production": ["lift freeze"],
    "scripts/play bot unhold production example/app": ["production"],
    "scripts/play bot explain production example/app": [
        "promotion.soak",
        "blocking (decides)",
        "next change:",
    ],
    "scripts/play bot report staging": ["1 failure restored", "rolled back automatically by"],
    "scripts/play bot freeze --all --until 2h --reason 'incident review' --dry-run": [
        "stop the line",
        "gitops-bot/freeze/_all",
        "dry run, nothing changed",
    ],
    "scripts/play down": ["stopping the playground"],
    # each kind of pull request, in the terminal and (below) at its link, in the forge's view
    "scripts/play prs": ["pull requests (http://", "merged  production: promote from staging"],
    "scripts/play prs promotion/production": ["production: promote from staging", "diff --git"],
    "scripts/play prs staging": ["open  staging: release: example/app 1.4.1 -> 1.5.0", "commits (1):"],
    "scripts/play prs rollback/staging": ["staging: roll back: example/app 1.5.1 -> 1.5.0", "diff --git"],
    "scripts/play prs freeze/production": ["production: freeze until", "launch day", "diff --git"],
    "scripts/play prs hold/production": ["production: hold example/app", "diff --git"],
}
# ``prs promotion/production``, each time: the demo's promotion by hand, then the automatic one
PROMOTIONS = [
    "merged  production: promote from staging",
    "open  production: promote from staging: example/app 1.4.1",
]
PR_LINK = re.compile(r"http://127\.0\.0\.1:\d+/acme/gitops/pull/\d+")
# ``bot status --env production``, each time the tutorial asks it, in order
PRODUCTION = [
    "wait (soak): staging has soaked",
    "blocked (freeze): production is frozen until",
    "blocked (hold): held: manual rollback: 1.5.0@",
]


def tutorial_commands() -> list[str]:
    blocks = [b for b in dx.blocks(TUTORIAL) if b.kind is dx.Kind.SHELL]
    return [line.strip() for b in blocks for line in b.text.splitlines() if line.strip()]


def tutorial_samples() -> dict[int, tuple[str, str]]:
    """Each output sample (a ``text`` block) of the tutorial, by the index in
    :func:`tutorial_commands` of the command whose output it shows: the last one before it."""
    out: dict[int, tuple[str, str]] = {}
    n = 0
    for b in dx.blocks(TUTORIAL):
        if b.kind is dx.Kind.SHELL:
            n += sum(1 for line in b.text.splitlines() if line.strip())
        elif b.info == "text" and n:
            out[n - 1] = (b.where, b.text)
    return out


def unseen(sample: str, said: str) -> list[str]:
    """The sample's lines that ``said`` does not print: each line's words in order, spaces of
    any width between them, ``…`` standing for what changes from run to run (a digest, a time)."""
    missing = []
    for line in sample.splitlines():
        words = line.split()
        if not words:
            continue
        pattern = r"[ \t]+".join(".*?".join(re.escape(part) for part in w.split("…")) for w in words)
        if re.search(pattern, said) is None:
            missing.append(line)
    return missing


def test_every_output_sample_of_the_tutorial_follows_a_command() -> None:
    samples = tutorial_samples()
    assert len(samples) >= 5
    commands = tutorial_commands()
    assert all(0 < k < len(commands) for k in samples)
    assert unseen("  a  b…c  …", "x a   b12c 9") == [] and unseen("a b", "a\nb") == ["a b"]


@pytest.fixture
def clone(tmp_path: Path) -> Path:
    """A fresh clone of this checkout's HEAD, as a newcomer gets it."""
    dest = tmp_path / "gitops-bot"
    subprocess.run(["git", "clone", "-q", str(dx.ROOT), str(dest)], check=True)
    return dest


@pytest.fixture
def playground(clone: Path, tmp_path: Path) -> Iterator[tuple[subprocess.Popen[str], dict[str, Any], Path]]:
    env = {**os.environ, "PYTHONPATH": str(clone), "TMPDIR": str(tmp_path)}
    log = tmp_path / "playground.log"
    with log.open("w") as out:
        proc = subprocess.Popen(
            [sys.executable, "-m", "testkit.owned", sys.executable, "-m", "testkit.demo", "--keep"],
            cwd=clone,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
            text=True,
            start_new_session=True,
        )
    state = clone / ".playground/state.json"
    try:
        deadline = time.monotonic() + 180
        while not state.exists():
            assert proc.poll() is None, log.read_text()[-4000:]
            assert time.monotonic() < deadline, log.read_text()[-4000:]
            time.sleep(0.2)
        time.sleep(0.2)  # written whole, then read
        yield proc, json.loads(state.read_text()), log
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, 15)
            proc.wait(timeout=60)


def _port_open(url: str) -> bool:
    u = urlparse(url)
    with socket.socket() as s:
        s.settimeout(1)
        return s.connect_ex((u.hostname or "127.0.0.1", u.port or 80)) == 0


# the whole tutorial: ~30 commands, each waiting for a watch cycle, and a browser run for the
# page at three widths and for each of the six pull requests (the suite's default is 300 s)
@pytest.mark.timeout(900)
def test_a_newcomer_follows_the_tutorial_from_a_fresh_clone(
    clone: Path, playground: tuple[subprocess.Popen[str], dict[str, Any], Path], tmp_path: Path
) -> None:
    proc, state, log = playground
    commands = tutorial_commands()
    assert commands[0] == "bash scripts/demo.sh --keep"
    assert "The playground is up" in log.read_text()
    assert (clone / ".playground/state.json").stat().st_mode & 0o077 == 0  # its token is the user's
    # no COLUMNS, as the tutorial's samples are printed (whatever width the test runs with):
    # into a pipe, status keeps each row on one line
    env = {**os.environ, "PYTHON": sys.executable, "PYTHONPATH": str(clone)}
    env.pop("COLUMNS", None)
    production, promotions = iter(PRODUCTION), iter(PROMOTIONS)
    samples = tutorial_samples()
    seen: list[str] = []  # each pull request the tutorial shows, at its link
    for index, command in enumerate(commands[1:], start=1):
        done = subprocess.run(
            ["bash", "-c", command], cwd=clone, env=env, capture_output=True, text=True, timeout=300
        )
        said = done.stdout + done.stderr
        assert done.returncode == 0, f"{command}: exit {done.returncode}\n{said}"
        assert "Traceback" not in said, f"{command}\n{said}"
        assert command in EXPECT, f"the tutorial has a new step; say what it shows: {command}"
        for text in EXPECT[command]:
            assert text in said, f"{command}: expected {text!r}\n{said}"
        if index in samples:  # the tutorial's sample of this command's output is what it prints
            where, sample = samples[index]
            assert not unseen(sample, said), (
                f"{where}: {unseen(sample, said)} not printed by {command}\n{said}"
            )
        if command == "scripts/play bot status --env production":
            assert next(production) in said, f"{command}\n{said}"
        if command == "scripts/play prs promotion/production":
            assert next(promotions) in said, f"{command}\n{said}"
        if command.startswith("scripts/play prs "):
            # the forge's view at the link the terminal gave: the title, the diff, a screenshot
            link = PR_LINK.search(said)
            assert link, said
            name = command.removeprefix("scripts/play prs ").replace("/", "-")
            shot = tmp_path / f"pr-{name}-{len(seen)}.png"
            page = browser.look(link.group(0), shot, size=(1000, 1400))
            title = said.splitlines()[0].split("  ", 1)[1].split(" [", 1)[0]
            assert html_mod.escape(title, quote=False) in page and "Files changed" in page, page[-3000:]
            assert shot.read_bytes().startswith(b"\x89PNG")
            seen.append(title)
        if command == "scripts/play wait 1h":
            # the page the tutorial sends the reader to, at three widths, with no serious
            # accessibility violation
            for width in (360, 800):
                shot = browser.screenshot(state["page"], tmp_path / f"page-{width}.png", size=(width, 900))
                assert shot.stat().st_size > 5_000
            html = browser.look(state["page"], tmp_path / "page-1600.png", size=(1600, 900))
            assert (tmp_path / "page-1600.png").stat().st_size > 5_000
            assert "production" in html and "soak" in html
            # the page's pull request links lead to the forge's view, not to a name nowhere
            links = re.findall(r'href="([^"]+/pull/\d+)"', html)
            assert links and all(
                u.startswith(state["pulls"].removesuffix("/acme/gitops/pulls")) for u in links
            )
            serious = [v for v in browser.axe_violations(html) if v.get("impact") in ("serious", "critical")]
            assert serious == []
    assert next(production, None) is None and next(promotions, None) is None
    # one of each kind: a promotion by hand, an update, an automatic promotion, a rollback, a
    # freeze, a hold
    assert len(seen) == 6, seen
    # down: the playground's process ends, its ports close, its files go
    assert proc.wait(timeout=60) == 0, log.read_text()[-4000:]
    assert not (clone / ".playground/state.json").exists()
    assert not Path(state["work"]).exists()
    for url in (state["control"], state["page"], state["registry"]):
        assert not _port_open(url), f"{url} still answers"
    assert re.search(r"the playground is down", log.read_text())
