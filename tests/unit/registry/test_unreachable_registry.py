"""A registry that cannot be reached is said as unreachable, never as overloaded.

Through the real transport: a closed port (refused), a name with no address (``.invalid`` never
resolves, RFC 6761), a plain-http server asked over https (the TLS handshake fails). Each ends as
one ``RegistryUnavailable`` naming the host, what happened and what to check; the host's window
of requests in flight is never halved (that is for a host that answers it is overloaded: 429,
503, timeouts), and no ``registry_overloaded`` line is logged."""

from __future__ import annotations

import io
import json
import socket
import threading
from collections.abc import Iterator

import httpx
import pytest

from gitops_bot.config import RegistryConfig
from gitops_bot.core import log
from gitops_bot.core.errors import RegistryUnavailable
from gitops_bot.registry.charts import ChartIndexes
from gitops_bot.registry.client import RegistryClient, RetryPolicy

QUICK = RetryPolicy(attempts=3, initial_wait=0.01, max_wait=0.02)


@pytest.fixture
def closed_port() -> Iterator[str]:
    """A port certainly closed: bound (nobody else takes it) but never listening."""
    with socket.socket() as dead:
        dead.bind(("127.0.0.1", 0))
        yield f"127.0.0.1:{dead.getsockname()[1]}"


@pytest.fixture
def plain_http() -> Iterator[str]:
    """A server answering plain http to whatever it is sent (a TLS ClientHello too)."""
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen()
    stop = threading.Event()

    def serve() -> None:
        server.settimeout(0.1)
        while not stop.is_set():
            try:
                conn, _ = server.accept()
            except TimeoutError:
                continue
            with conn:
                conn.settimeout(1)
                try:
                    conn.recv(4096)
                    conn.sendall(b"HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n")
                except OSError:
                    pass

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    yield f"127.0.0.1:{server.getsockname()[1]}"
    stop.set()
    thread.join(2)
    server.close()


def _fails(config: RegistryConfig) -> tuple[str, RegistryClient, list[dict[str, object]]]:
    """The error, the client (its window) and the log lines of one tag listing that fails."""
    stream = io.StringIO()
    log.configure(level="info", fmt="json", stream=stream)
    try:
        with RegistryClient(config, retry=QUICK) as client, pytest.raises(RegistryUnavailable) as info:
            client.list_tags("acme/app")
    finally:
        log.configure()
    return str(info.value), client, [json.loads(line) for line in stream.getvalue().splitlines()]


def test_a_refused_connection_is_unreachable_not_overloaded(closed_port: str) -> None:
    said, client, logs = _fails(RegistryConfig(host=closed_port))
    assert said.startswith(f"registry {closed_port} unreachable: connection refused (after 3 attempts)")
    assert f"check that a registry runs at {closed_port} and listens on that port" in said
    assert client.window.cuts == 0
    events = [e["event"] for e in logs]
    assert "registry_overloaded" not in events
    assert events.count("registry_unreachable") == 3


def test_a_name_without_an_address_is_said_with_the_name_to_check() -> None:
    said, client, logs = _fails(RegistryConfig(host="registry.example.invalid"))
    assert said.startswith(
        "registry registry.example.invalid unreachable: the host name registry.example.invalid has no address"
    )
    assert (
        "check the host name registry.example.invalid (an image's or chart's repository in gitops-bot.yaml names it)"
        in said
    )
    assert client.window.cuts == 0
    assert "registry_overloaded" not in [e["event"] for e in logs]


def test_a_name_the_resolver_does_not_know_is_asked_once() -> None:
    """The resolver's answer that a name does not exist (NXDOMAIN, ``EAI_NONAME``) is the same
    a second later: asking again only made a typo'd or offline host cost the back-off's waits
    (3.5 s by default) before the one line. A resolver that failed for now (``EAI_AGAIN``)
    is retried as a refused connection is."""
    said, client, logs = _fails(RegistryConfig(host="registry.example.invalid"))
    assert said == (
        "registry registry.example.invalid unreachable: the host name registry.example.invalid has no "
        "address (Name or service not known); check the host name registry.example.invalid (an "
        "image's or chart's repository in gitops-bot.yaml names it), this machine's DNS and network, "
        "and that no firewall or proxy (HTTPS_PROXY, NO_PROXY) stands between"
    )
    assert [e["event"] for e in logs] == ["registry_unreachable"]
    assert client.window.cuts == 0


def test_a_chart_repository_the_resolver_does_not_know_is_unreachable_at_once() -> None:
    """The same through the services' client (a classic chart repository's index): said as
    unreachable with the name to check, exit 3, after one attempt; not as an answer that
    breaks the protocol."""
    waits: list[float] = []
    with pytest.raises(RegistryUnavailable) as info:
        ChartIndexes(sleep=waits.append).versions("https://charts.example.invalid/charts", "alpha")
    assert str(info.value).startswith(
        "chart repository https://charts.example.invalid/charts/index.yaml unreachable: cannot connect "
        "to charts.example.invalid: the host name charts.example.invalid has no address (Name or "
        "service not known); check the host name charts.example.invalid"
    )
    assert info.value.exit_code == 3 and waits == []


def test_a_resolver_that_failed_for_now_is_asked_again() -> None:
    again = socket.gaierror(socket.EAI_AGAIN, "Temporary failure in name resolution")

    def resolver_down(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError(
            "[Errno -3] Temporary failure in name resolution", request=request
        ) from again

    stream = io.StringIO()
    log.configure(level="info", fmt="json", stream=stream)
    try:
        client = RegistryClient(
            RegistryConfig(host="registry.corp.example"),
            transport=httpx.MockTransport(resolver_down),
            retry=QUICK,
        )
        with pytest.raises(RegistryUnavailable) as info:
            client.list_tags("acme/app")
    finally:
        log.configure()
    assert str(info.value).startswith(
        "registry registry.corp.example unreachable: the host name registry.corp.example has no address "
        "(Temporary failure in name resolution) (after 3 attempts)"
    )
    assert [json.loads(line)["event"] for line in stream.getvalue().splitlines()] == [
        "registry_unreachable"
    ] * 3


def test_a_failed_tls_handshake_is_said_at_once_with_the_setting_for_plain_http(plain_http: str) -> None:
    said, client, logs = _fails(RegistryConfig(host=plain_http, tls=True))
    assert said.startswith(f"registry {plain_http} unreachable: TLS handshake failed")
    assert "answers plain http there" in said and "insecure: true" in said
    # asking again cannot change a handshake the server's protocol breaks: one attempt
    assert [e["event"] for e in logs] == ["registry_unreachable"]
    assert client.window.cuts == 0


def test_a_connection_never_accepted_in_time_is_unreachable_not_overloaded() -> None:
    """A firewall that drops the packets (a registry behind a VPN that is down) leaves the
    connect to time out: no answer came, so nothing was said of the registry's load. A
    request that answers late still counts as overloaded (see test_window_adversarial)."""

    def dropped(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectTimeout("timed out", request=request)

    client = RegistryClient(
        RegistryConfig(host="registry.corp.example"), transport=httpx.MockTransport(dropped), retry=QUICK
    )
    with pytest.raises(RegistryUnavailable) as info:
        client.list_tags("acme/app")
    said = str(info.value)
    assert said.startswith(
        "registry registry.corp.example unreachable: no connection within 10 s (after 3 attempts)"
    )
    assert "check the network route to registry.corp.example (offline? a VPN it needs?)" in said
    assert client.window.cuts == 0
