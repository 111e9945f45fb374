"""`gitops-bot update` over several GitOps repositories: real bare remotes, the real registry,
one local GitHub API server per repository; one failing repository never stops the others,
shards split the fleet without overlap, and one registry pool answers each question once."""

from __future__ import annotations

import json
import re
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from gitops_bot import config
from gitops_bot.cli import main
from gitops_bot.registry.pool import RegistryPool
from testkit.github_server import FakeGitHub
from testkit.oci import Pusher
from testkit.registry_process import RegistryProcess
from testkit.update_world import git, worlds


@pytest.fixture(autouse=True)
def _env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GITHUB_TOKEN", FakeGitHub.token)
    monkeypatch.setenv("GITOPS_BOT_CACHE", str(tmp_path / "cache"))


def update(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, dict]:  # type: ignore[type-arg]
    code = main(["update", "--output", "json", *argv])
    return code, json.loads(capsys.readouterr().out)


def test_one_failing_repository_never_stops_the_others_and_the_worst_exit_code_wins(
    tmp_path: Path, registry: RegistryProcess, capsys: pytest.CaptureFixture[str]
) -> None:
    with worlds(tmp_path, registry, 2) as (good, broken):
        seed = tmp_path / "w1/seed"
        (seed / "gitops-bot.yaml").write_text(
            "version: 1\nimages: []\nenvironments:\n  - name: x\n    pth: y\n"
        )
        git(seed, "-c", "user.name=dev", "-c", "user.email=d@x", "commit", "-qam", "break the config")
        git(seed, "push", "-q", "origin", "main")
        listing = tmp_path / "repositories.yaml"
        # each repository's GitHub is a local server of its own: the operator shares the token
        listing.write_text(
            "version: 1\nparallel: 2\nshared_env: [GITHUB_TOKEN]\n"
            f"repositories:\n  - url: file://{broken.remote}\n"
        )
        missing = f"file://{tmp_path}/nowhere.git"
        code, out = update(
            capsys, "--repo", f"file://{good.remote}", "--repo", missing, "--repositories", str(listing)
        )
        assert code == 2 and out["exit_code"] == 2 and out["changed"]
        by_url = {r["repository"]: r for r in out["repositories"]}
        assert list(by_url) == [f"file://{good.remote}", missing, f"file://{broken.remote}"]
        assert by_url[f"file://{good.remote}"]["exit_code"] == 0
        assert {r["action"] for r in by_url[f"file://{good.remote}"]["results"]} == {"pull_request", "commit"}
        assert by_url[missing]["exit_code"] == 3 and "git clone failed" in by_url[missing]["error"]
        assert by_url[f"file://{broken.remote}"]["exit_code"] == 2
        assert "gitops-bot.yaml:5: unknown key 'pth'" in by_url[f"file://{broken.remote}"]["error"]
        assert len(good.github.open_pulls()) == 1 and broken.github.open_pulls() == []
        assert FakeGitHub.token not in json.dumps(out)


def test_shards_split_repositories_with_no_overlap_and_a_rerun_over_all_changes_nothing(
    tmp_path: Path, registry: RegistryProcess, capsys: pytest.CaptureFixture[str]
) -> None:
    with worlds(tmp_path, registry, 2) as ws:
        listing = tmp_path / "repositories.yaml"
        listing.write_text(
            "shared_env: [GITHUB_TOKEN]\nrepositories:\n" + "".join(f"  - file://{w.remote}\n" for w in ws)
        )
        seen: list[str] = []
        for i in (1, 2):
            code, out = update(
                capsys, "--repositories", str(listing), "--shard", f"{i}/2", "--env", "staging"
            )
            assert code == 0
            seen += [r["repository"] for r in out["repositories"]]
        assert sorted(seen) == sorted(f"file://{w.remote}" for w in ws)  # each exactly once
        assert all(len(w.github.open_pulls()) == 1 for w in ws)
        code, out = update(capsys, "--repositories", str(listing), "--parallel", "2", "--env", "staging")
        assert code == 0 and not out["changed"]  # an overlapping run: no duplicate PR, no new push
        assert {r["action"] for repo in out["repositories"] for r in repo["results"]} == {"unchanged"}
        assert all(len(w.github.pulls) == 1 for w in ws)


def test_one_pool_shares_clients_and_answers_each_question_once(registry: RegistryProcess) -> None:
    ns = "fleetmemo"
    p = Pusher.to(registry.url)
    p.image(f"{ns}/app", ["1.0.0", "1.1.0"], salt="memo")
    p.close()
    text = f"images:\n  - name: app\n    repository: {registry.host}/{ns}/app\nenvironments: []\n"
    a, b = config.parse(text, "a.yaml"), config.parse(text, "b.yaml")
    with RegistryPool(memo=True) as pool:
        ca, cb = pool.bind(a).client(registry.host), pool.bind(b).client(registry.host)
        assert ca is cb  # same settings: one client, one connection pool, one concurrency limit
        answers: list[list[str]] = []
        threads = [
            threading.Thread(target=lambda c=c: answers.append(c.list_tags(f"{ns}/app")))
            for c in (ca, cb, ca, cb)
        ]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert [sorted(a) for a in answers] == [["1.0.0", "1.1.0"]] * 4
        assert pool.stats.total == 1
        pool.bind(a).close()  # a view's close leaves the shared clients open
        assert sorted(ca.list_tags(f"{ns}/app")) == ["1.0.0", "1.1.0"]


class _Attacker:
    """A loopback server standing for a host one repository's config chose: it records the
    headers of every request, whatever the method, and answers 401."""

    def __init__(self) -> None:
        self.headers: list[dict[str, str]] = []
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *_args: Any) -> None:
                pass

            def _any(self) -> None:
                outer.headers.append(dict(self.headers.items()))
                self.send_response(401)
                self.send_header("Content-Length", "0")
                self.end_headers()

            do_GET = do_POST = do_PATCH = do_PUT = do_DELETE = do_HEAD = _any

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


def test_a_default_token_never_reaches_a_host_another_repositorys_config_chose(
    tmp_path: Path,
    registry: RegistryProcess,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The operator's GITHUB_TOKEN is for A's GitHub (the one GITHUB_API_URL names) and no entry
    lists it. B's config points its GitHub at a host of its own choosing: B fails alone (exit 2,
    one line naming GITHUB_TOKEN and the fix) and that host receives nothing; A is served."""
    attacker = _Attacker()
    try:
        with worlds(tmp_path, registry, 2) as (a, b):
            monkeypatch.setenv("GITHUB_API_URL", a.github.url)
            seed = tmp_path / "w1/seed"
            text = (seed / "gitops-bot.yaml").read_text()
            (seed / "gitops-bot.yaml").write_text(
                re.sub(r"(?m)^  api_url: .*$", f"  api_url: {attacker.url}", text)
            )
            git(seed, "-c", "user.name=dev", "-c", "user.email=d@x", "commit", "-qam", "my own GitHub")
            git(seed, "push", "-q", "origin", "main")
            listing = tmp_path / "repositories.yaml"
            listing.write_text(f"repositories:\n  - file://{a.remote}\n  - file://{b.remote}\n")
            code, out = update(capsys, "--repositories", str(listing), "--env", "staging")
            by_url = {r["repository"]: r for r in out["repositories"]}
            result_a, result_b = by_url[f"file://{a.remote}"], by_url[f"file://{b.remote}"]
            assert code == 2 and result_a["exit_code"] == 0 and len(a.github.open_pulls()) == 1
            assert result_b["exit_code"] == 2 and "\n" not in result_b["error"]
            assert "GITHUB_TOKEN" in result_b["error"] and attacker.url in result_b["error"]
            assert "list GITHUB_TOKEN under this repository's 'env:'" in result_b["error"]
            assert FakeGitHub.token not in json.dumps(out)
    finally:
        attacker.close()
    assert not any(FakeGitHub.token in value for h in attacker.headers for value in h.values())
    assert attacker.headers == []  # nothing was sent at all
