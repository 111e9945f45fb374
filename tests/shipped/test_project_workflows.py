"""The project's own GitHub workflows (.github/workflows): valid against GitHub's published
workflow schema, actionlint clean (its shellcheck of every run: script included), and CI runs
the README's test command."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from gitops_bot.manifests import yamlvalues
from testkit.paths import ROOT

WORKFLOWS = sorted((ROOT / ".github/workflows").glob("*.yml"))


def test_the_workflows_validate_and_pass_actionlint() -> None:
    assert WORKFLOWS, "no workflows found"
    bin_dir = Path(sys.executable).parent
    proc = subprocess.run(
        [
            str(bin_dir / "check-jsonschema"),
            "--builtin-schema",
            "vendor.github-workflows",
            *map(str, WORKFLOWS),
        ],
        capture_output=True,
        text=True,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    proc = subprocess.run(
        [str(bin_dir / "actionlint"), "-no-color", *map(str, WORKFLOWS)], capture_output=True, text=True
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr


def test_ci_runs_the_readmes_test_command() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert "bash scripts/test.sh" in readme
    ci = yamlvalues.load((ROOT / ".github/workflows/ci.yml").read_text(encoding="utf-8"), "ci.yml")
    runs = [s.get("run", "") for job in ci["jobs"].values() for s in job["steps"]]
    assert any(r.startswith("bash scripts/test.sh") for r in runs), runs
