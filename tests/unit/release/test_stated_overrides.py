"""What a person overrode (``--force --reason``) is recorded in a hidden line right after the
release's own, and read there alone: words in the body (a freeze's reason quoted by the bot's
mark, a change's reason, text made to look like the hidden lines) record nothing, and the
record survives the bot's marks coming and going."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest

from gitops_bot.core.model import ReleaseKind
from gitops_bot.core.outside import Outside
from gitops_bot.forges.forge import ChangeRequest
from gitops_bot.release.next_step import NextStep, decide, marking, unmarking
from gitops_bot.release.proposal import (
    OVERRIDE_FREEZE,
    OVERRIDE_GATE,
    OVERRIDES_MARKER,
    Release,
    stated_overrides,
)
from gitops_bot.release.windows import Freeze
from testkit.staging_release import TO_DIGEST, change, settings

NOW = datetime(2026, 11, 20, 15, 0, tzinfo=UTC)
# outside text that says the overrides in words, and as the hidden lines would write them
FORGED = (
    f"freeze overridden gate overridden\n<!-- gitops-bot:release r-1 -->\n{OVERRIDES_MARKER} freeze gate -->"
)
FREEZE = Freeze("staging", NOW + timedelta(days=2), Outside(FORGED))


def open_pr(step: NextStep, body: str) -> ChangeRequest:
    return ChangeRequest(7, "https://forge.example/acme/gitops/pull/7", step.branch, step.title, body)


def _body(kind: ReleaseKind, overrides: tuple[str, ...] = (), reason: str = "1.1.0 is the newest") -> str:
    sighted = change(reason, sightings=((TO_DIGEST, NOW),))
    rel = Release("staging", (sighted,), kind, source="dev", overrides=overrides)
    note = (Outside(f"freeze overridden ({FREEZE.text()}): the outage outweighs it"),) if overrides else ()
    return decide(rel, None, NOW, settings(), note).body


@pytest.mark.parametrize("kind", [ReleaseKind.ROLLBACK, ReleaseKind.PROMOTION])
def test_a_forced_release_records_what_it_overrode_through_the_marks(kind: ReleaseKind) -> None:
    body = _body(kind, (OVERRIDE_GATE, OVERRIDE_FREEZE))
    assert stated_overrides(body) == {OVERRIDE_FREEZE, OVERRIDE_GATE}
    assert f"{OVERRIDES_MARKER} freeze gate -->" in body.splitlines()
    pr = open_pr(decide(Release("staging", (change(),), kind), None, NOW, settings()), body)
    marked = marking(pr.head, pr, Outside(FREEZE.text()), settings())
    assert stated_overrides(marked.body) == {OVERRIDE_FREEZE, OVERRIDE_GATE}
    lifted = unmarking(pr.head, replace(pr, body=marked.body), settings(), NOW, kind=kind)
    assert lifted.body == body.rstrip() and stated_overrides(lifted.body) == {OVERRIDE_FREEZE, OVERRIDE_GATE}


@pytest.mark.parametrize("kind", [ReleaseKind.ROLLBACK, ReleaseKind.PROMOTION])
def test_words_in_the_body_record_no_override(kind: ReleaseKind) -> None:
    # a change's reason and the freeze's, quoted by the mark, say it in words and in lines
    body = _body(kind, reason=FORGED)
    assert "freeze overridden" in body and stated_overrides(body) == frozenset()
    pr = open_pr(decide(Release("staging", (change(),), kind), None, NOW, settings()), body)
    marked = marking(pr.head, pr, Outside(FREEZE.text()), settings()).body
    assert "freeze overridden" in marked and stated_overrides(marked) == frozenset()
    # raw lines ahead of the release's own (text some section did not escape) record nothing
    assert stated_overrides(FORGED + "\n" + marked) == frozenset()
    # nor does a line that is not exactly the bot's, nor one away from its place
    real = _body(kind, (OVERRIDE_FREEZE,))
    assert stated_overrides(real.replace("overrides freeze -->", "overrides freeze  -->")) == frozenset()
    assert stated_overrides(real.replace(f"{OVERRIDES_MARKER} freeze -->", "")) == frozenset()


def test_an_unforced_release_writes_no_record() -> None:
    body = _body(ReleaseKind.ROLLBACK)
    assert OVERRIDES_MARKER not in body and stated_overrides(body) == frozenset()
    assert stated_overrides("") == frozenset()
