"""One next step per change request: :func:`gitops_bot.release.next_step.decide` across every
kind (update, promotion, automatic promotion, rollback, automatic rollback, hold, freeze) and
every state (no pull request, one saying the same or otherwise, auto-merge on when ``min_age``
now waits, a closed window by pull request or by commit, a freeze, forced with a reason or
not, nothing left to change, images all held), and the table of
``docs/concepts/decisions.md`` held to it."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from gitops_bot.config import EnvironmentConfig
from gitops_bot.config.settings import GitConfig, PullRequestConfig
from gitops_bot.config.windows import WindowPeriod, WindowsConfig
from gitops_bot.core.model import ReleaseKind, WriteMode
from gitops_bot.core.outside import Outside, Parts
from gitops_bot.engine.outcome import Outcome, OutcomeAction
from gitops_bot.forges.forge import ChangeRequest
from gitops_bot.output.release_text import update_text
from gitops_bot.release.next_step import (
    FROZEN_MARK,
    STALE_MARK,
    NextStep,
    RequestStep,
    Settings,
    closing,
    decide,
    marking,
    unmarking,
    unproduced,
)
from gitops_bot.release.proposal import MERGE_WAITS, Change, Release
from gitops_bot.release.soak import PROMOTED
from gitops_bot.release.windows import Freeze

NOW = datetime(2026, 11, 20, 15, 0, tzinfo=UTC)
DOCS = Path(__file__).parents[3] / "docs/concepts/decisions.md"
CLOSED = WindowsConfig(timezone="UTC", deny=(WindowPeriod(days=tuple(range(7))),))  # never open
FREEZE = Freeze("staging", NOW + timedelta(days=2), Outside("year-end freeze"))
OVERRIDE: Parts = (Outside(f"freeze overridden ({FREEZE.text()}): CVE-2026-1 hotfix"),)
AUTO_PROMOTED: Parts = (
    f"{PROMOTED} dev has run these digests, Healthy and Synced, since 2026-11-20T13:00:00Z.",
)
ROLLED_BACK: Parts = ("Rolled back automatically:", " ", Outside("Degraded for 10m"), ".")

KINDS = (
    "update",
    "promotion",
    "automatic promotion",
    "rollback",
    "automatic rollback",
    "hold",
    "freeze",
)


def change(**kw: object) -> Change:
    fields: dict[str, object] = {
        "environment": "staging",
        "image": "example/app",
        "repository": "registry.example/app",
        "files": ("overlays/staging/kustomization.yaml",),
        "from_tag": "1.0.0",
        "from_digest": "sha256:" + "a" * 64,
        "to_tag": "1.1.0",
        "to_digest": "sha256:" + "b" * 64,
        "reason": Outside("1.1.0 is the newest ^1"),
    }
    return Change(**(fields | kw))  # type: ignore[arg-type]


def release(kind: str, **kw: object) -> tuple[Release, Parts]:
    """The release of ``kind``, and the note its command adds."""
    held = (("example/app", Outside("rolled back to r-1")),)
    made: dict[str, tuple[Release, Parts]] = {
        "update": (Release("staging", (change(**kw),)), ()),
        "promotion": (Release("staging", (change(**kw),), ReleaseKind.PROMOTION, source="dev"), ()),
        "automatic promotion": (
            Release("staging", (change(**kw),), ReleaseKind.PROMOTION, source="dev"),
            AUTO_PROMOTED,
        ),
        "rollback": (Release("staging", (change(**kw),), ReleaseKind.ROLLBACK, holds=held), ()),
        "automatic rollback": (
            Release("staging", (change(**kw),), ReleaseKind.ROLLBACK, holds=held),
            ROLLED_BACK,
        ),
        "hold": (
            Release("staging", (), ReleaseKind.HOLD, holds=(("example/app", Outside("incident 42")),)),
            (),
        ),
        "freeze": (Release("staging", (), ReleaseKind.FREEZE, freeze=FREEZE), ()),
    }
    return made[kind]


def settings(*, write: WriteMode = WriteMode.PULL_REQUEST, windows: WindowsConfig | None = None) -> Settings:
    env = EnvironmentConfig("staging", ("overlays/staging",), write=write, windows=windows)
    prc = PullRequestConfig(labels=("gitops-bot",), reviewers=("alice",), auto_merge="squash")
    return Settings(env, GitConfig(), prc)


def open_pr(step: NextStep, body: str | None = None) -> ChangeRequest:
    """The open pull request on ``step``'s branch, saying what ``step`` says (or ``body``)."""
    return ChangeRequest(
        7, "https://forge.example/acme/gitops/pull/7", step.branch, step.title, body or step.body
    )


def _fresh(kind: str) -> NextStep:
    rel, note = release(kind)
    return decide(rel, None, NOW, settings(), note)


def _frozen(kind: str, write: WriteMode) -> NextStep | None:
    rel, _ = release(kind)
    if kind == "update":  # the freeze keeps it out
        return decide(rel, None, NOW, settings(write=write), freeze=FREEZE)
    if kind in ("promotion", "rollback"):  # a person's, forced with a reason
        return decide(rel, None, NOW, settings(write=write), OVERRIDE)
    if kind in ("hold", "freeze"):  # safety actions: a freeze does not stop them
        return decide(rel, None, NOW, settings(write=write))
    return None  # the automatic ones are refused before (they never override a freeze)


def _no_change(kind: str) -> NextStep:
    rel, note = release(kind)
    pr = open_pr(_fresh(kind))
    return decide(rel, pr, NOW, settings(), note, changed=False)


def _waits(kind: str) -> NextStep | None:
    if kind != "update":  # min_age holds releases the policy chooses, by the forge's clock
        return None
    rel, note = release(kind, merge_waits=NOW + timedelta(hours=1))
    earlier, _ = release(kind)
    pr = open_pr(decide(earlier, None, NOW, settings(), note))  # auto-merge was requested on it
    return decide(rel, pr, NOW, settings(), note)


def _frozen_open(kind: str, pr: str) -> NextStep | None:
    """An update whose pull request is open when its environment is frozen: ``pr`` says what
    the bot's record on it says (auto-merge requested, deferred by a window, marked frozen
    already, or marked and the freeze over)."""
    if kind != "update":  # the others follow the freeze in the automatic rules (engine.auto)
        return None
    rel, _ = release(kind)
    before = _with(kind, windows=CLOSED) if pr == "deferred" else _fresh(kind)
    found = open_pr(before)
    if pr in ("marked", "thawed"):
        found = open_pr(before, decide(rel, found, NOW, settings(), freeze=FREEZE).body)
    return decide(rel, found, NOW, settings(), freeze=None if pr == "thawed" else FREEZE)


def _all_held(kind: str) -> NextStep | None:
    if kind != "update":
        return None
    pr = open_pr(_fresh(kind))
    return closing("staging", pr.head, pr, "already runs what this pull request proposed")


def _with(kind: str, *, pr: str | None = None, **s: object) -> NextStep:
    rel, note = release(kind)
    first = decide(rel, None, NOW, settings(**s), note)  # type: ignore[arg-type]
    found = None if pr is None else open_pr(first, first.body if pr == "same" else "an older body")
    return decide(rel, found, NOW, settings(**s), note)  # type: ignore[arg-type]


def _window_closes(kind: str) -> NextStep:
    """Its pull request opened inside the window (auto-merge requested), the window closed now."""
    rel, note = release(kind)
    pr = open_pr(decide(rel, None, NOW, settings(), note))
    return decide(rel, pr, NOW, settings(windows=CLOSED), note)


def _window_opens(kind: str) -> NextStep:
    """Its pull request opened outside the window (auto-merge deferred), the window open now."""
    rel, note = release(kind)
    return decide(rel, open_pr(_with(kind, windows=CLOSED)), NOW, settings(), note)


def _persons(kind: str, *, again: bool = False) -> NextStep | None:
    """A person's promotion or rollback, opened with auto-merge, whose premise is gone now (a
    freeze it did not override, its source's gate, a hold): marked, or marked already."""
    if kind not in ("promotion", "rollback"):  # the automatic ones are closed (engine.auto)
        return None
    pr = open_pr(_fresh(kind))
    step = marking(pr.head, pr, Outside(FREEZE.text()), settings())
    return marking(pr.head, open_pr(step), Outside(FREEZE.text()), settings()) if again else step


def _lifted(kind: str, **s: object) -> NextStep | None:
    """A person's promotion or rollback, marked, whose reason has gone (the decision is
    "promote" again; the application fails again): the mark leaves its body and auto-merge is
    asked again, unless a closed window holds a promotion's back (a rollback waits for none)."""
    marked = _persons(kind)
    if marked is None:
        return None
    pr = open_pr(marked)
    return unmarking(pr.head, pr, settings(**s), NOW, kind=ReleaseKind(kind))  # type: ignore[arg-type]


def _failing_frozen(kind: str, pr: str) -> NextStep | None:
    """An automatic rollback, opened with auto-merge, its application still failing when a
    freeze arrives: marked, as a person's (left open: the chain holds it back, a person may
    still merge it), or marked already; ``pr`` "thawed": the freeze over, its rule is due again
    and takes it back, its own body and auto-merge asked again."""
    if kind != "automatic rollback":  # a person's follows the freeze as any of theirs does
        return None
    rel, note = release(kind)
    opened = open_pr(_fresh(kind))
    step = marking(opened.head, opened, Outside(FREEZE.text()), settings())
    if pr == "marked":
        return marking(opened.head, open_pr(step), Outside(FREEZE.text()), settings())
    if pr == "thawed":
        return decide(rel, open_pr(step), NOW, settings(), note)
    return step


def _unknown(kind: str) -> NextStep | None:
    """Its image's age could not be read (a push-time API, the forge): nothing produces it."""
    if kind != "update":
        return None
    pr = open_pr(_fresh(kind))
    why = "example/app: 1.2.0's push time could not be read: GitHub Packages: answered HTTP 503"
    return unproduced("staging", pr.head, pr, "already runs what this pull request proposed", why)


STATES: dict[str, Callable[[str], NextStep | None]] = {
    "no pull request": _fresh,
    "its pull request says the same": lambda k: _with(k, pr="same"),
    "its pull request says otherwise": lambda k: _with(k, pr="other"),
    "its pull request has auto-merge on, and the image now waits for `min_age`": _waits,
    "a closed window, by pull request": lambda k: _with(k, windows=CLOSED),
    "a closed window, `write: commit`": lambda k: _with(k, write=WriteMode.COMMIT, windows=CLOSED),
    "the window closes, its pull request open with auto-merge on": _window_closes,
    "the window opens, its pull request open with auto-merge deferred": _window_opens,
    "`write: commit`": lambda k: _with(k, write=WriteMode.COMMIT),
    "frozen, by pull request": lambda k: _frozen(k, WriteMode.PULL_REQUEST),
    "frozen, `write: commit`": lambda k: _frozen(k, WriteMode.COMMIT),
    "frozen, its pull request open with auto-merge on": lambda k: _frozen_open(k, "on"),
    "frozen, its pull request open with auto-merge deferred": lambda k: _frozen_open(k, "deferred"),
    "frozen, its pull request marked frozen": lambda k: _frozen_open(k, "marked"),
    "the freeze over, its pull request marked frozen": lambda k: _frozen_open(k, "thawed"),
    "nothing left to change, its pull request open": _no_change,
    "its images all held (or replaced), its pull request open": _all_held,
    "its image's age unknown (a clock not read), its pull request open": _unknown,
    "a person's, its premise gone (a freeze, its source's gate, a hold)": _persons,
    "a person's, marked already": lambda k: _persons(k, again=True),
    "a person's, marked, its reason gone": _lifted,
    "a person's, marked, its reason gone, a closed window": lambda k: _lifted(k, windows=CLOSED),
    "frozen, still failing, its pull request open with auto-merge on": lambda k: _failing_frozen(k, "on"),
    "frozen, still failing, its pull request marked": lambda k: _failing_frozen(k, "marked"),
    "the freeze over, still failing, its pull request marked": lambda k: _failing_frozen(k, "thawed"),
}
# what the body (or, for a commit, the message) may add, and what the run may say; an
# automatic release's own line is always there (held below), so the table leaves it out
ADDS = ("auto-merge deferred:", "freeze overridden", MERGE_WAITS, FROZEN_MARK, STALE_MARK)
OWN = {"automatic promotion": PROMOTED, "automatic rollback": "Rolled back automatically:"}
SAYS = (
    "auto-merge deferred:",
    "deferred by window until",
    "not updated:",
    "supersedes",
    "merge waits until",
    "auto-merge withdrawn",
    "left open:",
    "mark lifted from",
    "auto-merge requested again once the window opens",
)


def _published(step: NextStep) -> str:
    return step.commit_message if step.branch == "main" else step.body


def _cells(step: NextStep) -> tuple[str, str, str, str]:
    adds = [f"`{p}`" for p in ADDS if p in _published(step)]
    says = [f"`{p}`" for p in SAYS if any(n.startswith(p) for n in step.notes)]
    auto = "on" if step.auto_merge else f"off ({step.withheld})" if step.withheld else "—"
    return (f"`{step.action}`", auto, ", ".join(adds) or "—", ", ".join(says) or "—")


@pytest.mark.parametrize("kind", OWN)
def test_an_automatic_release_says_so_in_every_state(kind: str) -> None:
    for state, make in STATES.items():
        step = make(kind)
        assert step is None or OWN[kind] in _published(step), state


def _code_table() -> dict[tuple[str, str], tuple[str, str, str, str]]:
    out = {}
    for state, make in STATES.items():
        for kind in KINDS:
            step = make(kind)
            if step is not None:
                out[(kind, state)] = _cells(step)
    return out


def _docs_table() -> dict[tuple[str, str], tuple[str, str, str, str]]:
    text = DOCS.read_text()
    start = text.index("<!-- next steps -->")
    rows = [line for line in text[start:].splitlines()[3:] if line.startswith("|")]
    out = {}
    for row in rows:
        kinds, state, action, auto, adds, says = (c.strip() for c in row.strip("|").split("|"))
        for kind in KINDS if kinds == "every kind" else kinds.split(", "):
            assert (kind, state) not in out, f"{kind}, {state}: twice in the table"
            out[(kind, state)] = (action, auto, adds, says)
    return out


def test_the_docs_table_of_next_steps_is_what_decide_does() -> None:
    assert _docs_table() == _code_table()


@pytest.mark.parametrize("kind", KINDS)
def test_a_step_carries_its_commands_note_in_the_body_and_a_commits_message(kind: str) -> None:
    rel, note = release(kind)
    by_pr, by_commit = decide(rel, None, NOW, settings(), note), _with(kind, write=WriteMode.COMMIT)
    assert by_pr.branch == f"gitops-bot/{kind.split()[-1]}/staging".replace("/update", "")
    assert by_pr.title == rel.title() and by_commit.branch == "main"
    # the commit message is the configured template's, the note before the trailers
    assert by_commit.commit_message.startswith(f"chore(staging): {rel.summary}\n")
    assert by_commit.commit_message.endswith(f"Gitops-Bot-Release: {rel.release_id}\n")
    if note:
        said = "".join(str(p) for p in note)
        assert by_pr.body.endswith(said) and said in by_commit.commit_message
        # a pull request's branch carries the bare release: its note is the pull request's
        assert said not in by_pr.commit_message


def test_a_new_pull_request_is_decorated_and_an_open_one_only_when_its_auto_merge_is_due() -> None:
    step = _fresh("update")
    assert step.decoration is not None and step.decoration.labels == ("gitops-bot",)
    assert step.decoration.reviewers == ("alice",) and step.decoration.auto_merge == "squash"
    assert _with("update", pr="other").decoration is None
    deferred = _with("update", windows=CLOSED)
    assert deferred.decoration is not None and deferred.decoration.auto_merge is None
    # the window opened: the open pull request's body said "deferred", its auto-merge is asked now
    rel, _ = release("update")
    opened = decide(rel, open_pr(deferred, deferred.body), NOW, settings())
    assert opened.action is RequestStep.UPDATE and opened.decoration is not None
    assert opened.decoration.auto_merge == "squash" and opened.decoration.labels == ()


def test_a_superseded_pull_request_is_closed_with_why_and_its_branch_kept_for_the_new_one() -> None:
    step = _waits("update")
    assert step is not None and step.action is RequestStep.SUPERSEDE
    (gone,) = step.closes
    assert (gone.number, gone.deletes_branch) == (7, False)
    assert gone.comment.startswith("Closed by gitops-bot: **staging** now proposes an image")
    assert step.merge_waits == NOW + timedelta(hours=1) and step.status_due


def test_an_open_pull_request_follows_a_freeze_and_its_auto_merge_never_stays_requested() -> None:
    on = _frozen_open("update", "on")
    assert on is not None and on.action is RequestStep.SUPERSEDE and on.auto_merge is None
    (gone,) = on.closes
    assert (
        not gone.deletes_branch and "is frozen" in gone.comment and "auto-merge was requested" in gone.comment
    )
    # the new one: the open one's title and body (nothing of the release is written), marked once,
    # decorated as a new pull request but without auto-merge
    assert on.decoration is not None and on.decoration.auto_merge is None
    assert on.decoration.labels == ("gitops-bot",) and on.body.count(FROZEN_MARK) == 1
    assert "end freeze" in on.body and on.title == _fresh("update").title
    marked = _frozen_open("update", "marked")
    assert marked is not None and marked.action is RequestStep.LEAVE and marked.decoration is None
    # the freeze over: the marked one is updated and its auto-merge requested again
    thawed = _frozen_open("update", "thawed")
    assert thawed is not None and thawed.action is RequestStep.UPDATE and FROZEN_MARK not in thawed.body
    assert thawed.decoration is not None and thawed.decoration.auto_merge == "squash"


def test_closing_deletes_the_branch_and_says_why() -> None:
    step = _all_held("update")
    assert step is not None and step.action is RequestStep.CLOSE
    (gone,) = step.closes
    assert gone.deletes_branch and gone.branch == "gitops-bot/staging"
    assert gone.comment == "Closed by gitops-bot: **staging** already runs what this pull request proposed."
    assert step.to_json()["closes"] == [
        {"branch": "gitops-bot/staging", "number": 7, "url": gone.url, "comment": gone.comment}
    ]


def test_a_step_is_the_same_value_for_the_same_inputs() -> None:
    for state, make in STATES.items():
        for kind in KINDS:
            assert make(kind) == make(kind), (kind, state)


def test_a_dry_runs_json_carries_the_step_with_its_body_bytes() -> None:
    rel, note = release("automatic rollback")
    step = decide(rel, None, NOW, settings(), note)
    doc = step.to_json()
    assert doc["action"] == "create" and doc["body"] == step.body and doc["auto_merge"] == "squash"
    assert doc["commit_message"] == step.commit_message and doc["labels"] == ["gitops-bot"]
    assert replace(step, body="x").to_json()["body"] == "x"


def test_an_open_pull_request_into_another_branch_is_closed_and_a_new_one_opened() -> None:
    """The bot's branch is named for the environment whatever its target: one left open into
    main when the environment moved to a branch of its own is closed, saying why, its head
    branch kept for the new one into the environment's branch (never updated in place)."""
    rel, note = release("update")
    into_env = replace(settings(), base="env/staging")
    pr = replace(open_pr(decide(rel, None, NOW, into_env, note)), base="main")
    step = decide(rel, pr, NOW, into_env, note)
    assert step.action is RequestStep.SUPERSEDE, step
    (gone,) = step.closes
    assert gone.number == 7 and not gone.deletes_branch
    assert "merges into main, but staging now releases into env/staging" in gone.comment
    assert any("supersedes pull request #7 into main" in n for n in step.notes)
    unchanged = decide(rel, pr, NOW, into_env, note, changed=False)
    assert unchanged.action is RequestStep.CLOSE and "env/staging" in unchanged.closes[0].comment
    same = replace(pr, base="env/staging")  # into the right branch: kept
    assert decide(rel, same, NOW, into_env, note).action is RequestStep.LEAVE
    assert decide(rel, replace(pr, base=None), NOW, into_env, note).action is RequestStep.LEAVE


def test_a_dry_run_names_the_branch_a_pull_request_merges_into() -> None:
    """Into an environment's own branch (or the base): the one fact a reviewer of a
    branch-per-environment repository needs before the run, in the text and the JSON."""
    rel, note = release("update")
    step = decide(rel, None, NOW, replace(settings(), base="env/staging"), note)
    assert step.to_json()["base"] == "env/staging" and step.to_json()["branch"] == step.branch
    dry = Outcome("staging", rel.changes, OutcomeAction.DRY_RUN, step.branch, title=step.title, step=step)
    said = update_text([dry])
    assert f"would open a pull request {step.title!r} on {step.branch} into env/staging" in said, said
    assert "base" not in decide(rel, None, NOW, settings(write=WriteMode.COMMIT), note).to_json()


@pytest.mark.parametrize("kind", ["promotion", "rollback"])
def test_a_marked_pull_request_whose_reason_changes_says_the_new_reason_alone(kind: str) -> None:
    """Marked while its source was Degraded, the source recovers but a hold now refuses it:
    the body says the hold, once, and no longer the Degraded source (a reviewer would read a
    reason that no longer holds); the same reason again changes nothing."""
    marked = _persons(kind)
    assert marked is not None
    pr = open_pr(marked)
    held = Outside("production holds example/app (load test running)")
    step = marking(pr.head, pr, held, settings())
    assert step.action is RequestStep.UPDATE and not step.withdraws  # withdrawn with the first mark
    assert step.body.count(STALE_MARK) == 1 and "load test running" in step.body
    assert FREEZE.text() not in step.body.split(STALE_MARK)[1]
    assert step.body.split(STALE_MARK)[0] == marked.body.split(STALE_MARK)[0]
    again = marking(pr.head, open_pr(step), held, settings())
    assert again.action is RequestStep.LEAVE
