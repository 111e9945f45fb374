"""A cloud's metadata endpoints are asked directly, never through HTTP_PROXY / HTTPS_PROXY /
ALL_PROXY: they are link-local services of the machine the bot runs on (AWS's instance
metadata and container credentials, Google's metadata server, Azure's IMDS), which a proxy
elsewhere cannot reach, or would answer with the credentials of its own machine. NO_PROXY
is still read as before for every other host.

The stand-in proxy on loopback (testkit/connect_proxy.py) records every request that reaches
it; each metadata address is routed, for the direct connection as for the proxy's, to a
stand-in metadata service on loopback, so nothing leaves this machine either way.
"""

from __future__ import annotations

import json
import socket
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler
from typing import Any

import pytest

from gitops_bot.net.proxy import proxy_for
from gitops_bot.net.service import Answer, Service
from testkit.connect_proxy import ConnectProxy
from testkit.loopback import LoopbackHTTPServer

PROXY = "http://proxy.corp.example:3128"
EVERY_PROXY = {"HTTP_PROXY": PROXY, "HTTPS_PROXY": PROXY, "ALL_PROXY": PROXY}


@pytest.mark.parametrize(
    "url",
    [
        "http://169.254.169.254/latest/api/token",  # AWS IMDSv2, Azure IMDS, GCP's metadata IP
        "http://169.254.170.2/v2/credentials/x",  # ECS task role
        "http://169.254.170.23/v1/credentials",  # EKS Pod Identity agent
        "http://[fd00:ec2::254]/latest/api/token",  # AWS IMDS over IPv6 (not link-local)
        "http://[fd00:ec2::23]/v1/credentials",  # EKS Pod Identity agent over IPv6
        "http://[fe80::a9fe:a9fe]/",  # any IPv6 link-local address
        "http://[::ffff:169.254.169.254]/",  # the IPv4 one, written as IPv6
        "https://169.254.1.2:8443/",
        "http://metadata.google.internal/computeMetadata/v1/",
        "http://METADATA.google.internal./computeMetadata/v1/",
    ],
)
def test_a_metadata_endpoint_is_never_proxied(url: str) -> None:
    assert proxy_for(url, EVERY_PROXY) is None


@pytest.mark.parametrize(
    ("url", "env", "expected"),
    [
        # neighbours of the direct ones still go through the proxy
        ("http://169.255.169.254/", EVERY_PROXY, PROXY),
        ("http://169.253.0.1/", EVERY_PROXY, PROXY),
        ("http://[fd00:ec2::255]/", EVERY_PROXY, PROXY),
        ("http://[fd00::254]/", EVERY_PROXY, PROXY),
        ("http://metadata.google.internal.evil.example/", EVERY_PROXY, PROXY),
        ("http://evilmetadata.google.internal/", EVERY_PROXY, PROXY),
        ("http://a.metadata.google.internal/", EVERY_PROXY, PROXY),
        ("https://sts.amazonaws.com/", EVERY_PROXY, PROXY),
        # NO_PROXY as before
        ("https://sts.amazonaws.com/", {**EVERY_PROXY, "NO_PROXY": "amazonaws.com"}, None),
        ("http://10.0.0.1/", {**EVERY_PROXY, "NO_PROXY": "10.0.0.0/8"}, None),
        ("http://169.254.169.254/", {**EVERY_PROXY, "NO_PROXY": "169.254.169.254"}, None),
    ],
)
def test_other_hosts_keep_their_proxy_and_no_proxy(
    url: str, env: dict[str, str], expected: str | None
) -> None:
    assert proxy_for(url, env) == expected


class _Metadata(BaseHTTPRequestHandler):
    """The machine's metadata service: its answer says it was asked, and by which Host."""

    def log_message(self, *args: Any) -> None:
        pass

    def do_GET(self) -> None:
        body = json.dumps({"asked": self.path, "host": self.headers.get("Host", "")}).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


@pytest.fixture
def metadata(monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """A metadata service on loopback, where every connection to a metadata address lands (a
    direct one, and the proxy's): ``host:port`` of it."""
    server = LoopbackHTTPServer(("127.0.0.1", 0), _Metadata)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    here = ("127.0.0.1", server.server_address[1])
    connect = socket.create_connection
    redirected = {"169.254.169.254", "fd00:ec2::254", "metadata.google.internal"}

    def create_connection(address: tuple[str, int], *args: Any, **kwargs: Any) -> socket.socket:
        if address[0].strip("[]").lower() in redirected:
            address = here
        return connect(address, *args, **kwargs)

    monkeypatch.setattr(socket, "create_connection", create_connection)
    try:
        yield f"{here[0]}:{here[1]}"
    finally:
        server.shutdown()
        server.server_close()


@pytest.mark.parametrize(
    "url",
    [
        "http://169.254.169.254/metadata/identity/oauth2/token",
        "http://[fd00:ec2::254]/latest/meta-data/",
        "http://metadata.google.internal/computeMetadata/v1/",
    ],
)
def test_the_one_client_asks_a_metadata_endpoint_directly_with_a_proxy_set(metadata: str, url: str) -> None:
    host = url.split("/")[2]
    port_of = f"{host}:80"
    with ConnectProxy({port_of.replace("[", "").replace("]", ""): metadata}) as proxy:
        env = {"HTTP_PROXY": proxy.url, "HTTPS_PROXY": proxy.url, "ALL_PROXY": proxy.url}
        with Service("the metadata service", f"http://{host}", env=env, timeout=5, total=5) as service:
            outcome = service.get(url)
    assert proxy.seen == []
    assert isinstance(outcome, Answer), outcome
    assert outcome.json == {"asked": url.split(host, 1)[1], "host": host}
