"""Senders that prove themselves with a signed JWT bearer: Pub/Sub push's OIDC token (Google
Artifact Registry) and an EventBridge OAuth connection's access token (ECR), verified by one
verifier against the issuer's key set, served here by a loopback issuer with its own RSA keys.
Every refusal is a 401 with one log line that never holds the token; the key set is fetched
through the net layer, cached for its max-age, and fetched again for an unknown key at most
once a minute whatever a sender invents."""

from __future__ import annotations

import base64
import hashlib
import hmac
import io
import json
import threading
import time
from collections.abc import Iterator
from typing import Any

import pytest
from cryptography.hazmat.primitives import serialization

from gitops_bot.core.model import ImageRef
from gitops_bot.events.bearer import REFETCH_INTERVAL, BadToken, JwtVerifier, max_age
from gitops_bot.events.receiver import Receiver
from gitops_bot.events.settings import GOOGLE_ISSUER, JwtSettings, SourceSettings, WebhookSettings
from gitops_bot.events.trigger import Trigger
from testkit.jwks_issuer import JwksIssuer, rsa_key
from testkit.paths import TEST_DATA

DATA = TEST_DATA / "webhooks"
PUSHER = "pubsub-push@my-project.iam.gserviceaccount.com"
GAR_AUDIENCE = "https://gitops-bot.example.com/webhook/gar"
ECR_ISSUER = "https://auth.example.com/"
ECR_AUDIENCE = "https://gitops-bot.example.com/webhook/ecr"
IMAGES = [
    ImageRef.parse("us-east1-docker.pkg.dev/my-project/my-repo/hello-world"),
    ImageRef.parse("123456789012.dkr.ecr.us-west-2.amazonaws.com/my-repository-name"),
]


def gar_body(message_id: str = "2070443601311540") -> bytes:
    envelope = json.loads((DATA / "gar/pubsub-push-example.json").read_text())
    message = (DATA / "gar/gcr-insert-message.json").read_bytes()
    envelope["message"]["data"] = base64.b64encode(message).decode()
    envelope["message"]["messageId"] = envelope["message"]["message_id"] = message_id
    envelope["message"]["publishTime"] = envelope["message"]["publish_time"] = "2021-02-26T19:13:55.749Z"
    return json.dumps(envelope).encode()


def ecr_body() -> bytes:
    return (DATA / "ecr/image-push.json").read_bytes()


class Rig:
    def __init__(self, issuer: JwksIssuer, *, gar_token_env: str | None = None) -> None:
        self.issuer = issuer
        self.counted: list[tuple[str, str]] = []
        self.trigger = Trigger(0.01)
        self.receiver = Receiver(
            self.trigger,
            lambda s, o: self.counted.append((s, o)),
            environ={"GAR_TOKEN": "query-token-4"},
            wall=lambda: 1614366835.0,  # the payloads' own time: inside the replay window
        )
        gar = JwtSettings(GAR_AUDIENCE, GOOGLE_ISSUER, issuer.jwks_url, PUSHER)
        ecr = JwtSettings(ECR_AUDIENCE, ECR_ISSUER, issuer.jwks_url)
        sources = (
            SourceSettings("gar", "gar", token_env=gar_token_env, jwt=gar),
            SourceSettings("ecr", "ecr", jwt=ecr),
        )
        self.receiver.configure(WebhookSettings(sources=sources, replay_window=0), IMAGES)
        self.trigger.debounce = 0.01

    def post(self, path: str, body: bytes, token: str | None) -> tuple[int, str]:
        headers = {"Content-Length": str(len(body))}
        if token is not None:
            headers["Authorization"] = f"Bearer {token}"
        return self.receiver.handle(path, headers, io.BytesIO(body))

    def pushes(self) -> list[str]:
        return [str(p) for p in self.trigger.wait(time.monotonic() + 0.2, threading.Event()) or []]


@pytest.fixture
def issuer() -> Iterator[JwksIssuer]:
    with JwksIssuer() as issuer:
        yield issuer


def google(**claims: Any) -> dict[str, Any]:
    """The claims of a Pub/Sub push OIDC token, as Google documents them."""
    return {
        "aud": GAR_AUDIENCE,
        "azp": "113774264463038321964",
        "email": PUSHER,
        "email_verified": True,
        "iss": GOOGLE_ISSUER,
        "sub": "113774264463038321964",
        **claims,
    }


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def forged(header: dict[str, Any], claims: dict[str, Any], key: bytes = b"") -> str:
    """A token no issuer signed: ``alg: none`` (no signature) or HS256 keyed with ``key``."""
    now = int(time.time())
    signing = (
        _b64(json.dumps(header).encode())
        + "."
        + _b64(json.dumps({"iat": now, "exp": now + 600, **claims}).encode())
    )
    if header["alg"] == "none":
        return signing + "."
    return signing + "." + _b64(hmac.new(key, signing.encode(), hashlib.sha256).digest())


def test_a_pubsub_push_with_googles_oidc_token_is_taken_and_the_key_set_fetched_once(
    issuer: JwksIssuer,
) -> None:
    rig = Rig(issuer)
    for n in range(3):
        status, text = rig.post("/webhook/gar", gar_body(f"id-{n}"), issuer.token(google()))
        assert status == 202, text
    assert rig.pushes() == ["us-east1-docker.pkg.dev/my-project/my-repo/hello-world:1.1"]
    assert issuer.fetches == 1  # cached for the set's max-age
    # Google's ID tokens may carry the issuer without its scheme
    status, text = rig.post("/webhook/gar", gar_body("id-9"), issuer.token(google(iss="accounts.google.com")))
    assert status == 202, text


def _refusals(issuer: JwksIssuer) -> list[tuple[str, str, str]]:
    """(what, token, the reason the answer must give)"""
    public_pem = (
        issuer.keys["key-1"]
        .public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
    )
    return [
        ("wrong audience", issuer.token(google(aud="https://elsewhere.example.com")), "audience"),
        ("wrong issuer", issuer.token(google(iss="https://evil.example.com")), "issuer"),
        ("another service account", issuer.token(google(email="me@evil.iam.gserviceaccount.com")), "email"),
        ("unverified email", issuer.token(google(email_verified=False)), "not verified"),
        ("expired", issuer.token(google(), issued=time.time() - 7200, lifetime=3600), "expired"),
        ("issued in the future", issuer.token(google(), issued=time.time() + 600), "not valid yet"),
        ("not before later", issuer.token(google(nbf=int(time.time()) + 600)), "not valid yet"),
        ("no expiry", _no_exp(issuer), "'exp'"),
        ("exp a numeric string", _dated(issuer, exp=str(int(time.time()) + 600)), "NumericDate"),
        ("exp a boolean", _dated(issuer, exp=True), "NumericDate"),
        ("nbf a numeric string", _dated(issuer, nbf=str(int(time.time()) - 60)), "NumericDate"),
        ("iat a numeric string", _dated(issuer, iat=str(int(time.time()))), "NumericDate"),
        ("iat a boolean", _dated(issuer, iat=False), "NumericDate"),
        ("signed by another key", issuer.token(google(), key=rsa_key()), "signature"),
        ("alg none", forged({"alg": "none", "kid": "key-1"}, google()), "'none'"),
        (
            "HS256 keyed with the public key",
            forged({"alg": "HS256", "kid": "key-1"}, google(), public_pem),
            "HS256",
        ),
        ("unknown kid", issuer.token(google(), kid="key-404", key=rsa_key()), "does not publish"),
        ("opaque token", "ya29.a0AfH6SMBx-not-a-jwt", "not a JWT"),
    ]


def _no_exp(issuer: JwksIssuer) -> str:
    import jwt

    return jwt.encode(
        {"iat": int(time.time()), **google()},
        issuer.keys["key-1"],
        algorithm="RS256",
        headers={"kid": "key-1"},
    )


def _dated(issuer: JwksIssuer, **dates: Any) -> str:
    """A token signed by the issuer's own key whose date claims are ``dates`` as given."""
    import jwt

    now = int(time.time())
    return jwt.encode(
        {"iat": now, "exp": now + 600, **google(), **dates},
        issuer.keys["key-1"],
        algorithm="RS256",
        headers={"kid": "key-1"},
    )


def test_every_forged_or_misdirected_token_is_refused_with_one_line_that_never_holds_it(
    issuer: JwksIssuer, capsys: pytest.CaptureFixture[str]
) -> None:
    rig = Rig(issuer)
    for what, token, reason in _refusals(issuer):
        capsys.readouterr()
        status, text = rig.post("/webhook/gar", gar_body(), token)
        assert status == 401, (what, text)
        assert reason in text, (what, text)
        err = capsys.readouterr().err
        lines = [line for line in err.splitlines() if '"webhook"' in line or "webhook" in line]
        assert len(lines) == 1, (what, err)
        signature = token.rsplit(".", 1)[-1]
        assert token not in err and (not signature or signature not in err), what
    assert rig.counted and {o for _, o in rig.counted} == {"unauthorized"}
    assert rig.pushes() == []


def test_no_bearer_at_all_is_refused_before_any_key_set_is_fetched(issuer: JwksIssuer) -> None:
    rig = Rig(issuer)
    status, text = rig.post("/webhook/gar", gar_body(), None)
    assert (status, issuer.fetches) == (401, 0), text
    assert "Bearer" in text


def test_with_a_query_token_too_both_are_required_and_the_token_is_checked_first(issuer: JwksIssuer) -> None:
    rig = Rig(issuer, gar_token_env="GAR_TOKEN")
    good = issuer.token(google())
    assert rig.post("/webhook/gar", gar_body(), good)[0] == 401  # no ?token=
    assert rig.post("/webhook/gar?token=wrong", gar_body(), good)[0] == 401
    assert issuer.fetches == 0  # no key set fetch for a request without the shared token
    assert rig.post("/webhook/gar?token=query-token-4", gar_body(), None)[0] == 401  # no JWT
    status, text = rig.post("/webhook/gar?token=query-token-4", gar_body(), good)
    assert status == 202, text


def test_an_eventbridge_oauth_connections_access_token_is_verified_by_the_same_verifier(
    issuer: JwksIssuer,
) -> None:
    """EventBridge sends ``Authorization: Bearer`` with the token it obtained from the
    operator's authorization server (client credentials); a JWT one is verified as any other."""
    rig = Rig(issuer)
    claims = {"iss": ECR_ISSUER, "aud": ECR_AUDIENCE, "sub": "eventbridge-client", "scope": "webhook"}
    status, text = rig.post("/webhook/ecr", ecr_body(), issuer.token(claims))
    assert status == 202, text
    assert rig.pushes() == ["123456789012.dkr.ecr.us-west-2.amazonaws.com/my-repository-name:latest"]
    # a Google token for the gar source is not one for ecr
    assert rig.post("/webhook/ecr", ecr_body(), issuer.token(google()))[0] == 401
    status, text = rig.post("/webhook/ecr", ecr_body(), "2YotnFZFEjr1zCsicMWpAA")  # RFC 6749's opaque example
    assert status == 401 and "opaque" in text


def test_an_unknown_kid_refetches_at_most_once_a_minute_and_then_finds_a_rotated_key(
    issuer: JwksIssuer,
) -> None:
    now = [1000.0]
    verifier = JwtVerifier(clock=lambda: now[0])
    settings = JwtSettings(GAR_AUDIENCE, GOOGLE_ISSUER, issuer.jwks_url, PUSHER)
    verifier.verify(issuer.token(google()), settings)
    assert issuer.fetches == 1
    old = issuer.keys["key-1"]
    issuer.rotate("key-2")
    now[0] += REFETCH_INTERVAL
    # an attacker inventing kids: one refetch, then none within the interval
    for n in range(50):
        with pytest.raises(BadToken, match="does not publish"):
            verifier.verify(issuer.token(google(), kid=f"made-up-{n}", key=old), settings)
    assert issuer.fetches == 2
    # the refetch above already brought the rotated key: found without another fetch
    assert verifier.verify(issuer.token(google(), kid="key-2"), settings)["email"] == PUSHER
    issuer.rotate("key-3")
    with pytest.raises(BadToken, match="does not publish"):
        verifier.verify(issuer.token(google(), kid="key-3"), settings)
    assert issuer.fetches == 2
    now[0] += REFETCH_INTERVAL
    assert verifier.verify(issuer.token(google(), kid="key-3"), settings)["email"] == PUSHER
    assert issuer.fetches == 3


def test_the_key_set_is_kept_for_its_max_age_and_an_outage_keeps_the_known_keys(issuer: JwksIssuer) -> None:
    now = [0.0]
    verifier = JwtVerifier(clock=lambda: now[0])
    settings = JwtSettings(GAR_AUDIENCE, GOOGLE_ISSUER, issuer.jwks_url, PUSHER)
    issuer.max_age = 300
    verifier.verify(issuer.token(google()), settings)
    now[0] = 299
    verifier.verify(issuer.token(google()), settings)
    assert issuer.fetches == 1
    issuer.status, issuer.body = 500, b"oops"
    now[0] = 301
    verifier.verify(issuer.token(google()), settings)  # expired, the fetch fails: known keys serve
    assert issuer.fetches == 2
    assert (max_age(""), max_age("max-age=5"), max_age("public, max-age=22059, must-revalidate")) == (
        3600,
        60,
        22059,
    )


def test_an_unreachable_or_oversized_key_set_is_a_503_the_sender_retries(
    issuer: JwksIssuer, capsys: pytest.CaptureFixture[str]
) -> None:
    rig = Rig(issuer)
    issuer.body = b'{"keys": [' + b'{"kty": "RSA"},' * 40000 + b"{}]}"  # over the size cap
    token = issuer.token(google())
    status, text = rig.post("/webhook/gar", gar_body(), token)
    assert status == 503 and "could not be fetched" in text
    assert rig.post("/webhook/gar", gar_body(), token)[0] == 503
    assert issuer.fetches == 1  # not refetched for every request
    assert "answered more than 262144 bytes" in capsys.readouterr().err  # the one client's words


def test_a_symmetric_key_in_the_set_is_never_used(issuer: JwksIssuer) -> None:
    """A set that (wrongly) publishes an ``oct`` key under a kid must not let an HS256 token
    keyed with it through."""
    secret = b"published-secret"
    issuer.body = json.dumps(
        {"keys": [{"kty": "oct", "kid": "k", "k": _b64(secret)}, *issuer.jwks()["keys"]]}
    ).encode()
    verifier = JwtVerifier()
    settings = JwtSettings(GAR_AUDIENCE, GOOGLE_ISSUER, issuer.jwks_url, PUSHER)
    with pytest.raises(BadToken, match="HS256"):
        verifier.verify(forged({"alg": "HS256", "kid": "k"}, google(), secret), settings)
    with pytest.raises(BadToken, match="does not publish"):
        verifier.verify(issuer.token(google(), kid="k", key=rsa_key()), settings)
