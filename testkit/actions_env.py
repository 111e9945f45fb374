"""A simulated GitHub Actions step environment: INPUT_* variables and the GITHUB_OUTPUT and
GITHUB_STEP_SUMMARY files, and a reader of the outputs file as the runner parses it."""

from __future__ import annotations

import os
from pathlib import Path


def actions_env(tmp_path: Path, **inputs: str) -> dict[str, str]:
    """The current environment without INPUT_* variables, plus ``inputs`` as INPUT_<NAME> and
    fresh, empty output and summary files under ``tmp_path``."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("INPUT_")}
    (tmp_path / "output").write_text("")
    (tmp_path / "summary").write_text("")
    env.update(GITHUB_OUTPUT=str(tmp_path / "output"), GITHUB_STEP_SUMMARY=str(tmp_path / "summary"))
    env.update({f"INPUT_{k.upper()}": v for k, v in inputs.items()})
    return env


def read_outputs(path: Path) -> dict[str, str]:
    """The step outputs written to a GITHUB_OUTPUT file (``key=value`` and heredoc forms)."""
    out: dict[str, str] = {}
    lines = path.read_text().splitlines()
    i = 0
    while i < len(lines):
        key, sep, value = lines[i].partition("=")
        if sep and "<<" not in key:
            out[key] = value
            i += 1
            continue
        key, delimiter = lines[i].split("<<", 1)
        end = lines.index(delimiter, i + 1)
        out[key] = "\n".join(lines[i + 1 : end])
        i = end + 1
    return out
