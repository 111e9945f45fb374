"""The fixed cost of a run: a `plan --output json` of one image against the real registry on
loopback, the product as installed (``bench/product.py``), beside the interpreter alone and the
interpreter importing what that plan imports (with the collector on, as a plain import). The
plan runs twice: in a folder of files, and in a git repository of the same files with one
commit ("plan, git"), where it also reads the environment's release history as it does in
every repository it works on. Medians of interleaved runs, then the modules that cost most by
``python -X importtime`` (cumulative, our own and others') in the git repository. Each run's
wall and CPU are printed (the CPU of a whole run is the child's rusage, git's included). The plan
stopped at its first request says how many modules it imported and the CPU it spent before it;
``--tree old=PATH`` runs another tree's product (built from PATH by this bench's
``product.py``) to its first request too, interleaved run by run with this one's, since the same
plan's CPU seconds move with the machine's load by a third.

    .venv/bin/python bench/startup_bench.py --runs 9 [--tree old=/tmp/old-tree]
"""

from __future__ import annotations

import argparse
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import product

from testkit.oci import Pusher
from testkit.registry_process import RegistryProcess


def _children_cpu() -> float:
    ru = resource.getrusage(resource.RUSAGE_CHILDREN)
    return ru.ru_utime + ru.ru_stime


def _timed(argv: list[str], env: dict[str, str], cwd: Path) -> tuple[float, float]:
    """(wall, CPU) of one run; the CPU is the child's and its own children's (git), as exited."""
    cpu0, t0 = _children_cpu(), time.perf_counter()
    done = subprocess.run(argv, env=env, cwd=cwd, capture_output=True, text=True, timeout=60, check=False)
    wall, cpu = time.perf_counter() - t0, _children_cpu() - cpu0
    if done.returncode != 0:
        raise SystemExit(f"{argv[0]} failed ({done.returncode}): {done.stderr.strip()[-400:]}")
    return wall, cpu


def _importtime(python: str, argv: list[str], env: dict[str, str], cwd: Path) -> list[tuple[int, int, str]]:
    """(cumulative us, own us, module) of each module the plan imports, in import order, as
    ``python -X importtime`` reports them."""
    code = "import runpy; runpy.run_module('gitops_bot', run_name='__main__')"
    done = subprocess.run(
        [python, "-X", "importtime", "-c", code, *argv],
        env=env,
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    rows = []
    for ln in done.stderr.splitlines():
        if ln.startswith("import time:") and "|" in ln:
            own, cum, name = (x.strip() for x in ln[len("import time:") :].split("|"))
            if own.isdigit():
                rows.append((int(cum), int(own), name))
    return rows


# the plan in the product's interpreter, stopped at its first request (an audit hook here, not
# in the product): how many modules it has imported by then, and the CPU it has spent. It enters
# as the console script does (``from gitops_bot.__main__ import main``, then ``main()``), not
# through ``runpy``: Python 3.11 gives a thread's frames 16 kB chunks of stack, mapped when a
# call crosses a chunk's end and unmapped when it returns, and runpy's frames under the plan
# took its imports across that end ~1,200 times (an mmap, a munmap and a page fault each) where
# the console script's run crosses it ~180 times: ~0.01 s of CPU (system time and page faults,
# which no instruction count sees) the product does not spend. The CPU is the process's own
# clock (``time.process_time``), where ``os.times`` counts in 10 ms ticks.
_FIRST_REQUEST = r"""
import os, sys, time
def first_request(event, args):
    if event == "socket.connect":
        print(f"first-request {len(sys.modules)} {time.process_time():.4f}", file=sys.__stderr__, flush=True)
        os._exit(0)
sys.addaudithook(first_request)
from gitops_bot.__main__ import main
main()
"""


def _first_request(python: str, argv: list[str], env: dict[str, str], cwd: Path) -> tuple[int, float]:
    """(modules imported, CPU seconds spent) when the plan sends its first request."""
    argv = [python, "-c", _FIRST_REQUEST, *argv]
    done = subprocess.run(argv, env=env, cwd=cwd, capture_output=True, text=True, timeout=60, check=False)
    found = [ln.split() for ln in done.stderr.splitlines() if ln.startswith("first-request ")]
    if not found:
        raise SystemExit(f"the plan sent no request: {done.stderr.strip()[-400:]}")
    return int(found[-1][1]), float(found[-1][2])


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--runs", type=int, default=9)
    ap.add_argument("--cache", type=Path, default=Path(".bench"))
    ap.add_argument("--top", type=int, default=25)
    ap.add_argument(
        "--tree", action="append", default=[], help="name=path of another tree (its first request, beside)"
    )
    args = ap.parse_args()
    exe = product.product(args.cache)
    python = str(exe.with_name("python"))
    pythons = {"this tree": python}
    for tree in args.tree:  # each built by this tree's bench/product.py, in a cache of its own
        name, path = tree.split("=", 1)
        pythons[name] = str(product.product(args.cache / f"tree-{name}", root=Path(path)).with_name("python"))
    env = product.installed_env()
    with (
        tempfile.TemporaryDirectory(prefix="gitops-bot-startup-") as tmp,
        RegistryProcess(Path(tmp) / "reg") as reg,
    ):
        p = Pusher.to(reg.url)
        p.image("bench/app", ["1.0.0", "1.1.0"], salt="startup")
        p.close()
        repo = Path(tmp) / "gitops"
        (repo / "overlays/dev").mkdir(parents=True)
        (repo / "gitops-bot.yaml").write_text(
            f"version: 1\nimages:\n  - name: app\n    repository: {reg.host}/bench/app\n"
            "environments:\n  - name: dev\n    path: overlays/dev\n"
        )
        (repo / "overlays/dev/kustomization.yaml").write_text(
            f"resources: []\nimages:\n- name: app\n  newName: {reg.host}/bench/app\n  newTag: 1.0.0\n"
        )
        plan = ["plan", "--repo", str(repo), "--output", "json"]
        # the same files with one commit, as every repository the bot works on has: the plan
        # then reads the environment's history too (git, and how forges name merges)
        committed = Path(tmp) / "committed"
        shutil.copytree(repo, committed)
        for argv in (["init", "-q", "-b", "main"], ["add", "-A"], ["commit", "-qm", "overlay"]):
            subprocess.run(
                ["git", "-c", "user.name=b", "-c", "user.email=b@example.com", *argv],
                cwd=committed,
                check=True,
            )
        in_git = ["plan", "--repo", str(committed), "--output", "json"]
        rows = _importtime(python, in_git, env, committed)
        modules = [name for _, _, name in rows]
        # every module the plan imports, imported by name in the plan's order
        all_mods = (
            f"import importlib\nfor m in {modules!r}:\n    try:\n        importlib.import_module(m)\n"
            "    except ImportError:\n        pass\n"  # sitecustomize: looked for, absent
        )
        kinds: dict[str, list[tuple[float, float]]] = {
            "interpreter": [],
            "plan's imports": [],
            "plan": [],
            "plan, git": [],
        }
        first: dict[str, list[tuple[int, float]]] = {name: [] for name in pythons}
        for _ in range(args.runs):
            for name, other in pythons.items():  # the trees interleaved, run by run
                first[name].append(_first_request(other, in_git, env, committed))
            kinds["interpreter"].append(_timed([python, "-c", "pass"], env, repo))
            kinds["plan's imports"].append(_timed([python, "-c", all_mods], env, repo))
            kinds["plan"].append(_timed([str(exe), *plan], env, repo))
            kinds["plan, git"].append(_timed([str(exe), *in_git], env, committed))
        print(f"one-image plan, product as installed, medians of {args.runs} ({len(modules)} modules)")
        for k, v in kinds.items():
            for i, what in ((0, "wall"), (1, "CPU")):
                xs = [run[i] for run in v]
                each = " ".join(f"{x:.3f}" for x in xs)
                mid = statistics.median(xs)
                print(f"  {k:16} {what:4} {mid:.3f} s  (min {min(xs):.3f}; each run: {each})")
        for name, runs in first.items():
            cpu = [c for _, c in runs]
            print(
                f"  at the first request ({name}): {runs[0][0]} modules, "
                f"{statistics.median(cpu):.3f} s CPU (median; min {min(cpu):.3f}; "
                f"each run: {' '.join(f'{c:.3f}' for c in cpu)})"
            )
        print(f"  load average {os.getloadavg()[0]:.2f}")
        print(f"top {args.top} by cumulative import time (one run, us):")
        for cum, own, name in sorted(rows, reverse=True)[: args.top]:
            print(f"  {cum:7d} {own:7d}  {name}")
        print(f"  sum of self times: {sum(r[1] for r in rows) / 1000:.1f} ms over {len(rows)} modules")
    return 0


if __name__ == "__main__":
    sys.exit(main())
