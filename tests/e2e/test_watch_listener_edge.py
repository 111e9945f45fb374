"""Clients that reset, vanish or drip are ordinary events on watch's listener (the status page,
webhooks, ``/metrics``): no handler error, no log line above debug, and the listener goes on
serving. Real sockets against the real listener: a reset is a TCP RST (``SO_LINGER`` 0), a
vanish a close in the middle of a request or before its answer is read, a drip a request sent
a few bytes at a time past the deadline."""

from __future__ import annotations

import io
import json
import socket
import struct
import time
from collections.abc import Iterator

import pytest

from gitops_bot.core import log
from gitops_bot.core.model import ImageRef
from gitops_bot.events.receiver import Receiver
from gitops_bot.events.settings import SourceSettings, WebhookSettings
from gitops_bot.events.trigger import Trigger
from gitops_bot.watch.http import Metrics, serve

TOKEN = "edge-token-1"
PATH = f"/webhook/ci/{TOKEN}"


@pytest.fixture
def lines() -> Iterator[io.StringIO]:
    out = io.StringIO()
    log.configure(level="debug", fmt="json", stream=out)
    try:
        yield out
    finally:
        log.configure()


@pytest.fixture
def port() -> Iterator[int]:
    receiver = Receiver(Trigger(0), lambda s, o: None, environ={"T": TOKEN})
    receiver.configure(
        WebhookSettings(sources=(SourceSettings("ci", "generic", token_env="T"),), max_body=1 << 20),
        [ImageRef.parse("ghcr.io/acme/app")],
    )
    server = serve("127.0.0.1", 0, receiver=receiver, readiness=lambda: (True, "ready"), metrics=Metrics())
    server.deadline = 0.5  # type: ignore[attr-defined]
    yield server.server_address[1]
    server.shutdown()
    server.server_close()


def _connect(port: int) -> socket.socket:
    s = socket.create_connection(("127.0.0.1", port))
    s.settimeout(10)  # a bound for a broken test, never an assertion
    return s


def _reset(s: socket.socket) -> None:
    """Close with a TCP RST instead of a FIN: what a crashed client or a proxy's abort sends."""
    s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    s.close()


def _serving(port: int) -> bool:
    with _connect(port) as s:
        s.sendall(b"GET /healthz HTTP/1.0\r\n\r\n")
        return s.recv(100).startswith(b"HTTP/1.0 200")


def _settle(port: int, out: io.StringIO, gone: int) -> None:
    """Until the listener's threads have handled what the test did: ``gone`` debug lines said
    (each connection is its own thread, answered in any order on a loaded machine)."""
    deadline = time.monotonic() + 20
    while len(_gone(out)) < gone and time.monotonic() < deadline:
        time.sleep(0.05)
    time.sleep(0.2)  # and a moment for any other line one of them would write


def _above_debug(out: io.StringIO) -> list[dict[str, object]]:
    found = [json.loads(line) for line in out.getvalue().splitlines() if line.strip()]
    return [f for f in found if f.get("level") not in ("debug",)]


def _gone(out: io.StringIO) -> list[dict[str, object]]:
    found = [json.loads(line) for line in out.getvalue().splitlines() if line.strip()]
    return [f for f in found if f.get("event") == "http_client_gone"]


def test_a_client_that_resets_mid_request_is_a_debug_line(port: int, lines: io.StringIO) -> None:
    s = _connect(port)
    s.sendall(b"GET /metrics HTTP/1.1\r\nHost: bot\r\n")  # the headers have not ended
    time.sleep(0.1)
    _reset(s)
    s = _connect(port)
    s.sendall(b"POST " + PATH.encode() + b" HTTP/1.1\r\nContent-Length: 100000\r\n\r\n" + b"{" * 1000)
    time.sleep(0.1)
    _reset(s)
    _settle(port, lines, 2)
    time.sleep(0.7)  # past the deadline: a timer of a reset request says nothing either
    assert _serving(port)
    assert _above_debug(lines) == []
    assert len(_gone(lines)) >= 2  # seen, and said at debug


def test_a_client_that_resets_before_reading_the_answer_is_a_debug_line(
    port: int, lines: io.StringIO
) -> None:
    for path in (b"/metrics", b"/healthz", b"/readyz"):
        for _ in range(5):
            s = _connect(port)
            s.sendall(b"GET " + path + b" HTTP/1.0\r\n\r\n")
            _reset(s)
    time.sleep(1)  # some are answered before the reset arrives, and say nothing at all
    assert _serving(port)
    assert _above_debug(lines) == []


def test_a_client_that_vanishes_mid_request_is_a_debug_line(port: int, lines: io.StringIO) -> None:
    with _connect(port) as s:  # the request line cut short
        s.sendall(b"GET /metr")
    with _connect(port) as s:  # the body cut short
        s.sendall(b"POST " + PATH.encode() + b" HTTP/1.1\r\nContent-Length: 500\r\n\r\n{}")
    with _connect(port) as s:  # the headers cut short
        s.sendall(b"POST " + PATH.encode() + b" HTTP/1.1\r\nHost: bot\r\n")
    with _connect(port) as s:  # connected, and gone without a byte
        pass
    _settle(port, lines, 3)
    assert _serving(port)
    assert _above_debug(lines) == []
    assert len(_gone(lines)) >= 3


def test_a_client_that_drips_past_the_deadline_is_a_debug_line(port: int, lines: io.StringIO) -> None:
    with _connect(port) as s:
        s.sendall(b"POST " + PATH.encode() + b" HTTP/1.1\r\nContent-Length: 50\r\n\r\n")
        for _ in range(8):  # a byte every 0.1 s: the 0.5 s deadline passes mid-body
            try:
                s.sendall(b"x")
            except OSError:  # the listener answered 408 and shut the connection
                break
            time.sleep(0.1)
        data = b""
        while chunk := s.recv(1000):
            data += chunk
        assert data.startswith(b"HTTP/1.0 408")
    _settle(port, lines, 1)
    assert _serving(port)
    assert _above_debug(lines) == []
    assert _gone(lines)
