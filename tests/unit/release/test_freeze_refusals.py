"""A refusal into a frozen environment says what the one refused can do: a person may wait,
unfreeze, or force with a reason; an automatic promotion cannot pass --force, so its refusal
says what it waits for."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from gitops_bot.core.errors import GateClosed
from gitops_bot.release.freezes import Freeze, check, set_freeze

NOW = datetime(2026, 12, 24, 9, 0, tzinfo=UTC)


@pytest.fixture
def frozen(tmp_path: Path) -> Path:
    set_freeze(tmp_path, "production", Freeze("production", NOW + timedelta(days=3), "end-of-year freeze"))
    return tmp_path


def test_a_person_is_told_every_way_out(frozen: Path) -> None:
    with pytest.raises(GateClosed) as caught:
        check(frozen, "production", NOW, force=False, reason=None)
    assert "--force --reason" in str(caught.value) and "unfreeze production" in str(caught.value)


def test_an_automatic_promotion_is_never_told_to_force(frozen: Path) -> None:
    with pytest.raises(GateClosed) as caught:
        check(frozen, "production", NOW, force=False, reason=None, automatic=True)
    said = str(caught.value)
    assert "--force" not in said
    assert "end-of-year freeze" in said and "unfreeze production" in said and "freeze ends" in said
