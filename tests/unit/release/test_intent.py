"""A person's rollback read from an environment's release history (newest first)."""

from __future__ import annotations

from gitops_bot.core.model import Deployed
from gitops_bot.release.intent import PREFIX, manual_changes, to_hold, to_lift
from gitops_bot.release.ledger import Entry

A = "sha256:" + "a" * 64
B = "sha256:" + "b" * 64


def d(tag: str, digest: str | None = None) -> Deployed:
    return Deployed("app", "reg/app", tag, digest)


def entry(sha: str, value: Deployed, *, bot: bool, subject: str = "change") -> Entry:
    return Entry(
        sha * 40,
        "2026-11-24T10:00:00Z",
        "Dana <dana@example.com>",
        subject,
        f"r-{sha}" if bot else None,
        None,
        {"app": value},
        ("app",),
    )


def semver(name: str, new: Deployed, old: Deployed) -> bool | None:
    key = lambda t: tuple(int(x) for x in t.split("."))  # noqa: E731
    return None if new.tag == old.tag else key(str(new.tag)) < key(str(old.tag))


def test_a_persons_change_back_is_a_rollback_named_with_who_where_and_why() -> None:
    history = [
        entry("c", d("1.0.0", A), bot=False, subject="Revert: 1.1.0 breaks checkout"),
        entry("b", d("1.1.0", B), bot=True),
        entry("a", d("1.0.0", A), bot=False),
    ]
    (change,) = manual_changes(history, semver).values()
    assert change.back
    assert change.reason() == (
        f"{PREFIX} 1.1.0@bbbbbbbbbbbb -> 1.0.0@aaaaaaaaaaaa by Dana in cccccccccccc "
        "(Revert: 1.1.0 breaks checkout)"
    )
    assert list(to_hold({"app": change}, {})) == ["app"] and to_hold({"app": change}, {"app": "x"}) == {}


def test_the_bots_own_release_and_a_first_appearance_are_not_a_persons_intent() -> None:
    assert manual_changes([entry("b", d("1.1.0"), bot=True), entry("a", d("1.0.0"), bot=False)], semver) == {}
    assert manual_changes([entry("a", d("1.0.0"), bot=False)], semver) == {}


def test_a_new_build_of_the_same_tag_is_a_rollback_only_when_it_ran_before() -> None:
    rebuilt = [
        entry("c", d("1.0.0", A), bot=False),
        entry("b", d("1.0.0", B), bot=True),
        entry("a", d("1.0.0", A), bot=True),
    ]
    assert manual_changes(rebuilt, semver)["app"].back
    fresh = [entry("c", d("1.0.0", B), bot=False), entry("b", d("1.0.0", A), bot=True)]
    assert not manual_changes(fresh, semver)["app"].back


def test_the_persons_next_change_forward_lifts_the_hold_their_rollback_placed() -> None:
    back = manual_changes([entry("c", d("1.0.0"), bot=False), entry("b", d("1.1.0"), bot=True)], semver)
    held = {"app": back["app"].reason()}
    assert to_lift(back, held) == []  # the rollback itself: still held
    forward = manual_changes(
        [
            entry("d", d("1.1.0"), bot=False),
            entry("c", d("1.0.0"), bot=False),
            entry("b", d("1.1.0"), bot=True),
        ],
        semver,
    )
    assert to_lift(forward, held) == ["app"]
    assert to_lift(forward, {"app": "incident 42"}) == []  # a person's own hold is theirs to lift
