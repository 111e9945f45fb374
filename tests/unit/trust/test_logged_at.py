"""When the transparency log recorded a keyless signature, as ``min_age`` may trust it: the
entry's integratedTime only where the log signed it (an inclusion promise), never a field the
publisher could have written."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from gitops_bot.trust.keyless import _logged_at


def _doc(entry: dict[str, Any]) -> dict[str, Any]:
    return {"verificationMaterial": {"tlogEntries": [entry]}}


def test_a_promised_entry_gives_its_integrated_time() -> None:
    entry = {"integratedTime": "1767225600", "inclusionPromise": {"signedEntryTimestamp": "MEUCIQ=="}}
    assert _logged_at(_doc(entry)) == datetime(2026, 1, 1, tzinfo=UTC)


def test_an_unsigned_integrated_time_is_no_time() -> None:
    # inclusion proof and a TSA timestamp, no promise: integratedTime is the publisher's to write
    assert _logged_at(_doc({"integratedTime": "0", "inclusionProof": {"logIndex": "1"}})) is None
    assert _logged_at(_doc({"integratedTime": "1767225600"})) is None
    assert _logged_at({"verificationMaterial": {"tlogEntries": []}}) is None
    assert (
        _logged_at(_doc({"integratedTime": "soon", "inclusionPromise": {"signedEntryTimestamp": "x"}}))
        is None
    )
