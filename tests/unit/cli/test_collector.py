"""The command sets the cyclic collector's threshold for a run's many acyclic objects: at the
default a 1,000-image plan spent ~0.1 s of CPU in ~330 collections."""

from __future__ import annotations

import gc
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from gitops_bot import GC_THRESHOLD, GC_THRESHOLDS, cli


@pytest.fixture
def threshold() -> Iterator[None]:
    before = gc.get_threshold()
    gc.set_threshold(700, 10, 10)
    yield
    gc.set_threshold(*before)


def test_a_run_collects_cycles_every_gc_threshold_allocations(
    threshold: None, capsys: pytest.CaptureFixture[str]
) -> None:
    assert cli.main(["schema"]) == 0
    assert gc.get_threshold() == GC_THRESHOLDS
    assert GC_THRESHOLD >= 10_000
    assert capsys.readouterr().out.startswith("{")


def test_the_entry_point_sets_the_threshold_before_it_imports_the_command_line() -> None:
    """The console script's module sets it first: the start-up's imports (tens of thousands of
    objects, none cyclic garbage) are collected by the run's rule, not the default's."""
    probe = "import gc, sys\nimport gitops_bot.__main__\nprint(gc.get_threshold()[0])\n"
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    assert done.stdout.split() == [str(GC_THRESHOLD)]


MIDDLE_PASSES = r"""
import gc, os, sys
passes = []
gc.callbacks.append(lambda phase, info: phase == "start" and passes.append(info["generation"]))
def first_request(event, args):
    if event == "socket.connect":
        print(sum(g > 0 for g in passes), file=sys.__stderr__, flush=True)
        os._exit(0)
sys.addaudithook(first_request)
from gitops_bot.__main__ import main
main(sys.argv[1:])
"""


def test_a_plans_start_up_makes_no_pass_over_older_generations(tmp_path: Path) -> None:
    """Everything start-up makes (modules, classes, functions) survives its first young pass:
    a middle-generation pass during start-up walks all of it only to keep it (the interpreter's
    own start, at the default threshold, has already counted most of the ten young passes
    that trigger one)."""
    (tmp_path / "overlays/dev").mkdir(parents=True)
    (tmp_path / "overlays/dev/kustomization.yaml").write_text(
        "resources: []\nimages:\n  - name: app\n    newName: 127.0.0.1:9/example/app\n    newTag: 1.0.0\n"
    )
    (tmp_path / "gitops-bot.yaml").write_text(
        "version: 1\nimages:\n  - name: app\n    repository: 127.0.0.1:9/example/app\n"
        "environments:\n  - name: dev\n    path: overlays/dev\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", MIDDLE_PASSES, "plan", "--repo", str(tmp_path), "--output", "json"],
        env={"PATH": os.environ.get("PATH", ""), "HOME": str(tmp_path)},
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.stderr.strip().splitlines()[-1:] == ["0"], done.stderr[-2000:]
