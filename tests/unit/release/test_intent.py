"""A person's rollback read from an environment's release history (newest first)."""

from __future__ import annotations

from gitops_bot.core.model import Deployed
from gitops_bot.core.outside import Outside
from gitops_bot.release.intent import PREFIX, made_by_release, manual_changes, record_of, to_hold, to_lift
from gitops_bot.release.ledger import Entry
from gitops_bot.release.proposal import Change, Release

A = "sha256:" + "a" * 64
B = "sha256:" + "b" * 64
C = "sha256:" + "c" * 64


def d(tag: str | None, digest: str | None = None) -> Deployed:
    return Deployed("app", "reg/app", tag, digest)


def release(value: Deployed, before: Deployed | None = None) -> Release:
    """The bot's release setting ``app`` to ``value`` in dev (from ``before``)."""
    old = before or d(None)
    change = Change(
        "dev", "app", "reg/app", ("dev/k.yaml",), old.tag, old.digest, value.tag, value.digest, Outside("")
    )
    return Release("dev", (change,))


def entry(
    sha: str,
    value: Deployed,
    *,
    bot: bool = False,
    subject: str = "change",
    trailer: Deployed | None = None,
    author: str = "Dana <dana@example.com>",
) -> Entry:
    """A commit leaving ``app`` at ``value``: the bot's release of it (``bot``), or a commit
    carrying the trailer of the bot's release of ``trailer`` (copied, or merged re-pinned)."""
    named = value if bot else trailer
    return Entry(
        sha * 40,
        "2026-11-24T10:00:00Z",
        Outside(author),
        Outside(subject),
        release(named).release_id if named else None,
        None,
        {"app": value},
        ("app",),
    )


def semver(name: str, new: Deployed, old: Deployed) -> bool | None:
    if not new.tag or not old.tag or new.tag == old.tag:
        return None  # as the engine's: a policy ranks two tags
    return [int(x) for x in new.tag.split(".")] < [int(x) for x in old.tag.split(".")]


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
    # the bot's release: its trailer names the very values the commit leaves
    assert manual_changes([entry("b", d("1.1.0"), bot=True), entry("a", d("1.0.0"), bot=False)], semver) == {}
    assert manual_changes([entry("a", d("1.0.0"), bot=False)], semver) == {}


def test_a_copied_trailer_over_older_content_is_a_persons_rollback() -> None:
    # "git commit -C <the bot's 1.1.0 commit>" over a change putting 1.0.0 back: the trailer and
    # the authorship are the bot's, the values are not the ones that release set
    history = [
        entry("c", d("1.0.0", A), trailer=d("1.1.0", B), author="gitops-bot <bot@example.com>"),
        entry("b", d("1.1.0", B), bot=True),
        entry("a", d("1.0.0", A)),
    ]
    (change,) = manual_changes(history, semver).values()
    assert change.back and list(to_hold({"app": change}, {})) == ["app"]
    # its author is copied: who committed it is named
    named = manual_changes(history, semver, committers={"c" * 40: "Dana <dana@example.com>"})["app"]
    assert "by Dana (author gitops-bot) in cccccccccccc" in named.reason()


def test_the_bots_trailer_on_a_merge_a_reviewer_repinned_older_is_a_persons_rollback() -> None:
    # the bot's PR proposed 1.2.0; a reviewer pushed 1.0.0 onto it and merged: the merge carries
    # the bot's trailer (from the commit it brought) and 1.0.0
    history = [
        entry("c", d("1.0.0", A), trailer=d("1.2.0", C), author="Rui <rui@example.com>"),
        entry("b", d("1.1.0", B), bot=True),
        entry("a", d("1.0.0", A), bot=True),
    ]
    (change,) = manual_changes(history, semver).values()
    assert change.back and "by Rui in cccccccccccc" in change.reason()


def test_an_older_digest_under_a_kept_or_dropped_tag_is_a_rollback() -> None:
    # 1.1.0 ran as build B after 1.0.0's build A; a person pins A again, keeping the tag 1.1.0
    # or dropping the tag: the tags cannot rank them, the digest ran before
    for pinned in (d("1.1.0", A), d(None, A)):
        history = [
            entry("c", pinned),
            entry("b", d("1.1.0", B), bot=True),
            entry("a", d("1.0.0", A), bot=True),
        ]
        assert manual_changes(history, semver)["app"].back, pinned
    # a build that never ran here is not a step back
    fresh = [entry("c", d(None, C)), entry("b", d("1.1.0", B), bot=True), entry("a", d("1.0.0", A), bot=True)]
    assert not manual_changes(fresh, semver)["app"].back


def test_a_release_written_tag_only_is_the_bots_by_its_messages_record() -> None:
    # the file had no place for a digest: the commit leaves 1.1.0 alone; its message lists the
    # release's values (digest included), and those are the ones its id names
    rel = release(d("1.1.0", B), d("1.0.0"))
    message = rel.commit_message("{environment}: {summary}")
    tag_only = Entry(
        "b" * 40, "t", Outside("bot"), Outside("s"), rel.release_id, None, {"app": d("1.1.0")}, ("app",)
    )
    assert not made_by_release(tag_only)
    record = record_of(message, rel.release_id)
    assert record == {"app": ("1.1.0", B)} and made_by_release(tag_only, record)
    back = Entry(
        "c" * 40, "t", Outside("bot"), Outside("s"), rel.release_id, None, {"app": d("1.0.0")}, ("app",)
    )
    assert not made_by_release(back, record)  # copied with that message: still not its values
    assert record_of(message.replace("1.1.0", "1.2.0"), rel.release_id) is None  # edited: not the record


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


def test_a_hold_read_from_history_says_how_to_lift_it() -> None:
    """A rollback a person made years before onboarding holds the first plan (by design); the
    hold's line names the command that lifts it, once, and other holds are said as written."""
    from gitops_bot.release.intent import PREFIX, shown

    reason = f"{PREFIX} v2 -> v1 by Kostis in 2de694ac391b (REadme instructions)"
    said = shown("default", "kostiscodefresh/summer-of-k8s-app", reason)
    assert said == f"{reason} (fix: gitops-bot unhold default kostiscodefresh/summer-of-k8s-app)"
    assert shown("default", "kostiscodefresh/summer-of-k8s-app", said) == said
    assert shown("default", "app", "waiting for the DB migration") == "waiting for the DB migration"
