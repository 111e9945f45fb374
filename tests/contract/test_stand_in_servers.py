"""The HTTP server every local stand-in uses (testkit/loopback.py), with real sockets: a client
hanging up mid-answer is quiet, over TLS too, a fault of the stand-in itself is still printed."""

from __future__ import annotations

import socket
import ssl
import struct
import threading
from http.server import BaseHTTPRequestHandler
from pathlib import Path
from typing import Any

import pytest

from testkit.certs import make_ca, make_server_cert
from testkit.loopback import LoopbackHTTPServer


class _Recording(LoopbackHTTPServer):
    """Sets ``handled`` once socketserver has handed it a request's error."""

    handled: threading.Event

    def handle_error(self, request: Any, client_address: Any) -> None:
        try:
            super().handle_error(request, client_address)
        finally:
            self.handled.set()


class _Endless(BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        if self.path == "/broken":
            raise ValueError("the stand-in's own fault")
        self.send_response(200)
        self.send_header("Content-Length", str(1 << 30))
        self.end_headers()
        while True:  # until the client hangs up
            self.wfile.write(b"x" * 65536)

    def log_message(self, *args: Any) -> None:
        pass


def _serve(path: str, hang_up: bool, tls: ssl.SSLContext | None = None) -> None:
    server = _Recording(("127.0.0.1", 0), _Endless)
    if tls is not None:
        server.socket = tls.wrap_socket(server.socket, server_side=True)
    server.handled = threading.Event()
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        with socket.create_connection(server.server_address[:2], timeout=5) as sock:
            if tls is not None:  # the client's TLS, left without a close_notify below
                client = ssl.create_default_context()
                client.check_hostname, client.verify_mode = False, ssl.CERT_NONE
                talk: Any = client.wrap_socket(sock)
            else:
                talk = sock
            talk.sendall(f"GET {path} HTTP/1.1\r\nHost: x\r\n\r\n".encode())
            if hang_up:
                talk.recv(4096)
                # a reset, as a client's deadline or a pool closing under load leaves it
                talk.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            talk.close()  # a TLS socket holds the connection: closing it is the hang-up
        assert server.handled.wait(10), "the server never met the request's error"
    finally:
        server.shutdown()
        server.server_close()


def test_a_client_hanging_up_mid_answer_prints_nothing(capsys: pytest.CaptureFixture[str]) -> None:
    # printed, the traceback was parsed by Python 3.11's traceback module with ast on the
    # server's thread, which broke a test parsing the package at the same time (SystemError)
    _serve("/metrics", hang_up=True)
    assert capsys.readouterr().err == ""


def test_a_client_hanging_up_mid_answer_over_tls_prints_nothing(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # a cloud's stand-in (testkit/cloud_fakes) answers over TLS, where the hang-up is met as
    # ssl.SSLEOFError, not a ConnectionError
    _, ca_key, ca_cert = make_ca()
    cert, key = make_server_cert(ca_key, ca_cert).write(tmp_path, "server")
    tls = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    tls.load_cert_chain(cert, key)
    _serve("/metrics", hang_up=True, tls=tls)
    assert capsys.readouterr().err == ""


def test_a_stand_in_s_own_fault_is_still_printed(capsys: pytest.CaptureFixture[str]) -> None:
    _serve("/broken", hang_up=False)
    assert "ValueError: the stand-in's own fault" in capsys.readouterr().err
