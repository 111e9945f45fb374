"""``@record``: a frozen dataclass whose methods are shared functions, not source compiled per
class.

``@dataclass(frozen=True, slots=True)`` writes six methods of each class as source text
(``__init__``, ``__repr__``, ``__eq__``, ``__hash__``, ``__setattr__``, ``__delattr__``) and
compiles each with ``exec``: ~0.6 ms a class on Python 3.11, 93 % of what defining one costs,
and a plan defines more than a hundred before its first request (0.37 G of a one-image plan's
1.18 G instructions). A record is the same dataclass made with none of those methods
(``dataclass(init=False, repr=False, eq=False)``: its fields, defaults, slots and
``__match_args__``, so ``fields``, ``replace`` and mypy through ``dataclass_transform`` see a
dataclass), and the methods below, which read what they need of the class from one ``_Shape``
built when the class is. It builds, refuses assignment, compares, hashes and prints as the
frozen dataclass would (only the fields with ``compare``, ``hash`` or ``repr``; the same hashes,
so sets iterate in the same order), and keeps an ``__eq__``, ``__hash__`` or ``__repr__`` its
class body defines. Building one costs ~30 % more than a dataclass's compiled ``__init__``
(6 fields: 13.2 k instructions against 10.4 k, called positionally). What a user feels: a
one-image plan's start-up to its first request 1.176 -> 0.796 G instructions, 0.24-0.27 -> 0.19 s
of CPU (``bench/startup_bench.py``), and a 200-image plan 2.210 -> 1.907 G (2026-11-27).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import MISSING, Field, FrozenInstanceError, dataclass, field, fields
from operator import attrgetter, ge, gt, le, lt
from typing import Any, TypeVar, dataclass_transform, overload

_C = TypeVar("_C", bound=type)
_set = object.__setattr__  # past the refusing __setattr__, as the dataclass's __init__ sets


class _Factory:
    """A field's default_factory, told apart from a plain default in one lookup."""

    __slots__ = ("make",)

    def __init__(self, make: Callable[[], Any]) -> None:
        self.make = make


class _Shape:
    """What the shared methods read of one record class: built once, when the class is."""

    __slots__ = ("compared", "fill", "hashed", "names", "positional", "post_init", "shown")

    def __init__(self, cls: type, every: tuple[Field[Any], ...]) -> None:
        # __init__'s order, as the dataclass writes it: the positional fields, then kw_only's
        ordered = [f for f in every if not f.kw_only] + [f for f in every if f.kw_only]
        self.names = tuple(f.name for f in ordered)
        self.positional = len(every) - sum(1 for f in every if f.kw_only)
        defaults: dict[str, Any] = {f.name: f.default for f in every if f.default is not MISSING}
        for f in every:
            if f.default_factory is not MISSING:
                defaults[f.name] = _Factory(f.default_factory)
        # each field in __init__'s order with its default (MISSING: none; _Factory: made per call)
        self.fill = tuple((name, defaults.get(name, MISSING)) for name in self.names)
        self.post_init = hasattr(cls, "__post_init__")
        self.compared = _getter([f.name for f in every if f.compare])
        self.hashed = _getter([f.name for f in every if (f.compare if f.hash is None else f.hash)])
        self.shown = tuple(f.name for f in every if f.repr)


def _getter(names: list[str]) -> Callable[[Any], tuple[Any, ...]]:
    """The tuple of the values, as the dataclass's methods compare and hash them."""
    if len(names) == 1:
        one = attrgetter(names[0])  # attrgetter of one name gives the value, not a tuple
        return lambda obj: (one(obj),)
    return attrgetter(*names) if names else lambda _: ()


def _init(self: Any, *args: Any, **kwargs: Any) -> None:
    shape: _Shape = self.__shape__
    names = shape.names
    for name, value in zip(names, args, strict=False):
        _set(self, name, value)
    if kwargs or len(args) != len(names):
        _rest(self, shape, len(args), kwargs)
    if shape.post_init:
        self.__post_init__()


def _rest(self: Any, shape: _Shape, given: int, kwargs: dict[str, Any]) -> None:
    """The fields after the positional arguments: by keyword, else their default."""
    if given > shape.positional:
        kind = type(self).__qualname__
        raise TypeError(f"{kind}() takes {shape.positional} positional arguments but {given} were given")
    for name, default in shape.fill[given:]:
        if kwargs and name in kwargs:
            value = kwargs.pop(name)
        elif default is MISSING:
            raise TypeError(f"{type(self).__qualname__}() missing required argument: {name!r}")
        elif default.__class__ is _Factory:
            value = default.make()
        else:
            value = default
        _set(self, name, value)
    if kwargs:
        wrong = next(iter(kwargs))
        taken = "got multiple values for" if wrong in shape.names else "got an unexpected keyword"
        raise TypeError(f"{type(self).__qualname__}() {taken} argument {wrong!r}")


def _eq(self: Any, other: Any) -> Any:
    if other.__class__ is not self.__class__:
        return NotImplemented
    key = self.__shape__.compared
    return key(self) == key(other)


def _hash(self: Any) -> int:
    return hash(self.__shape__.hashed(self))


def _repr(self: Any) -> str:
    shown = ", ".join(f"{n}={getattr(self, n)!r}" for n in self.__shape__.shown)
    return f"{self.__class__.__qualname__}({shown})"


def _ordered(compare: Callable[[Any, Any], bool]) -> Callable[[Any, Any], Any]:
    """``<`` (or another of the four) as ``order=True`` writes it: the compared fields' tuples."""

    def method(self: Any, other: Any) -> Any:
        if other.__class__ is not self.__class__:
            return NotImplemented
        key = self.__shape__.compared
        return compare(key(self), key(other))

    return method


_ORDER = {"__lt__": _ordered(lt), "__le__": _ordered(le), "__gt__": _ordered(gt), "__ge__": _ordered(ge)}


def _setattr(self: Any, name: str, value: Any) -> None:
    raise FrozenInstanceError(f"cannot assign to field {name!r}")


def _delattr(self: Any, name: str) -> None:
    raise FrozenInstanceError(f"cannot delete field {name!r}")


def _getstate(self: Any) -> list[Any]:
    """copy and pickle of a slotted record, which cannot set its fields through setattr."""
    return [getattr(self, n) for n in self.__shape__.names]


def _setstate(self: Any, state: list[Any]) -> None:
    for name, value in zip(self.__shape__.names, state, strict=True):
        _set(self, name, value)


@overload
def record(cls: _C, /) -> _C: ...
@overload
def record(
    *, kw_only: bool = False, slots: bool = True, frozen: bool = True, order: bool = False
) -> Callable[[_C], _C]: ...


@dataclass_transform(frozen_default=True, field_specifiers=(field, Field))
def record(
    cls: Any = None, /, *, kw_only: bool = False, slots: bool = True, frozen: bool = True, order: bool = False
) -> Any:
    """``@dataclass(frozen=True, slots=True)`` with shared methods; ``slots=False`` for a class
    that caches on its instance (``functools.cached_property``); ``frozen=False, slots=False``
    for a plain ``@dataclass`` (assignable, unhashable as the dataclass's ``eq`` makes it);
    ``order=True`` adds ``<``, ``<=``, ``>`` and ``>=``, as the dataclass's."""

    def wrap(c: type) -> type:
        own = c.__dict__
        for name in ("__init__", "__setattr__", "__delattr__"):
            if name in own:
                raise TypeError(f"{c.__qualname__}: a record makes its own {name}")
        # as @dataclass: a body's own __eq__ or __repr__ stays; its __hash__ stays only where the
        # body set it (defining __eq__ alone sets it to None, which @dataclass replaces)
        keep_hash = "__hash__" in own and not (own["__hash__"] is None and "__eq__" in own)
        keep = {n for n in ("__eq__", "__repr__") if n in own} | ({"__hash__"} if keep_hash else set())
        made: Any = dataclass(init=False, repr=False, eq=False, kw_only=kw_only, slots=slots)(c)
        made.__shape__ = _Shape(made, fields(made))
        methods: dict[str, Any] = {"__init__": _init}
        if frozen:
            methods |= {"__setattr__": _setattr, "__delattr__": _delattr}
        if frozen and slots:
            methods |= {"__getstate__": _getstate, "__setstate__": _setstate}
        shared = {"__eq__": _eq, "__hash__": _hash if frozen else None, "__repr__": _repr}
        if order:
            shared |= _ORDER
        methods |= {name: fn for name, fn in shared.items() if name not in keep}
        for name, fn in methods.items():
            setattr(made, name, fn)
        return made  # type: ignore[no-any-return]

    return wrap if cls is None else wrap(cls)
