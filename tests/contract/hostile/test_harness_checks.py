"""The hostile harness's own properties can fail: each kind of misbehaviour, put in an
outcome by hand, is a problem testkit/hostile/run.py names (else a service's examples could
pass whatever its command did)."""

from __future__ import annotations

import base64
import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from testkit.hostile import SERVICES, HostileServer, Outcome, World, problems, run
from testkit.hostile.server import Served
from testkit.hostile.services import DIGEST, MANIFEST, REGISTRY_SECRET
from testkit.hostile_registry import Seen

PLAN = json.dumps({"environments": []})


@pytest.fixture(scope="module")
def server() -> Iterator[HostileServer]:
    with HostileServer() as s:
        yield s


def outcome(**changes: object) -> Outcome:
    base = Outcome(0, PLAN, "", 0.1, 1 << 20, 1000)
    for k, v in changes.items():
        setattr(base, k, v)
    return base


def candidate(tag: str, digest: str) -> str:
    item = {"image": "example/app", "candidate": {"tag": tag, "digest": digest}}
    return json.dumps({"environments": [{"images": [item]}]})


@pytest.mark.parametrize(
    ("changes", "words"),
    [
        ({"err": "Traceback (most recent call last):\n  File x\n"}, "a traceback"),
        ({"code": 1}, "exit 1"),
        ({"err": "gitops-bot: error: \x1b]0;owned\x07\n"}, "control characters"),
        ({"err": "gitops-bot: error: " + "x" * 5000}, "an error line of 5019 characters"),
        ({"err": "gitops-bot: error: a\ngitops-bot: error: b\n"}, "2 error lines"),
        ({"err": "gitops-bot: error: a\n  continued\n"}, "not the bot's own"),
        ({"out": "plain text"}, "no JSON document"),
        ({"out": json.dumps({"reason": "two\nlines"})}, "a reason spans lines"),
        ({"seconds": 1000.0}, "took 1000 s"),
        ({"peak": 1 << 30}, "MiB of heap"),
        ({"sent": 1 << 30}, "MiB from the service"),
        ({"err": f"gitops-bot: error: {REGISTRY_SECRET}\n"}, "secret (plain)"),
        ({"out": json.dumps({"x": base64.b64encode(REGISTRY_SECRET.encode()).decode()})}, "secret (base64)"),
        (
            {"err": "gitops-bot: error: " + base64.b64encode(f"robot:{REGISTRY_SECRET}".encode()).decode()},
            "basic",
        ),
        ({"err": "gitops-bot: error: reg.Hx%2Fs3cret%2Bpw%3D1\n"}, "url-encoded"),
        ({"out": candidate("1.1.0", "sha256:" + "1" * 64)}, "a digest no manifest the registry served"),
        (
            {
                "out": candidate("9.9.9", DIGEST),
                "served": [Served("/v2/acme/app/manifests/9.9.9", 200, MANIFEST)],
            },
            "no tag list",
        ),
        ({"committed": f"newTag: 1.1.0@sha256:{'2' * 64}"}, "committed sha256:2222"),
        (
            {"seen": [Seen("GET", "/x", {"Host": "127.0.0.2:1", "Authorization": "Basic eA=="})]},
            "sent to another origin",
        ),
    ],
)
def test_each_misbehaviour_is_a_problem(
    server: HostileServer, tmp_path: Path, changes: dict[str, object], words: str
) -> None:
    world = World(SERVICES["registry"], server, tmp_path)
    found = problems(world, outcome(**changes))
    assert any(words in p for p in found), found


def test_a_well_behaved_outcome_is_no_problem(server: HostileServer, tmp_path: Path) -> None:
    world = World(SERVICES["registry"], server, tmp_path)
    served = [
        Served("/v2/acme/app/tags/list", 200, b'{"tags": ["1.1.0"]}'),
        Served("/v2/acme/app/manifests/1.1.0", 200, MANIFEST),
    ]
    assert problems(world, outcome(out=candidate("1.1.0", DIGEST), served=served)) == []


def test_the_resident_peak_counts_what_a_run_held_and_let_go() -> None:
    """The inner loop's memory bound: the process's resident peak, reset before a run and read
    after it, sees memory the run held at any moment, freed or not by the end."""
    before = run._resident_peak_reset()
    assert (before is None) == (not Path("/proc/self/clear_refs").exists())
    if before is None:  # not Linux: run.run measures the traced heap instead
        return
    held = b"x" * (run.PEAK + (16 << 20))
    del held
    assert run._resident_peak() - before > run.PEAK
    assert run._resident_peak_reset() is not None
    assert run._resident_peak() - before < run.PEAK
