"""Typed access to a :mod:`gitops_bot.manifests.yamlvalues` tree with file:line errors.

The low level under :mod:`.spec`: a mapping's keys against the allowed ones ("did you mean"),
a value against its type (with the quoting hint YAML's numbers need), a string or a list of
strings. Every message names the file and the line of the key at fault.
"""

from __future__ import annotations

import importlib
import re
from collections.abc import Sequence
from typing import Any, cast

from gitops_bot.core.errors import ConfigError
from gitops_bot.core.secret import may_send

Node = dict[str, Any]
# Imported by name when a key or value is not one the file may write, for the "did you mean":
# a file read without a mistake never loads it.
DIFFLIB = "difflib"

# the name of an environment variable; a token pasted in its place (GitHub's ghp_/github_pat_
# tokens, or 40+ characters of lowercase and digits such as a hex token) is not one
ENV_VAR = r"^(?!gh[pousr]_|github_pat_)(?!(?=.*[a-z])(?=.*\d).{40,}$)[A-Za-z_][A-Za-z0-9_]*$"


class ConfigReader:
    """``env_allowed``: the environment variables this file may name (one repository of a
    fleet, :mod:`gitops_bot.commands.fleet`); None: any (a single repository)."""

    def __init__(self, filename: str, env_allowed: frozenset[str] | None = None) -> None:
        self.filename = filename
        self.env_allowed = env_allowed

    def error(self, line: int | None, message: str) -> ConfigError:
        return ConfigError(self.filename, line, message)

    @staticmethod
    def line_of(node: Any, key: Any = None) -> int | None:
        lc = getattr(node, "lc", None)
        if lc is None:
            return None
        try:
            if key is not None:
                return int(lc.key(key)[0]) + 1
            return int(lc.line) + 1
        except (KeyError, TypeError, AttributeError):
            return None

    def mapping(self, node: Any, line: int | None, what: str, *, allowed: tuple[str, ...]) -> Node:
        if node is None:
            return {}
        if not isinstance(node, dict):
            raise self.error(line, f"{what} must be a mapping, got {describe(node)}")
        for key in node:
            if key not in allowed:
                close = closest(str(key), allowed)
                hint = f"did you mean {close!r}?" if close else f"allowed: {', '.join(allowed)}"
                raise self.error(self.line_of(node, key), f"unknown key {key!r} in {what}; {hint}")
        return node

    def get(self, node: Node, key: str, kind: type | tuple[type, ...], what: str, default: Any = None) -> Any:
        if node.get(key) is None:
            return default
        value = node[key]
        if kind is float and isinstance(value, int) and not isinstance(value, bool):
            value = float(value)
        ok = isinstance(value, kind) and not (kind is int and isinstance(value, bool))
        if not ok:
            names = kind.__name__ if isinstance(kind, type) else " or ".join(k.__name__ for k in kind)
            quote = kind is str and isinstance(value, int | float) and not isinstance(value, bool)
            raise self.error(
                self.line_of(node, key),
                f"'{key}' in {what} must be {names}, got {describe(value)}"
                + (f'; write it quoted: {key}: "{value}"' if quote else ""),
            )
        return str(value) if kind is str else value

    def env_name(self, node: Node, key: str, what: str, default: str | None) -> str | None:
        """A key that names the environment variable holding a secret. A value that is not such
        a name (a pasted token, a password) is refused, and never repeated in the message."""
        value = self.get(node, key, str, what, default)
        written = node.get(key) is not None  # else the bot's own default, a name it chose
        if written and not re.match(ENV_VAR, value):
            raise self.error(
                self.line_of(node, key),
                f"{key} in {what} must name an environment variable, not hold a secret "
                "(secrets never go in this file)",
            )
        # Whoever writes one repository's config of a fleet must not pick another's secret
        # (and send it to a host of their choosing): a name the file writes must have been
        # given to it. Defaults are the bot's, not the file's, and need no listing. The file
        # does not say where the value goes, so no host is named for it: the listing decides.
        if written and not may_send(self.env_allowed, value):
            raise ConfigError(
                self.filename,
                self.line_of(node, key),
                f"{key} in {what} names the environment variable {value}, which this repository "
                "may not read in a fleet of repositories",
                hint=f"list {value} under this repository's 'env:' in the repositories file, "
                "or under its 'shared_env:' if every repository may read it",
            )
        return value  # type: ignore[no-any-return]

    def str_list(self, node: Node, key: str, what: str) -> tuple[str, ...]:
        value = node.get(key)
        if value is None:
            return ()
        if isinstance(value, str):
            return (str(value),)
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise self.error(self.line_of(node, key), f"'{key}' in {what} must be a list of strings")
        return tuple(str(v) for v in value)


def closest(word: str, names: Sequence[str]) -> str | None:
    """The name ``word`` was most likely meant to be (difflib's measure), None when none is close."""
    close = cast("list[str]", importlib.import_module(DIFFLIB).get_close_matches(word, names, n=1))
    return close[0] if close else None


def item_line(seq: Any, index: int) -> int | None:
    try:
        return int(seq.lc.item(index)[0]) + 1
    except (AttributeError, KeyError, TypeError):
        return None


def describe(value: Any) -> str:
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, int | float):
        return f"the number {value}"
    if isinstance(value, str):
        return f"the string {value!r}"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, dict):
        return "a mapping"
    return "nothing" if value is None else type(value).__name__
