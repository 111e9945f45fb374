"""A chart repository over real TLS on loopback that never finishes its answer: a body without
``Content-Length`` that goes on past the cap, and an answer that drips one byte at a time (no
per-read timeout ever fires). The index read stops at its cap and at its deadline, as the
bytes the server managed to send show."""

from __future__ import annotations

from pathlib import Path

import pytest

from gitops_bot.core.errors import RegistryProtocolError, RegistryUnavailable
from gitops_bot.net.retry import RetryPolicy
from gitops_bot.registry.charts import ChartIndexes
from gitops_bot.registry.settings import RegistryConfig
from testkit.misbehaving_http import MisbehavingServer


def _indexes(server: MisbehavingServer, timeout: float) -> ChartIndexes:
    config = RegistryConfig(host="x", ca_file=str(server.ca_file), timeout=timeout)
    return ChartIndexes(lambda host: config, retry=RetryPolicy(attempts=1), sleep=lambda s: None)


def test_a_body_without_length_that_never_ends_stops_at_the_cap(tmp_path: Path) -> None:
    with MisbehavingServer(tmp_path) as server:
        server.mode = "huge"
        with pytest.raises(RegistryProtocolError, match="over 1000000 bytes"):
            _indexes(server, 30).versions(server.url, "podinfo", limit=1_000_000)
    assert server.sent < 64 << 20  # stopped reading: far less than the 300 MB it would send


def test_an_answer_that_drips_forever_ends_at_the_deadline(tmp_path: Path) -> None:
    with MisbehavingServer(tmp_path) as server:
        server.mode = "drip"
        with pytest.raises(RegistryUnavailable, match="unavailable"):
            _indexes(server, 0.5).versions(server.url, "podinfo")
        sent = server.sent
    # 4 request timeouts of 0.5 s at one byte per 50 ms: the dripping stopped long before a
    # minute's worth (1200 bytes); counted in bytes, not timed
    assert 0 < sent < 1200
