"""The four DORA keys from a release history, computed by hand: what counts as a rollback (a
build first deployed before the one it replaces, by the bot or by a person's revert), what a
hold within the span means, restores, lead times and what could not be read."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from gitops_bot.core.instants import format_instant
from gitops_bot.core.model import Deployed
from gitops_bot.core.outside import Outside
from gitops_bot.release import dora
from gitops_bot.release.ledger import Entry

T0 = datetime(2030, 1, 1, tzinfo=UTC)
H, D = timedelta(hours=1), timedelta(days=1)


def build(image: str, n: int) -> Deployed:
    return Deployed(image, None, f"1.{n}.0", "sha256:" + f"{image[-1]}{n}".rjust(64, "0"))


class History:
    """Releases written oldest first; ``entries`` newest first, as the ledger reads them."""

    def __init__(self) -> None:
        self.state: dict[str, Deployed] = {}
        self.written: list[Entry] = []

    def release(self, when: datetime, name: str, **images: int) -> str:
        changed = []
        for image, n in images.items():
            self.state[image] = build(image, n)
            changed.append(image)
        commit = f"{len(self.written):040x}"
        self.written.append(
            Entry(
                commit,
                format_instant(when),
                Outside("dev"),
                Outside(name),
                name,
                None,
                dict(self.state),
                tuple(sorted(changed)),
            )
        )
        return commit

    @property
    def entries(self) -> list[Entry]:
        return list(reversed(self.written))


def keys(h: History, holds: tuple[dora.HoldPlaced, ...] = (), **sources: dora.SourceDate) -> dora.Report:
    found = {(c, image): s for key, s in sources.items() for c, image in [key.split("_", 1)]}
    return dora.report("prod", h.entries, holds, found, since=T0, until=T0 + 10 * D)


def test_a_rollback_marks_the_release_it_undid_and_is_not_a_change_itself() -> None:
    h = History()
    h.release(T0 - D, "r0", app=0)
    h.release(T0 + H, "r1", app=1)
    h.release(T0 + 2 * H, "r2", app=2)
    h.release(T0 + 5 * H, "back", app=1)

    r = keys(h)

    assert len(r.releases) == 3 and r.changes == 2
    assert [(f.release, f.cause, f.signal, f.restore) for f in r.failures] == [
        ("r2", dora.Cause.ROLLBACK, "back", 3 * H)
    ]
    assert r.failure_rate == 0.5


def test_releasing_the_rolled_back_build_again_is_a_release_not_a_rollback() -> None:
    h = History()
    h.release(T0 - D, "r0", app=0)
    h.release(T0 + H, "r1", app=1)
    h.release(T0 + 2 * H, "back", app=0)
    h.release(T0 + 3 * D, "again", app=1)

    r = keys(h)

    assert r.restores == frozenset({h.written[2].commit})
    assert r.changes == 2  # r1 and again
    assert [f.release for f in r.failures] == ["r1"]


def test_a_rollback_after_the_span_is_no_failure_of_the_release() -> None:
    h = History()
    h.release(T0 - D, "r0", app=0)
    h.release(T0 + H, "r1", app=1)
    h.release(T0 + H + dora.FAILURE_SPAN + timedelta(seconds=1), "late", app=0)

    assert keys(h).failures == ()


def test_a_hold_on_a_changed_image_within_the_span_fails_the_release_not_restored_yet() -> None:
    h = History()
    h.release(T0 - D, "r0", app=0, worker=0)
    h.release(T0 + H, "r1", app=1)
    hold = dora.HoldPlaced("f" * 40, T0 + 3 * H, "app", Outside("incident 12"))
    other = dora.HoldPlaced("e" * 40, T0 + 2 * H, "worker", Outside("not changed by r1"))

    r = keys(h, (hold, other))

    (f,) = r.failures
    assert (f.release, f.cause, f.signal, f.restored_by, f.restore) == (
        "r1",
        dora.Cause.HOLD,
        "f" * 12,
        None,
        None,
    )
    assert r.restore.unread == (dora.UnreadRelease("r1", "app", Outside("not restored yet")),)


def test_a_hold_on_the_image_the_release_changed_is_restored_by_its_next_release() -> None:
    h = History()
    h.release(T0 - D, "r0", app=0)
    h.release(T0 + H, "r1", app=1)
    h.release(T0 + 4 * D, "r2", app=2)

    r = keys(h, (dora.HoldPlaced("f" * 40, T0 + 3 * H, "app", Outside("incident 12")),))

    (f,) = r.failures
    assert (f.cause, f.restored_by, f.restore) == (dora.Cause.HOLD, "r2", 4 * D - H)


def test_the_rollback_holding_what_it_restores_is_a_rollback_and_automatic_by_its_reason() -> None:
    h = History()
    h.release(T0 - D, "r0", app=0)
    h.release(T0 + H, "r1", app=1)
    back = h.release(T0 + 2 * H, "auto", app=0)
    reason = Outside(f"{dora.AUTO_ROLLBACK} 1.1.0 rolled back: release r1 Degraded")

    r = keys(h, (dora.HoldPlaced(back, T0 + 2 * H, "app", reason),))

    (f,) = r.failures
    assert (f.cause, f.signal, f.restore) == (dora.Cause.AUTO_ROLLBACK, "auto", H)


def test_lead_time_median_and_p90_by_nearest_rank_and_what_was_not_read() -> None:
    h = History()
    h.release(T0 - D, "r0", app=0)
    commits = [h.release(T0 + n * D, f"r{n}", app=n) for n in range(1, 6)]
    spans = [2 * H, 6 * H, D, timedelta(minutes=30)]
    sources = {
        f"{c}_app": dora.SourceDate(T0 + (n + 1) * D - s)
        for n, (c, s) in enumerate(zip(commits, spans, strict=False))
    }
    sources[f"{commits[4]}_app"] = dora.SourceDate(None, "no revision label")

    r = keys(h, **sources)

    assert r.lead_time.median == 4 * H  # between 2h and 6h
    assert r.lead_time.p90 == D  # the 4th of 4
    assert r.lead_time.releases == 4
    assert r.lead_time.unread == (dora.UnreadRelease("r5", "app", Outside("no revision label")),)


def test_releases_per_day_and_week_count_every_release_in_the_period() -> None:
    h = History()
    h.release(T0 - D, "before", app=0)
    for n in range(1, 6):
        h.release(T0 + n * H, f"r{n}", app=n)

    r = keys(h)

    assert len(r.releases) == 5 and r.days == 10
    assert (r.per_day, r.per_week) == (0.5, 3.5)
    assert r.to_json()["deployment_frequency"] == {
        "releases": 5,
        "per_day": 0.5,
        "per_week": 3.5,
        "days": 10.0,
    }


def test_wanted_names_each_new_build_of_a_change_with_the_build_it_replaced() -> None:
    h = History()
    h.release(T0 - D, "r0", app=0)
    c1 = h.release(T0 + H, "r1", app=1, worker=1)
    h.release(T0 + 2 * H, "back", app=0)

    wanted = dora.wanted(h.entries, T0, T0 + D)

    assert wanted == {
        (c1, "app"): (build("app", 1), build("app", 0)),
        (c1, "worker"): (build("worker", 1), None),
    }


def test_a_holds_change_placing_and_lifting() -> None:
    before = {"prod": {"app": "a", "worker": "b"}}
    after = {"prod": {"app": "a", "worker": "c", "api": "d"}, "staging": {"x": "y"}}

    assert dora.hold_changes(before, after, "prod") == [("api", "d"), ("worker", "c")]
    assert dora.hold_changes(after, before, "staging") == []
