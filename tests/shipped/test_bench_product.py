"""The latency bench measures what users install (``bench/product.py``): a venv holding exactly
the lock and the package, byte-compiled, whose ``gitops-bot`` starts without the dev venv's
extras (httpx's command-line module and click are what the dev extras add to every start), and
which a second bench run reuses as it is."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

from testkit.paths import ROOT, bench_module

product = bench_module("product")

PROBE = """
import json, sys
import gitops_bot.cli, httpx
print(json.dumps({"loaded": sorted(sys.modules), "file": gitops_bot.cli.__file__, "prefix": sys.prefix}))
"""


def _name(project: str) -> str:
    return project.strip().lower().replace("_", "-").replace(".", "-")


def test_the_bench_s_product_is_the_lock_and_the_package_byte_compiled_and_reused(tmp_path: Path) -> None:
    said: list[str] = []
    exe = product.product(tmp_path / "cache", ROOT, said.append)
    venv = exe.parents[1]
    assert said == [f"product venv: build at {venv}"]
    env = product.installed_env()

    def run(*argv: str) -> str:
        proc = subprocess.run(argv, env=env, capture_output=True, text=True, timeout=120, cwd=tmp_path)
        assert proc.returncode == 0, proc.stderr
        return proc.stdout

    assert run(str(exe), "--version").strip()
    seen = json.loads(run(str(venv / "bin" / "python"), "-c", PROBE))
    assert seen["prefix"] == str(venv) and seen["file"].startswith(str(venv))
    assert not {"click", "httpx._main", "rich"} & set(seen["loaded"]), "the dev extras' modules"

    listed = json.loads(run(str(venv / "bin" / "python"), "-m", "pip", "list", "--format", "json"))
    installed = {_name(p["name"]) for p in listed}
    locked = {
        _name(line.split("==")[0])
        for line in (ROOT / "requirements.lock").read_text().splitlines()
        if "==" in line and not line.startswith((" ", "#"))
    }
    venv_own = {"pip", "setuptools"}  # what `python -m venv` puts in every venv
    assert installed - venv_own == locked | {"gitops-bot"}

    sources = list((venv / "lib").glob("python3.*/site-packages/gitops_bot/**/*.py"))
    assert len(sources) > 30
    uncompiled = [p for p in sources if not list((p.parent / "__pycache__").glob(f"{p.stem}.cpython-*.pyc"))]
    assert uncompiled == []

    said.clear()
    assert product.product(tmp_path / "cache", ROOT, said.append) == exe
    assert said == []  # the same tree: the venv as it is
