"""botocore's own fetches (the container credentials endpoint, the instance metadata service)
go around its client's ``before-send``: their answers are read to the login's byte bound too."""

from __future__ import annotations

import os
import threading
import time
import tracemalloc
from http.server import BaseHTTPRequestHandler
from pathlib import Path

import pytest

from gitops_bot.registry.cloud.base import LoginFailed
from gitops_bot.registry.settings import RegistryConfig
from testkit.loopback import LoopbackHTTPServer

FLOOD = 200 << 20  # bytes the endpoint would send


class _Flood(BaseHTTPRequestHandler):
    """A container credentials endpoint answering JSON without end."""

    protocol_version = "HTTP/1.0"

    def log_message(self, *args: object) -> None:
        pass

    def do_GET(self) -> None:
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.end_headers()
        try:
            self.wfile.write(b'{"AccessKeyId": "')
            for _ in range(FLOOD >> 20):
                self.wfile.write(b"A" * (1 << 20))
        except OSError:
            pass  # the reader stopped


def test_a_container_credentials_endpoint_answering_without_end_is_one_line_in_bounded_memory(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    pytest.importorskip("botocore")
    from gitops_bot.registry.cloud.aws import AwsLogin

    server = LoopbackHTTPServer(("127.0.0.1", 0), _Flood)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    for name in [n for n in os.environ if n.startswith("AWS_")]:
        monkeypatch.delenv(name)
    for name, value in {  # botocore's chain reads the process environment
        "AWS_CONTAINER_CREDENTIALS_FULL_URI": f"http://127.0.0.1:{server.server_address[1]}/v1/credentials",
        "AWS_CONTAINER_AUTHORIZATION_TOKEN": "pod-identity-token-0123456789",
        "AWS_REGION": "us-east-1",
        "AWS_CONFIG_FILE": os.devnull,
        "AWS_SHARED_CREDENTIALS_FILE": os.devnull,
        "AWS_EC2_METADATA_DISABLED": "true",
    }.items():
        monkeypatch.setenv(name, value)
    cfg = RegistryConfig(host="123456789012.dkr.ecr.us-east-1.amazonaws.com", auth="aws")
    tracemalloc.start()
    started = time.monotonic()
    try:
        with pytest.raises(
            LoginFailed, match=r"container credentials endpoint at .* answered more than 1 MiB"
        ):
            AwsLogin().login(cfg, dict(os.environ))
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
        server.shutdown()
        server.server_close()
    assert peak < 16 << 20, peak  # botocore read all 200 MB (three times over its attempts)
    assert time.monotonic() - started < 10
