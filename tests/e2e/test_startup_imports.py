"""Start-up cost: what a command imports, checked without timing anything.

At N=1,000 images interpreter start-up and imports were a third to a half of `plan`'s CPU.
Each command runs in a fresh interpreter here, and the test lists the heavy third-party
packages it loaded: the plan path (config, overlays, registry, policy, output) needs none of
them. The commands that do need one import it where they use it.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

# What these cost at import (best of 5 on the project machine): structlog 75-110 ms with rich,
# pygments and asyncio; httpx's command-line client (click, rich, pygments) ~50 ms; the crypto
# of signature checks, the forge clients, the Prometheus client, GitPython and ruamel.yaml.
# httpx's package init imports its command-line client (click, rich, pygments) whenever those
# are installed: they come with the optional parts (keyless Sigstore) and dev tools, not with a
# plain install, and the process-wide import hack that hid them is gone; not counted here.
HEAVY = {
    "asyncio",
    "cryptography",
    "git",
    "github",
    "gitlab",
    "prometheus_client",
    "ruamel",
    "sigstore",
    "structlog",
    "tenacity",
}

_PROBE = """
import json, sys
from gitops_bot.cli import main
try:
    code = main(sys.argv[1:])
except SystemExit as exc:  # --help
    code = exc.code
heavy = set(json.loads({heavy!r}))
print(json.dumps(sorted({{m.split(".")[0] for m in sys.modules if sys.modules[m]}} & heavy)), file=sys.__stderr__)
sys.exit(code)
"""


def _loaded(*args: str) -> tuple[int, list[str]]:
    probe = _PROBE.format(heavy=json.dumps(sorted(HEAVY)))
    proc = subprocess.run([sys.executable, "-c", probe, *args], capture_output=True, text=True, timeout=60)
    return proc.returncode, json.loads(proc.stderr.strip().splitlines()[-1])


def _repo(tmp_path: Path) -> Path:
    """A repository whose overlay deploys none of its images: `plan` runs its whole path
    (config, holds, overlays, policies, output) and asks the registry nothing."""
    (tmp_path / "overlays/dev").mkdir(parents=True)
    (tmp_path / "overlays/dev/kustomization.yaml").write_text("resources: []\n")
    (tmp_path / "gitops-bot.yaml").write_text(
        "version: 1\nimages:\n  - name: app\n    repository: 127.0.0.1:9/example/app\n"
        "environments:\n  - name: dev\n    path: overlays/dev\n"
    )
    return tmp_path


def test_plan_loads_nothing_heavy(tmp_path: Path) -> None:
    code, heavy = _loaded("plan", "--repo", str(_repo(tmp_path)), "--output", "json")
    assert code == 0
    assert heavy == []


def test_help_and_schema_load_nothing_heavy() -> None:
    assert _loaded("--help") == (0, [])
    assert _loaded("schema") == (0, [])
