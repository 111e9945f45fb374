"""A hostile ``gitops-bot.holds.yaml`` is one ConfigError/UsageError line naming the file (exit 2),
never a hold silently keyed by Python's repr of a list, never a traceback, never unbounded work:
wrong types, alias bombs, deep nesting, a directory in its place, bytes that are not UTF-8.
A BOM and CRLF line ends are ordinary and read as written."""

from __future__ import annotations

from pathlib import Path

import pytest

from gitops_bot.core.errors import UsageError
from gitops_bot.release import holds

BOMB = 'a: &a ["x","x","x","x","x","x","x","x","x"]\n' + "".join(
    f"{c}: &{c} [{','.join([f'*{p}'] * 9)}]\n" for p, c in zip("abcdefgh", "bcdefghi", strict=True)
)

BAD = {
    "environment-is-a-list": ("? [dev, prod]\n: {example/app: x}\n", "environment must be a name"),
    "environment-is-a-mapping": ("? {a: 1}\n: {example/app: x}\n", "environment must be a name"),
    "image-is-a-list": ("dev:\n  ? [example/app]\n  : frozen\n", "one line 'image: reason'"),
    "reason-is-a-mapping": ("dev:\n  example/app: {why: frozen}\n", "one line 'image: reason'"),
    "reason-is-a-list": ("dev:\n  example/app: [frozen, again]\n", "one line 'image: reason'"),
    "top-level-list": ("- dev\n", "must map each environment"),
    "top-level-scalar": ("frozen\n", "must map each environment"),
    "environment-maps-to-text": ("dev: frozen\n", "must map each held image"),
    "duplicate-image": ("dev:\n  example/app: a\n  example/app: b\n", "duplicate key"),
    "duplicate-environment": ("dev:\n  a: x\ndev:\n  b: y\n", "duplicate key"),
    "alias-bomb": (BOMB, "alias"),
    "deep-nesting": ("dev: " + "[" * 20000 + "]" * 20000 + "\n", "nested deeper"),
    "tab-indent": ("dev:\n\texample/app: x\n", "."),
    "control-character": ("dev:\n  example/app: a\x1bb\n", "control character"),
}


def _write(tmp_path: Path, data: str | bytes) -> Path:
    path = holds.path_for(tmp_path)
    if isinstance(data, bytes):
        path.write_bytes(data)
    else:
        path.write_text(data, encoding="utf-8")
    return path


@pytest.mark.parametrize("text,match", BAD.values(), ids=list(BAD))
def test_a_hostile_holds_file_is_one_line_naming_it(tmp_path: Path, text: str, match: str) -> None:
    _write(tmp_path, text)
    with pytest.raises(UsageError) as info:
        holds.load(tmp_path)
    line = str(info.value)
    assert "\n" not in line and holds.HOLDS_FILE in line, line
    assert match.lower() in line.lower(), line


def test_a_holds_file_that_is_not_utf8_is_one_line(tmp_path: Path) -> None:
    _write(tmp_path, b"dev:\n  example/app: \xff\xfe\n")
    with pytest.raises(UsageError, match="not UTF-8"):
        holds.load(tmp_path)


def test_a_directory_in_place_of_the_holds_file_is_one_line(tmp_path: Path) -> None:
    holds.path_for(tmp_path).mkdir()
    with pytest.raises(UsageError, match="cannot read"):
        holds.load(tmp_path)


def test_a_bom_and_crlf_holds_file_reads_as_written(tmp_path: Path) -> None:
    _write(tmp_path, b"\xef\xbb\xbfdev:\r\n  example/app: frozen for audit\r\n")
    assert holds.load(tmp_path) == {"dev": {"example/app": "frozen for audit"}}


def test_scalar_reasons_of_other_types_are_kept_as_their_text(tmp_path: Path) -> None:
    _write(tmp_path, "dev:\n  a: 1.5\n  b: 2026-01-01\n  c:\n  d: true\n  e: 1.10\n")
    assert holds.load(tmp_path) == {"dev": {"a": "1.5", "b": "2026-01-01", "c": "", "d": "true", "e": "1.10"}}
