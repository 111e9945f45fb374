"""The ECR login on an EC2 instance (or an EKS node's role) asks the instance metadata service
directly, with HTTP_PROXY / HTTPS_PROXY set for the whole machine: botocore's own fetcher
takes the environment's proxies for it unless NO_PROXY names 169.254.169.254, and a proxy
either cannot reach the link-local address or answers with its own machine's role.

The instance metadata service is a stand-in on loopback (IMDSv2: a session token asked with
``PUT /latest/api/token``, then the role's name and its credentials, per "Retrieve security
credentials from instance metadata"), reached at 169.254.169.254 by name in the URL and on
loopback in fact: the stand-in proxy (testkit/connect_proxy.py) records what reaches it.
"""

from __future__ import annotations

import json
import os
import secrets
import socket
import threading
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler
from pathlib import Path
from typing import Any

import pytest

from gitops_bot.registry.settings import RegistryConfig
from testkit.cloud_fakes import CloudFake
from testkit.connect_proxy import ConnectProxy
from testkit.loopback import LoopbackHTTPServer

pytest.importorskip("botocore")

IMDS = "169.254.169.254"
ROLE_NAME = "gitops-bot-node"


class _Imds:
    """IMDSv2 on loopback, handing out keys the cloud fake issued (so ECR takes them)."""

    def __init__(self, fake: CloudFake) -> None:
        self.token = secrets.token_urlsafe(16)
        self.asked: list[str] = []
        owner = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: Any) -> None:
                pass

            def _answer(self, status: int, body: str) -> None:
                data = body.encode()
                self.send_response(status)
                self.send_header("Content-Type", "text/plain")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def do_PUT(self) -> None:
                owner.asked.append(f"PUT {self.path}")
                if (
                    self.path != "/latest/api/token"
                    or "X-aws-ec2-metadata-token-ttl-seconds" not in self.headers
                ):
                    self._answer(400, "")
                    return
                self._answer(200, owner.token)

            def do_GET(self) -> None:
                owner.asked.append(f"GET {self.path}")
                if self.headers.get("X-aws-ec2-metadata-token") != owner.token:
                    self._answer(401, "")
                    return
                base = "/latest/meta-data/iam/security-credentials/"
                if self.path == base:
                    self._answer(200, ROLE_NAME)
                elif self.path == base + ROLE_NAME:
                    key, secret, session = fake.new_key("instance profile")
                    expires = (datetime.now(UTC) + timedelta(hours=6)).strftime("%Y-%m-%dT%H:%M:%SZ")
                    self._answer(
                        200,
                        json.dumps(
                            {
                                "Code": "Success",
                                "Type": "AWS-HMAC",
                                "AccessKeyId": key,
                                "SecretAccessKey": secret,
                                "Token": session,
                                "Expiration": expires,
                            }
                        ),
                    )
                else:
                    self._answer(404, "")

        self.server = LoopbackHTTPServer(("127.0.0.1", 0), Handler)
        self.port = self.server.server_address[1]

    def __enter__(self) -> _Imds:
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def fake(tmp_path: Path) -> Iterator[CloudFake]:
    with CloudFake("aws", "http://127.0.0.1:9", tmp_path) as found:  # the registry is not read here
        yield found


def test_the_instance_metadata_service_is_asked_directly_with_a_proxy_set(
    fake: CloudFake, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from gitops_bot.registry.cloud.aws import AwsLogin

    resolve = socket.getaddrinfo

    def getaddrinfo(host: Any, *args: Any, **kwargs: Any) -> Any:
        # 169.254.169.254 is this test's loopback: a direct connection lands on the stand-in
        return resolve("127.0.0.1" if host == IMDS else host, *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)
    with _Imds(fake) as imds, ConnectProxy({f"{IMDS}:{imds.port}": f"127.0.0.1:{imds.port}"}) as proxy:
        for name in [n for n in os.environ if n.startswith("AWS_") or n.lower().endswith("_proxy")]:
            monkeypatch.delenv(name)
        env = {
            "AWS_REGION": "us-east-1",
            "AWS_ENDPOINT_URL_ECR": fake.url,
            "AWS_CA_BUNDLE": str(fake.ca),
            "AWS_CONFIG_FILE": str(tmp_path / "no-aws-config"),
            "AWS_SHARED_CREDENTIALS_FILE": str(tmp_path / "no-aws-credentials"),
            "AWS_EC2_METADATA_SERVICE_ENDPOINT": f"http://{IMDS}:{imds.port}/",
            "HTTP_PROXY": proxy.url,
            "HTTPS_PROXY": proxy.url,
            "NO_PROXY": "127.0.0.1",  # the ECR stand-in; the metadata service is not listed
        }
        for name, value in env.items():
            monkeypatch.setenv(name, value)  # botocore's chain reads the process environment
        config = RegistryConfig(host=fake.host, auth="aws", region="us-east-1")
        issued = AwsLogin().login(config, dict(os.environ))
    assert proxy.seen == []
    assert imds.asked[0] == "PUT /latest/api/token"
    assert issued.identity == "the instance profile (instance metadata)"
    assert [op.name for op in fake.operations] == ["ecr:GetAuthorizationToken"]
    assert fake.problems == []
