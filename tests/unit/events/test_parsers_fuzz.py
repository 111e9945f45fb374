"""Every webhook parser against hostile input: arbitrary bytes, arbitrary JSON, and the
vendors' real payloads with any part replaced by arbitrary JSON. The only failure a parser
may raise is its own clean :class:`PayloadError`; the receiver answers 200, 202 or 400."""

from __future__ import annotations

import base64
import io
import json
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from gitops_bot.core.model import ImageRef
from gitops_bot.events.payloads import PARSERS, Delivery, PayloadError
from gitops_bot.events.receiver import Receiver
from gitops_bot.events.settings import SourceSettings, WebhookSettings
from gitops_bot.events.trigger import Trigger
from gitops_bot.events.verify import signature
from testkit.examples import examples
from testkit.paths import TEST_DATA

DATA = TEST_DATA / "webhooks"
HEADERS = {
    "x-github-event": "package",
    "x-github-delivery": "d",
    "x-gitea-event": "package",
    "x-gitea-delivery": "g",
}
SAMPLES = {
    "github": "github/package-published-1.json",
    "dockerhub": "dockerhub/push.json",
    "distribution": "distribution/push-envelope.json",
    "harbor": "harbor/push-artifact-default.json",
    "quay": "quay/repository-push.json",
    "acr": "acr/push.json",
    "ecr": "ecr/image-push.json",
    "gar": "gar/pubsub-push-example.json",
}
FUZZ = settings(max_examples=examples(60), deadline=None, suppress_health_check=[HealthCheck.too_slow])

json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**70), max_value=2**70)
    | st.floats(allow_nan=False)
    | st.text(max_size=40)
    | st.sampled_from(["push", "PUSH", "INSERT", "container", "sha256:" + "a" * 64, "a:b", "", "1.0"]),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=12), inner, max_size=5),
    max_leaves=25,
)


def parse_cleanly(kind: str, body: bytes) -> None:
    try:
        delivery = PARSERS[kind](body, HEADERS)
    except PayloadError as exc:
        assert str(exc)
        return
    assert isinstance(delivery, Delivery)
    for push in delivery.pushes:
        assert push.repository and push.tag


def _paths(doc: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    out = [prefix]
    if isinstance(doc, dict):
        for k, v in doc.items():
            out += _paths(v, (*prefix, k))
    elif isinstance(doc, list):
        for i, v in enumerate(doc):
            out += _paths(v, (*prefix, i))
    return out


def _replace(doc: Any, path: tuple[Any, ...], value: Any) -> Any:
    if not path:
        return value
    doc[path[0]] = _replace(doc[path[0]], path[1:], value)
    return doc


@FUZZ
@given(kind=st.sampled_from(sorted(PARSERS)), body=st.binary(max_size=300))
def test_arbitrary_bytes_are_parsed_or_cleanly_refused(kind: str, body: bytes) -> None:
    parse_cleanly(kind, body)


@FUZZ
@given(kind=st.sampled_from(sorted(PARSERS)), doc=json_values)
def test_arbitrary_json_is_parsed_or_cleanly_refused(kind: str, doc: Any) -> None:
    parse_cleanly(kind, json.dumps(doc).encode())


@FUZZ
@given(kind=st.sampled_from(sorted(SAMPLES)), data=st.data(), value=json_values)
def test_a_real_payload_with_any_part_replaced_is_parsed_or_cleanly_refused(
    kind: str, data: st.DataObject, value: Any
) -> None:
    doc = json.loads((DATA / SAMPLES[kind]).read_text())
    path = data.draw(st.sampled_from(_paths(doc)))
    parse_cleanly(kind, json.dumps(_replace(doc, path, value)).encode())


@FUZZ
@given(inner=json_values | st.binary(max_size=80))
def test_pubsub_message_data_of_any_content_is_parsed_or_cleanly_refused(inner: Any) -> None:
    raw = inner if isinstance(inner, bytes) else json.dumps(inner).encode()
    envelope = {"message": {"data": base64.b64encode(raw).decode(), "messageId": "1"}}
    parse_cleanly("gar", json.dumps(envelope).encode())


# distinctive values: the receiver registers them for redaction process-wide, and a common
# word would then be redacted from every later test's output in this worker
ENV = {"S": "fuzz-hmac-key-7c1d", "T": "fuzz-token-9e2a"}
SOURCES = tuple(
    SourceSettings(kind, kind, secret_env="S")
    if kind in ("github", "gitea", "generic")
    else SourceSettings(kind, kind, token_env="T")
    for kind in sorted(PARSERS)
)


@FUZZ
@given(kind=st.sampled_from(sorted(PARSERS)), doc=json_values, raw=st.booleans())
def test_the_receiver_answers_authenticated_garbage_with_200_202_or_400(
    kind: str, doc: Any, raw: bool
) -> None:
    receiver = Receiver(Trigger(1), lambda s, o: None, environ=ENV)
    receiver.configure(WebhookSettings(sources=SOURCES), [ImageRef.parse("ghcr.io/acme/app")])
    body = json.dumps(doc).encode() if not raw else json.dumps(doc).encode()[::-1]
    headers = {
        "Content-Length": str(len(body)),
        "Authorization": "Bearer fuzz-token-9e2a",
        "X-Hub-Signature-256": signature("fuzz-hmac-key-7c1d", body),
        "X-GitHub-Event": "package",
    }
    status, text = receiver.handle(f"/webhook/{kind}", headers, io.BytesIO(body))
    assert status in (200, 202, 400), text


header_values = st.text(max_size=60) | st.sampled_from(
    ["Bearer ", "Basic ", "Basic !!!", "Bearer fuzz-token-9e2a", "sha256="]
)


@FUZZ
@given(
    kind=st.sampled_from(sorted(PARSERS)),
    values=st.dictionaries(
        st.sampled_from(
            [
                "Authorization",
                "X-Hub-Signature-256",
                "X-Gitea-Signature",
                "X-GitHub-Event",
                "X-GitHub-Delivery",
                "X-Gitea-Event",
                "X-Delivery-Id",
            ]
        ),
        header_values,
    ),
    token=st.text(max_size=30),
)
def test_any_headers_get_a_clean_answer(kind: str, values: dict[str, str], token: str) -> None:
    receiver = Receiver(Trigger(1), lambda s, o: None, environ=ENV)
    receiver.configure(WebhookSettings(sources=SOURCES), [ImageRef.parse("ghcr.io/acme/app")])
    body = (DATA / SAMPLES.get(kind, "acr/push.json")).read_bytes()
    headers = {"Content-Length": str(len(body)), **values}
    status, text = receiver.handle(f"/webhook/{kind}?token={token}", headers, io.BytesIO(body))
    assert status in (200, 202, 400, 401), text
