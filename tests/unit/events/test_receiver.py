"""Webhooks in: each sender's format, authentication, size cap, replays, targeting and
debouncing, against the receiver itself (the HTTP route and a real registry are in
tests/e2e/test_registry_notifies_watch.py)."""

from __future__ import annotations

import io
import json
import threading
import time
from pathlib import Path
from typing import Any

import pytest

from gitops_bot import config
from gitops_bot.core.errors import ConfigError
from gitops_bot.core.model import ImageRef
from gitops_bot.engine import targeting
from gitops_bot.engine.app import App
from gitops_bot.events.payloads import Push
from gitops_bot.events.receiver import Receiver
from gitops_bot.events.settings import SourceSettings, WebhookSettings
from gitops_bot.events.trigger import Trigger
from gitops_bot.events.verify import ReplayWindow, signature
from gitops_bot.registry.pool import RegistryPool
from gitops_bot.watch import Watcher
from testkit.configs import MINIMAL_CONFIG

DIGEST = "sha256:" + "ab" * 32
ENV = {
    "GH_SECRET": "gh-hmac-secret-1",
    "REG_TOKEN": "reg-token-2",
    "HUB_TOKEN": "hub-token-3",
    "G_SECRET": "g-s-4",
}
SETTINGS = WebhookSettings(
    sources=(
        SourceSettings("ghcr", "github", secret_env="GH_SECRET"),
        SourceSettings("registry", "distribution", token_env="REG_TOKEN"),
        SourceSettings("dockerhub", "dockerhub", token_env="HUB_TOKEN"),
        SourceSettings("generic", "generic", secret_env="G_SECRET"),
        SourceSettings("ci", "generic", token_env="REG_TOKEN", registry="127.0.0.1:5000"),
    ),
    max_body=256 * 1024,
)
IMAGES = [ImageRef.parse(r) for r in ("ghcr.io/acme/app", "127.0.0.1:5000/team/api", "acme/web", "nginx")]


class Rig:
    def __init__(self) -> None:
        self.counted: list[tuple[str, str]] = []
        self.trigger = Trigger(0.05)
        self.receiver = Receiver(self.trigger, lambda s, o: self.counted.append((s, o)), environ=ENV)
        self.receiver.configure(SETTINGS, IMAGES)
        self.receiver.trigger.debounce = 0.05

    def post(self, path: str, body: Any, headers: dict[str, str] | None = None) -> tuple[int, str]:
        data = body if isinstance(body, bytes) else json.dumps(body).encode()
        hdrs = {"Content-Length": str(len(data)), **(headers or {})}
        return self.receiver.handle(path, hdrs, io.BytesIO(data))

    def pending(self) -> list[Push]:
        # handle() adds a push before it answers: with none added there is none to wait for
        if self.trigger.ready_at() is None:
            return []
        return self.trigger.wait(time.monotonic() + 0.3, threading.Event()) or []


@pytest.fixture
def rig() -> Rig:
    return Rig()


def github_event(tag: str = "1.2.0", kind: str = "package") -> dict[str, Any]:
    version = {
        "version": DIGEST,
        "container_metadata": {"tag": {"name": tag, "digest": DIGEST}},
        "package_url": f"ghcr.io/acme/app:{tag}",
    }
    return {
        "action": "published",
        kind: {"name": "app", "namespace": "acme", "package_type": "CONTAINER", "package_version": version},
    }


def signed(body: dict[str, Any], secret: str, delivery: str) -> tuple[bytes, dict[str, str]]:
    data = json.dumps(body).encode()
    return data, {
        "X-Hub-Signature-256": signature(secret, data),
        "X-GitHub-Event": "package",
        "X-GitHub-Delivery": delivery,
    }


def test_github_package_event_signed_is_accepted_once(rig: Rig) -> None:
    data, headers = signed(github_event(), ENV["GH_SECRET"], "d-1")
    assert rig.post("/webhook/ghcr", data, headers)[0] == 202
    assert rig.post("/webhook/ghcr", data, headers) == (200, "replayed: already received; ignored")
    assert rig.pending() == [Push("ghcr.io", "acme/app", "1.2.0", DIGEST)]
    assert rig.counted == [("ghcr", "accepted"), ("ghcr", "replayed")]


def test_github_event_without_package_url_uses_namespace_and_name(rig: Rig) -> None:
    event = github_event("1.5.0")
    del event["package"]["package_version"]["package_url"]
    event["package"]["namespace"] = "ACME"
    data, headers = signed(event, ENV["GH_SECRET"], "d-5")
    assert rig.post("/webhook/ghcr", data, headers)[0] == 202
    assert [str(p) for p in rig.pending()] == ["ghcr.io/acme/app:1.5.0"]


def test_github_registry_package_event_and_ping(rig: Rig) -> None:
    data, headers = signed(github_event("1.3.0", "registry_package"), ENV["GH_SECRET"], "d-2")
    headers["X-GitHub-Event"] = "registry_package"
    assert rig.post("/webhook/ghcr", data, headers)[0] == 202
    data, headers = signed({"zen": "hi"}, ENV["GH_SECRET"], "d-3")
    headers["X-GitHub-Event"] = "ping"
    assert rig.post("/webhook/ghcr", data, headers)[0] == 200
    assert [p.tag for p in rig.pending()] == ["1.3.0"]


@pytest.mark.parametrize(
    "headers, why",
    [
        ({"X-GitHub-Event": "package"}, "unsigned"),
        ({"X-GitHub-Event": "package", "X-Hub-Signature-256": "sha256=" + "0" * 64}, "does not match"),
    ],
)
def test_github_unsigned_or_badly_signed_is_401(rig: Rig, headers: dict[str, str], why: str) -> None:
    status, text = rig.post("/webhook/ghcr", github_event(), headers)
    assert status == 401 and why in text
    assert rig.pending() == [] and rig.counted == [("ghcr", "unauthorized")]


def test_a_signature_over_another_body_is_refused(rig: Rig) -> None:
    data, headers = signed(github_event("1.2.0"), ENV["GH_SECRET"], "d-4")
    tampered = data.replace(b"1.2.0", b"6.6.6")
    assert rig.post("/webhook/ghcr", tampered, headers)[0] == 401


def distribution_envelope(*events: tuple[str, str, str | None]) -> dict[str, Any]:
    return {
        "events": [
            {
                "id": f"ev-{i}",
                "action": action,
                "target": {
                    "mediaType": "application/vnd.oci.image.manifest.v1+json",
                    "repository": repo,
                    "tag": tag,
                    "digest": DIGEST,
                },
                "request": {"host": "127.0.0.1:5000", "method": "PUT"},
            }
            for i, (action, repo, tag) in enumerate(events)
        ]
    }


def test_distribution_envelope_with_bearer_token(rig: Rig) -> None:
    body = distribution_envelope(
        ("push", "team/api", "2.1"),
        ("pull", "team/api", "2.0"),
        ("push", "team/api", None),
        ("push", "other/thing", "1"),
    )
    auth = {
        "Authorization": f"Bearer {ENV['REG_TOKEN']}",
        "Content-Type": "application/vnd.docker.distribution.events.v1+json",
    }
    assert rig.post("/webhook/registry", body, auth)[0] == 202
    assert rig.post("/webhook/registry", body, auth)[0] == 200  # the registry resent it
    assert rig.pending() == [Push("127.0.0.1:5000", "team/api", "2.1", DIGEST)]
    assert rig.post("/webhook/registry", body)[0] == 401
    assert rig.post("/webhook/registry", body, {"Authorization": "Bearer nope"})[0] == 401
    only_pulls = distribution_envelope(("pull", "team/api", "2.0"))
    assert rig.post("/webhook/registry", only_pulls, auth)[0] == 200
    assert rig.counted[-1] == ("registry", "ignored")


def test_dockerhub_token_in_path_or_query(rig: Rig) -> None:
    def body(repo: str, tag: str) -> dict[str, Any]:
        return {
            "callback_url": f"https://registry.hub.docker.com/u/{repo}/hook/{tag}/",
            "push_data": {"tag": tag, "pusher": "ci"},
            "repository": {"repo_name": repo},
        }

    assert rig.post(f"/webhook/dockerhub/{ENV['HUB_TOKEN']}", body("acme/web", "3.0"))[0] == 202
    assert rig.post(f"/webhook/dockerhub?token={ENV['HUB_TOKEN']}", body("nginx", "1.27"))[0] == 202
    assert rig.post("/webhook/dockerhub/wrong-token", body("acme/web", "3.1"))[0] == 401
    assert rig.post("/webhook/dockerhub", body("acme/web", "3.2"))[0] == 401
    assert [str(p) for p in rig.pending()] == [
        "registry-1.docker.io/acme/web:3.0",
        "registry-1.docker.io/library/nginx:1.27",
    ]


def test_generic_hmac_and_bearer_and_the_registry_override(rig: Rig) -> None:
    data = json.dumps({"repository": "ghcr.io/acme/app", "tag": "1.4.0"}).encode()
    sig = {"X-Signature-256": signature(ENV["G_SECRET"], data)}
    assert rig.post("/webhook/generic", data, sig)[0] == 202
    assert rig.post("/webhook/generic", data)[0] == 401
    # "ci" names the registry the images are pulled from: a push to another host name counts
    ci = {"repository": "registry.internal:5000/team/api", "tag": "2.2"}
    assert rig.post("/webhook/ci", ci, {"Authorization": f"Bearer {ENV['REG_TOKEN']}"})[0] == 202
    assert [str(p) for p in rig.pending()] == ["ghcr.io/acme/app:1.4.0", "127.0.0.1:5000/team/api:2.2"]


@pytest.mark.parametrize(
    "body, fragment",
    [
        (b"{not json", "not JSON"),
        (b"[" * 200_000, "nested too deeply"),
        (
            json.dumps({"repository": "ghcr.io/acme/app", "tag": "../etc"}).encode(),
            "invalid repository or tag",
        ),
        (json.dumps({"repository": "ghcr.io/ACME/app", "tag": "1"}).encode(), "invalid repository"),
        (json.dumps([1, 2]).encode(), "must be a JSON object"),
    ],
)
def test_malformed_payloads_are_400_with_the_reason(rig: Rig, body: bytes, fragment: str) -> None:
    status, text = rig.post("/webhook/generic", body, {"X-Signature-256": signature(ENV["G_SECRET"], body)})
    assert status == 400 and fragment in text
    assert rig.counted == [("generic", "malformed")]


class Unreadable(io.BytesIO):
    def read(self, size: int | None = -1, /) -> bytes:
        raise AssertionError("an oversized body must not be read")


def test_oversized_or_unsized_bodies_are_refused_before_reading(rig: Rig) -> None:
    big = {"Content-Length": str(SETTINGS.max_body + 1)}
    assert rig.receiver.handle("/webhook/generic", big, Unreadable())[0] == 413
    assert rig.receiver.handle("/webhook/generic", {"Transfer-Encoding": "chunked"}, Unreadable())[0] == 411
    assert rig.receiver.handle("/webhook/generic", {"Content-Length": "12"}, io.BytesIO(b"{}"))[0] == 400
    assert [o for _, o in rig.counted] == ["too_large", "malformed", "malformed"]


def test_unknown_sources_and_not_yet_configured(rig: Rig) -> None:
    assert rig.post("/webhook/nope", {})[0] == 404
    assert rig.post("/elsewhere", {})[0] == 404
    fresh = Receiver(Trigger(1), lambda s, o: None, environ=ENV)
    assert fresh.handle("/webhook/ghcr", {"Content-Length": "2"}, io.BytesIO(b"{}"))[0] == 503
    rig.receiver.environ = {}
    status, text = rig.post("/webhook/ghcr", github_event())
    assert status == 503 and "GH_SECRET is not set" in text


def test_replay_window_forgets_after_the_window() -> None:
    now = [100.0]
    window = ReplayWindow(60, clock=lambda: now[0])
    assert not window.seen("a") and window.seen("a")
    now[0] += 61
    assert not window.seen("a")


def test_a_burst_is_one_run_and_waiting_ends_at_the_deadline() -> None:
    trigger, stop = Trigger(0.1), threading.Event()
    assert trigger.wait(time.monotonic() + 0.05, stop) is None
    pushes = [Push("r", f"a/{i}", "1") for i in range(3)]
    started = time.monotonic()
    for p in [*pushes, Push("r", "a/0", "2")]:
        trigger.add([p])
        time.sleep(0.02)
    # one push per repository, the latest: the cycle plans repositories, the policy picks tags
    assert trigger.wait(time.monotonic() + 5, stop) == [Push("r", "a/0", "2"), *pushes[1:]]
    # at least the debounce, and well before the 5 s deadline (a loaded machine stretches it)
    assert 0.1 <= time.monotonic() - started < 4


class StubUpdater:
    """Records targeted runs and whether two ever overlapped."""

    running = 0
    runs: list[list[Push]] = []
    overlapped = False
    config = None
    watcher: Watcher | None = None

    def run(self, envs: Any, *, should_stop: Any, pushes: list[Push] | None = None) -> list[Any]:
        cls = StubUpdater
        cls.running += 1
        cls.overlapped |= cls.running > 1
        cls.runs.append(list(pushes or []))
        if len(cls.runs) == 1 and cls.watcher:  # a push while a cycle runs waits for it
            cls.watcher.trigger.add([Push("127.0.0.1:5000", "team/api", "4")])
        time.sleep(0.05)
        cls.running -= 1
        return []


def test_watch_runs_one_targeted_cycle_per_burst_and_never_two_at_once() -> None:
    watcher = Watcher(StubUpdater, interval=60, jitter=0)
    StubUpdater.watcher = watcher
    watcher.receiver.environ = ENV
    watcher.receiver.configure(WebhookSettings(SETTINGS.sources, debounce=0.1), IMAGES)
    t = threading.Thread(target=watcher._wait, args=(0.8,))
    t.start()
    auth = {"Authorization": f"Bearer {ENV['REG_TOKEN']}"}
    for tag in ("1", "2", "3"):
        body = json.dumps({"repository": "127.0.0.1:5000/team/api", "tag": tag}).encode()
        watcher.receiver.handle("/webhook/ci", {**auth, "Content-Length": str(len(body))}, io.BytesIO(body))
    t.join(5)
    assert [[p.tag for p in run] for run in StubUpdater.runs] == [["3"], ["4"]]
    assert not StubUpdater.overlapped
    text = watcher.metrics.render().decode()
    assert 'gitops_bot_webhook_events_total{outcome="accepted",source="ci"} 3.0' in text


def _app(tmp_path: Path, group: str) -> App:
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    (tmp_path / "a/kustomization.yaml").write_text(
        "images:\n  - name: ghcr.io/acme/app\n    newTag: 1.0.0\n  - name: ghcr.io/acme/db\n    newTag: '1'\n"
    )
    (tmp_path / "b/kustomization.yaml").write_text("images:\n  - name: ghcr.io/acme/db\n    newTag: '1'\n")
    (tmp_path / "gitops-bot.yaml").write_text(
        "images:\n  - name: ghcr.io/acme/app\n  - name: ghcr.io/acme/db\n"
        "environments:\n  - name: a\n    path: a\n  - name: b\n    path: b\n"
        f"pull_request:\n  group: {group}\n"
    )
    cfg = config.load(tmp_path / "gitops-bot.yaml")
    return App(cfg, RegistryPool(cfg))


@pytest.mark.parametrize("group, images", [("environment", None), ("image", {"ghcr.io/acme/app"})])
def test_targeting_plans_the_concerned_environments(tmp_path: Path, group: str, images: Any) -> None:
    app = _app(tmp_path, group)
    push = Push("ghcr.io", "acme/app", "1.1.0")
    assert targeting.narrow(app, None, [push]) == (["a"], images)
    assert targeting.narrow(app, None, [Push("ghcr.io", "acme/other", "1")]) == ([], set())
    assert targeting.narrow(app, ["b"], [push])[0] == []


def test_webhook_config_parses_and_names_mistakes() -> None:
    cfg = config.parse(
        MINIMAL_CONFIG + "webhooks:\n  debounce: 2\n  sources:\n    ghcr:\n      type: github\n"
        "      secret_env: GH_SECRET\n    distribution:\n      token_env: REG_TOKEN\n",
        "gitops-bot.yaml",
    )
    assert cfg.webhooks.debounce == 2
    assert cfg.webhooks.sources == (
        SourceSettings("ghcr", "github", secret_env="GH_SECRET"),
        SourceSettings("distribution", "distribution", token_env="REG_TOKEN"),
    )
    every = config.parse(
        MINIMAL_CONFIG + "webhooks:\n  sources:\n"
        "    harbor:\n      token_env: T\n    quay:\n      token_env: T\n"
        "    acr:\n      token_env: T\n      header: X-Acr-Token\n"
        "    ecr:\n      token_env: T\n      header: X-Api-Key\n    gar:\n      token_env: T\n"
        "    forgejo:\n      type: gitea\n      secret_env: S\n",
        "gitops-bot.yaml",
    )
    assert [(s.type, s.header) for s in every.webhooks.sources] == [
        ("harbor", None),
        ("quay", None),
        ("acr", "X-Acr-Token"),
        ("ecr", "X-Api-Key"),
        ("gar", None),
        ("gitea", None),
    ]
    for bad, fragment in [
        ("    ghcr:\n      type: github\n      token_env: T\n", "authenticated by secret_env"),
        ("    distribution:\n      secret_env: S\n", "authenticated by token_env"),
        ("    Bad/Name:\n      type: generic\n      token_env: T\n", "the name is the URL path"),
        ("    x:\n      type: gitlab\n      token_env: T\n", "type must be one of"),
        ("    generic:\n      token_env: 'not a name'\n", "must name an environment variable"),
        ("    gitea:\n      token_env: T\n", "authenticated by secret_env"),
        ("    ecr:\n      secret_env: S\n", "authenticated by token_env"),
        ("    ecr:\n      token_env: T\n      header: 'X Key'\n", "must be an HTTP header name"),
        ("    gh:\n      type: github\n      secret_env: S\n      header: X-Key\n", "give token_env"),
    ]:
        with pytest.raises(ConfigError, match=fragment):
            config.parse(MINIMAL_CONFIG + "webhooks:\n  sources:\n" + bad, "gitops-bot.yaml")
