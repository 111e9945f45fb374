"""Golden cases: tests/data/kustomize/<case>/{input.yaml, args, expected.yaml | error}.

Each case runs through `gitops-bot set-image --file`, so the bytes compared are the bytes
written to disk (CRLF, BOM, no final newline included)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from gitops_bot.cli import main

DATA = Path(__file__).parent / "data" / "kustomize"
CASES = sorted(p.name for p in DATA.iterdir() if p.is_dir())


def test_there_are_at_least_forty_cases() -> None:
    assert len(CASES) >= 40


@pytest.mark.parametrize("case", CASES)
def test_golden(case: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    src = DATA / case
    target = tmp_path / "kustomization.yaml"
    shutil.copyfile(src / "input.yaml", target)
    args = (src / "args").read_text().split()
    code = main(["set-image", "--file", str(target), *args])
    err = capsys.readouterr().err
    if (src / "error").exists():
        assert code == 2
        assert (src / "error").read_text().strip() in err
        assert err.count("\n") == 1 and "Traceback" not in err
        assert target.read_bytes() == (src / "input.yaml").read_bytes(), "file must be untouched"
        return
    assert code == 0, err
    assert target.read_bytes() == (src / "expected.yaml").read_bytes()
    # idempotent: the same arguments again change nothing
    assert main(["set-image", "--file", str(target), *args]) == 0
    assert "no change" in capsys.readouterr().err
    assert target.read_bytes() == (src / "expected.yaml").read_bytes()
