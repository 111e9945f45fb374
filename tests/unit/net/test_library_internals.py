"""The internals of httpx and httpcore that ``gitops_bot.net.internals`` reaches (there is no
public hook for them) are still there, with the shape relied on: a library upgrade that moves
one fails here, not silently in production. And the public exception mapping of
``net.transport`` gives what httpx's own gives."""

from __future__ import annotations

import inspect
import subprocess
import sys

import h11
import httpcore
import httpx
import pytest

from gitops_bot.net import internals
from gitops_bot.net.deadline import Backend
from gitops_bot.net.transport import HTTPX_ERRORS, as_httpx_errors


def _original_response_closed() -> object:
    hook = httpcore.HTTP11Connection._response_closed  # type: ignore[attr-defined]
    return hook.__closure__[0].cell_contents if getattr(hook, "_gitops_bot", False) else hook


def test_the_trailing_bytes_hook_is_in_place_over_the_method_it_wraps() -> None:
    internals.close_on_trailing_bytes()
    assert getattr(httpcore.HTTP11Connection._response_closed, "_gitops_bot", False)  # type: ignore[attr-defined]
    assert list(inspect.signature(_original_response_closed()).parameters) == ["self"]  # type: ignore[arg-type]


def test_an_http11_connection_has_the_state_the_hook_reads() -> None:
    origin = httpcore.Origin(b"http", b"example.invalid", 80)
    connection = httpcore.HTTP11Connection(origin, stream=None)  # type: ignore[arg-type]
    state = connection._h11_state  # type: ignore[attr-defined]
    assert isinstance(state, h11.Connection)
    data, closed = state.trailing_data
    assert data == b"" and closed is False
    assert hasattr(connection._state_lock, "__enter__")  # type: ignore[attr-defined]
    assert callable(connection.close)


def test_an_httpx_transport_has_the_pool_and_backend_replaced() -> None:
    transport = httpx.HTTPTransport(trust_env=False)
    backend = Backend()
    pool = internals.pool_with_backend(transport, backend)
    assert isinstance(pool, httpcore.ConnectionPool)
    assert pool is internals.pool_of(transport)
    assert pool._network_backend is backend  # type: ignore[attr-defined]
    transport.close()


@pytest.mark.parametrize("source", sorted(HTTPX_ERRORS, key=lambda c: c.__name__))
def test_httpcore_errors_become_the_httpx_ones_httpx_itself_raises(source: type[Exception]) -> None:
    from httpx._transports.default import map_httpcore_exceptions  # the reference, in the test only

    def raised(mapping: object) -> BaseException:
        with pytest.raises(httpx.HTTPError) as caught, mapping:  # type: ignore[attr-defined]
            raise source("boom")
        return caught.value

    ours, theirs = raised(as_httpx_errors()), raised(map_httpcore_exceptions())
    assert (type(ours), str(ours)) == (type(theirs), str(theirs))


def test_other_errors_pass_through_unchanged() -> None:
    with pytest.raises(KeyError), as_httpx_errors():
        raise KeyError("x")


def test_every_error_httpx_maps_is_mapped() -> None:
    from httpx._transports.default import _load_httpcore_exceptions  # the reference, in the test only

    assert set(HTTPX_ERRORS.items()) == set(_load_httpcore_exceptions().items())


def _fresh(code: str) -> str:
    """``code``'s output in a new interpreter (this one imported httpcore long ago)."""
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=False
    )
    assert done.returncode == 0, done.stderr
    return done.stdout.strip()


def test_httpcore_loads_http2_only_for_an_http2_connection() -> None:
    """With gitops_bot imported first, httpx and httpcore load without h2 (their HTTP/2 class
    a placeholder nothing calls); the connection module still imports the real class, and an
    httpx client asking for HTTP/2 still finds h2. Without the deferral httpcore would load h2
    eagerly: that is checked too, so this test fails if httpcore stops doing so (then the
    deferral is moot) or if the deferral stops working."""
    eager = _fresh("import sys, httpcore; print('h2' in sys.modules)")
    assert eager == "True", "httpcore no longer imports h2 eagerly: gitops_bot.net.lazy_http2 can go"
    lazy = _fresh(
        "import sys, gitops_bot, httpx, httpcore\n"
        "print('h2' in sys.modules, httpcore._sync.HTTP2Connection.__module__)\n"
        "from httpcore._sync.http2 import HTTP2Connection\n"
        "from httpcore._async.http2 import AsyncHTTP2Connection\n"
        "httpx.Client(http2=True).close()\n"
        "print('h2' in sys.modules, HTTP2Connection.__module__)\n"
    )
    assert lazy.splitlines() == ["False httpcore", "True httpcore._sync.http2"]
