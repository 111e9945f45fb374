"""A GitLab error answer whose body is hostile JSON (nested past the interpreter's recursion
limit, or not an object) becomes the adapter's neutral HTTP failure carrying the status, never a
RecursionError escaping from a requests response hook."""

from __future__ import annotations

import pytest
import requests

from gitops_bot.forges.forge import HTTPFailure
from gitops_bot.forges.gitlab import adapter as gitlab


def _answer(status: int, body: bytes) -> requests.Response:
    r = requests.Response()
    r.status_code = status
    r.reason = "Bad Gateway" if status == 502 else "Error"
    r.headers["Content-Type"] = "application/json"
    r._content = body
    return r


@pytest.mark.parametrize(
    "body",
    [
        b"[" * 200_000,
        b'{"a":' * 200_000,
        b"[" * 5_000 + b"]" * 5_000,
        b'{"message":' + b"[" * 100_000 + b"}",
        b"[1, 2]",
        b'"message"',
        b"\xff\xfe not json",
        b"",
    ],
    ids=["deep-array", "deep-object", "deep-balanced", "deep-message", "list", "string", "bytes", "empty"],
)
def test_a_hostile_error_body_is_a_plain_http_failure(body: bytes) -> None:
    with pytest.raises(HTTPFailure) as info:
        gitlab._raise_failure(_answer(502, body))
    assert info.value.status == 502
    assert info.value.message == "Bad Gateway"


def test_an_error_body_message_is_still_reported() -> None:
    with pytest.raises(HTTPFailure) as info:
        gitlab._raise_failure(_answer(403, b'{"message": "403 Forbidden"}'))
    assert info.value.message == "403 Forbidden"
