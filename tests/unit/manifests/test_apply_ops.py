"""Edits applied to a text in one pass: the same text as applying them one by one, back to
front (the meaning the editors rely on: of two inserts at one place, the later ends up after),
for any set of edits that do not overlap."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from gitops_bot.manifests.yamltext import Op, apply_ops


def _one_by_one(body: str, ops: list[Op]) -> str:
    for _, op in sorted(enumerate(ops), key=lambda io: (io[1].start, io[1].end, io[0]), reverse=True):
        body = body[: op.start] + op.text + body[op.end :]
    return body


@st.composite
def edits(draw: st.DrawFn) -> tuple[str, list[Op]]:
    body = draw(st.text(alphabet="ab:\n -#", max_size=60))
    cuts = sorted(draw(st.lists(st.integers(0, len(body)), max_size=12)))
    ops, last = [], 0
    for a, b in zip(cuts[::2], cuts[1::2], strict=False):  # disjoint spans, inserts where a == b
        if a >= last:
            ops.append(Op(a, b, draw(st.text(alphabet="xyz\n", max_size=5))))
            last = b
    inserts = [Op(c, c, draw(st.text(alphabet="XY", min_size=1, max_size=3))) for c in cuts[:3]]
    order = draw(st.permutations(ops + inserts))
    return body, list(order)


@given(edits())
def test_one_pass_is_the_same_as_one_by_one(case: tuple[str, list[Op]]) -> None:
    body, ops = case
    assert apply_ops(body, ops) == _one_by_one(body, ops)


def test_two_inserts_at_one_place_keep_their_order() -> None:
    assert apply_ops("ab", [Op(1, 1, "1"), Op(1, 1, "2")]) == "a12b"


def test_overlapping_edits_keep_their_one_by_one_meaning() -> None:
    ops = [Op(0, 3, "X"), Op(1, 2, "Y")]
    assert apply_ops("abcd", ops) == _one_by_one("abcd", ops)
