"""Faults and GHCR's shapes, injected with httpx.MockTransport (docker-registry 2.8 does not
paginate tags/list, so pagination is replayed here)."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable

import httpx
import pytest

from gitops_bot.config import RegistryConfig
from gitops_bot.core.errors import RegistryAccessError, RegistryProtocolError, RegistryUnavailable
from gitops_bot.registry.client import ACCEPT, MANIFEST_TYPES, RegistryClient, RetryPolicy

Handler = Callable[[httpx.Request], httpx.Response]


class Script:
    """Answers requests from a list of (method, path, response) in order; anything else fails."""

    def __init__(self, *steps: tuple[str, str, httpx.Response | Exception]) -> None:
        self.steps = list(steps)
        self.seen: list[httpx.Request] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.seen.append(request)
        assert self.steps, f"unexpected request {request.method} {request.url}"
        method, path, answer = self.steps.pop(0)
        got = request.url.raw_path.decode()
        assert (request.method, got) == (method, path), (
            f"expected {method} {path}, got {request.method} {got}"
        )
        if isinstance(answer, Exception):
            raise answer
        return answer


def make(script: Script, attempts: int = 3) -> tuple[RegistryClient, list[float]]:
    sleeps: list[float] = []
    client = RegistryClient(
        RegistryConfig(host="ghcr.io"),
        transport=httpx.MockTransport(script),
        retry=RetryPolicy(attempts=attempts, initial_wait=0.5, max_wait=10),
        sleep=sleeps.append,
    )
    return client, sleeps


def tags_page(tags: list[str], next_last: str | None = None, repo: str = "acme/app") -> httpx.Response:
    headers = {}
    if next_last:
        headers["Link"] = f'</v2/{repo}/tags/list?last={next_last}&n=1000>; rel="next"'
    return httpx.Response(200, json={"name": repo, "tags": tags}, headers=headers)


def test_ghcr_oldest_first_tags_are_all_read() -> None:
    page1 = [f"0.{i}.0" for i in range(1000)]
    script = Script(
        ("GET", "/v2/acme/app/tags/list?n=1000", tags_page(page1, "0.999.0")),
        ("GET", "/v2/acme/app/tags/list?last=0.999.0&n=1000", tags_page(["1.0.0", "1.1.0"], "1.1.0")),
        ("GET", "/v2/acme/app/tags/list?last=1.1.0&n=1000", tags_page(["2.0.0"])),
    )
    client, _ = make(script)
    tags = client.list_tags("acme/app")
    assert len(tags) == 1003 and tags[-1] == "2.0.0"
    assert not script.steps


def test_pagination_loop_is_detected() -> None:
    script = Script(
        ("GET", "/v2/acme/app/tags/list?n=1000", tags_page(["a"], "a")),
        ("GET", "/v2/acme/app/tags/list?last=a&n=1000", tags_page(["b"], "a")),
    )
    client, _ = make(script)
    with pytest.raises(RegistryProtocolError, match="pagination loops"):
        client.list_tags("acme/app")


def test_429_honours_retry_after_within_bound() -> None:
    script = Script(
        ("GET", "/v2/acme/app/tags/list?n=1000", httpx.Response(429, headers={"Retry-After": "3"})),
        ("GET", "/v2/acme/app/tags/list?n=1000", httpx.Response(429, headers={"Retry-After": "3600"})),
        ("GET", "/v2/acme/app/tags/list?n=1000", tags_page(["1.0.0"])),
    )
    client, sleeps = make(script)
    assert client.list_tags("acme/app") == ["1.0.0"]
    assert sleeps == [3.0, 10.0]  # the hour-long Retry-After is capped at max_wait
    assert client.stats.by_status == {"429": 2, "200": 1}


def test_503_then_success_backs_off_exponentially() -> None:
    script = Script(
        ("GET", "/v2/acme/app/tags/list?n=1000", httpx.Response(503)),
        ("GET", "/v2/acme/app/tags/list?n=1000", httpx.Response(502)),
        ("GET", "/v2/acme/app/tags/list?n=1000", tags_page(["1.0.0"])),
    )
    client, sleeps = make(script)
    assert client.list_tags("acme/app") == ["1.0.0"]
    assert sleeps == [0.5, 1.0]


def test_registry_that_stays_down_is_unavailable() -> None:
    script = Script(*[("GET", "/v2/acme/app/tags/list?n=1000", httpx.Response(503))] * 3)
    client, _ = make(script)
    with pytest.raises(RegistryUnavailable) as info:
        client.list_tags("acme/app")
    assert str(info.value) == (
        "registry ghcr.io unavailable: HTTP 503 (after 3 attempts); "
        "check that the registry is up and reachable, then run again"
    )


@pytest.mark.parametrize("status", [408, 425])
def test_registry_retries_what_every_outbound_call_retries(status: int) -> None:
    """408 (the server gave up waiting) and 425 (too early) are worth asking again for a
    registry as for a forge or Argo CD: one retry rule for every outbound call."""
    script = Script(
        ("GET", "/v2/acme/app/tags/list?n=1000", httpx.Response(status)),
        ("GET", "/v2/acme/app/tags/list?n=1000", tags_page(["1.0.0"])),
    )
    client, sleeps = make(script)
    assert client.list_tags("acme/app") == ["1.0.0"]
    assert sleeps == [0.5]
    assert client.stats.by_status == {str(status): 1, "200": 1}


def test_timeouts_are_retried_then_unavailable() -> None:
    script = Script(*[("GET", "/v2/acme/app/manifests/1.0.0", httpx.ReadTimeout("slow"))] * 2)
    client, _ = make(script, attempts=2)
    with pytest.raises(RegistryUnavailable, match="timed out"):
        client.resolve_digest("acme/app", "1.0.0")
    assert client.stats.by_status == {"timeout": 2}


def test_truncated_json_is_a_protocol_error() -> None:
    script = Script(
        (
            "GET",
            "/v2/acme/app/tags/list?n=1000",
            httpx.Response(200, content=b'{"name": "acme/app", "tags": ["1.0'),
        )
    )
    client, _ = make(script)
    with pytest.raises(RegistryProtocolError, match="not valid JSON"):
        client.list_tags("acme/app")


def test_missing_tags_array_is_a_protocol_error() -> None:
    script = Script(("GET", "/v2/acme/app/tags/list?n=1000", httpx.Response(200, json={"errors": []})))
    client, _ = make(script)
    with pytest.raises(RegistryProtocolError, match="no 'tags' array"):
        client.list_tags("acme/app")


MANIFEST = json.dumps(
    {
        "schemaVersion": 2,
        "mediaType": "application/vnd.oci.image.manifest.v1+json",
        "config": {"digest": "sha256:" + "c" * 64},
    }
).encode()
MANIFEST_DIGEST = "sha256:" + hashlib.sha256(MANIFEST).hexdigest()


def test_a_digest_is_the_sha256_of_the_manifest_bytes_a_get_served() -> None:
    """No HEAD: its digest header has no bytes behind it, and a digest is pinned only from bytes."""
    ct = {"Content-Type": "application/vnd.oci.image.manifest.v1+json"}
    script = Script(
        ("GET", "/v2/acme/app/manifests/1.0.0", httpx.Response(200, content=MANIFEST, headers=ct)),
    )
    client, _ = make(script)
    assert client.resolve_digest("acme/app", "1.0.0") == MANIFEST_DIGEST
    assert script.seen[0].headers["Accept"] == ACCEPT


def test_digest_that_does_not_match_the_body_is_refused() -> None:
    wrong = "sha256:" + "d" * 64
    script = Script(
        (
            "GET",
            "/v2/acme/app/manifests/1.0.0",
            httpx.Response(
                200,
                content=MANIFEST,
                headers={
                    "Content-Type": "application/vnd.oci.image.manifest.v1+json",
                    "Docker-Content-Digest": wrong,
                },
            ),
        ),
    )
    client, _ = make(script)
    with pytest.raises(RegistryProtocolError, match="does not match its body"):
        client.resolve_digest("acme/app", "1.0.0", platform="linux/amd64")


def test_403_and_404_are_access_errors_without_retries() -> None:
    script = Script(
        ("GET", "/v2/acme/app/tags/list?n=1000", httpx.Response(403)),
        ("GET", "/v2/acme/gone/tags/list?n=1000", httpx.Response(404)),
    )
    client, sleeps = make(script)
    with pytest.raises(RegistryAccessError, match="403"):
        client.list_tags("acme/app")
    with pytest.raises(RegistryAccessError, match="not found"):
        client.list_tags("acme/gone")
    assert sleeps == []


def test_ghcr_anonymous_token_dance_is_followed() -> None:
    challenge = 'Bearer realm="https://ghcr.io/token",service="ghcr.io",scope="repository:acme/app:pull"'
    script = Script(
        (
            "GET",
            "/v2/acme/app/tags/list?n=1000",
            httpx.Response(401, headers={"WWW-Authenticate": challenge}),
        ),
        (
            "GET",
            "/token?service=ghcr.io&scope=repository%3Aacme%2Fapp%3Apull",
            httpx.Response(200, json={"token": "djE6YWNtZS9hcHA6MTIzNDU2"}),
        ),
        ("GET", "/v2/acme/app/tags/list?n=1000", tags_page(["1.0.0"])),
        (
            "GET",
            "/v2/acme/app/manifests/1.0.0",
            httpx.Response(
                200,
                content=MANIFEST,
                headers={"Docker-Content-Digest": MANIFEST_DIGEST, "Content-Type": MANIFEST_TYPES[0]},
            ),
        ),
    )
    client, _ = make(script)
    assert client.list_tags("acme/app") == ["1.0.0"]
    assert client.resolve_digest("acme/app", "1.0.0") == MANIFEST_DIGEST
    assert script.seen[2].headers["Authorization"] == "Bearer djE6YWNtZS9hcHA6MTIzNDU2"
    assert script.seen[3].headers["Authorization"] == "Bearer djE6YWNtZS9hcHA6MTIzNDU2"


def test_the_deadline_never_turns_a_refused_connection_into_timed_out() -> None:
    """Retries stop while there is still time for a real attempt: an attempt started with the
    deadline's last millisecond can only time out, and its 'timed out' would hide the reason."""
    attempts: list[float] = []

    def refuse(request: httpx.Request) -> httpx.Response:
        left = request.extensions["timeout"]["connect"]
        attempts.append(left)
        if left < 0.05:  # what a loaded machine does with a 1 ms connect budget
            raise httpx.ConnectTimeout("timed out", request=request)
        raise httpx.ConnectError("connection refused", request=request)

    client = RegistryClient(
        RegistryConfig(host="ghcr.io", timeout=0.4),  # a 0.6 s operation deadline
        transport=httpx.MockTransport(refuse),
        retry=RetryPolicy(attempts=50, initial_wait=0.1, max_wait=10),
    )
    with pytest.raises(RegistryUnavailable, match="cannot connect") as info:
        client.list_tags("acme/app")
    assert "timed out" not in str(info.value)
    assert len(attempts) >= 2 and min(attempts) >= 0.05
