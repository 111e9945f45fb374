"""One check every YAML text passes before the bot uses it: overlays, manifests, config, holds.

The limits and the checks themselves live in :mod:`gitops_bot.manifests.guard`, where the
editors' composer applies them; this module applies them to texts another reader parses
(the holds file), and reads YAML files.
"""

from __future__ import annotations

import re
from pathlib import Path

import yaml

from gitops_bot.core.errors import FileError, UsageError
from gitops_bot.manifests.guard import LOADER, check_nodes, precheck


def check(text: str, filename: str, error: type[FileError]) -> None:
    """The whole check for a text parsed by another reader (the holds file's composer).
    Syntax errors are left to that reader, which reports them better."""
    precheck(text, filename, error)
    try:
        docs = list(yaml.compose_all(text, Loader=LOADER))
    except yaml.YAMLError:
        return
    check_nodes(docs, filename, error)


def read(path: Path, error: type[FileError]) -> str:
    """A YAML file's text (UTF-8, a BOM dropped), or one line saying why it cannot be read.
    ``FileNotFoundError`` passes through for callers to whom a missing file means empty."""
    try:
        text = path.read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        raise
    except OSError as exc:
        raise UsageError(f"cannot read {path}: {exc.strerror}") from None
    except UnicodeDecodeError as exc:
        raise error(str(path), None, f"not UTF-8 text (byte {exc.start})", hint="save it as UTF-8") from None
    bad = _NOT_PRINTABLE.search(text)
    if bad is not None:
        line = text.count("\n", 0, bad.start()) + 1
        raise error(str(path), line, f"control character {bad.group()!r} in the file", hint="remove it")
    return text


# What YAML 1.2 does not allow in a stream (C0 and C1 controls, DEL, surrogates, U+FFFE/F).
_NOT_PRINTABLE = re.compile("[^\t\n\r\x20-\x7e\x85\xa0-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")
