"""The internals of httpx that ``gitops_bot.net.internals`` reaches (there is no public hook
for them) are still there, with the shape relied on: a library upgrade that moves
one fails here, not silently in production. And the public exception mapping of
``net.transport`` gives what httpx's own gives."""

from __future__ import annotations

import ssl

import httpcore
import httpx
import pytest

from gitops_bot.net import internals
from gitops_bot.net.deadline import Backend
from gitops_bot.net.transport import as_httpx_errors, httpx_errors


def test_an_httpx_transport_has_the_pool_and_backend_replaced() -> None:
    transport = httpx.HTTPTransport(trust_env=False)
    backend = Backend()
    pool = internals.pool_with_backend(transport, backend)
    assert isinstance(pool, httpcore.ConnectionPool)
    assert pool._network_backend is backend  # type: ignore[attr-defined]
    transport.close()


def test_an_httpx_transport_sends_on_the_pool_it_is_given() -> None:
    pool = httpcore.ConnectionPool()
    transport = internals.over_pool(pool, ssl.create_default_context())
    assert transport._pool is pool
    transport.close()


@pytest.mark.parametrize("source", sorted(httpx_errors(), key=lambda c: c.__name__))
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

    assert set(httpx_errors().items()) == set(_load_httpcore_exceptions().items())
