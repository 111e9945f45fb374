"""A record behaves as the frozen dataclass it replaces: each class is declared twice, once
with ``@record`` and once with ``@dataclass(frozen=True)``, and every construction, comparison,
hash, repr, refusal and copy is held against the dataclass's."""

from __future__ import annotations

import copy
import dataclasses
import inspect
import threading
from dataclasses import FrozenInstanceError, dataclass, field
from typing import Any

import pytest

from gitops_bot.core.record import record


def _twins(body: dict[str, Any], annotations: dict[str, Any], **opts: Any) -> tuple[type, type]:
    def make(name: str) -> type:
        return type(name, (), {**body, "__annotations__": dict(annotations), "__qualname__": "Point"})

    rec = record(**opts)(make("Point")) if opts else record(make("Point"))
    dc = dataclass(frozen=True, **opts)(make("Point"))
    return rec, dc


Cases = list[dict[str, Any]]
SHAPES: list[tuple[str, dict[str, Any], dict[str, Any], dict[str, Any], Cases]] = [
    ("no fields", {}, {}, {}, [{}]),
    ("one field", {}, {"x": "int"}, {}, [{"x": 1}, {"x": 2}]),
    ("defaults", {"y": 2, "z": field(default_factory=tuple)}, {"x": "int", "y": "int", "z": "tuple"}, {},
     [{"x": 1}, {"x": 1, "y": 2}, {"x": 1, "y": 3}, {"x": 1, "z": (3,)}, {"x": 2, "z": (3,)}]),
    ("hidden and uncompared", {"s": field(default="k", repr=False), "t": field(default=0, compare=False)},
     {"x": "int", "s": "str", "t": "int"}, {},
     [{"x": 1}, {"x": 1, "s": "j"}, {"x": 1, "t": 7}, {"x": 2, "s": "j", "t": 7}]),
    ("hash off one field", {"h": field(default=1, hash=False)}, {"x": "int", "h": "int"}, {},
     [{"x": 1}, {"x": 1, "h": 2}, {"x": 2}]),
    ("kw_only", {}, {"x": "int", "y": "str"}, {"kw_only": True},
     [{"x": 1, "y": "k"}, {"x": 1, "y": "j"}, {"x": 2, "y": "k"}]),
]  # fmt: skip


@pytest.mark.parametrize(
    ("label", "body", "annotations", "opts", "cases"), SHAPES, ids=[s[0] for s in SHAPES]
)
def test_a_record_compares_hashes_and_prints_as_the_dataclass(
    label: str, body: dict[str, Any], annotations: dict[str, Any], opts: dict[str, Any], cases: Cases
) -> None:
    rec, dc = _twins(body, annotations, **opts)
    assert dataclasses.is_dataclass(rec)
    assert [f.name for f in dataclasses.fields(rec)] == [f.name for f in dataclasses.fields(dc)]
    for a in cases:
        r, d = rec(**a), dc(**a)
        assert repr(r) == repr(d)
        assert hash(r) == hash(d)
        for b in cases:
            assert (r == rec(**b)) == (d == dc(**b)), (a, b)
            assert (r != rec(**b)) == (d != dc(**b)), (a, b)
        assert r != d  # another class: not equal, as two dataclasses of different classes
        assert dataclasses.replace(r) == r
        assert copy.copy(r) == r
        assert copy.deepcopy(r) == r
        if dataclasses.fields(rec):
            name = dataclasses.fields(rec)[0].name
            with pytest.raises(FrozenInstanceError):
                setattr(r, name, 0)
            with pytest.raises(FrozenInstanceError):
                delattr(r, name)


def test_a_body_keeps_its_own_methods_as_with_the_dataclass() -> None:
    @record
    class Shown:
        x: int

        def __repr__(self) -> str:
            return "mine"

    @record
    class Compared:
        x: int
        y: int = 0

        def __eq__(self, other: object) -> bool:
            return isinstance(other, Compared) and other.x == self.x

    @record
    class Hashed:
        x: int

        def __hash__(self) -> int:
            return 7

    assert repr(Shown(1)) == "mine"
    assert Compared(1, 2) == Compared(1, 3)
    assert hash(Compared(1, 2)) == hash(Compared(1, 2))  # the body's __eq__ alone: still hashable
    assert hash(Hashed(1)) == 7


def test_a_subclass_compares_its_own_fields() -> None:
    @record
    class Base:
        x: int

    @record
    class Child(Base):
        y: int = 0

    assert Child(1, 2) != Child(1, 3)
    assert Child(1, 2) == Child(1, 2)
    assert Base(1) != Child(1)
    assert repr(Child(1, 2)) == "test_a_subclass_compares_its_own_fields.<locals>.Child(x=1, y=2)"


def test_a_secret_field_out_of_repr_stays_out() -> None:
    @record
    class Login:
        user: str
        password: str = field(repr=False)

    assert "hunter2" not in repr(Login("u", "hunter2"))
    assert "hunter2" not in str(Login("u", "hunter2"))


def _outcome(cls: type, args: tuple[Any, ...], kwargs: dict[str, Any]) -> tuple[str, Any]:
    try:
        made = cls(*args, **kwargs)
    except TypeError:
        return ("TypeError", None)
    return ("made", dataclasses.astuple(made))


@pytest.mark.parametrize("opts", [{}, {"kw_only": True}], ids=["positional", "kw_only"])
def test_a_record_is_built_as_the_dataclass(opts: dict[str, Any]) -> None:
    body = {"y": 2, "z": field(default_factory=list)}
    rec, dc = _twins(body, {"x": "int", "y": "int", "z": "list"}, **opts)
    calls: list[tuple[tuple[Any, ...], dict[str, Any]]] = [
        ((), {}),
        ((1,), {}),
        ((1, 3), {}),
        ((1, 3, [4]), {}),
        ((1, 3, [4], 5), {}),
        ((), {"x": 1}),
        ((), {"x": 1, "z": [9]}),
        ((), {"x": 1, "y": 5, "z": [9]}),
        ((1,), {"x": 1}),
        ((), {"x": 1, "w": 2}),
    ]
    for args, kwargs in calls:
        assert _outcome(rec, args, kwargs) == _outcome(dc, args, kwargs), (args, kwargs)
    assert rec(x=1).z is not rec(x=1).z  # a fresh default each time


def test_post_init_runs_once_built_and_may_set_past_the_refusal() -> None:
    @record
    class Derived:
        x: int
        double: int = 0

        def __post_init__(self) -> None:
            object.__setattr__(self, "double", self.x * 2)

    assert Derived(4).double == 8
    with pytest.raises(FrozenInstanceError):
        Derived(4).double = 1  # type: ignore[misc]


def test_a_record_makes_its_own_init_and_refuses_a_body_that_does() -> None:
    with pytest.raises(TypeError, match="makes its own __init__"):

        @record
        class Built:
            x: int

            def __init__(self) -> None:
                pass


def test_init_is_compiled_when_the_class_is_first_built_and_once() -> None:
    @record
    class Lazy:
        x: int
        y: str = "k"

    assert list(inspect.signature(Lazy).parameters) == ["args", "kwargs"]  # not compiled yet
    assert Lazy(1) == Lazy(1, "k")
    compiled = Lazy.__dict__["__init__"]
    assert str(inspect.signature(Lazy)) == "(x, y='k')"
    Lazy(2)
    assert Lazy.__dict__["__init__"] is compiled  # compiled once, then it is the class's own


def test_a_class_built_through_its_subclass_first() -> None:
    @record
    class Base:
        x: int

    @record
    class Child(Base):
        y: int = 0

    class Plain(Base):  # not a record: inherits the base's __init__
        pass

    assert dataclasses.astuple(Plain(3)) == (3,)
    assert dataclasses.astuple(Child(1, 2)) == (1, 2)
    assert Base(1) == Base(1)
    with pytest.raises(TypeError):
        Base()  # type: ignore[call-arg]
    with pytest.raises(TypeError):
        Child(1, 2, 3)  # type: ignore[call-arg]


def test_records_first_built_by_many_threads_at_once() -> None:
    @record
    class Shared:
        x: int
        z: list[int] = field(default_factory=list)

    start = threading.Barrier(8)
    made: list[Any] = []

    def build(i: int) -> None:
        start.wait()
        made.append(Shared(i))

    threads = [threading.Thread(target=build, args=(i,)) for i in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(dataclasses.astuple(m) for m in made) == [(i, []) for i in range(8)]
    assert str(inspect.signature(Shared)) == "(x, z=<factory>)"


def test_a_field_left_out_of_init_is_refused_where_it_is_declared() -> None:
    with pytest.raises(TypeError, match=r"Skipped\.y: a record's fields are all set by __init__"):

        @record
        class Skipped:
            x: int
            y: int = field(default=0, init=False)


@pytest.mark.parametrize("deco", [record, dataclass(frozen=True)], ids=["record", "dataclass"])
def test_a_field_without_a_default_after_one_with_is_refused_where_declared(deco: Any) -> None:
    @deco
    class Base:
        x: int = 0

    with pytest.raises(TypeError, match="non-default argument 'y' follows default argument"):

        @deco
        class Child(Base):
            y: int

    @deco
    class Keyword(Base):  # a keyword-only field may follow: it is not positional
        y: int = field(kw_only=True)

    assert dataclasses.astuple(Keyword(y=2)) == (0, 2)


def test_kw_only_records_take_fields_in_any_order() -> None:
    @record(kw_only=True)
    class Options:
        a: int = 1
        b: int

    assert dataclasses.astuple(Options(b=2)) == (1, 2)
