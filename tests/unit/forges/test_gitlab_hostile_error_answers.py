"""A GitLab error answer whose body is hostile JSON (nested past the interpreter's recursion
limit, or not an object) is read as the status's own reason, never a RecursionError: the
refusal stays one line with its status and exit code."""

from __future__ import annotations

import httpx
import pytest

from gitops_bot.core.errors import ForgeError
from gitops_bot.forges.gitlab import adapter as gitlab
from gitops_bot.forges.settings import ForgeConfig

BODIES = [
    b"[" * 200_000,
    b'{"a":' * 200_000,
    b"[" * 5_000 + b"]" * 5_000,
    b'{"message":' + b"[" * 100_000 + b"}",
    b"[1, 2]",
    b'"message"',
    b"\xff\xfe not json",
    b"",
]
IDS = ["deep-array", "deep-object", "deep-balanced", "deep-message", "list", "string", "bytes", "empty"]


@pytest.mark.parametrize("body", BODIES, ids=IDS)
def test_a_hostile_error_body_reads_as_the_status_reason(body: bytes) -> None:
    assert gitlab._message(body, "Bad Gateway") == "Bad Gateway"


@pytest.mark.parametrize("body", BODIES, ids=IDS)
def test_a_hostile_error_body_is_a_one_line_refusal(body: bytes) -> None:
    def refuse(request: httpx.Request) -> httpx.Response:
        return httpx.Response(422, content=body, headers={"Content-Type": "application/json"})

    cfg = ForgeConfig(type="gitlab", api_url="https://gitlab.example.com/api/v4", repository="acme/gitops")
    lab = gitlab.GitLab.connect(
        cfg, "file:///x", {"GITLAB_TOKEN": "glpat-0123456789"}, transport=httpx.MockTransport(refuse)
    )
    with pytest.raises(ForgeError) as info:
        lab.open_pulls("gitops-bot")
    assert info.value.status == 422 and info.value.exit_code == 3
    assert "GitLab refused the request (HTTP 422): Unprocessable Entity" in str(info.value)
    assert "\n" not in str(info.value)


def test_an_error_body_message_is_still_reported() -> None:
    assert gitlab._message(b'{"message": "403 Forbidden"}', "Forbidden") == "403 Forbidden"
    assert gitlab._message(b'{"error": "insufficient_scope"}', "Forbidden") == "insufficient_scope"
