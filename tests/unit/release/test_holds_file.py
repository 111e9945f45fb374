"""A hostile ``gitops-bot.holds.yaml`` is one ConfigError/UsageError line naming the file (exit 2),
never a hold silently keyed by Python's repr of a list, never a traceback, never unbounded work:
wrong types, alias bombs, deep nesting, a directory in its place, bytes that are not UTF-8.
A BOM and CRLF line ends are ordinary and read as written.

Any hold reason an operator types is written so the holds file reads back as exactly that
reason: a tab, a control character, a lone surrogate, NEL or a line separator never makes
``hold`` crash with a YAML traceback, and never leaves a holds file that the next run cannot
read or reads differently."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from gitops_bot.cli import main
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


REASONS = [
    "a\tb",
    "\tleading tab",
    "x\x1by",
    "bell\x07",
    "del\x7f",
    "x\udcff",
    "a\x85b",
    "a\u2028b",
    "a\u2029b",
    "a\u200bb",
    "\ufeffbom",
    "x\r\ny",
    "café, naïve",
    "rolled back 🙂 (U+1F642, beyond the BMP)",
    "~",
    "null",
    "- dash",
    "2026-11-23",
]


@pytest.mark.parametrize("reason", REASONS, ids=[ascii(r) for r in REASONS])
def test_a_reason_reads_back_exactly(reason: str) -> None:
    text = holds.render({"dev": {"example/app": reason}})
    assert holds.parse(text, "gitops-bot.holds.yaml") == {"dev": {"example/app": reason}}


def _git(*args: str, cwd: Path) -> None:
    subprocess.run(
        ["git", "-c", "user.email=t@example.com", "-c", "user.name=t", *args],
        cwd=cwd,
        check=True,
        capture_output=True,
    )


def test_hold_with_a_tab_in_its_reason_commits_a_readable_holds_file(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    remote, repo = tmp_path / "remote.git", tmp_path / "repo"
    _git("init", "-q", "--bare", str(remote), cwd=tmp_path)
    _git("init", "-q", "-b", "main", str(repo), cwd=tmp_path)
    (repo / "overlays/dev").mkdir(parents=True)
    (repo / "overlays/dev/kustomization.yaml").write_text(
        "apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nimages:\n"
        "  - name: example/app\n    newName: localhost:1/app\n    newTag: 1.0.0\n"
    )
    (repo / "gitops-bot.yaml").write_text(
        "version: 1\nimages:\n  - name: example/app\n    repository: localhost:1/app\n"
        "environments:\n  - name: dev\n    path: overlays/dev\n    write: commit\n"
    )
    _git("add", "-A", cwd=repo)
    _git("commit", "-qm", "init", cwd=repo)
    _git("remote", "add", "origin", str(remote), cwd=repo)
    _git("push", "-q", "origin", "main", cwd=repo)

    code = main(
        ["hold", "dev", "example/app", "--reason", "paged\tat night", "--repo", str(repo), "--base", "main"]
    )
    err = capsys.readouterr().err
    assert code == 0, err
    assert "Traceback" not in err
    shown = subprocess.run(
        ["git", "show", "main:gitops-bot.holds.yaml"], cwd=remote, check=True, capture_output=True, text=True
    ).stdout
    assert holds.parse(shown, "gitops-bot.holds.yaml") == {"dev": {"example/app": "paged\tat night"}}


def test_a_reason_from_outside_is_written_as_any_string_is() -> None:
    """A freeze's or hold's reason arrives typed as outside text (a str subclass); libyaml's
    parser, which checks whether it reads back plain, takes an exact str only."""
    from gitops_bot.core.outside import Outside
    from gitops_bot.release.holds import scalar

    assert scalar(Outside("launch day")) == "launch day"
    assert scalar(Outside("a: b")) == '"a: b"'
