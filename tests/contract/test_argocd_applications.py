"""The promotion gate over several Argo CD Applications (named, or chosen by a label selector as
an ApplicationSet's template labels them), against a fake answering as Argo CD's API description
says, list call included: the gate opens only when each one passes, and says which does not."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from gitops_bot.core.errors import ServiceUnavailable, UsageError
from gitops_bot.gate import argocd
from gitops_bot.gate.port import Applications, Live, combined_live
from gitops_bot.gate.settings import ArgoCDConfig
from testkit.argocd_server import FakeArgoCD, application

DIGEST = "sha256:" + "a" * 64
WORKER = "sha256:" + "b" * 64
IMAGE = f"ghcr.io/acme/app@{DIGEST}"
WANTED = [argocd.Wanted("app", "ghcr.io/acme/app", "1.1.0", DIGEST)]
SET = {"app.kubernetes.io/instance": "shop-staging"}


def _cluster(
    name: str, health: str = "Healthy", images: list[str] | None = None, **kw: Any
) -> dict[str, Any]:
    return application(name, images if images is not None else [IMAGE], health=health, labels=SET, **kw)


def _verdict(apps: list[dict[str, Any]], target: Applications, wanted: list[argocd.Wanted] = WANTED) -> Any:
    with FakeArgoCD() as server:
        for app in apps:
            server.apps[f"{app['metadata']['namespace']}/{app['metadata']['name']}"] = app
        client = argocd.ArgoCD(ArgoCDConfig(server=server.url), {"ARGOCD_AUTH_TOKEN": server.token})
        try:
            verdict = client.verdict(target, wanted)
            again = client.verdict(target, wanted)  # a second question judges the same reading
        finally:
            client.close()
        assert again == verdict
        return verdict, list(server.requests)


def test_an_applicationset_with_one_member_degraded_keeps_the_gate_closed_and_names_it() -> None:
    apps = [_cluster("shop-staging-eu"), _cluster("shop-staging-us", "Degraded"), _cluster("shop-staging-ap")]
    verdict, asked = _verdict(apps, Applications(selector="app.kubernetes.io/instance=shop-staging"))
    assert not verdict.open
    assert verdict.reasons == ("Argo CD application shop-staging-us is Degraded, not Healthy",)
    assert [(name, part.open) for name, part in verdict.parts] == [
        ("shop-staging-ap", True),
        ("shop-staging-eu", True),
        ("shop-staging-us", False),
    ]
    assert verdict.evidence.state.health == "Degraded"
    # one list call for the whole set, once per client
    assert asked == ["/api/v1/applications?selector=app.kubernetes.io%2Finstance%3Dshop-staging"]


def test_the_gate_opens_when_every_member_passes_and_other_labels_stay_out() -> None:
    stray = application(
        "shop-production-eu", [], health="Degraded", labels={"app.kubernetes.io/instance": "shop"}
    )
    apps = [_cluster("shop-staging-eu"), _cluster("shop-staging-us"), stray]
    verdict, _ = _verdict(apps, Applications(selector="app.kubernetes.io/instance=shop-staging"))
    assert verdict.open and verdict.reasons == ()
    assert [name for name, _ in verdict.parts] == ["shop-staging-eu", "shop-staging-us"]


def test_a_selector_matching_nothing_is_closed_not_vacuously_open() -> None:
    verdict, _ = _verdict([_cluster("shop-staging-eu")], Applications(selector="team=nobody"))
    assert not verdict.open
    assert verdict.reasons == ("Argo CD has no applications matching team=nobody",)


def test_named_applications_each_hold_the_images_they_run() -> None:
    """An environment split into two Applications: each is held to its own images; an image no
    member runs keeps the gate closed."""
    api = application("shop-api", [IMAGE])
    worker = application("shop-worker", [f"ghcr.io/acme/worker@{WORKER}"])
    both = [*WANTED, argocd.Wanted("worker", "ghcr.io/acme/worker", "2.0.0", WORKER)]
    verdict, asked = _verdict([api, worker], Applications(names=("shop-api", "shop-worker")), both)
    assert verdict.open, verdict.reasons
    assert asked == ["/api/v1/applications/shop-api", "/api/v1/applications/shop-worker"]

    missing = [*both, argocd.Wanted("cron", "ghcr.io/acme/cron", "1.0.0", DIGEST)]
    verdict, _ = _verdict([api, worker], Applications(names=("shop-api", "shop-worker")), missing)
    assert verdict.reasons == (
        "none of shop-api, shop-worker runs cron (Argo CD reports nothing from that repository)",
    )


def test_a_member_running_an_older_digest_is_named() -> None:
    old = "ghcr.io/acme/app@sha256:" + "c" * 64
    apps = [_cluster("shop-staging-eu"), _cluster("shop-staging-us", images=[old])]
    verdict, _ = _verdict(apps, Applications(selector="app.kubernetes.io/instance=shop-staging"))
    (reason,) = verdict.reasons
    assert reason.startswith("shop-staging-us does not run app sha256:aaaaaaa")


def test_live_of_a_set_is_its_worst_member_and_none_is_a_service_problem() -> None:
    with FakeArgoCD() as server:
        for app in (
            _cluster("a", health_since="2026-11-20T10:00:00Z"),
            _cluster(
                "b",
                "Degraded",
                health_since="2026-11-20T10:05:00Z",
                health_message="Deployment api: 0/3 ready",
            ),
        ):
            server.apps[f"argocd/{app['metadata']['name']}"] = app
        client = argocd.ArgoCD(ArgoCDConfig(server=server.url), {"ARGOCD_AUTH_TOKEN": server.token})
        try:
            live = client.live(Applications(selector="app.kubernetes.io/instance=shop-staging"))
            assert live.health == "Degraded"
            assert live.health_since == datetime(2026, 11, 20, 10, 5, tzinfo=UTC)
            assert live.health_message == "b: Deployment api: 0/3 ready"
            with pytest.raises(ServiceUnavailable, match="has no applications matching x=y"):
                client.live(Applications(selector="x=y"))
        finally:
            client.close()


def _live(health: str, since: int | None, *, reconciled: int = 30, operation: str = "Succeeded") -> Live:
    def t(minute: int | None) -> datetime | None:
        return None if minute is None else datetime(2026, 11, 20, 10, minute, tzinfo=UTC)

    return Live(
        sync="Synced",
        health=health,
        health_since=t(since),
        health_message="",
        operation=operation,
        operation_message="",
        operation_finished=t(1),
        reconciled_at=t(reconciled),
        history=(),
    )


@pytest.mark.parametrize(
    ("members", "health", "since"),
    [
        # all Healthy: since the last one became Healthy (the soak restarts with each member)
        ([("Healthy", 3), ("Healthy", 9)], "Healthy", 9),
        # one Degraded: since it failed, whatever the others did later
        ([("Degraded", 4), ("Healthy", 9)], "Degraded", 4),
        # two Degraded: since the last of them failed (one broken before a release does not
        # date the failure another one has since)
        ([("Degraded", 7), ("Degraded", 5), ("Progressing", 2)], "Degraded", 7),
        # a member Argo CD cannot assess does not hide one that is failing
        ([("Unknown", 3), ("Degraded", 6)], "Degraded", 6),
        ([("Unknown", 3), ("Healthy", 6)], "Unknown", 3),
        # a status Argo CD does not document ranks as Unknown, below Degraded
        ([("Exploding", 3), ("Degraded", 6)], "Degraded", 6),
        # Progressing is worse than Healthy, better than Degraded (Argo CD's order)
        ([("Progressing", 6), ("Healthy", 2)], "Progressing", 6),
        # a Healthy member that does not say since when: unknown, never guessed
        ([("Healthy", 3), ("Healthy", None)], "Healthy", None),
    ],
)
def test_combined_live_takes_the_worst_health_and_since_when_it_holds(
    members: list[tuple[str, int | None]], health: str, since: int | None
) -> None:
    live = combined_live([(f"m{n}", _live(h, s)) for n, (h, s) in enumerate(members)])
    assert live.health == health
    assert live.health_since == (None if since is None else datetime(2026, 11, 20, 10, since, tzinfo=UTC))


def test_combined_live_is_as_fresh_as_its_stalest_member_and_fails_on_any_failed_sync() -> None:
    live = combined_live(
        [
            ("a", _live("Healthy", 1, reconciled=40)),
            ("b", _live("Healthy", 1, reconciled=20, operation="Failed")),
        ]
    )
    assert live.reconciled_at == datetime(2026, 11, 20, 10, 20, tzinfo=UTC)
    assert live.operation == "Failed"


def test_members_of_one_name_in_two_namespaces_are_two_members() -> None:
    """Without ``app_namespace`` Argo CD lists every namespace it serves: a Degraded ``shop`` in
    team-b is not hidden behind a Healthy ``shop`` in argocd."""
    apps = [_cluster("shop"), _cluster("shop", "Degraded", namespace="team-b")]
    with FakeArgoCD() as server:
        for app in apps:
            server.apps[f"{app['metadata']['namespace']}/shop"] = app
        client = argocd.ArgoCD(ArgoCDConfig(server=server.url), {"ARGOCD_AUTH_TOKEN": server.token})
        try:
            verdict = client.verdict(Applications(selector="app.kubernetes.io/instance=shop-staging"), WANTED)
            assert (
                client.live(Applications(selector="app.kubernetes.io/instance=shop-staging")).health
                == "Degraded"
            )
        finally:
            client.close()
    assert not verdict.open
    assert [(name, part.open) for name, part in verdict.parts] == [
        ("argocd/shop", True),
        ("team-b/shop", False),
    ]
    assert verdict.reasons == ("Argo CD application team-b/shop is Degraded, not Healthy",)


def test_a_selector_matching_more_than_an_environment_can_wait_on_is_a_usage_error() -> None:
    apps = [_cluster(f"c{n}") for n in range(argocd.MAX_MEMBERS + 1)]
    with pytest.raises(UsageError, match=r"501 Argo CD applications match .*, more than the 500"):
        _verdict(apps, Applications(selector="app.kubernetes.io/instance=shop-staging"))
