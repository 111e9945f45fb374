"""``gitops-bot watch`` over several GitOps repositories as a process: two real git
remotes (each with its own local GitHub API), the real registry, and a third repository that
is wrong from the start; webhooks routed to the repositories that name the pushed image."""

from __future__ import annotations

import json
import signal
import sys
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from gitops_bot.cli import main
from gitops_bot.commands import fleet
from testkit.github_server import FakeGitHub
from testkit.registry_process import RegistryProcess
from testkit.update_world import World, add_config, git, worlds
from testkit.watch_process import Proc, get

TOKEN = "ci-hook-token-8c2d"


@pytest.fixture(autouse=True)
def _env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GITHUB_TOKEN", FakeGitHub.token)
    monkeypatch.setenv("GITOPS_BOT_CACHE", str(tmp_path / "cache"))
    monkeypatch.setenv("CI_HOOK_TOKEN", TOKEN)


@pytest.fixture
def two(tmp_path: Path, registry: RegistryProcess) -> Iterator[list[World]]:
    with worlds(tmp_path, registry, 2) as ws:  # each with app 1.1.0 pushed
        yield ws


def watch(*argv: str) -> Proc:
    return Proc(
        [sys.executable, "-m", "gitops_bot", "watch", "--env", "staging", "--listen", "127.0.0.1:0", *argv]
    )


def base_url(proc: Proc) -> str:
    proc.wait_for("the endpoint", lambda: proc.events("listening"))
    return f"http://127.0.0.1:{proc.events('listening')[0]['port']}"


def stop(proc: Proc) -> None:
    proc.p.send_signal(signal.SIGTERM)
    code = proc.p.wait(timeout=30)
    assert code == 0, "".join(proc.lines)
    assert proc.events("stopped")


def runs(proc: Proc, repository: str, result: str) -> list[dict]:  # type: ignore[type-arg]
    return [
        e
        for e in proc.events("repository_cycle")
        if e.get("repository") == repository and e["result"] == result
    ]


def test_one_wrong_repository_of_three_is_reported_while_the_others_are_served(
    tmp_path: Path, two: list[World]
) -> None:
    a, b = (f"file://{w.remote}" for w in two)
    wrong = str(tmp_path / "not-a-clone")
    listing = tmp_path / "repositories.yaml"
    # each repository's GitHub is a local server of its own: the operator shares the token
    listing.write_text(
        f"version: 1\nparallel: 2\nshared_env: [GITHUB_TOKEN]\nrepositories:\n  - {b}\n  - {wrong}\n"
    )
    proc = watch("--repo", a, "--repositories", str(listing), "--interval", "1s", "--jitter", "0")
    try:
        base = base_url(proc)
        proc.wait_for("both served", lambda: runs(proc, a, "success") and runs(proc, b, "success"))
        assert all(len(w.github.open_pulls()) == 1 for w in two)
        # a cycle's line is logged once all its repositories are done: after their own lines
        proc.wait_for(
            "a cycle with the failure", lambda: any(c["result"] == "failure" for c in proc.events("cycle"))
        )
        (failure, *_) = runs(proc, wrong, "failure")
        assert "is not a git repository" in failure["error"]
        cycle = next(c for c in proc.events("cycle") if c["result"] == "failure")
        assert cycle["repositories"] == 3 and cycle["failed"] == [wrong]

        status, text = get(base + "/readyz")
        assert status == 200 and "ready: 2 of 3 repositories" in text and f"not ready: {wrong}" in text
        _, metrics = get(base + "/metrics")
        assert f'gitops_bot_repository_cycles_total{{repository="{a}",result="success"}}' in metrics
        assert f'gitops_bot_repository_cycles_total{{repository="{wrong}",result="failure"}}' in metrics
        assert f'gitops_bot_image_changes_total{{environment="staging",repository="{b}"}}' in metrics
        assert f'gitops_bot_repository_last_success_timestamp_seconds{{repository="{a}"}}' in metrics

        # one registry pool for the process, its answers forgotten per cycle: a new tag is seen
        two[0].push("app", "1.2.0")
        proc.wait_for(
            "a's PR to follow 1.2.0", lambda: "`1.2.0`" in two[0].github.open_pulls()[0].get("body", "")
        )
        assert "`1.2.0`" not in two[1].github.open_pulls()[0]["body"]
        assert proc.p.poll() is None
    finally:
        stop(proc)
    assert all(len(w.github.pulls) == 1 and w.github.unexpected == [] for w in two)
    assert FakeGitHub.token not in "".join(proc.lines)


def test_a_push_runs_a_targeted_cycle_only_in_the_repositories_that_name_the_image(
    tmp_path: Path, two: list[World], registry: RegistryProcess
) -> None:
    for w in two:
        add_config(
            w,
            "webhooks:\n  debounce: 0.2\n  sources:\n    ci:\n      type: generic\n"
            "      token_env: CI_HOOK_TOKEN\n",
        )
    first, second = two
    urls = [f"file://{w.remote}" for w in two]
    # several repositories' configs name the token: the operator shares it
    listing = tmp_path / "repositories.yaml"
    listing.write_text(f"shared_env: [CI_HOOK_TOKEN, GITHUB_TOKEN]\nrepositories: [{urls[0]}, {urls[1]}]\n")
    proc = watch("--repositories", str(listing), "--interval", "1h")
    try:
        base = base_url(proc)
        proc.wait_for("the first cycle", lambda: proc.events("cycle"))
        first.push("app", "1.2.0")
        body = json.dumps({"repository": f"{registry.host}/{first.ns}/app", "tag": "1.2.0"}).encode()
        request = urllib.request.Request(
            base + "/webhook/ci", data=body, headers={"Authorization": f"Bearer {TOKEN}"}, method="POST"
        )
        with urllib.request.urlopen(request, timeout=5) as r:
            assert r.status == 202
        proc.wait_for("the targeted cycle", lambda: proc.events("targeted"))
        proc.wait_for("first's PR to follow 1.2.0", lambda: "`1.2.0`" in first.github.open_pulls()[0]["body"])
        (targeted,) = proc.events("targeted")
        assert targeted["repository"] == urls[0] and targeted["environments"] == ["staging"]
        proc.wait_for("the targeted cycle's line", lambda: len(proc.events("cycle")) >= 2)
        assert proc.events("cycle")[1]["repositories"] == 1  # second was not run again
        assert [e["repository"] for e in proc.events("repository_cycle")][2:] == [urls[0]]
        _, metrics = get(base + "/metrics")
        assert 'gitops_bot_webhook_events_total{outcome="accepted",source="ci"} 1.0' in metrics
    finally:
        stop(proc)
    assert len(second.github.pulls) == 1 and "`1.2.0`" not in second.github.open_pulls()[0]["body"]


def test_every_repository_wrong_at_start_exits_2_and_an_empty_shard_too(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    wrong = [str(tmp_path / "a"), str(tmp_path / "b")]
    proc = watch("--repo", wrong[0], "--repo", wrong[1], "--interval", "1s")
    assert proc.p.wait(timeout=60) == 2, "".join(proc.lines)
    proc._t.join(5)  # every line read
    last = proc.lines[-1]
    assert last.startswith("gitops-bot: error: none of the 2 repositories could be worked")
    assert len(runs(proc, wrong[0], "failure")) == 1 and len(runs(proc, wrong[1], "failure")) == 1

    listing = tmp_path / "repositories.yaml"
    listing.write_text(f"repositories:\n  - {wrong[0]}\n")
    other = next(i for i in range(1, 51) if i != fleet.shard_of(wrong[0], 50))
    assert main(["watch", "--repositories", str(listing), "--shard", f"{other}/50"]) == 2
    assert "no repositories to watch (none listed, or none in this shard)" in capsys.readouterr().err


def test_a_single_repository_keeps_its_metrics_and_log_lines_unlabelled(
    tmp_path: Path, two: list[World]
) -> None:
    proc = watch("--repo", f"file://{two[0].remote}", "--interval", "1h")
    try:
        base = base_url(proc)
        proc.wait_for("a cycle", lambda: proc.events("cycle"))
        assert proc.events("repository_cycle") == [] and "repositories" not in proc.events("cycle")[0]
        _, metrics = get(base + "/metrics")
        assert 'gitops_bot_image_changes_total{environment="staging"}' in metrics
        assert "gitops_bot_repository_cycles" not in metrics
        assert get(base + "/readyz") == (200, "ready\n")
    finally:
        stop(proc)
    git(two[0].remote, "rev-parse", "gitops-bot/staging")


def test_a_password_in_a_listed_url_never_reaches_the_cycle_line(
    tmp_path: Path, registry: RegistryProcess
) -> None:
    """The cycle line lists the failed repositories by URL: a list field, redacted like a
    string one (the status page and /metrics were already clean)."""
    password = "hunter2-Fleet-pa55"
    wrong = f"https://bot:{password}@127.0.0.1:9/acme/gitops.git"
    with worlds(tmp_path, registry, 1) as (world,):
        listing = tmp_path / "repositories.yaml"
        listing.write_text(
            f"version: 1\nshared_env: [GITHUB_TOKEN]\nrepositories:\n  - file://{world.remote}\n  - {wrong}\n"
        )
        proc = watch("--repositories", str(listing), "--interval", "1h")
        try:
            proc.wait_for(
                "a cycle with the failure",
                lambda: any(c["result"] == "failure" for c in proc.events("cycle")),
            )
            cycle = next(c for c in proc.events("cycle") if c["result"] == "failure")
            (failed,) = cycle["failed"]
            assert failed.endswith("@127.0.0.1:9/acme/gitops.git") and password not in failed
        finally:
            stop(proc)
    assert password not in "".join(proc.lines)
