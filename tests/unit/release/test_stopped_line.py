"""The stopped line in the freezes files: one record, ``gitops-bot.freezes/_all.yaml``, that
every environment reads (one added later too), kept apart from environments' own freezes, and
lifted alone; where its one change request lands; what refusals and ``unfreeze ENV`` say."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from gitops_bot.config import Config, EnvironmentConfig
from gitops_bot.core.errors import ConfigError
from gitops_bot.core.model import WriteMode
from gitops_bot.core.outside import Outside
from gitops_bot.release import freezes
from gitops_bot.release.windows import EVERYWHERE, Freeze, active_freeze

NOW = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)
LINE_ENDS = datetime(2026, 12, 1, tzinfo=UTC)
STOPPED = Freeze(EVERYWHERE, LINE_ENDS, Outside("incident 4711"))


def test_the_stopped_line_is_one_record_every_environment_reads(tmp_path: Path) -> None:
    assert freezes.set_freeze(tmp_path, EVERYWHERE, STOPPED)
    assert sorted(p.name for p in freezes.dir_for(tmp_path).iterdir()) == ["_all.yaml"]
    text = freezes.env_path_for(tmp_path, EVERYWHERE).read_text()
    assert text.startswith("# The line is stopped:")
    assert text.endswith("_all:\n  until: 2026-12-01T00:00:00Z\n  reason: incident 4711\n")
    assert freezes.load(tmp_path) == (STOPPED,)
    # any environment, one the configuration lists only later too
    for env in ("production", "staging", "added-next-week", "team/a"):
        assert freezes.in_force(tmp_path, env, NOW) == STOPPED
    assert freezes.in_force(tmp_path, "production", LINE_ENDS) is None  # it ends by itself
    assert not freezes.set_freeze(tmp_path, EVERYWHERE, STOPPED)  # the same twice changes nothing


def test_it_reads_as_the_one_stopped_line(tmp_path: Path) -> None:
    said = "all environments are frozen (stop the line) until 2026-12-01T00:00:00Z: incident 4711"
    assert STOPPED.everywhere and STOPPED.text() == said
    assert STOPPED.evidence() == {
        "reason": "incident 4711",
        "until": "2026-12-01T00:00:00Z",
        "scope": "all environments",
    }
    own = Freeze("production", LINE_ENDS, Outside("year end"))
    assert not own.everywhere and own.evidence() == {"reason": "year end", "until": "2026-12-01T00:00:00Z"}


def test_an_environments_own_freeze_stays_apart_and_the_longer_one_holds(tmp_path: Path) -> None:
    longer = Freeze("production", datetime(2026, 12, 28, tzinfo=UTC), Outside("year end"))
    shorter = Freeze("staging", datetime(2026, 11, 25, tzinfo=UTC), Outside("migration"))
    freezes.set_freeze(tmp_path, EVERYWHERE, STOPPED)
    freezes.set_freeze(tmp_path, "production", longer)
    freezes.set_freeze(tmp_path, "staging", shorter)
    assert freezes.in_force(tmp_path, "production", NOW) == longer  # releases resume at its end
    assert freezes.in_force(tmp_path, "staging", NOW) == STOPPED
    tie = Freeze("dev", LINE_ENDS, Outside("tie"))
    assert active_freeze([tie, STOPPED], "dev", NOW) == STOPPED  # the one state, on a tie

    freezes.set_freeze(tmp_path, EVERYWHERE, None)  # unfreeze --all lifts exactly it
    assert freezes.load(tmp_path) == (longer, shorter)
    assert freezes.in_force(tmp_path, "dev", NOW) is None
    assert freezes.in_force(tmp_path, "staging", NOW) == shorter


def test_a_record_naming_anything_but_the_line_is_refused_naming_its_file(tmp_path: Path) -> None:
    folder = freezes.dir_for(tmp_path)
    folder.mkdir()
    (folder / "_all.yaml").write_text("production:\n  until: 2026-12-01T00:00:00Z\n  reason: x\n")
    with pytest.raises(ConfigError, match=r"_all\.yaml.*holds the freeze of 'production'"):
        freezes.load(tmp_path)


def test_refusals_name_the_command_that_restarts_the_line(tmp_path: Path) -> None:
    freezes.set_freeze(tmp_path, EVERYWHERE, STOPPED)
    stopped = freezes.in_force(tmp_path, "production", NOW)
    assert stopped is not None
    assert str(freezes.refused(stopped)) == (
        "refused: all environments are frozen (stop the line) until 2026-12-01T00:00:00Z: incident 4711; "
        "wait, run 'gitops-bot unfreeze --all', or pass --force --reason TEXT"
    )
    assert "someone runs 'gitops-bot unfreeze --all'" in str(freezes.refused(stopped, automatic=True))


def test_unfreeze_env_while_the_line_is_stopped_says_what_it_does_in_one_line(tmp_path: Path) -> None:
    freezes.set_freeze(tmp_path, "production", Freeze("production", LINE_ENDS, Outside("year end")))
    assert freezes.still_frozen(tmp_path, "production", NOW) is None  # the line runs: nothing to add
    freezes.set_freeze(tmp_path, EVERYWHERE, STOPPED)
    tail = f"it stays frozen while the line is stopped ({STOPPED.text()}): 'gitops-bot unfreeze --all' restarts the line"
    assert freezes.still_frozen(tmp_path, "production", NOW) == f"lifts production's own freeze; {tail}"
    assert freezes.still_frozen(tmp_path, "dev", NOW) == f"dev has no freeze of its own to lift; {tail}"
    assert freezes.still_frozen(tmp_path, "dev", LINE_ENDS) is None


def test_plan_shows_an_expired_stopped_line_until_it_is_removed(tmp_path: Path) -> None:
    freezes.set_freeze(tmp_path, EVERYWHERE, STOPPED)
    later = datetime(2026, 12, 2, tzinfo=UTC)
    assert freezes.shown(tmp_path, "dev", later) == STOPPED and not STOPPED.active(later)
    own = Freeze("dev", datetime(2026, 11, 30, tzinfo=UTC), Outside("own"))
    freezes.set_freeze(tmp_path, "dev", own)
    assert freezes.shown(tmp_path, "dev", later) == own  # its own first, when neither holds


def _config(*writes: WriteMode) -> Config:
    envs = tuple(EnvironmentConfig(f"e{n}", (f"overlays/e{n}",), write=w) for n, w in enumerate(writes))
    return Config(Path("gitops-bot.yaml"), (), envs)


def test_the_one_change_request_is_a_commit_only_when_every_environment_commits() -> None:
    pr, commit = WriteMode.PULL_REQUEST, WriteMode.COMMIT
    assert freezes.everywhere_environment(_config(commit, commit)).write is commit
    assert freezes.everywhere_environment(_config(commit, pr)).write is pr
    assert freezes.everywhere_environment(_config(pr)).write is pr
    landing = freezes.everywhere_environment(_config(commit))
    assert (landing.name, landing.paths, landing.windows) == (EVERYWHERE, (), None)  # no window defers it
