"""``watch --status-page`` over the bundled example (testkit/demo.py: a real registry process,
git remote, the GitHub API and Argo CD servers), loaded by a real headless Chromium: the table
it renders is the one ``status --output json`` describes, ``/status.json`` is that document, a
request asks no forge and no Argo CD, revalidation and HEAD work on the wire, and a token is
asked for when configured. The screenshot is kept as a test artifact (its path is printed)."""

from __future__ import annotations

import base64
import json
import os
import signal
import subprocess
import sys
import urllib.error
import urllib.request
from collections.abc import Iterator
from html.parser import HTMLParser
from pathlib import Path

import pytest

from gitops_bot.cli import main
from testkit import browser, demo, in_process
from testkit.watch_process import Proc

TOKEN = "page-token-0123456789abcdef"


@pytest.fixture
def stage(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[demo.Stage]:
    with demo.stage(tmp_path) as st:
        for k, v in st.env.items():
            monkeypatch.setenv(k, v)
        monkeypatch.setenv("PAGE_TOKEN", TOKEN)
        yield st


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[demo.Stage, Proc, str]]:
    """The demo's state after a first update and staging's merge, and a watch serving its page:
    one for the tests that only read the page (each starting its own demo and watch was most of
    their CPU). The update runs in process as a process would (its secrets, environment and
    signal handlers given back after); the watch is a process of its own."""
    work = tmp_path_factory.mktemp("served")
    with demo.stage(work) as st:
        env = {**st.env, "DOCKER_CONFIG": str(work / "docker-config")}  # never the user's
        with in_process.secrets_of_its_own():
            done = in_process.run(["update", "--repo", str(st.repo)], env)
        assert done.code == 0, done.err
        demo.merge_staging(st)
        argv = [sys.executable, "-m", "gitops_bot", "watch", "--repo", str(st.repo), "--interval", "1h"]
        with in_process.environment(env):
            proc = Proc([*argv, "--listen", "127.0.0.1:0", "--status-page"])
        try:
            proc.wait_for("the endpoint", lambda: proc.events("listening"))
            proc.wait_for("a cycle", lambda: proc.events("cycle"))
            yield st, proc, "http://" + proc.events("listening")[0]["address"]
        finally:
            proc.p.send_signal(signal.SIGTERM)
            proc.p.wait(timeout=30)


@pytest.fixture
def watching(
    served: tuple[demo.Stage, Proc, str], monkeypatch: pytest.MonkeyPatch
) -> tuple[demo.Stage, Proc, str]:
    """The shared demo and its watch, with the demo's environment set for the test's own commands."""
    for k, v in served[0].env.items():
        monkeypatch.setenv(k, v)
    return served


def fetch(url: str, method: str = "GET", **headers: str) -> tuple[int, dict[str, str], bytes]:
    req = urllib.request.Request(url, method=method, headers=headers)
    try:
        with urllib.request.urlopen(req, timeout=10) as r:
            return r.status, dict(r.headers.items()), r.read()
    except urllib.error.HTTPError as exc:
        return exc.code, dict(exc.headers.items()), exc.read()


class Table(HTMLParser):
    """The rendered page's rows as [environment, image, declared, cluster, candidate, decision],
    and each environment's facts (gate, open pull requests) as text."""

    def __init__(self) -> None:
        super().__init__()
        self.rows: list[list[str]] = []
        self.facts: dict[str, dict[str, str]] = {}
        self._cell: list[str] | None = None
        self._body = False
        self._env = ""
        self._in: str | None = None  # "h3", "dt", "dd"
        self._dt = ""
        self._details = 0  # inside a decision's chain (its own small table) or the delivery figures
        self._skip = ""  # the element being skipped (nested ones of its kind counted)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        skipped = (tag == "details" and ("class", "chain") in attrs) or (
            tag == "section" and ("class", "delivery") in attrs
        )
        if not self._details and skipped:
            self._skip, self._details = tag, 1
        elif self._details and tag == self._skip:
            self._details += 1
        if self._details:
            return
        if tag in ("h3", "dt", "dd"):
            self._in, self._cell = tag, []
        elif tag == "tbody":
            self._body = True
        elif tag == "tr" and self._body:
            self.rows.append([self._env])
        elif tag in ("th", "td") and self._body:
            self._cell = []

    def handle_endtag(self, tag: str) -> None:
        if self._details:
            self._details -= tag == self._skip
            return
        text = " ".join("".join(self._cell or []).split())
        if tag == "h3" and self._in == "h3":
            self._env, self._in, self._cell = text, None, None
            self.facts[text] = {}
        elif tag == "dt" and self._in == "dt":
            self._dt, self._in, self._cell = text, None, None
        elif tag == "dd" and self._in == "dd":
            self.facts[self._env][self._dt] = text
            self._in, self._cell = None, None
        elif tag in ("th", "td") and self._cell is not None and self._body:
            self.rows[-1].append(text)
            self._cell = None
        elif tag == "tbody":
            self._body = False

    def handle_data(self, data: str) -> None:
        if self._cell is not None:
            self._cell.append(data)


def test_the_page_a_browser_renders_is_the_status_commands_table(
    watching: tuple[demo.Stage, Proc, str], capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    stage, _, base = watching
    assert main(["status", "--repo", str(stage.repo), "--output", "json"]) == 0
    expected = json.loads(capsys.readouterr().out)

    served = json.loads(fetch(base + "/status.json")[2])
    (repo,) = served["repositories"]
    assert repo["error"] is None and repo["status"] == expected

    table = Table()
    shot = tmp_path / "status-page.png"
    table.feed(browser.look(base + "/", shot))
    assert len(table.rows) == len(expected["rows"]) > 5
    want_rows = {(r["environment"], r["image"]): r for r in expected["rows"]}
    for env, image, declared, _cluster, _candidate, decision in table.rows:
        want = want_rows[(env, image.removesuffix(" (chart)"))]
        assert declared.startswith(want["declared"]["tag"])
        assert want["decision"]["reason"] in decision  # the run's one decision, as status has it
    for env, facts in table.facts.items():
        rows = [r for r in expected["rows"] if r["environment"] == env]
        pulls = {r["pull_request"]["number"] for r in rows if r["pull_request"]["state"] == "open"}
        shown = facts["Open pull requests"]
        assert shown == "none" if not pulls else all(f"#{n}" in shown for n in pulls)
        assert shown.count("#") == len(pulls)  # once per environment, not once per image
        gate = rows[0]["gate"]["state"]
        assert facts["Gate"].startswith({"open": "open (", "closed": "closed (", "no_gate": "no gate"}[gate])
    assert any(f["Open pull requests"] != "none" for f in table.facts.values())
    assert any(f["Gate"].startswith("open (") for f in table.facts.values())

    print(f"\nstatus page screenshot: {shot}")
    assert shot.read_bytes().startswith(b"\x89PNG")  # the docs' pictures: test_status_page_decisions.py


def test_a_request_asks_no_forge_and_no_argo_cd_and_revalidates_on_the_wire(
    watching: tuple[demo.Stage, Proc, str],
) -> None:
    stage, proc, base = watching
    github, argo, cycles = len(stage.gh.requests), len(stage.argo.requests), len(proc.events("cycle"))
    status, headers, body = fetch(base + "/")
    assert status == 200 and body.startswith(b"<!DOCTYPE html>")
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert "script-src 'sha256-" in headers["Content-Security-Policy"]
    for _ in range(20):
        assert fetch(base + "/", "GET", **{"If-None-Match": headers["ETag"]})[:3:2] == (304, b"")
        assert (
            fetch(base + "/status.json", "GET", **{"If-Modified-Since": headers["Last-Modified"]})[0] == 304
        )
    head = fetch(base + "/", "HEAD")
    assert head[0] == 200 and head[2] == b"" and head[1]["Content-Length"] == str(len(body))
    assert head[1]["ETag"] == headers["ETag"]
    assert (len(stage.gh.requests), len(stage.argo.requests)) == (github, argo)
    assert len(proc.events("cycle")) == cycles


def test_an_if_modified_since_with_a_twenty_digit_year_gets_the_full_answer(
    watching: tuple[demo.Stage, Proc, str],
) -> None:
    _, proc, base = watching
    since = "Mon, 01 Jan 12345678901234567890 00:00:00 GMT"
    status, _, body = fetch(base + "/status.json", "GET", **{"If-Modified-Since": since})
    assert status == 200 and json.loads(body)["repositories"]
    assert fetch(base + "/", "GET", **{"If-Modified-Since": "Fri, 31 Dec 9999 23:59:59 -1400"})[0] == 200
    assert proc.p.poll() is None


def test_with_a_token_the_page_asks_for_it_and_the_token_never_reaches_the_log(stage: demo.Stage) -> None:
    argv = [sys.executable, "-m", "gitops_bot", "watch", "--repo", str(stage.repo), "--interval", "1h"]
    proc = Proc([*argv, "--listen", "127.0.0.1:0", "--status-page-token-env", "PAGE_TOKEN"])
    try:
        proc.wait_for("the endpoint", lambda: proc.events("listening"))
        proc.wait_for("a cycle", lambda: proc.events("cycle"))
        base = "http://" + proc.events("listening")[0]["address"]
        status, headers, body = fetch(base + "/")
        assert (status, body) == (401, b"unauthorized\n") and headers["WWW-Authenticate"].startswith("Basic")
        assert fetch(base + "/status.json", Authorization=f"Bearer {TOKEN}")[0] == 200
        password = base64.b64encode(f"me:{TOKEN}".encode()).decode()
        assert fetch(base + "/", Authorization=f"Basic {password}")[0] == 200
        assert fetch(base + "/healthz")[0] == 200  # the probes stay open
    finally:
        proc.p.send_signal(signal.SIGTERM)
        proc.p.wait(timeout=30)
    assert TOKEN not in "".join(proc.lines)
    assert not proc.events("status_page_open")


def test_a_token_variable_that_is_not_set_is_one_line_and_exit_2(
    watching: tuple[demo.Stage, Proc, str],
) -> None:
    stage = watching[0]
    env = {k: v for k, v in os.environ.items() if k != "NOT_SET_TOKEN"}
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "gitops_bot",
            "watch",
            "--repo",
            str(stage.repo),
            "--listen",
            "127.0.0.1:0",
            "--status-page-token-env",
            "NOT_SET_TOKEN",
        ],
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
        check=False,
    )
    assert done.returncode == 2, done.stderr
    assert "NOT_SET_TOKEN" in done.stderr and "Traceback" not in done.stderr
