"""Registry webhooks as the registries send them: each sender's documented payload (stored
unchanged under tests/data/webhooks/, sources in its README) through the receiver with the
sender's own authentication, the answers a sender understands, and replay refusal."""

from __future__ import annotations

import base64
import copy
import hashlib
import hmac
import io
import json
import threading
import time
from typing import Any

import jsonschema
import pytest

from gitops_bot.core.model import DOCKER_HUB, ImageRef
from gitops_bot.events.payloads import Push
from gitops_bot.events.receiver import Receiver
from gitops_bot.events.settings import SourceSettings, WebhookSettings
from gitops_bot.events.trigger import Trigger
from gitops_bot.events.verify import MAX_REMEMBERED, ReplayWindow, signature
from testkit.paths import TEST_DATA

DATA = TEST_DATA / "webhooks"
ENV = {
    "GH": "gh-secret-1",
    "GITEA": "gitea-secret-2",
    "TOKEN": "shared-token-3",
}
SOURCES = (
    SourceSettings("ghcr", "github", secret_env="GH"),
    SourceSettings("gitea", "gitea", secret_env="GITEA"),
    SourceSettings("registry", "distribution", token_env="TOKEN"),
    SourceSettings("hub", "dockerhub", token_env="TOKEN"),
    SourceSettings("harbor", "harbor", token_env="TOKEN"),
    SourceSettings("quay", "quay", token_env="TOKEN"),
    SourceSettings("acr", "acr", token_env="TOKEN", header="X-Acr-Token"),
    SourceSettings("ecr", "ecr", token_env="TOKEN", header="X-Api-Key"),
    SourceSettings("gar", "gar", token_env="TOKEN"),
)
IMAGES = [
    ImageRef.parse(r)
    for r in (
        "ghcr.io/codertocat/hello-world",
        "gitea.example.com/acme/app",
        "registrycluster.local/library/test",
        "svendowideit/testhook",
        "hub.harbor.com/test-webhook/debian",
        "harbor.dev/library/busybox",
        "quay.io/dgangaia/test",
        "quay.io/devtable/ubuntu",
        "myregistry.azurecr.io/hello-world",
        "123456789012.dkr.ecr.us-west-2.amazonaws.com/my-repository-name",
        "us-east1-docker.pkg.dev/my-project/my-repo/hello-world",
        "192.168.100.227:5000/hello-world",
    )
]
BEARER = {"Authorization": f"Bearer {ENV['TOKEN']}"}


def load(name: str) -> Any:
    return json.loads((DATA / name).read_text())


def raw(name: str) -> bytes:
    return (DATA / name).read_bytes()


class Rig:
    """The receiver with the clock a sender's timestamp is compared with set by the test."""

    def __init__(self, window: float = 600) -> None:
        self.now = time.time()
        self.counted: list[tuple[str, str]] = []
        self.trigger = Trigger(0.01)
        self.receiver = Receiver(
            self.trigger, lambda s, o: self.counted.append((s, o)), environ=ENV, wall=lambda: self.now
        )
        self.receiver.configure(WebhookSettings(sources=SOURCES, replay_window=window), IMAGES)
        self.trigger.debounce = 0.01

    def post(self, path: str, body: Any, headers: dict[str, str] | None = None) -> tuple[int, str]:
        data = body if isinstance(body, bytes) else json.dumps(body).encode()
        hdrs = {"Content-Length": str(len(data)), **(headers or {})}
        return self.receiver.handle(path, hdrs, io.BytesIO(data))

    def pending(self) -> list[Push]:
        return self.trigger.wait(time.monotonic() + 0.2, threading.Event()) or []


@pytest.fixture
def rig() -> Rig:
    return Rig()


def github_headers(body: bytes, delivery: str, event: str = "package") -> dict[str, str]:
    return {
        "X-GitHub-Event": event,
        "X-GitHub-Delivery": delivery,
        "X-Hub-Signature-256": signature(ENV["GH"], body),
    }


def gar_push(message: bytes, message_id: str = "2070443601311540") -> dict[str, Any]:
    envelope = load("gar/pubsub-push-example.json")
    envelope["message"]["data"] = base64.b64encode(message).decode()
    envelope["message"]["messageId"] = envelope["message"]["message_id"] = message_id
    return envelope


# (source path, stored payload, headers, the clock the payload was sent at, expected push or None)
DOCUMENTED = [
    (
        "/webhook/hub/shared-token-3",
        "dockerhub/push.json",
        {},
        1417566161,
        Push(DOCKER_HUB, "svendowideit/testhook", "latest"),
    ),
    ("/webhook/registry", "distribution/pull.json", BEARER, 1457563466, None),
    ("/webhook/registry", "distribution/push-envelope.json", BEARER, 1136214245, None),
    (
        "/webhook/harbor",
        "harbor/push-artifact-default.json",
        {"Authorization": ENV["TOKEN"]},
        1586922308,
        Push(
            "hub.harbor.com",
            "test-webhook/debian",
            "latest",
            "sha256:8a9e9863dbb6e10edb5adfe917c00da84e1700fa76e7ed02476aa6e6fb8ee0d8",
        ),
    ),
    ("/webhook/harbor", "harbor/cloudevents-pulled.json", {"Authorization": ENV["TOKEN"]}, 1678082923, None),
    (
        "/webhook/quay/shared-token-3",
        "quay/repository-push.json",
        {},
        None,
        Push("quay.io", "dgangaia/test", "latest"),
    ),
    (
        "/webhook/quay?token=shared-token-3",
        "quay/repository-push-2013.json",
        {},
        None,
        Push("quay.io", "devtable/ubuntu", "latest"),
    ),
    (
        "/webhook/acr",
        "acr/push.json",
        {"X-Acr-Token": ENV["TOKEN"]},
        1510937521,
        Push(
            "myregistry.azurecr.io",
            "hello-world",
            "v1",
            "sha256:80f0d5c8786bb9e621a45ece0db56d11cdc624ad20da9fe62e9d25490f331d7d",
        ),
    ),
    ("/webhook/acr", "acr/delete.json", {"X-Acr-Token": ENV["TOKEN"]}, 1510937693, None),
    (
        "/webhook/ecr",
        "ecr/image-push.json",
        {"X-Api-Key": ENV["TOKEN"]},
        1573869274,
        # the documented digest is shorter than a sha256: an optional field, dropped
        Push("123456789012.dkr.ecr.us-west-2.amazonaws.com", "my-repository-name", "latest"),
    ),
    ("/webhook/gar?token=shared-token-3", "gar/pubsub-push-example.json", {}, 1614366835, None),
]


@pytest.mark.parametrize("path, name, headers, sent_at, push", DOCUMENTED, ids=[d[1] for d in DOCUMENTED])
def test_each_senders_documented_payload_gets_the_answer_the_sender_expects(
    rig: Rig, path: str, name: str, headers: dict[str, str], sent_at: int | None, push: Push | None
) -> None:
    """A push of a configured image is taken (202); a pull, a delete, a push by digest or a
    message that is no registry event is acknowledged (200) so the sender stops retrying."""
    if sent_at is not None:
        rig.now = sent_at + 5
    status, text = rig.post(path, raw(name), headers)
    if push is None:
        assert status == 200 and text.startswith("ignored"), text
        assert rig.pending() == []
    else:
        assert status == 202, text
        assert rig.pending() == [push]


def test_a_harbor_cloudevents_push_is_taken_and_its_id_refuses_a_replay(rig: Rig) -> None:
    event = load("harbor/cloudevents-pulled.json")
    event["type"] = "harbor.artifact.pushed"
    event["data"]["resources"][0]["tag"] = "v1.0"
    rig.now = 1678082923
    auth = {"Authorization": ENV["TOKEN"]}
    assert rig.post("/webhook/harbor", event, auth)[0] == 202
    assert [str(p) for p in rig.pending()] == ["harbor.dev/library/busybox:v1.0"]
    assert rig.post("/webhook/harbor", event, auth)[:1] == (200,)
    assert rig.counted[-1] == ("harbor", "replayed")


def test_google_artifact_registry_through_pubsub_push(rig: Rig) -> None:
    """The documented gcr message (its digest truncated, an optional field) inside the documented
    Pub/Sub push envelope; the same messageId again is a replay; a DELETE is acknowledged."""
    message = raw("gar/gcr-insert-message.json")
    rig.now = 1614366835
    assert rig.post("/webhook/gar?token=shared-token-3", gar_push(message))[0] == 202
    assert rig.pending() == [Push("us-east1-docker.pkg.dev", "my-project/my-repo/hello-world", "1.1")]
    assert rig.post("/webhook/gar?token=shared-token-3", gar_push(message))[1].startswith("replayed")
    delete = json.dumps({**json.loads(message), "action": "DELETE"}).encode()
    assert rig.post("/webhook/gar?token=shared-token-3", gar_push(delete, "2"))[0] == 200
    assert rig.post("/webhook/gar?token=wrong", gar_push(message, "3"))[0] == 401
    assert rig.pending() == []


def test_github_example_with_an_uppercase_owner_and_an_invalid_digest_is_not_a_400(rig: Rig) -> None:
    """GitHub's example container event: owner ``Codertocat``, an untagged version and a
    ``tag.digest`` that is no digest. Untagged: acknowledged. Tagged: taken, under the
    lowercase name GHCR serves, with the version's valid digest."""
    body = raw("github/package-published-1.json")
    assert rig.post("/webhook/ghcr", body, github_headers(body, "d-1"))[0] == 200
    tagged = load("github/package-published-1.json")
    tagged["package"]["package_version"]["container_metadata"]["tag"]["name"] = "1.0"
    tagged["package"]["package_version"]["package_url"] = "ghcr.io/Codertocat/hello-world:1.0"
    data = json.dumps(tagged).encode()
    status, text = rig.post("/webhook/ghcr", data, github_headers(data, "d-2"))
    assert status == 202, text
    version = tagged["package"]["package_version"]["version"]
    assert rig.pending() == [Push("ghcr.io", "codertocat/hello-world", "1.0", version)]


def _github_schema(name: str) -> dict[str, Any]:
    doc = load("github/openapi-webhooks-package-schemas.json")
    return {"$ref": f"#/components/schemas/{name}", "components": doc["components"]}


def test_the_github_payloads_we_accept_are_valid_against_githubs_webhook_schema() -> None:
    """The stored examples and the tagged variant the receiver takes are what GitHub's
    published webhook description says a ``package`` event is."""
    schema = _github_schema("webhook-package-published")
    for i in range(3):
        jsonschema.validate(load(f"github/package-published-{i}.json"), schema)
    tagged = load("github/package-published-1.json")
    tagged["package"]["package_version"]["container_metadata"]["tag"]["name"] = "1.0"
    jsonschema.validate(tagged, schema)
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate({"action": "published"}, schema)


def test_github_replays_by_delivery_id_and_by_body_under_a_new_id(rig: Rig) -> None:
    tagged = load("github/package-published-1.json")
    tagged["package"]["package_version"]["container_metadata"]["tag"]["name"] = "1.0"
    body = json.dumps(tagged).encode()
    assert rig.post("/webhook/ghcr", body, github_headers(body, "id-1"))[0] == 202
    # GitHub's own "redeliver" keeps the delivery id
    assert rig.post("/webhook/ghcr", body, github_headers(body, "id-1"))[1].startswith("replayed")
    # an attacker who captured the signed body sends it with a fresh id: the signature still
    # matches (it covers the body only), the body digest does not pass
    assert rig.post("/webhook/ghcr", body, github_headers(body, "id-attacker"))[1].startswith("replayed")
    assert len(rig.pending()) == 1
    other = json.dumps({**tagged, "action": "updated"}).encode()
    assert rig.post("/webhook/ghcr", other, github_headers(other, "id-2"))[0] == 202


def test_a_delivery_older_than_the_window_is_not_acted_on() -> None:
    rig = Rig(window=300)
    event = load("ecr/image-push.json")
    rig.now = 1573869274 + 301
    status, text = rig.post("/webhook/ecr", event, {"X-Api-Key": ENV["TOKEN"]})
    assert status == 200 and text.startswith("stale"), text
    assert rig.pending() == []
    # a sender's clock ahead by more than the window is refused the same way
    rig.now = 1573869274 - 301
    event["id"] = "another"
    assert rig.post("/webhook/ecr", event, {"X-Api-Key": ENV["TOKEN"]})[1].startswith("stale")
    rig.now = 1573869274 + 10
    event["id"] = "fresh"
    assert rig.post("/webhook/ecr", event, {"X-Api-Key": ENV["TOKEN"]})[0] == 202
    # replay_window: 0 turns the time check off with the rest of replay protection
    off = Rig(window=0)
    assert off.post("/webhook/ecr", event, {"X-Api-Key": ENV["TOKEN"]})[0] == 202


def test_eventbridge_connections_api_key_and_basic_auth(rig: Rig) -> None:
    event = load("ecr/image-push.json")
    rig.now = 1573869274
    basic = base64.b64encode(f"eventbridge:{ENV['TOKEN']}".encode()).decode()
    assert rig.post("/webhook/ecr", event, {"Authorization": f"Basic {basic}"})[0] == 202
    event["id"] = "2"
    wrong = base64.b64encode(b"eventbridge:nope").decode()
    assert rig.post("/webhook/ecr", event, {"Authorization": f"Basic {wrong}"})[0] == 401
    assert rig.post("/webhook/ecr", event, {"X-Api-Key": "nope"})[0] == 401
    assert rig.post("/webhook/ecr", event)[0] == 401
    pull = {**event, "id": "3", "detail": {**event["detail"], "action-type": "DELETE"}}
    assert rig.post("/webhook/ecr", pull, {"X-Api-Key": ENV["TOKEN"]})[0] == 200


def test_distribution_envelope_keeps_its_good_events_beside_a_malformed_one(
    rig: Rig, capsys: pytest.CaptureFixture[str]
) -> None:
    """One bad event must not make the registry resend the envelope forever; the host is
    compared case-insensitively (a registry reports the Host header as the client sent it)."""
    envelope = load("distribution/push-envelope.json")
    good = copy.deepcopy(envelope["events"][0])
    good["target"]["tag"] = "1.0"
    good["request"]["host"] = "RegistryCluster.LOCAL"
    bad = copy.deepcopy(good)
    bad["id"] = "bad-one"
    bad["target"]["tag"] = "../../etc"
    envelope["events"] = [good, bad, *envelope["events"][1:], "not an event"]
    rig.now = 1136214245
    status, text = rig.post("/webhook/registry", envelope, BEARER)
    assert status == 202, text
    assert [str(p) for p in rig.pending()] == ["registrycluster.local/library/test:1.0"]
    err = capsys.readouterr().err
    assert "malformed_event" in err and "../../etc" in err


def test_a_body_that_is_no_event_at_all_is_400_and_a_wrong_token_401(rig: Rig) -> None:
    for path, headers in (
        ("/webhook/harbor", {"Authorization": ENV["TOKEN"]}),
        ("/webhook/quay/shared-token-3", {}),
        ("/webhook/acr", {"X-Acr-Token": ENV["TOKEN"]}),
        ("/webhook/ecr", {"X-Api-Key": ENV["TOKEN"]}),
        ("/webhook/gar?token=shared-token-3", {}),
    ):
        assert rig.post(path, {"hello": "world"}, headers)[0] == 400, path
        assert rig.post(path, b"\xff\xfe", headers)[0] == 400, path
    assert (
        rig.post("/webhook/harbor", raw("harbor/push-artifact-default.json"), {"Authorization": "x"})[0]
        == 401
    )
    assert rig.post("/webhook/quay/wrong", raw("quay/repository-push.json"))[0] == 401
    assert rig.post("/webhook/acr", raw("acr/push.json"))[0] == 401


def gitea_package(action: str = "created", version: str = "1.2.0") -> dict[str, Any]:
    """Gitea's ``PackagePayload`` (modules/structs/hook.go, package.go): no example is
    published, so this follows the struct's JSON field names."""
    return {
        "action": action,
        "repository": None,
        "package": {
            "id": 7,
            "owner": {"id": 1, "login": "Acme", "username": "Acme"},
            "repository": None,
            "creator": {"id": 1, "login": "Acme"},
            "type": "container",
            "name": "app",
            "version": version,
            "html_url": "https://gitea.example.com/Acme/-/packages/container/app/1.2.0",
            "created_at": "2024-05-01T10:00:00Z",
        },
        "sender": {"id": 1, "login": "Acme"},
    }


def test_gitea_and_forgejo_package_events_are_hmac_signed(rig: Rig) -> None:
    rig.now = 1714557600
    body = json.dumps(gitea_package()).encode()
    hexsig = hmac.new(ENV["GITEA"].encode(), body, hashlib.sha256).hexdigest()
    headers = {"X-Gitea-Event": "package", "X-Gitea-Delivery": "u-1", "X-Gitea-Signature": hexsig}
    assert rig.post("/webhook/gitea", body, headers)[0] == 202
    assert rig.pending() == [Push("gitea.example.com", "acme/app", "1.2.0")]
    forgejo = {"X-Forgejo-Event": "package", "X-Forgejo-Delivery": "u-2", "X-Forgejo-Signature": hexsig}
    assert rig.post("/webhook/gitea", body, forgejo)[1].startswith("replayed")  # same signed body
    assert rig.post("/webhook/gitea", body, {**headers, "X-Gitea-Signature": "0" * 64})[0] == 401
    deleted = json.dumps(gitea_package("deleted")).encode()
    sig = hmac.new(ENV["GITEA"].encode(), deleted, hashlib.sha256).hexdigest()
    del_headers = {**headers, "X-Gitea-Delivery": "u-3", "X-Gitea-Signature": sig}
    assert rig.post("/webhook/gitea", deleted, del_headers)[0] == 200


def test_the_replay_memory_is_bounded() -> None:
    window = ReplayWindow(3600, clock=lambda: 0.0)
    for i in range(MAX_REMEMBERED + 500):
        window.seen(f"id-{i}", f"body-{i}")
    assert len(window) <= MAX_REMEMBERED
    assert window.seen(f"id-{MAX_REMEMBERED + 499}")


def test_a_registry_package_event_from_an_uppercase_owner_is_taken(rig: Rig) -> None:
    """GitHub sends the same package under the ``registry_package`` key for that event; the
    variant is valid against GitHub's ``registry_package`` schema and is taken, lowercased."""
    event = load("github/package-published-1.json")
    event["registry_package"] = event.pop("package")
    event["registry_package"]["package_version"]["container_metadata"]["tag"]["name"] = "2.0"
    jsonschema.validate(event, _github_schema("webhook-registry-package-published"))
    body = json.dumps(event).encode()
    status, text = rig.post("/webhook/ghcr", body, github_headers(body, "r-1", "registry_package"))
    assert status == 202, text
    assert [str(p) for p in rig.pending()] == ["ghcr.io/codertocat/hello-world:2.0"]
