"""Generated hostile answers, for every client: each outside service the bot talks to
(testkit/hostile/services.py's SERVICES) answers one of its routes with generated garbage
(testkit/hostile/answers.py: wrong and missing fields, numbers no float holds, wrong types,
truncated, compressed wrongly, oversized, slow, redirecting, paging for ever, echoing the
secret it was sent), and the service's command, run in process, must hold every property
testkit/hostile/run.py checks: the documented exit code, one line per error and no
traceback, bounded time and memory, no secret in any output in any encoding, nothing
proposed that the registry did not serve.

Examples per service: GITOPS_BOT_HOSTILE_EXAMPLES, else a CI size (seeded per service, so
every run tries the same answers). docs/testing.md has the nightly-size command.
"""

from __future__ import annotations

import json
import os
import zlib
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import HealthCheck, Phase, example, given, seed, settings
from hypothesis import strategies as st

from testkit.examples import examples
from testkit.hostile import SERVICES, Fault, HostileServer, World, faults, problems
from testkit.hostile.known import known
from testkit.hostile.services import DIGEST

# the CI size: 2 generated answers a service inside the inner loop, 3 under scripts/test.sh
# (besides each service's named ones)
CI_EXAMPLES = examples(15) // 5
EXAMPLES = int(os.environ.get("GITOPS_BOT_HOSTILE_EXAMPLES") or CI_EXAMPLES)
# the slowest answer waits this long in all (nightly: up to 5 s; a CI run stays short)
SLOWEST = 5.0 if EXAMPLES > 50 else 0.5
# where each example's outcome is written (JSON lines), when set: the counts and findings
REPORT = os.environ.get("GITOPS_BOT_HOSTILE_REPORT")


@pytest.fixture(scope="module")
def server() -> Iterator[HostileServer]:
    with HostileServer() as s:
        yield s


def _record(entry: dict[str, object]) -> None:
    if REPORT:
        with Path(REPORT).open("a") as f:
            f.write(json.dumps(entry) + "\n")


@pytest.mark.timeout(max(180, EXAMPLES * 30))
@pytest.mark.parametrize("name", SERVICES)
def test_a_generated_hostile_answer_ends_the_command_as_documented(
    name: str, server: HostileServer, tmp_path: Path
) -> None:
    service = SERVICES[name]
    world = World(service, server, tmp_path)
    # the harness's own check first: well-formed answers pass every property, and each route
    # the garbage goes to is one the command asks, so the examples are not vacuous
    outcome = world.run(None, service.targets[0])
    assert problems(world, outcome) == [], outcome.err
    asked = {seen.path for seen in outcome.seen}
    assert all(any(p.startswith(t) for p in asked) for t in service.targets), sorted(asked)
    if service.commits:  # what it pushed is read back (and names only what was served)
        assert DIGEST in outcome.committed, outcome.err

    @seed(zlib.crc32(name.encode()))
    @settings(
        max_examples=max(1, EXAMPLES),
        deadline=None,
        database=None,
        # 0 examples: the named answers only
        phases=(Phase.explicit, Phase.generate, Phase.shrink) if EXAMPLES else (Phase.explicit,),
        suppress_health_check=list(HealthCheck),
    )
    @given(fault=faults(slow=SLOWEST), target=st.sampled_from(service.targets))
    def one(fault: Fault, target: str) -> None:
        outcome = world.run(fault, target)
        found = problems(world, outcome)
        unknown = [p for p in found if known(name, p) is None]
        _record(
            {
                "service": name,
                "target": target,
                "fault": str(fault),
                "kind": fault.kind,
                "command": " ".join(world.service.argv),
                "said": outcome.said(),
                "seconds": round(outcome.seconds, 2),
                "problems": found,
                "known": [p for p in found if p not in unknown],
            }
        )
        assert unknown == [], f"{name}, {target} answered {fault}: {outcome.said()}"

    for target, fault in service.examples():
        one = example(fault=fault, target=target)(one)
    one()
