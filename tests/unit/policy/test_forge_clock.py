"""min_age by the forge's clock: where no clock the publisher cannot set ages an image (no
registry push time, no transparency log) and the environment delivers by pull request, the
image is aged from when the bot first saw it, as its pull request records; its own creation
time only makes it younger. When nothing is old enough the one that comes of age first is
proposed at once (its pull request starts the clock) and its merge waits."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from gitops_bot.core.model import AgeSource, ImageAge
from gitops_bot.policy.age import ForgeClock, old_enough
from gitops_bot.release.proposal import MAX_SIGHTINGS, RECORD_SLACK, Change, Release, every_sighting, marked
from testkit.ages import Asked

NOW = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)


def recorded_sightings(body: str, image: str, opened: datetime | None) -> dict[str, datetime]:
    """One image's sightings as the session reads them: the whole body once, then by name."""
    return every_sighting(body, opened).get(marked(image), {})


HOUR = timedelta(hours=1)


def image(n: int, created_min_ago: int | None = 600, source: AgeSource = AgeSource.CONFIG) -> ImageAge:
    created = None if created_min_ago is None else NOW - timedelta(minutes=created_min_ago)
    return ImageAge(f"sha256:{n:064x}", created, source if created else AgeSource.NONE)


def test_an_old_creation_time_does_not_age_an_image_the_bot_sees_first_now() -> None:
    """A week-old creation time (a reproducible build's commit date): proposed, merge waits."""
    known = {"2": image(2, created_min_ago=7 * 24 * 60), "1": image(1)}
    v = old_enough(["2", "1"], Asked(known), HOUR, NOW, known["1"].digest, ForgeClock({}))
    assert (v.tag, v.digest) == ("2", known["2"].digest)
    assert v.waiting is not None and v.waiting.proposed and v.waiting.until == NOW + HOUR
    assert v.waiting.seen == NOW and v.sightings == ((known["2"].digest, NOW),)
    assert "first seen by the bot 2026-03-01T12:00:00Z" in v.waiting.decided_by


def test_a_recorded_sighting_an_hour_old_is_old_enough() -> None:
    known = {"2": image(2), "1": image(1)}
    seen = {known["2"].digest: NOW - HOUR}
    v = old_enough(["2", "1"], Asked(known), HOUR, NOW, known["1"].digest, ForgeClock(seen))
    assert v.tag == "2" and v.waiting is None
    assert v.sightings == ((known["2"].digest, NOW - HOUR),)  # kept for the next run


def test_a_creation_time_after_the_sighting_makes_it_younger_never_older() -> None:
    known = {"2": image(2, created_min_ago=10), "1": image(1)}
    seen = {known["2"].digest: NOW - 2 * HOUR}
    v = old_enough(["2", "1"], Asked(known), HOUR, NOW, known["1"].digest, ForgeClock(seen))
    assert v.waiting is not None and v.waiting.until == NOW - timedelta(minutes=10) + HOUR


def test_a_newer_image_seen_meanwhile_does_not_reset_the_older_ones_clock() -> None:
    """1.2 first seen 50 minutes ago, 1.3 now: 1.2 is proposed (first of age), 1.3 waits."""
    known = {"1.3": image(3), "1.2": image(2), "1.1": image(1)}
    seen = {known["1.2"].digest: NOW - timedelta(minutes=50)}
    v = old_enough(["1.3", "1.2", "1.1"], Asked(known), HOUR, NOW, known["1.1"].digest, ForgeClock(seen))
    assert v.tag == "1.2" and v.waiting is not None and v.waiting.proposed
    assert v.waiting.until == NOW + timedelta(minutes=10)
    assert v.newer is not None and v.newer.tag == "1.3" and v.newer.until == NOW + HOUR
    assert dict(v.sightings) == {known["1.3"].digest: NOW, known["1.2"].digest: NOW - timedelta(minutes=50)}
    # ten minutes on, a restarted bot reading the same record: 1.2 is old enough, 1.3 still waits
    later = NOW + timedelta(minutes=10)
    v = old_enough(
        ["1.3", "1.2", "1.1"], Asked(known), HOUR, later, known["1.1"].digest, ForgeClock(dict(v.sightings))
    )
    assert v.tag == "1.2" and v.waiting is not None and not v.waiting.proposed and v.waiting.tag == "1.3"


def test_a_registry_push_time_wins_over_the_forge_and_is_not_proposed_early() -> None:
    """1.3 has a push time (the publisher cannot set it) 59 minutes ago; 1.2 none: 1.3 comes of
    age first, so nothing is proposed (no forge clock to start), and 1.3 waits a minute."""
    pushed = ImageAge(f"sha256:{3:064x}", NOW - timedelta(minutes=59), AgeSource.REGISTRY, vetted=True)
    known = {"1.3": pushed, "1.2": image(2), "1.1": image(1)}
    v = old_enough(["1.3", "1.2", "1.1"], Asked(known), HOUR, NOW, known["1.1"].digest, ForgeClock({}))
    assert v.tag is None and v.waiting is not None and v.waiting.tag == "1.3"
    assert v.waiting.until == NOW + timedelta(minutes=1) and not v.waiting.proposed


def test_without_a_publisher_free_clock_the_walk_stops_at_the_first_image_seen_now() -> None:
    known = {"4": image(4), "3": image(3), "2": image(2), "1": image(1)}
    age_of = Asked(known)
    v = old_enough(["4", "3", "2", "1"], age_of, HOUR, NOW, known["1"].digest, ForgeClock({}, vetting=False))
    assert v.tag == "4" and age_of.asked == ["4"]
    # a sighting recorded further down is still looked for
    age_of = Asked(known)
    seen = {known["2"].digest: NOW - HOUR}
    v = old_enough(
        ["4", "3", "2", "1"], age_of, HOUR, NOW, known["1"].digest, ForgeClock(seen, vetting=False)
    )
    assert v.tag == "2" and age_of.asked == ["4", "3", "2"]


def test_the_deployed_tag_is_pinned_without_age_unless_a_newer_image_needs_its_clock() -> None:
    known = {"2": image(2), "1": image(1)}
    v = old_enough(["1"], Asked(known), HOUR, NOW, None, ForgeClock({}), deployed_tag="1")
    assert v.tag == "1" and v.waiting is None
    v = old_enough(["2", "1"], Asked(known), HOUR, NOW, None, ForgeClock({}), deployed_tag="1")
    assert v.tag == "2" and v.waiting is not None and v.waiting.proposed


def _body(sightings: tuple[tuple[str, datetime], ...]) -> str:
    change = Change(
        "staging", "example/app", "r/app", ("k.yaml",), "1", None, "2", f"sha256:{2:064x}", "why",
        merge_waits=NOW + HOUR, age_from="first seen by the bot", sightings=sightings,
    )  # fmt: skip
    return Release("staging", (change,)).body()


def test_the_pull_request_records_sightings_and_reads_them_back_no_earlier_than_itself() -> None:
    digest = f"sha256:{2:064x}"
    body = _body(((digest, NOW),))
    assert f"Do not merge before {'2026-03-01T13:00:00Z'}" in body
    assert f"<!-- gitops-bot:seen example/app {digest} 2026-03-01T12:00:00Z -->" in body
    assert recorded_sightings(body, "example/app", NOW + timedelta(seconds=3)) == {digest: NOW}
    assert recorded_sightings(body, "example/other", NOW) == {}
    # edited to claim a day earlier: no earlier than the forge's own creation stamp allows
    forged = body.replace("2026-03-01T12:00:00Z -->", "2026-02-28T12:00:00Z -->")
    assert recorded_sightings(forged, "example/app", NOW) == {digest: NOW - RECORD_SLACK}
    # no creation stamp from the forge: nothing is believed
    assert recorded_sightings(body, "example/app", None) == {}
    # malformed lines are not sightings
    junk = (
        f"<!-- gitops-bot:seen example/app {digest} 9999-99-99 -->\n<!-- gitops-bot:seen example/app x y -->"
    )
    assert recorded_sightings(junk, "example/app", NOW) == {}


def test_a_name_the_configuration_allows_is_recorded_whole_and_read_back() -> None:
    """Image names are the configuration's words: a space or ``-->`` must not end the hidden
    line early or make it unreadable (then the image would be "seen now" on every run)."""
    digest = f"sha256:{2:064x}"
    for name in ("team app", "x-->y", "é/app", "a" * 300):
        change = Change(
            "staging", name, "r/app", ("k.yaml",), "1", None, "2", digest, "why", sightings=((digest, NOW),)
        )
        body = Release("staging", (change,)).body()
        (line,) = [x for x in body.splitlines() if x.startswith("<!-- gitops-bot:seen")]
        assert line.endswith(" -->") and line.count("-->") == 1, line
        assert recorded_sightings(body, name, NOW) == {digest: NOW}, name


def test_every_image_of_a_large_environments_pull_request_is_read_back() -> None:
    """Three hundred images in one pull request, each with its sighting: all are read back (a
    window over the body's last lines would lose the first images, which would then count as
    seen now on every run and never come of age)."""
    digest = f"sha256:{2:064x}"
    changes = tuple(
        Change(
            "staging",
            f"team/app{n}",
            "r/app",
            ("k.yaml",),
            "1",
            None,
            "2",
            digest,
            "why",
            sightings=((digest, NOW),),
        )
        for n in range(300)
    )
    body = Release("staging", changes).body()
    assert recorded_sightings(body, "team/app0", NOW) == {digest: NOW}
    assert recorded_sightings(body, "team/app299", NOW) == {digest: NOW}
    # one image's record stays bounded, whatever a body repeats
    many = "\n".join(
        f"<!-- gitops-bot:seen team/app0 sha256:{n:064x} 2026-03-01T12:00:00Z -->" for n in range(500)
    )
    assert len(recorded_sightings(many, "team/app0", NOW)) == MAX_SIGHTINGS
