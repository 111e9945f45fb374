"""The CNCF distribution envelope as the real registry (Debian ``docker-registry``) sends it:
every envelope a push produces is read without a malformed event, the tagged manifest is the
one push taken, and a host the client wrote in capitals still matches the configured image."""

from __future__ import annotations

import io
import json
import threading
import time
from pathlib import Path

from gitops_bot.core.model import ImageRef
from gitops_bot.events.payloads import distribution
from gitops_bot.events.receiver import Receiver
from gitops_bot.events.settings import SourceSettings, WebhookSettings
from gitops_bot.events.trigger import Trigger
from testkit.hook_server import HookServer
from testkit.oci import Pusher
from testkit.registry_process import RegistryProcess

TOKEN = "real-registry-token"


def test_the_real_registrys_envelopes_and_an_uppercase_host(tmp_path: Path) -> None:
    with HookServer() as hooks:
        endpoint = {
            "name": "bot",
            "url": f"{hooks.url}/webhook/registry",
            "headers": {"Authorization": [f"Bearer {TOKEN}"]},
            "timeout": "2s",
            "threshold": 1,
            "backoff": "1s",
        }
        with RegistryProcess(tmp_path / "registry", notifications=[endpoint]) as registry:
            host = f"LocalHost:{registry.port}"
            pusher = Pusher.to(registry.url, headers={"Host": host})
            try:
                pushed = pusher.image("team/api", "2.1")
            finally:
                pusher.close()
            deadline = time.monotonic() + 20
            while time.monotonic() < deadline:
                tagged = [
                    r
                    for r in hooks.received
                    for e in r.body.get("events", [])
                    if e.get("action") == "push" and e.get("target", {}).get("tag")
                ]
                if tagged:
                    break
                time.sleep(0.1)
    assert tagged, "the registry sent no notification for the tagged push"
    for received in hooks.received:
        delivery = distribution(json.dumps(received.body).encode(), {})
        assert delivery.malformed == (), delivery.malformed
        assert delivery.id is not None and delivery.sent_at is not None
    trigger = Trigger(0.01)
    receiver = Receiver(trigger, lambda s, o: None, environ={"T": TOKEN})
    image = ImageRef.parse(f"localhost:{registry.port}/team/api")
    receiver.configure(
        WebhookSettings(sources=(SourceSettings("registry", "distribution", token_env="T"),)), [image]
    )
    trigger.debounce = 0.01
    # the registry reports the Host header as the client wrote it
    assert {e["request"]["host"] for r in tagged for e in r.body["events"]} == {host}
    answers = []
    for received in hooks.received:
        body = json.dumps(received.body).encode()
        headers = {
            "Content-Length": str(len(body)),
            "Authorization": received.headers.get("Authorization", ""),
            "Content-Type": received.headers.get("Content-Type", ""),
        }
        answers.append(receiver.handle("/webhook/registry", headers, io.BytesIO(body))[0])
    assert 202 in answers and set(answers) <= {200, 202}, answers
    burst = trigger.wait(time.monotonic() + 1, threading.Event()) or []
    assert [(p.registry, p.repository, p.tag, p.digest) for p in burst] == [
        (f"localhost:{registry.port}", "team/api", "2.1", pushed.digest)
    ]
