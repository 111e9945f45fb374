"""Start-up cost: what a command imports, checked without timing anything.

Our own modules are imported at the top of the modules that use them; what stays out of a run
that does not need it is a heavy optional library, imported where it is used (PyJWT for a
GitHub App, the crypto of signature checks, Sigstore, the Prometheus client, structlog's
renderers). Each command runs in a fresh interpreter here, and the test lists the heavy
third-party packages it loaded: the plan path needs none of them. Speed itself is measured by
bench/startup_bench.py.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from testkit.oci import Pusher
from testkit.registry_process import RegistryProcess

# What these cost at import (best of 5 on the project machine): structlog 75-110 ms with rich,
# pygments and asyncio; httpx's command-line client (click, rich, pygments) ~50 ms; the crypto
# of signature checks and of a GitHub App's JWT (PyJWT), the Prometheus client, GitPython and
# ruamel.yaml.
# httpx's package init imports its command-line client (click, rich, pygments) whenever those
# are installed: they come with the optional parts (keyless Sigstore) and dev tools, not with a
# plain install, and the process-wide import hack that hid them is gone; not counted here.
HEAVY = {
    "asyncio",
    "cryptography",
    "git",
    "jwt",
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
loaded = {{m.split(".")[0] for m in sys.modules if sys.modules[m]}} | set(sys.modules)
print(json.dumps(sorted(loaded & heavy)), file=sys.__stderr__)
sys.exit(code)
"""


def _loaded(*args: str, heavy: set[str] = HEAVY) -> tuple[int, list[str]]:
    probe = _PROBE.format(heavy=json.dumps(sorted(heavy)))
    proc = subprocess.run([sys.executable, "-c", probe, *args], capture_output=True, text=True, timeout=60)
    return proc.returncode, json.loads(proc.stderr.strip().splitlines()[-1])


def _repo(tmp_path: Path, *, deployed: str | None = None) -> Path:
    """A repository whose overlay deploys its image at ``deployed``; without it, one whose only
    pin is in an environment that takes promotions only: `plan` runs its whole path (config,
    holds, overlays, policies, output) and asks the registry nothing (a config under which no
    environment pins any image is refused before that path)."""
    (tmp_path / "overlays/dev").mkdir(parents=True)
    (tmp_path / "overlays/staging").mkdir(parents=True)
    repository = deployed or "127.0.0.1:9/example/app"
    images = f"images:\n  - name: app\n    newName: {repository}\n    newTag: 1.0.0\n"
    (tmp_path / "overlays/dev/kustomization.yaml").write_text("resources: []\n" + images)
    (tmp_path / "overlays/staging/kustomization.yaml").write_text("resources: []\n")
    promoted = (
        "" if deployed else "    promote_from: staging\n  - name: staging\n    path: overlays/staging\n"
    )
    (tmp_path / "gitops-bot.yaml").write_text(
        f"version: 1\nimages:\n  - name: app\n    repository: {repository}\n"
        "environments:\n  - name: dev\n    path: overlays/dev\n" + promoted
    )
    return tmp_path


def test_plan_loads_nothing_heavy(tmp_path: Path) -> None:
    code, heavy = _loaded("plan", "--repo", str(_repo(tmp_path)), "--output", "json")
    assert code == 0
    assert heavy == []


def test_a_plan_with_updates_loads_nothing_heavy(
    tmp_path: Path, registry: RegistryProcess, pusher: Pusher
) -> None:
    pusher.image("startup/app", ["1.0.0", "1.1.0"])
    repo = _repo(tmp_path, deployed=f"{registry.host}/startup/app")
    assert _loaded("plan", "--repo", str(repo), "--output", "json") == (0, [])


def test_help_and_schema_load_nothing_heavy() -> None:
    assert _loaded("--help") == (0, [])
    assert _loaded("schema") == (0, [])


def test_a_json_plan_with_updates_renders_them_without_a_forge_client(
    tmp_path: Path, registry: RegistryProcess, pusher: Pusher
) -> None:
    """The JSON plan's rendered diffs, when asked (its one update edited in memory), need no
    forge adapter."""
    pusher.image("startup/app", ["1.0.0", "1.1.0"])
    repo = _repo(tmp_path, deployed=f"{registry.host}/startup/app")
    code, loaded = _loaded("plan", "--repo", str(repo), "--output", "json", "--rendered-diff")
    assert code == 0
    assert loaded == []
    out = subprocess.run(
        [
            sys.executable,
            "-m",
            "gitops_bot",
            "plan",
            "--repo",
            str(repo),
            "--output",
            "json",
            "--rendered-diff",
        ],
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    assert json.loads(out.stdout)["rendered"], "the plan had an update to render"
