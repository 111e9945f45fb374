"""``@record``: a frozen dataclass whose ``==``, ``hash`` and ``repr`` are three shared
functions reading the fields through one getter made per class, where ``@dataclass`` compiles
those three methods anew for every class.

Compiling them is most of what defining a dataclass costs (Python 3.11: ~0.17 ms of ~0.5 ms a
frozen class), and a run defines more than a hundred before it does anything: ~20 ms of a
one-image plan's start-up. A record is still a dataclass to everything else (``fields``,
``replace``, ``asdict``, ``is_dataclass``, mypy), compares, hashes and prints as ``@dataclass``
would (only the fields with ``compare``, ``hash`` or ``repr``), and keeps a method its class
body defines itself.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import Field, dataclass, field, fields
from operator import attrgetter
from typing import Any, TypeVar, dataclass_transform, overload

_C = TypeVar("_C", bound=type)


class _Keys:
    """What the shared methods read of one record class: built once, when the class is."""

    __slots__ = ("compared", "hashed", "shown")

    def __init__(self, cls: type) -> None:
        every = fields(cls)
        self.compared = _getter([f.name for f in every if f.compare])
        self.hashed = _getter([f.name for f in every if (f.compare if f.hash is None else f.hash)])
        self.shown = tuple(f.name for f in every if f.repr)


def _getter(names: list[str]) -> Callable[[Any], Any]:
    """The tuple of the values, as the generated methods compare and hash (the same hashes, so
    a set of records iterates in the same order)."""
    if len(names) == 1:
        one = attrgetter(names[0])  # attrgetter of one name gives the value, not a tuple
        return lambda obj: (one(obj),)
    return attrgetter(*names) if names else lambda _: ()


def _eq(self: Any, other: Any) -> Any:
    if other.__class__ is not self.__class__:
        return NotImplemented
    key = self.__record__.compared
    return key(self) == key(other)


def _hash(self: Any) -> int:
    return hash(self.__record__.hashed(self))


def _repr(self: Any) -> str:
    shown = ", ".join(f"{n}={getattr(self, n)!r}" for n in self.__record__.shown)
    return f"{self.__class__.__qualname__}({shown})"


@overload
def record(cls: _C, /) -> _C: ...
@overload
def record(*, kw_only: bool = False, slots: bool = False) -> Callable[[_C], _C]: ...


@dataclass_transform(frozen_default=True, field_specifiers=(field, Field))
def record(cls: Any = None, /, *, kw_only: bool = False, slots: bool = False) -> Any:
    """``@dataclass(frozen=True)``, with the shared ``==``, ``hash`` and ``repr``."""

    def wrap(c: type) -> type:
        own = c.__dict__
        # as @dataclass: a body's own __eq__ or __repr__ stays; __hash__ stays only when the body
        # set it (defining __eq__ alone sets it to None, which @dataclass replaces)
        keep_hash = "__hash__" in own and not (own["__hash__"] is None and "__eq__" in own)
        keep = {n for n in ("__eq__", "__repr__") if n in own} | ({"__hash__"} if keep_hash else set())
        made: Any = dataclass(frozen=True, eq=False, repr=False, kw_only=kw_only, slots=slots)(c)
        made.__record__ = _Keys(made)
        for name, fn in (("__eq__", _eq), ("__hash__", _hash), ("__repr__", _repr)):
            if name not in keep:
                setattr(made, name, fn)
        return made  # type: ignore[no-any-return]

    return wrap if cls is None else wrap(cls)
