"""``@record``: a frozen dataclass that compiles one method, its ``__init__``, where
``@dataclass(frozen=True)`` compiles six (``__init__``, ``__repr__``, ``__eq__``, ``__hash__``,
``__setattr__``, ``__delattr__``), each by its own ``exec``.

Compiling them is nearly all a frozen dataclass costs to define (Python 3.11: ~0.5 ms a class,
~0.1 ms for a record's one ``exec``, paid only when the class is first built), and a run
defines more than a hundred before it does anything: ~40 ms of a one-image plan's start-up.
The other five are shared functions reading the fields through one getter made per class. A
record is still a dataclass to everything else (``fields``, ``replace``, ``asdict``,
``is_dataclass``, mypy through ``dataclass_transform``); it builds, refuses assignment,
compares, hashes and prints as the frozen dataclass would (only the fields with ``compare``,
``hash`` or ``repr``; the same hashes, so sets iterate in the same order),
and keeps a ``__repr__``, ``__eq__`` or ``__hash__`` its class body defines itself.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import MISSING, Field, FrozenInstanceError, dataclass, field, fields
from operator import attrgetter
from typing import Any, TypeVar, dataclass_transform, overload

_C = TypeVar("_C", bound=type)


class _Keys:
    """What the shared methods read of one record class: built once, when the class is."""

    __slots__ = ("compared", "hashed", "shown")

    def __init__(self, every: tuple[Field[Any], ...]) -> None:
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


def _setattr(self: Any, name: str, value: Any) -> None:
    raise FrozenInstanceError(f"cannot assign to field {name!r}")


def _delattr(self: Any, name: str) -> None:
    raise FrozenInstanceError(f"cannot delete field {name!r}")


class _Factory:
    """The default of a parameter whose field has a default_factory (shown as the dataclass's)."""

    __slots__ = ()

    def __repr__(self) -> str:
        return "<factory>"


_FACTORY = _Factory()


def _init(cls: type, every: tuple[Field[Any], ...]) -> Callable[..., None]:
    """``__init__`` as the frozen dataclass's: each argument set past the refusing
    ``__setattr__``, a default_factory called when its argument is not given, then
    ``__post_init__``."""
    env: dict[str, Any] = {"_r_set": object.__setattr__, "_r_factory": _FACTORY}
    positional: list[str] = []
    keyword: list[str] = []
    body: list[str] = []
    for f in every:
        value = f.name
        if f.default is not MISSING:
            env[f"_r_d_{f.name}"] = f.default
            param = f"{f.name}=_r_d_{f.name}"
        elif f.default_factory is not MISSING:
            env[f"_r_f_{f.name}"] = f.default_factory
            param = f"{f.name}=_r_factory"
            value = f"_r_f_{f.name}() if {f.name} is _r_factory else {f.name}"
        else:
            param = f.name
        (keyword if f.kw_only else positional).append(param)
        body.append(f"    _r_set(self, {f.name!r}, {value})")
    if hasattr(cls, "__post_init__"):
        body.append("    self.__post_init__()")
    params = ", ".join(["self", *positional, *(["*", *keyword] if keyword else [])])
    # as @dataclass does: the text holds only the class's own field names, identifiers
    exec(f"def __init__({params}):\n" + ("\n".join(body) or "    pass"), env)
    init: Callable[..., None] = env["__init__"]
    init.__qualname__ = f"{cls.__qualname__}.__init__"
    return init


def _refuse_what_init_could_not_take(cls: type, every: tuple[Field[Any], ...]) -> None:
    """Refused where the class is declared, as @dataclass refuses it, not when it is first
    built: a field left out of ``__init__``, or a positional field without a default after
    one with a default (its ``__init__`` could not be written)."""
    defaulted = False
    for f in every:
        if not f.init:
            raise TypeError(f"{cls.__qualname__}.{f.name}: a record's fields are all set by __init__")
        if f.kw_only:
            continue
        if f.default is not MISSING or f.default_factory is not MISSING:
            defaulted = True
        elif defaulted:
            raise TypeError(f"non-default argument {f.name!r} follows default argument")


def _first_init(cls: type, every: tuple[Field[Any], ...]) -> Callable[..., None]:
    """An ``__init__`` that compiles the real one when the class is first built, puts it in
    its own place and runs it: a run builds about a third of the records it defines (a plan
    defines ~120: every setting of every forge, gate and notifier, every answer of every
    command it might give), and compiling is nearly all a record costs to define."""

    def __init__(self: Any, *args: Any, **kwargs: Any) -> None:
        real = _init(cls, every)
        if cls.__dict__.get("__init__") is __init__:  # another thread may have been first
            type.__setattr__(cls, "__init__", real)
        real(self, *args, **kwargs)

    __init__.__qualname__ = f"{cls.__qualname__}.__init__"
    return __init__


def _repr(self: Any) -> str:
    shown = ", ".join(f"{n}={getattr(self, n)!r}" for n in self.__record__.shown)
    return f"{self.__class__.__qualname__}({shown})"


@overload
def record(cls: _C, /) -> _C: ...
@overload
def record(*, kw_only: bool = False) -> Callable[[_C], _C]: ...


@dataclass_transform(frozen_default=True, field_specifiers=(field, Field))
def record(cls: Any = None, /, *, kw_only: bool = False) -> Any:
    """``@dataclass(frozen=True)``, compiling only ``__init__``."""

    def wrap(c: type) -> type:
        own = c.__dict__
        for name in ("__init__", "__setattr__", "__delattr__"):
            if name in own:
                raise TypeError(f"{c.__qualname__}: a record makes its own {name}")
        # as @dataclass: a body's own __eq__ or __repr__ stays; __hash__ stays only when the body
        # set it (defining __eq__ alone sets it to None, which @dataclass replaces)
        keep_hash = "__hash__" in own and not (own["__hash__"] is None and "__eq__" in own)
        keep = {n for n in ("__eq__", "__repr__") if n in own} | ({"__hash__"} if keep_hash else set())
        # the dataclass's fields, defaults and class attributes, none of its methods
        made: Any = dataclass(init=False, repr=False, eq=False, kw_only=kw_only)(c)
        every = fields(made)
        _refuse_what_init_could_not_take(c, every)
        made.__record__ = _Keys(every)
        made.__init__ = _first_init(made, every)
        made.__setattr__ = _setattr
        made.__delattr__ = _delattr
        for name, fn in (("__eq__", _eq), ("__hash__", _hash), ("__repr__", _repr)):
            if name not in keep:
                setattr(made, name, fn)
        return made  # type: ignore[no-any-return]

    return wrap if cls is None else wrap(cls)
