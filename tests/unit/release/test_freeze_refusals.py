"""A refusal into a frozen environment says what the one refused can do: a person may wait,
unfreeze, or force with a reason; an automatic promotion cannot pass --force, so its refusal
says what it waits for."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from gitops_bot.core.outside import Outside
from gitops_bot.release.freezes import in_force, refused, set_freeze
from gitops_bot.release.windows import Freeze

NOW = datetime(2026, 12, 24, 9, 0, tzinfo=UTC)


@pytest.fixture
def frozen(tmp_path: Path) -> Path:
    set_freeze(
        tmp_path, "production", Freeze("production", NOW + timedelta(days=3), Outside("end-of-year freeze"))
    )
    return tmp_path


def test_a_person_is_told_every_way_out(frozen: Path) -> None:
    freeze = in_force(frozen, "production", NOW)
    assert freeze is not None
    said = str(refused(freeze))
    assert "--force --reason" in said and "unfreeze production" in said


def test_an_automatic_promotion_is_never_told_to_force(frozen: Path) -> None:
    freeze = in_force(frozen, "production", NOW)
    assert freeze is not None
    said = str(refused(freeze, automatic=True))
    assert "--force" not in said
    assert "end-of-year freeze" in said and "unfreeze production" in said and "freeze ends" in said
