"""Helm values as ``helm template`` reads them (text in, values out; no I/O): where a key path
is in a values document, and what a value there renders as. Helm reads a values file with
go-yaml v2 (YAML 1.1: ``yes`` and ``on`` are true, ``017`` is 15, ``1_000`` is 1000), carries it
as JSON (every number a float64) and prints it with Go's ``%v``: ``tag: 1.10`` renders ``1.1``,
``tag: 20231010`` renders ``2.023101e+07``, a list ``[a b]``. What runs is the rendered value,
so that is the version read; where it differs from the text, the site says so, with the fix
(quote it). Each rule here was read off the real ``helm template`` (v4)."""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from typing import Any

import yaml

from gitops_bot.core import numbers
from gitops_bot.manifests import nodes

_STR = "tag:yaml.org,2002:str"
# go-yaml v2's resolve table (resolve.go): what a plain scalar is before it is tried as a number
_BOOL = {
    **dict.fromkeys(("y", "Y", "yes", "Yes", "YES", "on", "On", "ON", "true", "True", "TRUE"), "true"),
    **dict.fromkeys(("n", "N", "no", "No", "NO", "off", "Off", "OFF", "false", "False", "FALSE"), "false"),
}
_NULL = frozenset(("", "~", "null", "Null", "NULL"))
_FLOAT = re.compile(r"^[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?$")  # go-yaml v2's yamlStyleFloat
_BASES = {"0b": 2, "0o": 8, "0x": 16}
_INT64 = 1 << 63
_RESOLVER = yaml.resolver.Resolver()


def node_at(root: Any, path: str, *, scalar: bool = True) -> Any:
    """The node at a dotted key path (a list's items by index); None where the path is not
    there, or (``scalar``) leads to a list or a mapping."""
    node = root
    for part in path.split("."):
        if nodes.is_map(node):
            found = nodes.get(node, part)
            if found is None:
                return None
            node = found[1]
        elif nodes.is_seq(node) and (n := numbers.index(part)) is not None and n < len(node.value):
            node = node.value[n]
        else:
            return None
    return node if nodes.is_scalar(node) or not scalar else None


def paths(helm: Mapping[str, str]) -> dict[str, str]:
    """The configured paths, plus the charts' convention for a digest when none is configured:
    a ``digest`` key beside the tag (``image.tag`` -> ``image.digest``), used when present."""
    if "tag" not in helm or "digest" in helm or "reference" in helm:
        return dict(helm)
    parent, _, _ = helm["tag"].rpartition(".")
    return {**helm, "digest": f"{parent}.digest" if parent else "digest"}


def registry_of(registry: Any, repository: str) -> str:
    """The registry a values block's ``registry:`` key puts before its ``repository:``, as the
    charts splitting them build the image (``{{ .registry }}/{{ .repository }}``): "" where the
    key is empty or templated, or the repository names its registry itself."""
    if not isinstance(registry, str) or not registry.strip("/") or "{{" in registry:
        return ""
    first = repository.split("/", 1)[0]
    if "/" in repository and ("." in first or ":" in first or first == "localhost"):
        return ""
    return registry.strip("/")


def rendered(node: Any) -> str | None:
    """What ``{{ .Values.x }}`` prints of ``node`` (None: null, which deletes the key)."""
    if nodes.is_seq(node):
        return "[" + " ".join(rendered(n) or "<nil>" for n in node.value) + "]"
    if nodes.is_map(node):
        items = sorted((str(k.value), rendered(v) or "<nil>") for k, v in node.value if nodes.is_scalar(k))
        return "map[" + " ".join(f"{k}:{v}" for k, v in items) + "]"
    value = str(node.value)
    if node.style:  # quoted, or a block scalar: a string
        return value
    if node.tag == _STR and _RESOLVER.resolve(yaml.ScalarNode, value, (True, False)) != _STR:  # type: ignore[no-untyped-call]
        return value  # an explicit !!str
    if value in _NULL:
        return None
    if value in _BOOL:
        return _BOOL[value]
    number = _number(value)
    return value if number is None else number


def _number(value: str) -> str | None:
    """A plain scalar go-yaml v2 reads as a number, printed as helm prints it; None: a string."""
    if not value or value[0] not in "+-.0123456789":
        return None
    plain = value.replace("_", "")
    whole = _int(plain)
    if whole is not None and -_INT64 <= whole < (_INT64 << 1):  # int64, else uint64
        return _go_float(float(whole))
    if _FLOAT.match(plain):
        found = float(plain)
        if not math.isinf(found):  # past strconv.ParseFloat's range: a string
            return _go_float(found)
    return None


def _int(plain: str) -> int | None:
    """strconv.ParseInt/ParseUint with base 0: a sign, then 0b/0o/0x, or a leading 0 (octal)."""
    sign, digits = (-1, plain[1:]) if plain[:1] == "-" else (1, plain[1:] if plain[:1] == "+" else plain)
    base = _BASES.get(digits[:2].lower())
    if base is not None:
        digits = digits[2:]
    elif len(digits) > 1 and digits[0] == "0":
        base, digits = 8, digits[1:]
    try:
        return sign * int(digits, base or 10) if digits.isalnum() else None
    except ValueError:
        return None


def _go_float(f: float) -> str:
    """A float64 as Go's ``%v`` prints it: the shortest digits that read back (Python's repr
    finds the same), as ``%e`` when the exponent is under -4 or 6 and over (``1e+06``,
    ``2.023101e+07``), else as ``%f``."""
    if f == 0:
        return "0"
    head = "-" if f < 0 else ""
    mantissa, _, power = repr(abs(f)).partition("e")
    whole, _, frac = mantissa.partition(".")
    written = whole + frac
    # the decimal exponent of the first significant digit
    exp = int(power or 0) + len(whole) - 1 - (len(written) - len(written.lstrip("0")))
    digits = written.strip("0") or "0"
    if exp < -4 or exp >= 6:
        shown = digits[0] + ("." + digits[1:] if len(digits) > 1 else "")
        return f"{head}{shown}e{'-' if exp < 0 else '+'}{abs(exp):02d}"
    point = exp + 1
    if point <= 0:
        return f"{head}0.{'0' * -point}{digits}"
    if point >= len(digits):
        return head + digits + "0" * (point - len(digits))
    return f"{head}{digits[:point]}.{digits[point:]}"


def differs(path: str, node: Any) -> str:
    """Said of a value whose text is not what helm renders, with the fix; "" when they agree
    (null renders nothing, and the reading reads it as no value)."""
    shown = rendered(node)
    key = path.rpartition(".")[2]
    if not nodes.is_scalar(node):
        kind = "a list" if nodes.is_seq(node) else "a mapping"
        return (
            f'{path} is {kind}, which helm renders as {shown}: write it as one quoted string ({key}: "1.2.3")'
        )
    text = str(node.value)
    if shown is None or shown == text:
        return ""
    return f'{path}: {text} is not a string to helm, which renders it as {shown}: quote it ({key}: "{text}")'
