"""A webhook's Content-Length is read as HTTP defines it (ASCII digits only): a superscript or
another script's digits is a clean 400, never an unhandled ValueError and never a length the
sender's HTTP stack did not mean."""

from __future__ import annotations

import io

import pytest

from gitops_bot.events import receiver
from gitops_bot.events.verify import Rejected

BODY = b"0123456789" * 3


@pytest.mark.parametrize(
    "length",
    ["²", "³", "¹²", "١٢", "०५", "\U0001d7d3", "5²", "0x5", "+5", "-1", " 5", "5 ", "1_0", "٣٠"],
)
def test_a_content_length_that_is_not_ascii_digits_is_a_clean_400(length: str) -> None:
    with pytest.raises(Rejected) as info:
        receiver._read({"content-length": length}, io.BytesIO(BODY), 1 << 20)
    assert info.value.status == 400
    assert str(info.value) == "invalid Content-Length"


def test_an_ascii_content_length_still_reads_exactly_that_many_bytes() -> None:
    assert receiver._read({"content-length": "12"}, io.BytesIO(BODY), 1 << 20) == BODY[:12]
