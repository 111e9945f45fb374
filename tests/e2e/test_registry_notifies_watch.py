"""A real ``docker-registry`` configured to notify a running ``watch``: a push through the
registry API opens the pull request at once, not at the next interval (one hour away).

``watch`` listens on port 0 and the test reads the port from its ``listening`` line; the
registry, started before it, notifies a relay that bound its own free port (no port is
picked by one process and bound by another, which another test could take in between)."""

from __future__ import annotations

import os
import signal
from collections.abc import Iterator
from pathlib import Path

import pytest

from testkit.github_server import FakeGitHub
from testkit.hook_server import HookServer
from testkit.registry_process import RegistryProcess
from testkit.relay import Relay
from testkit.update_world import World, add_config, make_world
from testkit.watch_process import Proc, get, watch_argv

TOKEN = "registry-hook-token-5f1e"


@pytest.fixture
def notifying(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[World, Relay, HookServer]]:
    monkeypatch.setenv("GITHUB_TOKEN", FakeGitHub.token)
    monkeypatch.setenv("GITOPS_BOT_CACHE", str(tmp_path / "cache"))
    monkeypatch.setenv("REGISTRY_HOOK_TOKEN", TOKEN)
    with Relay() as relay, HookServer() as hooks:
        endpoint = {
            "name": "gitops-bot",
            "url": f"{relay.url}/webhook/registry",
            "headers": {"Authorization": [f"Bearer {TOKEN}"]},
            "timeout": "2s",
            "threshold": 1,
            "backoff": "1s",
            "ignore": {"actions": ["pull"]},
        }
        monkeypatch.setenv("SLACK_URL", f"{hooks.url}/slack")
        with RegistryProcess(tmp_path / "registry", notifications=[endpoint]) as registry:
            for world in make_world(tmp_path, registry):
                add_config(
                    world,
                    "webhooks:\n  debounce: 0.5\n  sources:\n    registry:\n"
                    "      type: distribution\n      token_env: REGISTRY_HOOK_TOKEN\n",
                )
                add_config(world, "notifications:\n  - {type: slack, url_env: SLACK_URL}\n")
                yield world, relay, hooks


def test_a_registry_push_opens_the_pull_request_without_waiting_for_the_interval(
    notifying: tuple[World, Relay, HookServer],
) -> None:
    world, relay, hooks = notifying
    proc = Proc(watch_argv(world, "--interval", "1h", "--listen", "127.0.0.1:0"))
    try:
        proc.wait_for("the endpoint", lambda: proc.events("listening"))
        base = relay.upstream = f"http://127.0.0.1:{proc.events('listening')[0]['port']}"
        proc.wait_for("the first cycle", lambda: proc.events("cycle"))
        assert "`1.1.0`" not in world.github.open_pulls()[0]["body"]  # it pins the digests

        world.push("app", "1.1.0")  # through the registry API; the registry tells watch
        proc.wait_for("the PR to follow 1.1.0", lambda: "`1.1.0`" in world.github.open_pulls()[0]["body"])
        (pr,) = world.github.open_pulls()
        pushed = [
            e for e in proc.events("targeted") if any(f"/{world.ns}/app:1.1.0" in p for p in e["pushes"])
        ]
        assert pushed and pushed[0]["environments"] == ["staging"]
        # watch notifies through the same hook as the CLI (right after the PR changes: poll)
        proc.wait_for(
            "the notification",
            lambda: any("1.0.0 -&gt; 1.1.0" in r.body["text"] for r in list(hooks.received)),
            timeout=15,
        )

        # a tag the policy ignores (outside ^1) runs a targeted cycle that changes nothing
        world.push("app", "2.0.0")
        proc.wait_for("the second targeted cycle", lambda: len(proc.events("cycle")) >= 3)
        assert [p["body"] for p in world.github.open_pulls()] == [pr["body"]]

        _, metrics = get(base + "/metrics")
        assert 'gitops_bot_webhook_events_total{outcome="accepted",source="registry"}' in metrics
        assert relay.forwarded >= 2
    finally:
        proc.p.send_signal(signal.SIGTERM)
        code = proc.p.wait(timeout=30)
    assert code == 0, "".join(proc.lines)
    assert world.github.unexpected == []
    assert TOKEN not in "".join(proc.lines)
    assert os.environ["REGISTRY_HOOK_TOKEN"] == TOKEN
