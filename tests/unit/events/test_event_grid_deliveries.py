"""Azure Container Registry through an Event Grid subscription to a webhook: the validation
handshake (Event Grid schema: the code echoed as ``validationResponse``; CloudEvents: the
``OPTIONS`` abuse-protection handshake), then ``ImagePushed`` events in either schema, as
Microsoft documents them and as ACR was recorded sending them (``data`` as a JSON string).
Authenticated by the secret in the query string, and/or an Entra ID bearer JWT (the same
verifier as Pub/Sub's and EventBridge's)."""

from __future__ import annotations

import http.client
import io
import json
import threading
import time
from collections.abc import Iterator
from typing import Any

import pytest

from gitops_bot.core.model import ImageRef
from gitops_bot.events.receiver import Receiver
from gitops_bot.events.settings import JwtSettings, SourceSettings, WebhookSettings
from gitops_bot.events.trigger import Trigger
from gitops_bot.watch.http import Metrics, serve
from testkit.jwks_issuer import JwksIssuer
from testkit.paths import TEST_DATA

DATA = TEST_DATA / "webhooks" / "acr"
SECRET = "event-grid-secret-7"
TENANT_ISSUER = "https://sts.windows.net/72f988bf-86f1-41af-91ab-2d7cd011db47/"
APP = "api://gitops-bot-webhook"
IMAGES = [
    ImageRef.parse("demo.azurecr.io/aci-helloworld"),
    ImageRef.parse("matellcr.azurecr.io/alpine"),
    ImageRef.parse("matellcr.azurecr.io/ubuntu"),
    ImageRef.parse("myregistry.azurecr.io/hello-world"),
]
VALIDATION = {"aeg-event-type": "SubscriptionValidation"}
NOTIFICATION = {"aeg-event-type": "Notification"}
CLOUDEVENTS = {"Content-Type": "application/cloudevents+json; charset=utf-8"}


def raw(name: str) -> bytes:
    return (DATA / name).read_bytes()


class Rig:
    def __init__(self, jwt: JwtSettings | None = None, token_env: str | None = "EG") -> None:
        self.counted: list[tuple[str, str]] = []
        self.trigger = Trigger(0.01)
        self.now = 1524692387.0  # the documented events' own time
        self.receiver = Receiver(
            self.trigger,
            lambda s, o: self.counted.append((s, o)),
            environ={"EG": SECRET},
            wall=lambda: self.now,
        )
        sources = (
            SourceSettings("acr", "acr", token_env=token_env, jwt=jwt),
            SourceSettings("ci", "generic", token_env="EG"),
        )
        self.receiver.configure(WebhookSettings(sources=sources), IMAGES)
        self.trigger.debounce = 0.01

    def post(self, path: str, body: bytes, headers: dict[str, str] | None = None) -> tuple[int, str]:
        return self.receiver.handle(
            path, {"Content-Length": str(len(body)), **(headers or {})}, io.BytesIO(body)
        )

    def pushes(self) -> list[str]:
        return [str(p) for p in self.trigger.wait(time.monotonic() + 0.2, threading.Event()) or []]


@pytest.fixture
def rig() -> Rig:
    return Rig()


def test_the_subscription_validation_event_is_answered_with_its_code(rig: Rig) -> None:
    body = raw("eventgrid-subscription-validation.json")
    answer = rig.receiver.respond(
        "POST",
        f"/webhook/acr?token={SECRET}",
        {"Content-Length": str(len(body)), **VALIDATION},
        io.BytesIO(body),
    )
    assert (answer.status, answer.content_type) == (200, "application/json")
    assert json.loads(answer.text) == {"validationResponse": "512d38b6-c7b8-40c8-89fe-f46f9e9622b6"}
    assert rig.counted[-1] == ("acr", "validation")
    assert rig.pushes() == []


def test_a_validation_event_is_only_answered_to_an_authenticated_request_that_asks(rig: Rig) -> None:
    """Without the secret nobody can make the bot subscribe to their own Event Grid topic;
    a validation event not sent as one (no ``aeg-event-type: SubscriptionValidation``) is
    not echoed."""
    body = raw("eventgrid-subscription-validation.json")
    status, text = rig.post("/webhook/acr", body, VALIDATION)
    assert status == 401 and "512d38b6" not in text
    assert rig.post("/webhook/acr?token=wrong", body, VALIDATION)[0] == 401
    rig.now = 1516918339.0  # the event's own time
    status, text = rig.post(f"/webhook/acr?token={SECRET}", body, NOTIFICATION)
    assert status == 200 and text.startswith("ignored") and "512d38b6" not in text
    # only an acr source speaks Event Grid
    assert rig.post(f"/webhook/ci?token={SECRET}", body, VALIDATION)[0] == 400


@pytest.mark.parametrize(
    ("name", "headers", "now", "expected"),
    [
        (
            "eventgrid-image-pushed.json",
            NOTIFICATION,
            1524692387.0,
            "demo.azurecr.io/aci-helloworld:v1",
        ),
        (
            "eventgrid-cloudevents-image-pushed.json",
            CLOUDEVENTS,
            1524692387.0,
            "demo.azurecr.io/aci-helloworld:v1",
        ),
        (
            "eventgrid-image-pushed-data-string.json",
            NOTIFICATION,
            1594254578.0,
            "matellcr.azurecr.io/ubuntu:18.04",
        ),
        (
            "cloudevent-image-pushed-data-string.json",
            CLOUDEVENTS,
            1594413031.0,
            "matellcr.azurecr.io/alpine:latest",
        ),
    ],
)
def test_image_pushed_in_either_schema_is_a_push(
    rig: Rig, name: str, headers: dict[str, str], now: float, expected: str
) -> None:
    rig.now = now
    status, text = rig.post(f"/webhook/acr?token={SECRET}", raw(name), headers)
    assert status == 202, text
    pushes = rig.trigger.wait(time.monotonic() + 0.2, threading.Event()) or []
    assert [str(p) for p in pushes] == [expected]
    assert pushes[0].digest is not None and pushes[0].digest.startswith("sha256:")
    # Event Grid retries until it sees a 2xx: the same event ids again are a replay
    assert rig.post(f"/webhook/acr?token={SECRET}", raw(name), headers)[1].startswith("replayed")


def test_deletes_other_services_and_a_bad_event_beside_a_good_one_are_still_2xx(rig: Rig) -> None:
    pushed = json.loads(raw("eventgrid-image-pushed.json"))[0]
    deleted = json.loads(json.dumps(pushed))
    deleted.update(id="f06e3921", eventType="Microsoft.ContainerRegistry.ImageDeleted")
    deleted["data"]["action"] = "delete"
    storage = {"id": "s1", "eventType": "Microsoft.Storage.BlobCreated", "data": {"api": "PutBlob"}}
    broken = {"id": "b1", "eventType": "Microsoft.ContainerRegistry.ImagePushed", "data": "{not json"}
    body = json.dumps([deleted, storage]).encode()
    status, text = rig.post(f"/webhook/acr?token={SECRET}", body, NOTIFICATION)
    assert status == 200 and text.startswith("ignored"), text
    body = json.dumps([pushed, broken, "not an event"]).encode()
    assert rig.post(f"/webhook/acr?token={SECRET}", body, NOTIFICATION)[0] == 202
    assert rig.pushes() == ["demo.azurecr.io/aci-helloworld:v1"]
    assert rig.post(f"/webhook/acr?token={SECRET}", b"[]", NOTIFICATION)[0] == 400


def test_the_registry_webhook_body_still_works_on_the_same_source(rig: Rig) -> None:
    body = raw("push.json")
    rig.now = json_time(body)
    status, text = rig.post(f"/webhook/acr?token={SECRET}", body)
    assert status == 202, text


def json_time(body: bytes) -> float:
    from datetime import datetime

    stamp = json.loads(body)["timestamp"][:26] + "+00:00"
    return datetime.fromisoformat(stamp).timestamp()


@pytest.fixture
def issuer() -> Iterator[JwksIssuer]:
    with JwksIssuer() as issuer:
        yield issuer


def entra(**claims: Any) -> dict[str, Any]:
    """An Entra ID (v1) access token's claims as Event Grid's delivery identity gets them."""
    return {
        "aud": APP,
        "iss": TENANT_ISSUER,
        "appid": "4962773b-9cdb-44cf-a8bf-237846a00ab7",  # Event Grid's first-party app
        "tid": "72f988bf-86f1-41af-91ab-2d7cd011db47",
        **claims,
    }


def test_an_entra_id_bearer_is_verified_by_the_same_jwt_verifier(issuer: JwksIssuer) -> None:
    rig = Rig(JwtSettings(APP, TENANT_ISSUER, issuer.jwks_url), token_env=None)
    body = raw("eventgrid-image-pushed.json")
    token = issuer.token(entra())
    status, text = rig.post("/webhook/acr", body, {**NOTIFICATION, "Authorization": f"Bearer {token}"})
    assert status == 202, text
    other = issuer.token(entra(aud="api://another-app"))
    assert rig.post("/webhook/acr", body, {**NOTIFICATION, "Authorization": f"Bearer {other}"})[0] == 401
    assert rig.post("/webhook/acr", body, NOTIFICATION)[0] == 401
    assert rig.post(f"/webhook/acr?token={SECRET}", body, NOTIFICATION)[0] == 401  # not configured here


class Listener:
    def __init__(self, rig: Rig) -> None:
        self.server = serve(
            "127.0.0.1", 0, receiver=rig.receiver, readiness=lambda: (True, "ready"), metrics=Metrics()
        )
        self.port = self.server.server_address[1]

    def request(
        self, method: str, path: str, headers: dict[str, str], body: bytes | None = None
    ) -> http.client.HTTPResponse:
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
        conn.request(method, path, body=body, headers=headers)
        response = conn.getresponse()
        response.read()
        conn.close()
        return response

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def listener(rig: Rig) -> Iterator[Listener]:
    server = Listener(rig)
    yield server
    server.close()


def test_the_cloudevents_options_handshake_through_the_listener(rig: Rig, listener: Listener) -> None:
    origin = {"WebHook-Request-Origin": "eventgrid.azure.net", "WebHook-Request-Rate": "120"}
    response = listener.request("OPTIONS", f"/webhook/acr?token={SECRET}", origin)
    assert response.status == 200
    assert response.getheader("WebHook-Allowed-Origin") == "eventgrid.azure.net"
    assert response.getheader("WebHook-Allowed-Rate") == "*"
    assert "POST" in (response.getheader("Allow") or "")
    assert rig.counted[-1] == ("acr", "handshake")
    # no origin, a header-splitting origin, a source that is not Event Grid, an unknown one
    assert listener.request("OPTIONS", "/webhook/acr", {}).status == 400
    assert listener.request("OPTIONS", "/webhook/acr", {"WebHook-Request-Origin": "a\tb"}).status == 400
    assert listener.request("OPTIONS", "/webhook/ci", origin).status == 405
    assert listener.request("OPTIONS", "/webhook/nope", origin).status == 404


def test_the_validation_answer_through_the_listener_is_json(rig: Rig, listener: Listener) -> None:
    body = raw("eventgrid-subscription-validation.json")
    headers = {"Content-Type": "application/json", "Content-Length": str(len(body)), **VALIDATION}
    conn = http.client.HTTPConnection("127.0.0.1", listener.port, timeout=30)
    conn.request("POST", f"/webhook/acr?token={SECRET}", body=body, headers=headers)
    response = conn.getresponse()
    data = response.read()
    conn.close()
    assert (response.status, response.getheader("Content-Type")) == (200, "application/json")
    assert json.loads(data) == {"validationResponse": "512d38b6-c7b8-40c8-89fe-f46f9e9622b6"}
