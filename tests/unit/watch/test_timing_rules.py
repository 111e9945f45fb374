"""`watch`'s timing rules as pure functions: jitter, back-off and readiness; durations and
listen addresses as the operator writes them."""

from __future__ import annotations

import random

import pytest

from gitops_bot.core.errors import UsageError
from gitops_bot.watch import MAX_BACKOFF_FACTOR, is_ready, next_delay, parse_duration, parse_listen


def test_jitter_backoff_and_readiness_rules() -> None:
    rng = random.Random(7)
    delays = [next_delay(300, 0, 0.1, rng) for _ in range(200)]
    assert 270 <= min(delays) < max(delays) <= 330
    assert next_delay(300, 1, 0, rng) == 600
    assert next_delay(300, 2, 0, rng) == 1200
    assert next_delay(300, 10, 0, rng) == 300 * MAX_BACKOFF_FACTOR
    assert not is_ready(None, 1000, 60)
    assert is_ready(1000 - 100, 1000, 60) and not is_ready(1000 - 200, 1000, 60)


def test_durations_and_listen_addresses() -> None:
    assert [parse_duration(t) for t in ("90", "30s", "5m", "1h30m", "0.5s")] == [90, 30, 300, 5400, 0.5]
    for bad in ("", "5 minutes", "0s", "-1m"):
        with pytest.raises(UsageError):
            parse_duration(bad)
    assert parse_listen(":8080") == ("0.0.0.0", 8080)
    assert parse_listen("127.0.0.1:9") == ("127.0.0.1", 9)
    with pytest.raises(UsageError):
        parse_listen("8080")
