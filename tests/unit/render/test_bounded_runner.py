"""The one bounded runner every tool run on a repository's content goes through (kubectl
kustomize, helm template): its output, or why not in one line, with the child environment."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from gitops_bot.render import bounded


def test_the_output_of_a_run_in_the_child_environment(tmp_path: Path) -> None:
    got = bounded.run_bounded(["sh", "-c", 'printf "%s" "$HOME"'], tmp_path, 10, "sh")
    assert got == str(tmp_path / "home")


def test_a_run_past_its_deadline_is_killed_and_said(tmp_path: Path) -> None:
    got = bounded.run_bounded(["sleep", "30"], tmp_path, 0.2, "helm template chart", "; see it")
    assert isinstance(got, bounded.NotRendered)
    assert str(got) == "helm template chart ran past render.timeout (0.2 s); see it"


def test_a_run_past_the_output_bound_is_killed_and_said(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(bounded, "MAX_OUTPUT", 1000)
    got = bounded.run_bounded(["sh", "-c", "yes; sleep 30"], tmp_path, 20, "kubectl kustomize")
    assert str(got) == "kubectl kustomize printed more than 1000 bytes"


def _running(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except FileNotFoundError:
        return False
    return state != "Z"


@pytest.mark.parametrize("past", ["deadline", "output bound"])
def test_what_the_tool_started_is_killed_with_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, past: str
) -> None:
    """A killed shell left its ``yes`` writing into the deleted output file until the disk filled."""
    monkeypatch.setattr(bounded, "MAX_OUTPUT", 1000)
    script = f"yes {'> /dev/null ' if past == 'deadline' else ''}& echo $! > {tmp_path}/child; wait"
    got = bounded.run_bounded(["sh", "-c", script], tmp_path, 0.5, "x")
    assert isinstance(got, bounded.NotRendered), got
    child = int((tmp_path / "child").read_text())
    for _ in range(100):
        if not _running(child):
            break
        time.sleep(0.02)
    assert not _running(child)


def test_a_failure_is_its_status_and_stderr_for_the_caller_to_word(tmp_path: Path) -> None:
    got = bounded.run_bounded(["sh", "-c", "echo one >&2; echo two >&2; exit 3"], tmp_path, 10, "x")
    assert got == bounded.Exited(3, ["one", "two"])


def test_a_tool_that_cannot_start_is_said(tmp_path: Path) -> None:
    got = bounded.run_bounded([str(tmp_path / "no-such-tool")], tmp_path, 10, "x")
    assert str(got) == f"cannot run {tmp_path / 'no-such-tool'}: No such file or directory"


def test_the_wait_wakes_as_the_tool_exits_not_in_sleep_steps(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Popen.wait(timeout) sleeps in doubling steps and noticed each exit 3-7 ms late
    slept: list[float] = []
    monkeypatch.setattr(time, "sleep", slept.append)
    assert bounded.run_bounded(["sh", "-c", "sleep 0.1; echo done"], tmp_path, 10, "sh") == "done\n"
    assert slept == []
