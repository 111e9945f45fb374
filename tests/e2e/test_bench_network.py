"""The bench's stand-ins for a network (``bench/latency_bench.py``): the delay relay passes
bytes unchanged both ways and ends each direction's stream as its sender did; the HTTP proxy
forwards a client's plain-http requests over one kept-alive upstream connection (as a real
proxy pools them), each answer framed whole, so the proxied run measures the bot and not a
connection opened per request. The registry process takes the extra environment the bench
tunes it with."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import pytest

from testkit.connect_proxy import ConnectProxy
from testkit.oci import Pusher
from testkit.registry_process import RegistryProcess
from testkit.relay import DelayRelay, Relay
from testkit.tcp import serve_each


def _echo_server() -> tuple[socket.socket, str]:
    """A server that sends back everything it reads, upper-cased, then ends its stream when
    the client has ended its own (a half-close)."""

    def serve(conn: socket.socket) -> None:
        with conn:
            while data := conn.recv(65536):
                conn.sendall(data.upper())
            conn.sendall(b"<END>")
            conn.shutdown(socket.SHUT_WR)

    listener = serve_each(serve)
    return listener, f"127.0.0.1:{listener.getsockname()[1]}"


def test_the_delay_relay_passes_every_byte_in_order_and_each_stream_s_end() -> None:
    listener, upstream = _echo_server()
    payload = bytes(range(97, 123)) * 20_000  # 520 kB: many chunks, some sends partial

    def one(i: int) -> bytes:
        host, port = relay.host.split(":")
        with socket.create_connection((host, int(port)), 10) as s:
            s.settimeout(10)
            s.sendall(payload + str(i).encode())
            s.shutdown(socket.SHUT_WR)
            got = bytearray()
            while data := s.recv(65536):
                got += data
            return bytes(got)

    with listener, DelayRelay(upstream, 0.002) as relay, ThreadPoolExecutor(8) as pool:
        answers = list(pool.map(one, range(8)))
    assert answers == [payload.upper() + str(i).encode() + b"<END>" for i in range(8)]
    assert relay.connections == 8


def test_the_proxy_keeps_one_upstream_connection_for_a_client_s_requests(registry: RegistryProcess) -> None:
    pusher = Pusher.to(registry.url)
    old, new = pusher.image("bench-net/app", "1.0.0"), pusher.image("bench-net/app", "1.1.0")
    pusher.close()
    relay, proxy = DelayRelay(registry.host, 0.0), ConnectProxy()
    with relay, proxy, httpx.Client(proxy=proxy.url, timeout=10) as client:
        base = f"{relay.url}/v2/bench-net/app"
        accept = {"Accept": "application/vnd.oci.image.manifest.v1+json"}
        answers = [
            client.get(f"{base}/tags/list"),
            client.head(f"{base}/manifests/1.0.0", headers=accept),
            client.get(f"{base}/manifests/1.1.0", headers=accept),
            client.get(f"{base}/manifests/9.9.9", headers=accept),
            client.get(f"{base}/tags/list"),
        ]
    assert [a.status_code for a in answers] == [200, 200, 200, 404, 200]
    assert sorted(answers[0].json()["tags"]) == ["1.0.0", "1.1.0"] == sorted(answers[4].json()["tags"])
    assert answers[1].headers["docker-content-digest"] == old.digest
    assert answers[1].content == b""
    assert answers[2].headers["docker-content-digest"] == new.digest
    assert answers[2].json()["config"]["digest"].startswith("sha256:")
    assert len(proxy.seen) == 5
    assert relay.connections == 1  # one upstream connection carried all five


def test_the_registry_process_gets_the_extra_environment_it_is_given(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The latency bench tunes the registry's Go collector (GOGC) as an operator would: the
    variable reaches the registry process on top of this process's environment less its
    REGISTRY_* variables (they would override the generated config); without ``env`` the
    registry gets exactly that environment, as before."""
    monkeypatch.delenv("GOGC", raising=False)
    monkeypatch.setenv("REGISTRY_HTTP_ADDR", "127.0.0.1:1")  # would move the registry off its port
    inherited = {f"{k}={v}".encode() for k, v in os.environ.items() if not k.startswith("REGISTRY_")}

    def environment(reg: RegistryProcess) -> set[bytes]:
        assert reg.proc is not None
        assert httpx.get(f"{reg.url}/v2/", timeout=10).status_code == 200
        return set(Path(f"/proc/{reg.proc.pid}/environ").read_bytes().split(b"\0")) - {b""}

    with RegistryProcess(tmp_path / "tuned", env={"GOGC": "400"}) as tuned:
        assert environment(tuned) == inherited | {b"GOGC=400"}
    with RegistryProcess(tmp_path / "plain") as plain:
        assert environment(plain) == inherited


def test_the_suites_shared_registries_run_with_go_s_collector_off_below_128_mib(
    registry: RegistryProcess, basic_registry: RegistryProcess
) -> None:
    """The session's registries serve a worker's every push and pull for the whole run: they
    run with Go's collector off until their heap nears 128 MiB (about a third of their CPU)."""
    for reg in (registry, basic_registry):
        assert reg.proc is not None
        environ = set(Path(f"/proc/{reg.proc.pid}/environ").read_bytes().split(b"\0"))
        assert {b"GOGC=off", b"GOMEMLIMIT=128MiB"} <= environ


class _Recording(Relay):
    """Forwards every request to the registry and notes it."""

    def __init__(self, upstream: str) -> None:
        super().__init__(upstream)
        self.seen: list[tuple[str, str]] = []

    def answer(self, command: str, path: str) -> None:
        self.seen.append((command, path))


def test_the_bare_client_asks_what_a_plan_asks_and_fails_on_a_missing_repository(tmp_path: Path) -> None:
    """The Renovate bench's floor row: each repository's tag list, then a HEAD of its newest
    tag's manifest (1.10.0 after 1.9.0, by number), nothing else; a repository the registry
    does not have fails it in one line."""
    bare = Path(__file__).resolve().parents[2] / "bench" / "bare_client.py"
    with RegistryProcess(tmp_path / "registry") as reg:
        pusher = Pusher.to(reg.url)
        for i in range(3):
            pusher.image(f"bench/app{i:04d}", ["1.2.0", "1.10.0", "1.9.0"], salt=str(i))
        pusher.close()
        with _Recording(reg.url) as relay:
            done = subprocess.run(
                [sys.executable, str(bare), relay.host, "3", "2"], capture_output=True, text=True, timeout=60
            )
            asked = sorted(relay.seen)
            missing = subprocess.run(
                [sys.executable, str(bare), relay.host, "4", "2"], capture_output=True, text=True, timeout=60
            )
    assert done.returncode == 0, done.stderr
    assert asked == sorted(
        [("GET", f"/v2/bench/app{i:04d}/tags/list") for i in range(3)]
        + [("HEAD", f"/v2/bench/app{i:04d}/manifests/1.10.0") for i in range(3)]
    )
    assert missing.returncode == 1
    assert missing.stderr.strip() == "bare client: bench/app0003: tags answered 404"
