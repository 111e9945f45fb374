"""Calls that wait on the clock: a server that drips or goes silent cannot stretch a call past
its total deadline (the direct path and the layer both), and the Argo CD client's retries of
server errors back off for real before mapping the rest. They wait seconds, so they run with the
end-to-end tier, not the inner loop."""

from __future__ import annotations

import time

import httpx
import pytest

from gitops_bot.core.errors import ServiceUnavailable, UsageError
from gitops_bot.gate import argocd
from gitops_bot.gate.settings import ArgoCDConfig
from gitops_bot.net.transport import Transport, exchange, send
from testkit.argocd_server import FakeArgoCD, application
from testkit.hostile_registry import Answer, HostileRegistry


@pytest.mark.parametrize(
    "answer",
    [Answer(body=b"x" * 100, drip=0.2), Answer(drip_head=0.05), Answer(hang=30)],
    ids=["dripped-body", "dripped-head", "silent"],
)
def test_a_dripping_server_cannot_stretch_a_call_past_its_deadline(answer: Answer) -> None:
    with HostileRegistry({"/": answer}) as server:
        t = Transport(env={})
        started = time.monotonic()
        with pytest.raises(httpx.TimeoutException):
            send(t, httpx.Request("GET", server.url + "/x"), timeout=1.0)
        assert time.monotonic() - started < 5  # per-read timeouts alone would take 20 s or more
        t.close()


@pytest.mark.parametrize(
    "answer",
    [Answer(body=b"x" * 100, drip=0.2), Answer(drip_head=0.05), Answer(hang=30)],
    ids=["dripped-body", "dripped-head", "silent"],
)
def test_the_direct_path_cannot_be_stretched_past_its_deadline(answer: Answer) -> None:
    with HostileRegistry({"/": answer}) as server:
        t = Transport(env={})
        started = time.monotonic()
        with pytest.raises(httpx.TimeoutException):
            exchange(t, "GET", server.url + "/x", {}, timeout=1.0)
        assert time.monotonic() - started < 5  # per-read timeouts alone would take 20 s or more
        t.close()


def test_argocd_client_retries_server_errors_and_maps_the_rest() -> None:
    with FakeArgoCD() as server:
        server.apps["s"] = application("s", [])
        cfg = ArgoCDConfig(server=server.url)
        env = {"ARGOCD_AUTH_TOKEN": server.token}
        client = argocd.ArgoCD(cfg, env)
        server.fail_next = [503, 502]
        assert client.application("s")["metadata"]["name"] == "s"
        assert len(server.requests) == 3
        client.application("s")  # one reading per client: a run judges one state
        assert len(server.requests) == 3
        client.close()
        client = argocd.ArgoCD(cfg, env)
        server.fail_next = [500, 500, 500]
        with pytest.raises(ServiceUnavailable, match="unavailable"):
            client.application("s")
        with pytest.raises(UsageError, match="has no application 'ghost'"):
            client.application("ghost")
        client.close()
    with pytest.raises(UsageError, match=r"needs an Argo CD token in \$ARGOCD_AUTH_TOKEN"):
        argocd.ArgoCD(cfg, {})
    gone = argocd.ArgoCD(ArgoCDConfig(server="http://127.0.0.1:9"), env)
    with pytest.raises(ServiceUnavailable):
        gone.application("s")
