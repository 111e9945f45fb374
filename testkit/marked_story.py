"""The world of the stories in which the bot marks an open change request and lifts the mark
(tests/e2e/promotion): the update example (testkit/forge_story.py) with staging gated by Argo
CD's app-staging or production promoted from staging, and what those stories read of a run and
do between runs. Each story says what differs: the lines staging's entry takes beside its gate,
the freeze's reason."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import pytest

from testkit import update_world
from testkit.argocd_server import FakeArgoCD, application
from testkit.forge_story import Story, run
from testkit.forge_world import PROMOTION
from testkit.surfaces import declared

STAGING = "overlays/staging/kustomization.yaml"
ROLLBACK = "gitops-bot/rollback/staging"
# staging rolled back on its own after ten minutes failing; its window never opens: a
# rollback, a safety action, waits for none
AUTO_ROLLBACK = """    auto_rollback: {after: 10m}
    windows: {timezone: UTC, deny: [{days: [mon, tue, wed, thu, fri, sat, sun]}]}
"""


def gated(told: Story, argocd: FakeArgoCD, lines: str = "") -> None:
    """``told`` with staging gated by Argo CD's app-staging (Healthy, running what staging
    declares) and ``lines`` of staging's entry beside the gate."""
    argocd.apps["app-staging"] = application("app-staging", declared(told.show(STAGING)))
    entry = f"  - name: staging\n    argocd_application: app-staging\n{lines}"
    told.commit(
        {
            "gitops-bot.yaml": lambda text: (
                text.replace("  - name: staging\n", entry, 1) + f"argocd:\n  server: {argocd.url}\n"
            )
        }
    )


def with_production(told: Story) -> None:
    """``told`` with production promoted from staging: the other forges' update example has it
    (testkit/forge_world.py), GitHub's is given it here (its overlay a copy of staging's)."""
    if "promote_from: staging" in told.show("gitops-bot.yaml"):
        return
    overlay = told.show(STAGING) + "\n"
    told.commit(
        {
            "overlays/production/kustomization.yaml": lambda _: overlay,
            "gitops-bot.yaml": lambda text: text.replace("pull_request:\n", PROMOTION + "pull_request:\n", 1),
        }
    )


def results(out: dict[str, Any], env: str) -> list[dict[str, Any]]:
    """A run's results for ``env``."""
    return [r for r in out["results"] if r["environment"] == env]


def warnings(results: list[dict[str, Any]]) -> list[str]:
    return [w for r in results for w in r["warnings"]]


def steps(results: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The next steps the results say (a dry run's: the steps the run then executes)."""
    return [r["next_step"] for r in results if r.get("next_step")]


def open_request(story: Story, head: str) -> dict[str, Any]:
    """The one open change request on ``head``."""
    (pr,) = [p for p in story.open_requests() if p["head"] == head]
    return pr


def request_noun(story: Story) -> str:
    """The forge's word for a change request, as the run says it."""
    return "pull request" if isinstance(story.world, update_world.World) else "merge request"


def released(story: Story, capsys: pytest.CaptureFixture[str], t0: datetime) -> list[str]:
    """1.1.0 released to staging by the bot and merged (a release to roll back from, and one to
    promote): the images staging then declares."""
    story.push("app", "1.1.0")
    run(capsys, story, t0, "update", "--env", "staging")
    (release,) = story.open_requests()
    story.merge(release["number"])
    return declared(story.show(STAGING))


def freeze(
    story: Story, capsys: pytest.CaptureFixture[str], env: str, when: datetime, until: str, why: str
) -> None:
    """A freeze of ``env`` until ``until`` for ``why``, merged (the freeze is the files on
    main)."""
    run(capsys, story, when, "freeze", env, "--until", until, "--reason", why)
    story.merge(open_request(story, f"gitops-bot/freeze/{env}")["number"])


def unfreeze(story: Story, capsys: pytest.CaptureFixture[str], env: str, when: datetime) -> None:
    """The freeze of ``env`` lifted, merged."""
    run(capsys, story, when, "unfreeze", env)
    story.merge(open_request(story, f"gitops-bot/freeze/{env}")["number"])
