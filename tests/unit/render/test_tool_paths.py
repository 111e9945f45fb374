"""A tool named by a path relative to where the bot was started (``GITOPS_BOT_KUBECTL=.tools/bin/kubectl``,
as the rendered-diff page shows) still names that file when the render runs in its private
temporary directory."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest

from gitops_bot.render.settings import KUBECTL_ENV, RenderSettings


def test_a_relative_tool_path_is_made_absolute_where_the_bot_started(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    tool = tmp_path / ".tools/bin/kubectl"
    tool.parent.mkdir(parents=True)
    tool.write_text("#!/bin/sh\necho rendered\n")
    tool.chmod(0o755)
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv(KUBECTL_ENV, ".tools/bin/kubectl")

    found = RenderSettings().tool("kubectl")

    assert found == str(tool)
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    assert found is not None and os.path.isabs(found)
    assert (
        subprocess.run([found], cwd=elsewhere, capture_output=True, text=True, check=True).stdout
        == "rendered\n"
    )
