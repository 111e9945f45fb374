"""``--output json`` is written by the output's own indenting encoder: byte for byte what
``json.dumps(document, indent=2)`` writes (users and tests compare the text), types included."""

from __future__ import annotations

import enum
import json
import math
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from gitops_bot.output.as_json import dumps
from testkit.examples import examples

_SCALARS = (
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=True, allow_infinity=True)
    | st.text()  # any code point: escapes and \\uXXXX pairs as json writes them
)
_KEYS = st.text() | st.integers() | st.floats() | st.booleans() | st.none()
_TREES = st.recursive(
    _SCALARS,
    lambda inner: (
        st.lists(inner, max_size=4)
        | st.lists(inner, max_size=3).map(tuple)
        | st.dictionaries(_KEYS, inner, max_size=4)
    ),
    max_leaves=30,
)


@settings(max_examples=examples(100), deadline=None)
@given(st.dictionaries(st.text(), _TREES, max_size=5))
def test_any_document_is_written_exactly_as_json_indents_it(document: dict[str, Any]) -> None:
    assert dumps(document) == json.dumps(document, indent=2)


class _Mode(enum.StrEnum):
    REGISTRY = "registry"


class _Level(enum.IntEnum):
    TWO = 2


def test_enum_values_and_special_floats_are_written_as_json_writes_them() -> None:
    doc = {
        "mode": _Mode.REGISTRY,
        "level": _Level.TWO,
        "x": [math.nan, -math.inf, 1e300, -0.0],
        "e": {},
        "l": (),
    }
    assert dumps(doc) == json.dumps(doc, indent=2)


def test_a_value_json_cannot_write_is_refused_as_json_refuses_it() -> None:
    with pytest.raises(TypeError, match="not JSON serializable"):
        dumps({"when": object()})
    with pytest.raises(TypeError, match="keys must be"):
        dumps({"k": {(1, 2): "v"}})
