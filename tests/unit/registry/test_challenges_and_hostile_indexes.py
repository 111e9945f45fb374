"""The registry client with several auth challenges at once (Bearer answered, the others kept
apart) and hostile answers (a malformed platform index, deeply nested JSON) costing only that
image a clean protocol error."""

from __future__ import annotations

import hashlib
import json

import httpx
import pytest

from gitops_bot.core.errors import RegistryAccessError, RegistryProtocolError
from gitops_bot.registry.client import INDEX_TYPES, RegistryClient, RetryPolicy
from gitops_bot.registry.credentials import RegistryCredential
from gitops_bot.registry.settings import RegistryConfig

FAST = RetryPolicy(attempts=2, initial_wait=0.01, max_wait=0.05)


@pytest.mark.parametrize(
    "challenges",
    [
        [
            'Bearer realm="https://auth.example/token",service="reg",scope="repository:acme/app:pull", Basic realm="b"'
        ],
        ['Bearer realm="https://auth.example/token",service="reg"', 'Basic realm="b"'],
        ['Basic realm="b", Bearer realm="https://auth.example/token",service="reg"'],
    ],
    ids=["one-header", "two-headers", "basic-first"],
)
def test_several_challenges_are_kept_apart_and_bearer_is_answered(challenges: list[str]) -> None:
    """A ``Basic realm`` beside a ``Bearer realm`` must not overwrite the Bearer's realm."""
    seen: list[httpx.Request] = []

    def registry(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        if request.url.host == "auth.example":
            return httpx.Response(200, json={"token": "tok-1"})
        if request.headers.get("authorization") == "Bearer tok-1":
            return httpx.Response(200, json={"tags": ["1.0.0"]})
        return httpx.Response(401, headers=[("WWW-Authenticate", c) for c in challenges])

    c = RegistryClient(
        RegistryConfig(host="ghcr.io"),
        RegistryCredential("test", "alice", "pw"),
        transport=httpx.MockTransport(registry),
        retry=FAST,
    )
    with c:
        assert c.list_tags("acme/app") == ["1.0.0"]
    token = seen[1]
    assert (token.url.host, token.url.params["service"]) == ("auth.example", "reg")
    assert token.url.params["scope"] == "repository:acme/app:pull"


def _index(body: object) -> httpx.MockTransport:
    data = json.dumps(body).encode()
    digest = "sha256:" + hashlib.sha256(data).hexdigest()
    headers = {"Content-Type": INDEX_TYPES[0], "Docker-Content-Digest": digest}
    return httpx.MockTransport(lambda _r: httpx.Response(200, content=data, headers=headers))


@pytest.mark.parametrize(
    ("index", "error"),
    [
        ({"schemaVersion": 2, "manifests": {"a": 1}}, "no 'manifests' list"),
        ({"schemaVersion": 2, "manifests": "x"}, "no 'manifests' list"),
        ({"schemaVersion": 2}, "no 'manifests' list"),
        ({"schemaVersion": 2, "manifests": [1, 2]}, "not an object"),
        ({"schemaVersion": 2, "manifests": [{"digest": "sha256:" + "a" * 64}]}, "has no linux/amd64 image"),
        ({"schemaVersion": 2, "manifests": [{"platform": "linux/amd64"}]}, "has no linux/amd64 image"),
        ({"schemaVersion": 2, "manifests": [{"platform": {"os": ["linux"]}}]}, "has no linux/amd64 image"),
    ],
    ids=["dict", "string", "missing", "not-objects", "no-platform", "platform-string", "os-list"],
)
def test_a_malformed_platform_index_is_that_images_clean_error(index: object, error: str) -> None:
    with RegistryClient(RegistryConfig(host="ghcr.io"), transport=_index(index), retry=FAST) as c:
        with pytest.raises((RegistryProtocolError, RegistryAccessError), match=error):
            c.resolve_digest("acme/app", "1.0.0", "linux/amd64")
        with pytest.raises((RegistryProtocolError, RegistryAccessError), match=error):
            c.get_metadata("acme/app", "1.0.0", "linux/amd64")


def test_deeply_nested_json_is_that_images_protocol_error_not_a_recursion_error() -> None:
    deep = b'{"tags": ' + b"[" * 50_000 + b"]" * 50_000 + b"}"
    mock = httpx.MockTransport(
        lambda _r: httpx.Response(200, content=deep, headers={"Content-Type": INDEX_TYPES[0]})
    )
    with RegistryClient(RegistryConfig(host="ghcr.io"), transport=mock, retry=FAST) as c:
        with pytest.raises(RegistryProtocolError, match="nested deeper"):
            c.list_tags("acme/app")
        with pytest.raises(RegistryProtocolError, match="nested deeper"):
            c.referrers("acme/app", "sha256:" + "a" * 64)
