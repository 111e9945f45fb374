"""A token realm is read as httpx reads it, and the plain spellings registries name (Docker
Hub's, GHCR's) without loading httpx: a plan against a token registry otherwise pays httpx's
import (~78 M instructions, a tenth of a one-image plan's start-up) at its first 401."""

from __future__ import annotations

import subprocess
import sys

import httpx
import pytest

from gitops_bot.core.errors import RegistryAccessError
from gitops_bot.registry import auth

REALMS = (
    "https://auth.docker.io/token",
    "https://ghcr.io/token",
    "https://quay.io/v2/auth",
    "https://auth.example",
    "https://auth.example/",
    "https://auth.example//token/",
    "http://127.0.0.1:5001/token",
    "https://auth.example:8443/a~b_c-d.e/service",
    # spellings httpx prints otherwise, or merges into: read by httpx itself
    "https://Auth.Example/token",
    "HTTPS://auth.example/token",
    "https://auth.example:443/token",
    "http://auth.example:80/token",
    "https://auth.example:0443/token",
    "https://auth.example./token",
    "https://auth.example/a/./b/../token",
    "https://auth.example/.well-known/token",
    "https://auth.example/to ken",
    "https://auth.example/a%2fb",
    "https://auth.example/token?service=old&x=1",
    "https://auth.example/token#frag",
    "https://user:pw@auth.example/token",
    "https://[::1]:8443/token",
    "https://bücher.example/token",
    "https://999.1.1.1/token",
)
PARAMS: tuple[dict[str, str | list[str]], ...] = (
    {},
    {"service": "registry.docker.io", "scope": ["repository:library/nginx:pull"]},
    {"service": "reg x+y/ü", "scope": ["repository:a/b:pull", "repository:c:pull,push"]},
)


@pytest.mark.parametrize("realm", REALMS)
def test_a_token_request_goes_where_httpx_would_send_it(realm: str) -> None:
    read = auth._read_realm(realm)
    try:
        url = httpx.URL(realm)
    except httpx.InvalidURL:
        assert read is None
        return
    assert read is not None
    assert (read.url, read.scheme, read.host, read.netloc) == (
        str(url),
        url.scheme,
        url.host,
        url.netloc.decode("ascii", "replace"),
    )
    for params in PARAMS:
        assert read.asked(params) == str(url.copy_merge_params(params))


def test_an_unusable_realm_still_skips_the_registry_with_its_reason() -> None:
    with pytest.raises(RegistryAccessError, match="unusable token realm"):
        auth._realm("registry.example", "ftp://auth.example/token", "https")
    with pytest.raises(RegistryAccessError, match="plain http; credentials not sent"):
        auth._realm("registry.example", "http://auth.example/token", "https")


FLOW = r"""
import sys
from gitops_bot.net.transport import Reply
from gitops_bot.registry.auth import RegistryAuth, RegistryRequest

registry = RegistryAuth("registry.example", None)
flow = registry.flow(RegistryRequest("GET", "https://registry.example/v2/team/app/tags/list"))
first = next(flow)
challenge = 'Bearer realm="https://auth.example/token",service="registry.example",scope="repository:team/app:pull"'
asked = flow.send(Reply(401, [("WWW-Authenticate", challenge)], b"", first.url))
print(asked.url)
print("httpx" in sys.modules)
"""


def test_a_token_registry_s_challenge_is_answered_without_loading_httpx() -> None:
    done = subprocess.run(
        [sys.executable, "-c", FLOW], capture_output=True, text=True, check=True, timeout=60
    )
    assert done.stdout.split() == [
        "https://auth.example/token?service=registry.example&scope=repository%3Ateam%2Fapp%3Apull",
        "False",
    ]
