"""Any hold reason an operator types is written so the holds file reads back as exactly that
reason: a tab, a control character, a lone surrogate, NEL or a line separator never makes
``hold`` crash with a YAML traceback, and never leaves a holds file that the next run cannot
read or reads differently."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from gitops_bot.cli import main
from gitops_bot.release import holds

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
