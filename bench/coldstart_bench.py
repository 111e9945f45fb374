"""The Action's cold start on a fresh runner: its install and a first ``plan`` and
``update --dry-run`` of the bundled example, beside today's pip path.

Each run starts from nothing: a copy of the action's files (what a runner checks out), a fresh
venv (setup-python's interpreter) and empty caches, pip's configuration from this machine left
out, so both paths download from PyPI as a runner does. Then, timed:

- **action**: action.yml's own install steps, read from the file and run as a runner runs them
  (``GITHUB_OUTPUT``, ``RUNNER_TEMP``, the steps' ``env:`` with ``${{ steps.* }}`` and
  ``${{ inputs.* }}`` expanded, the ``repo`` input the example's repository, so the install
  adds the extras its config needs: none; actions/cache restores nothing on a first run);
- **pip**: the install the Action had before: ``pip install --no-deps --require-hashes`` of the
  runtime's lock and the keyless, aws and gcp extras' (the set the single requirements.lock
  held), then ``pip install --no-deps`` of the action's directory, which builds the wheel with
  pip's isolated build and the backend it had then (setuptools, put back in the copy's
  pyproject.toml);

then ``plan`` and ``update --dry-run`` of the example (testkit/demo.py's world: the registry,
the GitOps repository, the fake GitHub and Argo CD; a fresh clone cache each run). The paths
run interleaved; medians. ``--image`` also reproduces the Dockerfile's build stage
(testkit/shipped.py) and reports the size of what it puts in the image (/opt/gitops-bot).

    .venv/bin/python bench/coldstart_bench.py --runs 5 --image
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import statistics
import sys
import tempfile
import time
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from gitops_bot.manifests import yamlvalues
from testkit import demo, shipped
from testkit.actions_env import read_outputs

ROOT = shipped.ROOT
LOCKS = ("requirements.lock", "requirements/keyless.lock", "requirements/aws.lock", "requirements/gcp.lock")


def _expand(value: str, steps: Mapping[str, Mapping[str, str]], inputs: Mapping[str, str]) -> str:
    def one(m: re.Match[str]) -> str:
        expr = m.group(1).strip()
        if expr.startswith("inputs."):
            return inputs[expr.removeprefix("inputs.")]
        step_id, _, output = expr.removeprefix("steps.").partition(".outputs.")
        assert expr.startswith("steps.") and output, f"the install steps' env: {expr}"
        return steps[step_id][output]

    return re.sub(r"\$\{\{(.*?)\}\}", one, value)


def _runner_env() -> dict[str, str]:
    """This process's environment as a runner's: Python writes the bytecode of what it imports
    (this machine's PYTHONDONTWRITEBYTECODE would make every command compile again)."""
    return {k: v for k, v in shipped.clean_env().items() if k != "PYTHONDONTWRITEBYTECODE"}


def _env(work: Path, python: Path, **extra: str) -> dict[str, str]:
    """A runner's environment: no pip configuration or caches from this machine."""
    env = {k: v for k, v in _runner_env().items() if not k.startswith(("PIP_", "UV_"))}
    env.update(PIP_CONFIG_FILE=os.devnull, PIP_DISABLE_PIP_VERSION_CHECK="1", HOME=str(work / "home"))
    env["PATH"] = f"{python / 'bin'}{os.pathsep}{env['PATH']}"
    env.update(extra)
    return env


def action_install(work: Path, action: Path, python: Path, repo: Path) -> None:
    doc: dict[str, Any] = yamlvalues.load((action / "action.yml").read_text(), "action.yml")
    # the inputs as a workflow running the example would give them (the rest: their defaults)
    inputs = {name: str(spec.get("default", "")) for name, spec in doc["inputs"].items()}
    inputs["repo"] = str(repo)
    temp = work / "runner-temp"
    temp.mkdir()
    outputs: dict[str, dict[str, str]] = {}
    for step in doc["runs"]["steps"]:
        if step.get("name") == "Run gitops-bot":
            break
        if "uses" in step:  # setup-python: the fresh venv; actions/cache: a miss
            continue
        out = temp / f"output-{len(outputs)}"
        out.write_text("")
        env = _env(
            work,
            python,
            GITHUB_ACTION_PATH=str(action),
            GITHUB_OUTPUT=str(out),
            RUNNER_TEMP=str(temp),
            RUNNER_OS="Linux",
            RUNNER_ARCH="X64",
        )
        env.update({k: _expand(str(v), outputs, inputs) for k, v in step.get("env", {}).items()})
        shipped.run(
            ["bash", "--noprofile", "--norc", "-eo", "pipefail", "-c", step["run"]], cwd=work, env=env
        )
        outputs[step.get("id", str(len(outputs)))] = read_outputs(out)


# The backend the package was built with before it moved to uv_build: pip's isolated build of
# the action's directory downloads it and runs it, as the old install did.
OLD_BUILD_SYSTEM = '[build-system]\nrequires = ["setuptools>=68"]\nbuild-backend = "setuptools.build_meta"\n'


def pip_install(work: Path, action: Path, python: Path, repo: Path) -> None:
    pyproject = action / "pyproject.toml"
    text = pyproject.read_text()
    start, end = text.index("[build-system]"), text.index("[project]")
    pyproject.write_text(text[:start] + OLD_BUILD_SYSTEM + "\n" + text[end:])
    env = _env(work, python, PIP_NO_CACHE_DIR="1")
    pip = ["python", "-m", "pip", "install", "--quiet", "--no-deps"]
    locks = [a for lock in LOCKS for a in ("-r", str(action / lock))]
    shipped.run([*pip, "--require-hashes", *locks], cwd=work, env=env, timeout=900)
    shipped.run([*pip, str(action)], cwd=work, env=env, timeout=900)


INSTALLS = {"action (uv)": action_install, "before (pip)": pip_install}


def one_run(kind: str, st: demo.Stage, scratch: Path) -> dict[str, float]:
    work = Path(tempfile.mkdtemp(prefix="coldstart-", dir=scratch))
    try:
        action = shipped.copy_tree(work / "action", (*shipped.BUILD_CONTEXT, "action.yml"))
        python = shipped.make_venv(work / "python")
        t0 = time.perf_counter()
        INSTALLS[kind](work, action, python, st.repo)
        t1 = time.perf_counter()
        env = {**_runner_env(), **st.env, "GITOPS_BOT_CACHE": str(work / "bot-cache")}
        exe = str(python / "bin" / "gitops-bot")
        times = {"install": t1 - t0}
        for name, argv in (
            ("plan", ["plan", "--repo", str(st.repo)]),
            ("update --dry-run", ["update", "--repo", str(st.repo), "--dry-run"]),
        ):
            t = time.perf_counter()
            shipped.run([exe, *argv], cwd=work, env=env, timeout=300)
            times[name] = time.perf_counter() - t
        times["total"] = time.perf_counter() - t0
        listed = shipped.run([str(python / "bin/python"), "-m", "pip", "list", "--format", "json"], cwd=work)
        times["packages"] = len({p["name"] for p in json.loads(listed)} - {"pip", "setuptools"})
        return times
    finally:
        shutil.rmtree(work, ignore_errors=True)


def image_size(scratch: Path) -> tuple[int, int]:
    """Bytes and .pyc files of what the Dockerfile's build stage puts at /opt/gitops-bot."""
    dest = Path(tempfile.mkdtemp(prefix="coldstart-image-", dir=scratch))
    try:
        shipped.container_build(dest, (ROOT / "Dockerfile").read_text())
        files = [p for p in (dest / "opt" / "gitops-bot").rglob("*") if p.is_file() and not p.is_symlink()]
        return sum(p.stat().st_size for p in files), sum(p.suffix == ".pyc" for p in files)
    finally:
        shutil.rmtree(dest, ignore_errors=True)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--image", action="store_true", help="also the build stage's size")
    args = ap.parse_args()
    results: dict[str, list[dict[str, float]]] = {k: [] for k in INSTALLS}
    with (
        tempfile.TemporaryDirectory(prefix="gitops-bot-coldstart-") as tmp,
        demo.stage(Path(tmp) / "world") as st,
    ):
        for n in range(args.runs):
            for kind in INSTALLS if n % 2 == 0 else reversed(INSTALLS):
                results[kind].append(one_run(kind, st, Path(tmp)))
                print(f"run {n + 1} {kind}: {results[kind][-1]}", file=sys.stderr, flush=True)
        size = image_size(Path(tmp)) if args.image else None
    cols = ("install", "plan", "update --dry-run", "total")
    print(f"\ncold start, fresh venv and empty caches, medians of {args.runs} interleaved runs")
    print(f"load average (1 min) at the end: {os.getloadavg()[0]:.1f}, {os.cpu_count()} CPUs\n")
    print("| path | " + " | ".join(cols) + " | packages |")
    print("| --- | " + " | ".join("---" for _ in cols) + " | --- |")
    medians = {
        k: {c: statistics.median(r[c] for r in rs) for c in (*cols, "packages")} for k, rs in results.items()
    }
    for kind, m in medians.items():
        print(f"| {kind} | " + " | ".join(f"{m[c]:.2f} s" for c in cols) + f" | {m['packages']:.0f} |")
    a, b = medians["action (uv)"], medians["before (pip)"]
    first = "update --dry-run"  # the goal's measure: the install and the first update
    print(
        f"\naction / before: install {a['install'] / b['install']:.2f}x, "
        f"install + first update {(a['install'] + a[first]) / (b['install'] + b[first]):.2f}x, "
        f"total {a['total'] / b['total']:.2f}x"
    )
    if size:
        print(f"image build stage: /opt/gitops-bot {size[0] / 1e6:.1f} MB, {size[1]} .pyc files")
    return 0


if __name__ == "__main__":
    sys.exit(main())
