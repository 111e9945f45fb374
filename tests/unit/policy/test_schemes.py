"""Every version scheme registered for a strategy implements the one Scheme interface, and the
registry names each strategy once: adding a scheme is one module and one line."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from gitops_bot.core.model import Choice, Strategy
from gitops_bot.policy import Policy
from gitops_bot.policy.schemes import SCHEMES, Scheme, scheme_for
from gitops_bot.policy.settings import PolicyConfig

TAGS = ["1.0.0", "1.2.0", "2.0.0-rc.1", "10", "build-7", "latest"]


def test_every_strategy_has_one_scheme() -> None:
    assert set(SCHEMES) == set(Strategy)


@pytest.mark.parametrize("strategy", list(Strategy), ids=str)
def test_every_registered_scheme_implements_the_interface(strategy: Strategy) -> None:
    config = PolicyConfig(strategy=strategy, tag="latest" if strategy is Strategy.DIGEST else None)
    scheme = scheme_for(config)
    assert isinstance(scheme, Scheme)
    assert type(scheme).__module__ == f"gitops_bot.policy.schemes.{strategy.value}"
    assert len(scheme.describe().split()) > 3
    assert all(
        isinstance(getattr(scheme, n), bool) for n in ("needs_tags", "needs_created_time", "needs_digest")
    )
    # a scheme either follows one tag or orders the tags it is given
    followed = scheme.follow("latest")
    if followed is not None:
        assert isinstance(followed, Choice) and not scheme.needs_tags
        return
    assert scheme.needs_tags
    key = scheme.keyer(None)
    keys = [k for k in map(key, TAGS) if k is not None]
    assert keys, "a scheme admits some of the usual tags"
    sorted(keys)  # keys of one scheme compare with each other
    times = {t: datetime(2026, 1, i + 1, tzinfo=UTC) for i, t in enumerate(TAGS)}
    assert scheme.timed([(k, t) for t in TAGS if (k := key(t)) is not None], times)
    assert isinstance(scheme.no_match_note(None), str)
    assert "3 tags" in scheme.chosen("3 tags", "x")


def test_the_policy_is_the_filters_composed_with_the_scheme() -> None:
    policy = Policy(PolicyConfig(strategy=Strategy.NUMERICAL, ignore=("^1$",)))
    assert type(policy.scheme) is type(scheme_for(policy.config))
    assert type(policy.scheme).__name__ == SCHEMES[Strategy.NUMERICAL][1]
    assert policy.choose(["1", "2", "x"], None).tag == "2"
    assert policy.choose(["1"], None).tag is None
