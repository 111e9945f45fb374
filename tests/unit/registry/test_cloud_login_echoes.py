"""What a login sends its identity provider is a secret before it is sent: an error answer
that echoes it (in the fields the login's one line quotes) shows none of it."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler
from pathlib import Path
from urllib.parse import parse_qs

import pytest

from gitops_bot.core import log
from gitops_bot.registry.cloud.azure import AzureLogin
from gitops_bot.registry.cloud.base import LoginFailed, NoIdentity
from gitops_bot.registry.settings import RegistryConfig
from testkit.loopback import LoopbackHTTPServer

CLIENT = "00000000-0000-0000-0000-000000000001"
TENANT = "00000000-0000-0000-0000-000000000002"
SECRET = "Qx8~echoedClientSecret_0123456789abcdefg"  # Entra's client secrets are 40 characters
ASSERTION = "eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJyZXBvOmFjbWUvZ2l0b3BzIn0.c2lnbmF0dXJlLW9mLXRoZS1qd3Q"
HEADER = "f3a1c0de9b8e7d6c5b4a39281706f5e4"


class _Echo(BaseHTTPRequestHandler):
    """An identity provider refusing whatever it is sent, its error fields echoing it."""

    def log_message(self, *args: object) -> None:
        pass

    def _refuse(self, echoed: str) -> None:
        body = json.dumps({"error": echoed[:40], "error_description": f"AADSTS7000215: {echoed}"}).encode()
        self.send_response(401)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_POST(self) -> None:
        form = parse_qs(self.rfile.read(int(self.headers["Content-Length"])).decode())
        self._refuse((form.get("client_secret") or form.get("client_assertion") or [""])[0])

    def do_GET(self) -> None:
        self._refuse(self.headers.get("X-IDENTITY-HEADER", ""))


@pytest.fixture
def provider() -> Iterator[str]:
    server = LoopbackHTTPServer(("127.0.0.1", 0), _Echo)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


def _failure(env: dict[str, str]) -> str:
    cfg = RegistryConfig(host="acme.azurecr.io", auth="azure")
    with pytest.raises((LoginFailed, NoIdentity)) as caught:
        AzureLogin().login(cfg, {"AZURE_CLIENT_ID": CLIENT, "AZURE_TENANT_ID": TENANT, **env})
    return log.redact(str(caught.value))


def test_a_client_secret_echoed_by_entra_is_not_shown(provider: str) -> None:
    shown = _failure({"AZURE_CLIENT_SECRET": SECRET, "AZURE_AUTHORITY_HOST": provider})
    assert "Microsoft Entra ID refused a token" in shown
    assert SECRET[:12] not in shown, shown


def test_a_federated_token_echoed_by_entra_is_not_shown(provider: str, tmp_path: Path) -> None:
    token_file = tmp_path / "token"
    token_file.write_text(ASSERTION)
    shown = _failure({"AZURE_FEDERATED_TOKEN_FILE": str(token_file), "AZURE_AUTHORITY_HOST": provider})
    assert "Microsoft Entra ID refused a token" in shown
    assert ASSERTION[:30] not in shown, shown


def test_an_identity_header_echoed_by_the_identity_endpoint_is_not_shown(provider: str) -> None:
    shown = _failure({"IDENTITY_ENDPOINT": f"{provider}/msi/token", "IDENTITY_HEADER": HEADER})
    assert "was refused a token" in shown
    assert HEADER[:12] not in shown, shown


POD_TOKEN = "eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJzeXN0ZW06c2EifQ.c2lnbmF0dXJlLW9mLXRoZS1qd3Q"


class _EchoAgent(BaseHTTPRequestHandler):
    """The EKS Pod Identity agent refusing the token it was sent, echoing it."""

    def log_message(self, *args: object) -> None:
        pass

    def do_GET(self) -> None:
        said = self.headers.get("Authorization", "")
        body = json.dumps({"code": "AccessDenied", "message": f"token {said} refused"}).encode()
        self.send_response(400)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


def test_a_pod_identity_token_echoed_by_the_agent_is_not_shown(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    pytest.importorskip("botocore")
    import os

    from botocore.utils import ContainerMetadataFetcher

    from gitops_bot.registry.cloud.aws import AwsLogin

    # botocore asks the agent its 3 times, a second apart: the echo is read on every attempt,
    # the pause between them says nothing here
    monkeypatch.setattr(ContainerMetadataFetcher, "SLEEP_TIME", 0)
    server = LoopbackHTTPServer(("127.0.0.1", 0), _EchoAgent)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    token_file = tmp_path / "eks-pod-identity-token"
    token_file.write_text(POD_TOKEN)
    for name in [n for n in os.environ if n.startswith("AWS_")]:
        monkeypatch.delenv(name)
    # botocore's chain reads the process environment
    for name, value in {
        "AWS_CONTAINER_CREDENTIALS_FULL_URI": f"http://127.0.0.1:{server.server_address[1]}/v1/credentials",
        "AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE": str(token_file),
        "AWS_REGION": "us-east-1",
        "AWS_CONFIG_FILE": os.devnull,
        "AWS_SHARED_CREDENTIALS_FILE": os.devnull,
        "AWS_EC2_METADATA_DISABLED": "true",
    }.items():
        monkeypatch.setenv(name, value)
    try:
        cfg = RegistryConfig(host="123456789012.dkr.ecr.us-east-1.amazonaws.com", auth="aws")
        with pytest.raises(LoginFailed) as caught:
            AwsLogin().login(cfg, dict(os.environ))
    finally:
        server.shutdown()
        server.server_close()
    shown = log.redact(str(caught.value))
    assert "container credentials endpoint" in shown
    assert POD_TOKEN[:12] not in shown, shown
