"""The GitLab CI examples: valid against GitLab's CI schema (check-jsonschema's vendored copy,
offline), shaped as documented (the release job after the build, a scheduled pipeline, one
writer at a time, no secret in the file, the bot cloning by URL), shellcheck-clean scripts,
and shown verbatim in the GitLab CI guide (docs/guides/gitlab-ci.md)."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from gitops_bot.manifests import yamlvalues
from testkit.paths import ROOT

EXAMPLES = sorted((ROOT / "examples/gitlab").glob("*.gitlab-ci.yml"))
KEYWORDS = {"stages", "workflow", "variables", "default", "include"}


def jobs(path: Path) -> dict[str, Any]:
    doc = yamlvalues.load(path.read_text(), "<test>")
    return {k: v for k, v in doc.items() if k not in KEYWORDS and not k.startswith(".")}


def test_examples_validate_against_gitlab_ci_schema() -> None:
    assert [p.name for p in EXAMPLES] == ["build-and-release.gitlab-ci.yml", "scheduled.gitlab-ci.yml"]
    exe = Path(sys.executable).parent / "check-jsonschema"
    proc = subprocess.run(
        [str(exe), "--builtin-schema", "vendor.gitlab-ci", *map(str, EXAMPLES)],
        capture_output=True,
        text=True,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: p.name)
def test_bot_jobs_are_serialised_clone_by_url_and_hold_no_secret(path: Path) -> None:
    text = path.read_text()
    assert not re.search(r"(?i)(glpat-|token:\s*\S|password:\s*\S)", text)
    bots = {n: j for n, j in jobs(path).items() if any("gitops-bot update" in s for s in j["script"])}
    assert len(bots) == 1
    (job,) = bots.values()
    assert job["resource_group"] and job["image"]["entrypoint"] == [""]
    assert job["variables"]["GIT_STRATEGY"] == "none"  # not the runner's checkout: its URL holds a token
    assert all("--repo ." not in s for s in job["script"])


def test_release_job_runs_after_the_build_and_the_other_on_a_schedule() -> None:
    build, scheduled = EXAMPLES
    assert jobs(build)["release-to-staging"]["needs"] == ["build"]
    assert "--env staging" in jobs(build)["release-to-staging"]["script"][0]
    workflow = yamlvalues.load(scheduled.read_text(), "<test>")["workflow"]
    assert {"if": '$CI_PIPELINE_SOURCE == "schedule"'} in workflow["rules"]


def test_scripts_pass_shellcheck(tmp_path: Path) -> None:
    assert shutil.which("shellcheck"), "scripts/bootstrap.sh installs shellcheck (apt)"
    for path in EXAMPLES:
        for name, job in jobs(path).items():
            script = tmp_path / f"{path.stem}-{name}.sh"
            script.write_text("#!/bin/sh\n" + "\n".join(job["script"]) + "\n")
            proc = subprocess.run(["shellcheck", "-s", "sh", str(script)], capture_output=True, text=True)
            assert proc.returncode == 0, proc.stdout


def test_the_gitlab_guide_shows_the_examples_that_are_validated() -> None:
    guide = (ROOT / "docs" / "guides" / "gitlab-ci.md").read_text()
    for path in EXAMPLES:
        assert f"```yaml\n{path.read_text()}```" in guide, path.name
