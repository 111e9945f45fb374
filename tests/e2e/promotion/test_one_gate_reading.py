"""A run reads each gate once: the automatic promotion's soak, the decision that lets it open
(the one a person's ``promote`` is judged by) and the run's plan ask one Argo CD client, so
staging's Application is read once and every rule judges that one reading (two reads could
disagree, and each costs the Argo CD server a request)."""

from __future__ import annotations

from datetime import timedelta

import pytest

from testkit.promotion_world import World, run
from testkit.soak_clock import at, configure, promoted_to_staging, staging_deployed, start


def test_the_run_that_opens_the_automatic_promotion_reads_its_sources_application_once(
    world: World, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    configure(world, "production", "    auto_promote: {from: staging, after: 1h}\n")
    promoted_to_staging(capsys, world)
    world.merge_only_pr()
    t0 = start()
    staging_deployed(world, t0, t0 + timedelta(hours=2), history=(t0 - timedelta(days=1), t0))
    at(monkeypatch, t0 + timedelta(hours=2))
    world.argocd.requests.clear()

    out = run(capsys, world, "update", "--env", "production")

    (res,) = [r for r in out["results"] if r["environment"] == "production"]
    assert res["action"] == "pull_request" and res["kind"] == "promotion", res["warnings"]
    assert world.argocd.requests == ["/api/v1/applications/app-staging"]
