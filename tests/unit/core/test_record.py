"""``@record`` behaves as ``@dataclass(frozen=True, slots=True)`` to its callers: each check
makes the same class both ways and compares what they do."""

from __future__ import annotations

import copy
import pickle
from dataclasses import FrozenInstanceError, dataclass, field, fields, replace
from typing import Any

import pytest

from gitops_bot.core.record import record


@record
class Point:
    """Fields with and without defaults, one left out of ==, hash and repr."""

    x: int
    y: str
    tags: tuple[str, ...] = ()
    seen: list[int] = field(default_factory=list, compare=False, repr=False)


@dataclass(frozen=True, slots=True)
class PointDC:
    """The same class, as the dataclass writes it."""

    x: int
    y: str
    tags: tuple[str, ...] = ()
    seen: list[int] = field(default_factory=list, compare=False, repr=False)


@record(kw_only=True)
class Base:
    """Keyword-only fields, inherited."""

    repo: str
    dry: bool = False


@record(kw_only=True)
class Child(Base):
    """A subclass adding one."""

    env: str


@record
class Checked:
    """A __post_init__ that refuses, and a body's own __repr__ kept."""

    value: str

    def __post_init__(self) -> None:
        if not self.value:
            raise ValueError("empty")

    def __repr__(self) -> str:
        return "Checked(***)"


@record(slots=False)
class Cached:
    """No slots: an instance may hold more than its fields (functools.cached_property)."""

    n: int


def _both(*args: Any, **kwargs: Any) -> tuple[Point, PointDC]:
    return Point(*args, **kwargs), PointDC(*args, **kwargs)


@pytest.mark.parametrize(
    ("args", "kwargs"),
    [((1, "a"), {}), ((1, "a", ("t",)), {}), ((1,), {"y": "b"}), ((), {"y": "c", "x": 2, "tags": ("u",)})],
)
def test_it_builds_compares_hashes_and_prints_as_the_dataclass(
    args: tuple[Any, ...], kwargs: dict[str, Any]
) -> None:
    p, d = _both(*args, **kwargs)
    assert repr(p) == repr(d).replace("PointDC", "Point")
    assert hash(p) == hash(d)
    assert p == Point(*args, **kwargs)
    assert p.seen == [] and p.seen is not Point(*args, **kwargs).seen  # a fresh list each time
    assert p.__eq__(d) is NotImplemented  # another class, as the dataclass's __eq__ says
    assert Point(1, "a", seen=[1]) == Point(1, "a", seen=[2])  # compare=False


@pytest.mark.parametrize(
    ("args", "kwargs", "said"),
    [
        ((1,), {}, "missing required argument: 'y'"),
        ((1, "a", (), [], 5), {}, "takes 4 positional arguments but 5 were given"),
        ((1, "a"), {"z": 1}, "unexpected keyword argument 'z'"),
        ((1, "a"), {"x": 1}, "multiple values for argument 'x'"),
    ],
)
def test_a_wrong_call_is_a_type_error_as_the_dataclass_s(
    args: tuple[Any, ...], kwargs: dict[str, Any], said: str
) -> None:
    with pytest.raises(TypeError, match=said):
        Point(*args, **kwargs)
    with pytest.raises(TypeError):
        PointDC(*args, **kwargs)


def test_it_refuses_assignment_and_deletion() -> None:
    p = Point(1, "a")
    with pytest.raises(FrozenInstanceError):
        p.x = 2  # type: ignore[misc]
    with pytest.raises(FrozenInstanceError):
        del p.x
    with pytest.raises((AttributeError, TypeError)):
        setattr(p, "other", 1)  # noqa: B010 (an attribute mypy would refuse)
    assert not hasattr(p, "__dict__")


def test_fields_replace_copy_and_pickle_work_as_on_a_dataclass() -> None:
    p = Point(1, "a", ("t",))
    assert [f.name for f in fields(p)] == ["x", "y", "tags", "seen"]
    assert replace(p, y="b") == Point(1, "b", ("t",))
    assert copy.copy(p) == p and copy.deepcopy(p) == p
    assert pickle.loads(pickle.dumps(p)) == p


def test_keyword_only_fields_and_inheritance() -> None:
    c = Child(repo="r", env="dev")
    assert (c.repo, c.dry, c.env) == ("r", False, "dev")
    assert repr(c) == "Child(repo='r', dry=False, env='dev')"
    assert c != Base(repo="r") and c == Child(env="dev", repo="r")
    with pytest.raises(TypeError, match="positional"):
        Child("r", env="dev")  # type: ignore[call-arg]
    assert replace(c, env="prod").env == "prod"


def test_post_init_runs_and_a_body_s_own_method_stays() -> None:
    assert repr(Checked("s")) == "Checked(***)"
    assert Checked("s") == Checked("s") and hash(Checked("s")) == hash(("s",))
    with pytest.raises(ValueError, match="empty"):
        Checked("")


def test_a_record_without_slots_is_frozen_and_keeps_a_dict() -> None:
    c = Cached(1)
    with pytest.raises(FrozenInstanceError):
        c.n = 2  # type: ignore[misc]
    c.__dict__["cached"] = 3  # as functools.cached_property writes
    assert c == Cached(1) and hash(c) == hash((1,))


def test_a_record_may_not_bring_its_own_init() -> None:
    with pytest.raises(TypeError, match="makes its own __init__"):

        @record
        class Own:
            """Its own __init__."""

            n: int

            def __init__(self, n: int) -> None:
                object.__setattr__(self, "n", n)


@record(frozen=False, slots=False)
class Tally:
    """A mutable record, as a plain @dataclass."""

    name: str
    seen: list[str] = field(default_factory=list)


def test_a_mutable_record_assigns_compares_and_is_unhashable_as_a_plain_dataclass() -> None:
    t = Tally("a")
    t.name = "b"
    t.seen.append("x")
    assert t == Tally("b", ["x"]) and repr(t) == "Tally(name='b', seen=['x'])"
    assert Tally.__hash__ is None
    assert replace(t, name="c").seen == ["x"]


@record(order=True)
class Version:
    """Ordered by its compared fields, as order=True orders a dataclass."""

    major: int
    minor: int
    note: str = field(default="", compare=False)


def test_an_ordered_record_sorts_as_the_dataclass_and_refuses_another_class() -> None:
    versions = [Version(1, 10), Version(1, 2, "b"), Version(0, 99)]
    assert sorted(versions) == [Version(0, 99), Version(1, 2), Version(1, 10)]
    assert Version(1, 2) <= Version(1, 2, "x") and Version(2, 0) > Version(1, 9)
    assert Version(1, 2) >= Version(1, 2) and not Version(1, 2) < Version(1, 2)
    with pytest.raises(TypeError):
        _ = Version(1, 2) < Point(1, "a")  # type: ignore[operator]
