"""An ApplicationSet's goTemplate value written as a pipeline of Sprig's common functions
(``{{ get . "targetRevision" | default "HEAD" }}``, ``{{ trimSuffix "/config.json" .path.path }}``),
evaluated as Argo CD's template engine does for the parameters a generator sets. A function not
here, or a value no generator sets outside a ``default``, is :class:`Unexpanded`, as before: never
a guess, never the template's own text taken for a value."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from gitops_bot.manifests.argocd_appsets import Literal, Opaque, Unexpanded

# a quoted string (Go's "..." or `...`); a word is one, else what runs up to a space
_QUOTE = r'"(?:[^"\\]|\\.)*"|`[^`]*`'
_TOKEN = re.compile(rf"{_QUOTE}|\S+")
_QUOTED = re.compile(_QUOTE)
_STAGES = re.compile(rf'(?:{_QUOTE}|[^|"`])+')


class _Missing:
    """A value no generator sets: what ``default`` replaces, an error anywhere else."""

    def __init__(self, error: Unexpanded) -> None:
        self.error = error


def _text(value: Any) -> str:
    if isinstance(value, _Missing):
        raise value.error
    if isinstance(value, Opaque):
        raise Unexpanded(f"the template reads a value its {value.generator} sets")
    if isinstance(value, Literal):
        return str(value.node.value)
    if isinstance(value, (dict, list)) or value is None:
        raise Unexpanded("the template's pipeline takes a map or a list as text")
    return str(value)


def _default(fallback: Any, given: Any = None) -> Any:
    empty = isinstance(given, _Missing) or given in (None, "", [], {})
    return fallback if empty else given


def _get(mapping: Any, key: Any) -> Any:
    # Sprig's get: the map's value, "" where the key is not set
    return mapping.get(_text(key), "") if isinstance(mapping, dict) else ""


FUNCTIONS: dict[str, Callable[..., Any]] = {
    "default": _default,
    "get": _get,
    "trimSuffix": lambda s, v: _text(v).removesuffix(_text(s)),
    "trimPrefix": lambda s, v: _text(v).removeprefix(_text(s)),
    "trim": lambda v: _text(v).strip(),
    "lower": lambda v: _text(v).lower(),
    "upper": lambda v: _text(v).upper(),
    "replace": lambda old, new, v: _text(v).replace(_text(old), _text(new)),
    "toString": _text,
}


def evaluate(expr: str, params: dict[str, Any], look: Callable[[str], Any]) -> Any:
    """``expr``'s value for ``params``, each field (``.a.b``) read by ``look`` (which raises
    :class:`Unexpanded` for one no generator sets)."""
    stages = [s.strip() for s in _STAGES.findall(expr)]
    if _QUOTED.sub("", expr).count("|") != len(stages) - 1 or not all(stages):
        raise Unexpanded(f"the template's {{{{{expr}}}}} has an empty stage")
    piped: list[Any] = []
    for stage in stages:
        words = _TOKEN.findall(stage)
        if words[0] == "index" or (len(words) == 1 and not piped):
            got = _arg(stage, params, look) if len(words) == 1 else _read(stage, look)
        elif words[0] in FUNCTIONS:
            args = [_arg(w, params, look) for w in words[1:]] + piped
            try:
                got = FUNCTIONS[words[0]](*args)
            except TypeError:
                raise Unexpanded(
                    f"the template calls {words[0]} with other arguments than it takes"
                ) from None
        else:
            raise Unexpanded(
                f"the template's {{{{{expr}}}}} calls {words[0]}, which the bot does not evaluate"
            )
        piped = [got]
    if isinstance(piped[0], _Missing):
        raise piped[0].error
    return piped[0]


def _arg(word: str, params: dict[str, Any], look: Callable[[str], Any]) -> Any:
    if word[:1] in ('"', "`"):
        return word[1:-1].replace('\\"', '"') if word[0] == '"' else word[1:-1]
    if word in (".", "$"):
        return params
    return _read(word, look)


def _read(expr: str, look: Callable[[str], Any]) -> Any:
    try:
        return look(expr)
    except Unexpanded as e:
        return _Missing(e)
