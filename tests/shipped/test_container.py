"""The container image, checked without an engine: hadolint, and the facts the brief asks of
the Dockerfile read from it (multi-stage, pinned base, non-root, git + CA certificates,
entrypoint, health check on watch's endpoint, a .dockerignore that keeps tests out)."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

from testkit.paths import ROOT

DOCKERFILE = (ROOT / "Dockerfile").read_text()


def test_hadolint_is_clean() -> None:
    hadolint = Path(sys.executable).parent / "hadolint"
    proc = subprocess.run([str(hadolint), str(ROOT / "Dockerfile")], capture_output=True, text=True)
    assert proc.returncode == 0, proc.stdout + proc.stderr


def test_the_final_stage_is_small_pinned_and_not_root() -> None:
    stages = re.split(r"^FROM ", DOCKERFILE, flags=re.MULTILINE)[1:]
    assert len(stages) == 3  # the wheel, the venv built from it, the runtime
    assert re.search(r"^ARG PYTHON_VERSION=\d+\.\d+\.\d+$", DOCKERFILE, re.MULTILINE)
    assert all(s.startswith("python:${PYTHON_VERSION}-slim-bookworm") for s in stages)
    final = stages[-1]
    assert "COPY --from=build /opt/gitops-bot /opt/gitops-bot" in final
    assert re.search(r"install -y --no-install-recommends git ca-certificates", final)
    assert not re.search(r"\b(gcc|build-essential|pip install)\b", final)
    assert re.search(r"^USER 10001:10001$", final, re.MULTILINE)
    assert 'ENTRYPOINT ["gitops-bot"]' in final
    assert "HEALTHCHECK" in final and "/healthz" in final and "EXPOSE 8080" in final


def test_dockerignore_sends_only_the_package() -> None:
    text = (ROOT / ".dockerignore").read_text()
    lines = [ln.strip() for ln in text.splitlines() if ln.strip() and not ln.startswith("#")]
    assert lines[0] == "*"  # everything is excluded, then the package let back in
    assert "!gitops_bot/" in lines
    assert not any(line.startswith("!tests") or line.startswith("!.git") for line in lines)
