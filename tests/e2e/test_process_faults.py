"""Fault suite, real processes: bots racing on one remote, a bot killed with SIGKILL mid-run,
SIGTERM while the registry hangs. `python -m gitops_bot` against the real registry, real git
remotes and the local GitHub server."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from testkit.github_server import FakeGitHub
from testkit.hostile_registry import Answer, HostileRegistry
from testkit.registry_process import RegistryProcess
from testkit.update_world import World, git, make_world


@pytest.fixture
def world(tmp_path: Path, registry: RegistryProcess) -> Iterator[World]:
    yield from make_world(tmp_path, registry)


def bot(*args: str, cache: Path, **kwargs: object) -> subprocess.Popen[str]:
    env = {**os.environ, "GITHUB_TOKEN": FakeGitHub.token, "GITOPS_BOT_CACHE": str(cache)}
    proc: subprocess.Popen[str] = subprocess.Popen(
        [sys.executable, "-m", "gitops_bot", *args],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        **kwargs,  # type: ignore[call-overload]
    )
    return proc


def test_four_concurrent_runs_end_with_one_commit_and_one_pr(world: World) -> None:
    """Two runs share a cache (the flock), two have their own (other machines): every run
    exits 0, staging has exactly one PR, dev exactly one new commit, no stray branch."""
    world.push("app", "1.1.0")
    caches = [world.tmp / "cache-a", world.tmp / "cache-a", world.tmp / "cache-b", world.tmp / "cache-c"]
    # (with -v the runs log push_rejected: two races per test run were typical here)
    runs = [bot("update", "--repo", f"file://{world.remote}", cache=c) for c in caches]
    results = [(p.wait(timeout=120), *p.communicate()) for p in runs]
    for code, _out, err in results:
        assert code == 0, err
        assert "Traceback" not in err
    staging = [p for p in world.github.pulls if p["head"]["ref"] == "gitops-bot/staging"]
    assert len(staging) == 1
    log = git(world.remote, "log", "--format=%s", "main").splitlines()
    assert len(log) == 2 and log[-1] == "initial", log
    assert world.branches() == ["gitops-bot/staging", "main"]
    again = bot("update", "--repo", f"file://{world.remote}", cache=caches[0])
    assert again.wait(timeout=60) == 0 and git(world.remote, "log", "--format=%s", "main").splitlines() == log


def hanging_repo(tmp_path: Path, host: str) -> Path:
    """The user's own clone, configured with one image on a registry that will hang."""
    remote, repo = tmp_path / "remote.git", tmp_path / "repo"
    subprocess.run(["git", "init", "-q", "--bare", "-b", "main", str(remote)], check=True)
    subprocess.run(["git", "clone", "-q", str(remote), str(repo)], check=True, capture_output=True)
    (repo / "overlays/dev").mkdir(parents=True)
    (repo / "overlays/dev/kustomization.yaml").write_text(
        f"images:\n  - name: app\n    newName: {host}/acme/app\n    newTag: 1.0.0\n"
    )
    (repo / "gitops-bot.yaml").write_text(
        f"version: 1\nregistries:\n  {host}:\n    timeout: 120\n"
        f"images:\n  - name: app\n    repository: {host}/acme/app\n"
        "environments:\n  - name: dev\n    path: overlays/dev\n    write: commit\n"
    )
    git(repo, "add", "-A")
    git(repo, "-c", "user.name=dev", "-c", "user.email=dev@example.com", "commit", "-qm", "initial")
    git(repo, "push", "-q", "origin", "main")
    return repo


def wait_for(condition: object, seconds: float = 30) -> None:
    end = time.monotonic() + seconds
    while not condition():  # type: ignore[operator]
        assert time.monotonic() < end, "timed out waiting"
        time.sleep(0.05)


@pytest.mark.parametrize("count", [1, 2])
def test_sigterm_while_the_registry_hangs_exits_within_the_grace(tmp_path: Path, count: int) -> None:
    """Two: watch over many repositories, one asking the registry and the other waiting for
    the same answer in the shared pool; SIGTERM aborts the reads of both."""
    with HostileRegistry({"/v2/": Answer(hang=60)}) as hostile:
        repos = [hanging_repo(tmp_path / f"r{i}", hostile.host) for i in range(count)]
        chosen = [arg for repo in repos for arg in ("--repo", str(repo))]
        proc = bot("watch", *chosen, "--listen", "127.0.0.1:0", cache=tmp_path / "c")
        wait_for(lambda: any(s.path.startswith("/v2/acme/app/tags") for s in hostile.seen))
        started = time.monotonic()
        proc.send_signal(signal.SIGTERM)
        code = proc.wait(timeout=30)
        took = time.monotonic() - started
        err = proc.communicate()[1]
    assert code == 0 and "Traceback" not in err
    # The contract is Kubernetes' 30 s grace before SIGKILL (about 1 s on a quiet machine; an
    # unaborted read took 122 s), with room for a loaded CI machine, not a speed figure.
    assert took < 20, f"SIGTERM took {took:.1f} s"
    for repo in repos:
        assert git(repo, "worktree", "list").count("\n") == 0, "the run's worktree was left registered"


def test_after_sigkill_the_next_run_cleans_up(tmp_path: Path) -> None:
    with HostileRegistry({"/v2/": Answer(hang=60)}) as hostile:
        repo = hanging_repo(tmp_path, hostile.host)
        proc = bot("update", "--repo", str(repo), cache=tmp_path / "c")
        wait_for(lambda: any(s.path.startswith("/v2/acme/app/tags") for s in hostile.seen))
        proc.kill()
        proc.wait(timeout=10)
        proc.communicate()
        stale = git(repo, "worktree", "list", "--porcelain")
        left = [ln.split(" ", 1)[1] for ln in stale.splitlines() if ln.startswith("worktree ")][1:]
        assert left and Path(left[0]).exists()  # what the killed run left behind
        hostile.routes["/v2/"] = Answer(404, b"{}")  # answers now: the image is skipped
        rerun = bot("update", "--repo", str(repo), cache=tmp_path / "c")
        assert rerun.wait(timeout=60) == 0, rerun.communicate()[1]
        rerun.communicate()
    assert git(repo, "worktree", "list").count("\n") == 0
    assert not Path(left[0]).exists()


def test_half_finished_clone_in_the_cache_is_removed(world: World) -> None:
    cache = world.tmp / "cache"
    first = bot("update", "--repo", f"file://{world.remote}", "--dry-run", cache=cache)
    assert first.wait(timeout=60) == 0, first.communicate()[1]
    first.communicate()
    repos = cache / "repos"
    (key,) = [p.name for p in repos.iterdir() if p.is_dir() and not p.name.startswith(".")]
    leftover = repos / f".{key}.abc123"
    (leftover / "objects").mkdir(parents=True)
    second = bot("update", "--repo", f"file://{world.remote}", "--dry-run", cache=cache)
    assert second.wait(timeout=60) == 0, second.communicate()[1]
    second.communicate()
    assert not leftover.exists()


@pytest.mark.parametrize(
    "detail",
    [
        " ! [remote rejected] HEAD -> main (failed to update ref)",
        " ! [rejected]        HEAD -> main (fetch first)",
        " ! [rejected]        HEAD -> gitops-bot/dev (stale info)",
        " ! [rejected]        HEAD -> main (non-fast-forward)",
        "error: cannot lock ref 'refs/heads/main': is at 1234 but expected 5678",
        "remote: error: cannot lock ref 'refs/heads/x': reference already exists",
        " ! [remote rejected] main -> main (incorrect old value provided)",
    ],
)
def test_every_wording_of_a_push_race_is_a_race(detail: str) -> None:
    from gitops_bot.core.errors import PushRejected
    from gitops_bot.git.race import RACE

    assert RACE.search(detail)
    assert PushRejected("x").exit_code == 3


def test_race_retries_end_at_their_deadline_with_jittered_waits() -> None:
    from gitops_bot.git.race import race_attempts

    clock = [0.0]
    waits: list[float] = []

    def sleep(s: float) -> None:
        waits.append(s)
        clock[0] += s

    attempts = list(race_attempts(30.0, sleep=sleep, clock=lambda: clock[0]))
    assert clock[0] < 30 and 5 < len(attempts) < 200
    assert all(0 <= w <= 5 for w in waits) and len(set(waits)) > 1


def test_sigterm_during_a_plan_while_the_registry_hangs_exits_143_and_leaves_no_temp_dir(
    tmp_path: Path,
) -> None:
    """A one-shot plan: SIGTERM aborts the registry reads in flight (as watch's does), so the
    run ends well inside Kubernetes' 30 s grace, with the documented 143 and its private
    directory removed."""
    temp = tmp_path / "tmp"
    temp.mkdir()
    with HostileRegistry({"/v2/": Answer(hang=60)}) as hostile:
        repo = hanging_repo(tmp_path, hostile.host)
        env = {**os.environ, "GITOPS_BOT_CACHE": str(tmp_path / "c"), "TMPDIR": str(temp)}
        proc = subprocess.Popen(
            [sys.executable, "-m", "gitops_bot", "plan", "--repo", str(repo)],
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        wait_for(lambda: any(s.path.startswith("/v2/acme/app/tags") for s in hostile.seen))
        started = time.monotonic()
        proc.send_signal(signal.SIGTERM)
        code = proc.wait(timeout=60)
        took = time.monotonic() - started
        err = proc.communicate()[1]
    assert code == 143 and "Traceback" not in err, err
    assert took < 20, f"SIGTERM took {took:.1f} s"
    assert list(temp.iterdir()) == []
