"""In a fleet of repositories, the Argo CD server is whatever one repository's config wrote:
the operator's default Argo CD token must not follow it there unless that repository was
given the variable."""

from __future__ import annotations

import httpx
import pytest

from gitops_bot.core.errors import UsageError
from gitops_bot.core.secret import EnvView
from gitops_bot.gate.argocd import ArgoCD
from gitops_bot.gate.settings import ArgoCDConfig

TOKEN = "argocd-operator-token-0123456789"


def _recording() -> tuple[httpx.MockTransport, list[httpx.Request]]:
    seen: list[httpx.Request] = []

    def handle(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(404, json={})

    return httpx.MockTransport(handle), seen


def test_a_fleet_repository_not_given_the_default_token_cannot_send_it_to_its_chosen_server() -> None:
    transport, seen = _recording()
    environ = EnvView({"ARGOCD_AUTH_TOKEN": TOKEN}, allowed=["GITHUB_TOKEN"])
    cfg = ArgoCDConfig(server="https://attacker.example")
    with pytest.raises(UsageError) as caught:
        ArgoCD(cfg, environ, transport=transport)
    assert "ARGOCD_AUTH_TOKEN" in str(caught.value) and "attacker.example" in str(caught.value)
    assert TOKEN not in str(caught.value) and "env:" in (caught.value.hint or "")
    assert seen == []


def test_the_token_goes_where_it_was_given_and_one_repository_alone_is_unchanged() -> None:
    cfg = ArgoCDConfig(server="https://argocd.example")
    for environ in (
        EnvView({"ARGOCD_AUTH_TOKEN": TOKEN}, allowed=["ARGOCD_AUTH_TOKEN"]),
        EnvView({"ARGOCD_AUTH_TOKEN": TOKEN}),
        {"ARGOCD_AUTH_TOKEN": TOKEN},
    ):
        transport, _ = _recording()
        ArgoCD(cfg, environ, transport=transport).close()
