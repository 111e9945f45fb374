"""A credential that renews (a GitHub App's installation token, a registry's bearer token per
scope, a cloud login) keeps the redaction list bounded however long the process runs, while
the value in force and the one it replaced are still redacted: the old one may yet be echoed
by an answer to a request sent with it."""

from __future__ import annotations

import base64
import secrets

import pytest

from gitops_bot.core import log
from gitops_bot.net.service import Credential

SOURCE = "GitHub App installation 1 at https://api.github.com"


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> list[float]:
    now = [1000.0]
    monkeypatch.setattr(log, "_clock", lambda: now[0])
    return now


def _token() -> str:
    return "ghs_" + secrets.token_urlsafe(27)


def _shown(value: str) -> bool:
    """Whether any spelling of ``value`` a service may echo survives redaction."""
    basic = base64.b64encode(f"x-access-token:{value}".encode()).decode()
    text = f"401 for {value}; Authorization: token {value}; echoed {basic}"
    redacted = log.redact(text)
    return value in redacted or basic[4:-4] in redacted


# spellings one renewal registers at most: the token and ``token <value>`` as written,
# percent- and form-encoded, and their base64 runs at three alignments, in both alphabets,
# JSON-escaped and percent-encoded
AT_MOST = 40


def _renew(token: str) -> None:
    """As a renewal does: the token from the App, then the header and git's secret built of it
    (each registered again by what builds it, outside the renewal)."""
    log.register_secret(token, renews=[SOURCE])
    Credential.scheme("token", token)
    log.register_secret(token)


def test_a_token_renewed_a_thousand_times_keeps_the_list_bounded(clock: list[float]) -> None:
    before = log.registered()
    tokens = []
    for _ in range(1000):
        tokens.append(_token())
        _renew(tokens[-1])
        clock[0] += 3600.0  # hourly, as an installation token
    assert log.registered() - before <= log.KEEP_GENERATIONS * AT_MOST
    assert not _shown(tokens[-1]) and not _shown(tokens[-2])  # in force, and the one before
    assert _shown(tokens[0]) and _shown(tokens[-3])  # replaced more than the grace ago: gone


def test_renewals_faster_than_the_grace_keep_at_most_the_last_generations(clock: list[float]) -> None:
    before = log.registered()
    tokens = [_token() for _ in range(1000)]
    for token in tokens:
        _renew(token)  # no time passes: a source renewing on every request
    assert log.registered() - before <= log.MAX_GENERATIONS * AT_MOST
    assert not any(_shown(t) for t in tokens[-log.MAX_GENERATIONS :])
    assert _shown(tokens[0])


def test_a_replaced_value_stays_redacted_for_the_grace(clock: list[float]) -> None:
    tokens = [_token() for _ in range(4)]
    for token in tokens:
        _renew(token)
        clock[0] += 60.0  # renewed every minute: all four within the grace
    assert not any(_shown(t) for t in tokens)
    clock[0] += log.RENEWAL_GRACE
    _renew(_token())
    assert not _shown(tokens[-1])  # the one before the new value: kept whatever its age
    assert all(_shown(t) for t in tokens[:-1])


def test_sources_renew_apart(clock: list[float]) -> None:
    """A registry's token for one scope stays while another scope's renews: each cached
    token is its scope's newest value."""
    kept = _token()
    log.register_secret(kept, renews=["registry token ghcr.io repository:acme/web:pull"])
    for _ in range(100):
        clock[0] += 3600.0
        log.register_secret(_token(), renews=["registry token ghcr.io repository:acme/api:pull"])
    assert not _shown(kept)


def test_one_renewal_is_one_generation_of_everything_it_registered(clock: list[float]) -> None:
    """A cloud login registers several values (a session's key and token, a token file's
    content): each login's replaces the last one's together."""
    logins = []
    for _ in range(5):
        values = (_token(), _token())
        with log.renewing("ecr login for 1.dkr.ecr.eu-west-1.amazonaws.com"):
            for v in values:
                log.register_secret(v)
        logins.append(values)
        clock[0] += 43200.0
    assert not any(_shown(v) for login in logins[-2:] for v in login)
    assert all(_shown(v) for login in logins[:-2] for v in login)


def test_a_secret_of_the_run_named_in_a_renewal_is_kept(clock: list[float]) -> None:
    """A static key the operator gave, registered at start and again by each login that
    sends it, stays when the logins' generations go."""
    static = "AKIA-static-" + secrets.token_hex(12)
    log.register_secret(static)
    for _ in range(10):
        with log.renewing("ecr login for 1.dkr.ecr.eu-west-1.amazonaws.com"):
            log.register_secret(static)
            log.register_secret(_token())
        clock[0] += 43200.0
    assert not _shown(static)


def test_a_value_holding_a_renewed_token_goes_with_it(clock: list[float]) -> None:
    """``Bearer <token>`` registered outside the renewal follows the token's generation,
    where it would otherwise stay for the process's life, one more per renewal."""
    before = log.registered()
    for _ in range(50):
        token = _token()
        log.register_secret(token, renews=[SOURCE])
        log.register_secret(f"Bearer {token}")
        log.register_secret(f"https://x-access-token:{token}@github.com/acme/app.git")
        clock[0] += 3600.0
    # two generations of the three, each with its spellings, and the repository's path
    assert log.registered() - before <= log.KEEP_GENERATIONS * 3 * AT_MOST
