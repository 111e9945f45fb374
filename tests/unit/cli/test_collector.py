"""The command sets the cyclic collector's threshold for a run's many acyclic objects: at the
default a 1,000-image plan spent ~0.1 s of CPU in ~330 collections."""

from __future__ import annotations

import gc
from collections.abc import Iterator

import pytest

from gitops_bot import cli


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
    assert gc.get_threshold() == (cli.GC_THRESHOLD, 10, 10)
    assert cli.GC_THRESHOLD >= 10_000
    assert capsys.readouterr().out.startswith("{")
