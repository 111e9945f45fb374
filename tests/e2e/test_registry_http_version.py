"""Which HTTP the registry client offers over TLS: HTTP/1.1 on kept-alive connections unless a
registry's ``http2: true`` asks for HTTP/2 (measured: HTTP/2 in Python costs more CPU a request
and more time at 32 in flight; docs/http.md). Seen on the wire: the ALPN protocols in the
client's TLS ClientHello, as a forwarder in front of the real registry process (TLS) reads them."""

from __future__ import annotations

import contextlib
import dataclasses
import socket
import ssl
import threading
from pathlib import Path

import pytest

from gitops_bot.registry.client import RegistryClient
from gitops_bot.registry.settings import RegistryConfig
from testkit.oci import Pusher
from testkit.registry_process import RegistryProcess
from testkit.tcp import serve_each

H2 = b"\x02h2"  # ALPN's length-prefixed protocol names, as a ClientHello carries them
HTTP11 = b"\x08http/1.1"


class Forwarder:
    """Passes bytes both ways to ``upstream`` and keeps each connection's first client chunk."""

    def __init__(self, upstream: tuple[str, int]) -> None:
        self.upstream = upstream
        self.hellos: list[bytes] = []
        self.listener = serve_each(self._forward)
        self.host = f"127.0.0.1:{self.listener.getsockname()[1]}"

    def _forward(self, client: socket.socket) -> None:
        upstream = socket.create_connection(self.upstream, 5)
        first = client.recv(65536)
        self.hellos.append(first)
        upstream.sendall(first)
        threading.Thread(target=self._pipe, args=(upstream, client), daemon=True).start()
        self._pipe(client, upstream)

    @staticmethod
    def _pipe(src: socket.socket, dst: socket.socket) -> None:
        with contextlib.suppress(OSError):
            while data := src.recv(65536):
                dst.sendall(data)
        with contextlib.suppress(OSError):
            dst.shutdown(socket.SHUT_WR)

    def close(self) -> None:
        self.listener.close()


@pytest.fixture(scope="module")
def app_image(tls_registry: RegistryProcess, tls_material: dict[str, Path]) -> str:
    pusher = Pusher.to(tls_registry.url, verify=ssl.create_default_context(cafile=str(tls_material["ca"])))
    pusher.image("acme/http-version", "1.0.0")
    pusher.close()
    return "acme/http-version"


@pytest.mark.parametrize(
    ("http2", "offers_h2"),
    [(None, False), (False, False), (True, True)],
    ids=["default", "http2-false", "http2-true"],
)
def test_the_client_offers_http2_only_when_the_registry_is_configured_for_it(
    tls_registry: RegistryProcess,
    tls_material: dict[str, Path],
    app_image: str,
    http2: bool | None,
    offers_h2: bool,
) -> None:
    forwarder = Forwarder(("127.0.0.1", tls_registry.port))
    try:
        config = RegistryConfig(host=forwarder.host, ca_file=str(tls_material["ca"]))
        if http2 is not None:
            config = dataclasses.replace(config, http2=http2)
        with RegistryClient(config) as client:
            assert client.list_tags(app_image) == ["1.0.0"]
            assert client.resolve_digest(app_image, "1.0.0").startswith("sha256:")
    finally:
        forwarder.close()
    assert forwarder.hellos, "no TLS connection reached the registry"
    for hello in forwarder.hellos:
        assert hello[:1] == b"\x16"  # a TLS handshake record: the ClientHello
        assert HTTP11 in hello
        assert (H2 in hello) is offers_h2
