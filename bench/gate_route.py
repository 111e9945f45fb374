"""The route a gate's verdict takes to the rule that judges it, as a pytest plugin over the
tests it is given: for each answer of a gate's adapter (Argo CD's verdict and live state, a
metrics, checks or web reading), the calls and the modules it crosses on its way to the rule
that consumes it (the decision's chain, the soak, the automatic rollback): up the stack from
the adapter to the frame both share, then down to the rule. A count, not a speed: it says how
many places a reader follows from a gate's answer to the decision made on it. It also counts
the gate clients each command run builds.

    PYTHONPATH=bench .venv/bin/pytest -n0 -p no:cacheprovider -p gate_route \\
        tests/e2e/promotion/test_auto_promote.py tests/e2e/promotion/test_checks_and_web_gates.py
"""

from __future__ import annotations

import itertools
import sys
import threading
from collections import Counter, defaultdict
from types import FrameType
from typing import Any

import pytest

# (module, function) of each adapter answer, and the rules its answer is for
ADAPTERS = {
    ("gitops_bot.gate.argocd", "ArgoCD.verdict"): ("chain",),
    ("gitops_bot.gate.argocd", "ArgoCD.live"): ("soak", "autorollback"),
    ("gitops_bot.gate.metrics", "Prometheus.reading"): ("chain", "soak", "autorollback"),
    ("gitops_bot.gate.checks", "read"): ("chain",),
    ("gitops_bot.gate.web", "read"): ("chain",),
}
RULES = {
    ("gitops_bot.release.decision", "chain"): "chain",
    ("gitops_bot.release.soak", "decide"): "soak",
    ("gitops_bot.release.autorollback", "decide"): "autorollback",
}
BUILT = {("gitops_bot.gate.argocd", "ArgoCD.__init__"), ("gitops_bot.gate.metrics", "Prometheus.__init__")}
RUN = ("gitops_bot.cli", "main")

Frame = tuple[int, str, str]  # (serial, module, function)
_serial = itertools.count()
_ids: dict[int, int] = {}  # a live frame's id -> the serial it was entered with
_pending: list[tuple[tuple[str, str], list[Frame]]] = []
_routes: dict[tuple[str, str], list[tuple[int, int, list[str]]]] = defaultdict(list)
_built: list[Counter[str]] = []
_running = [0]  # command runs under way (a main() entered and not yet returned)
_outside: Counter[str] = Counter()  # built by no command run (a test calling the engine itself)


def _stack(frame: FrameType | None) -> list[Frame]:
    out: list[Frame] = []
    while frame is not None:
        module = frame.f_globals.get("__name__", "")
        if module.startswith("gitops_bot"):
            out.append((_ids.get(id(frame), -1), module, frame.f_code.co_qualname))
        frame = frame.f_back
    return out[::-1]


def _profile(frame: FrameType, event: str, arg: Any) -> None:
    if event == "return" and frame.f_code.co_qualname == RUN[1]:
        if frame.f_globals.get("__name__", "") == RUN[0]:
            _running[0] -= 1
        return
    if event != "call":
        return
    _ids[id(frame)] = next(_serial)
    key = (frame.f_globals.get("__name__", ""), frame.f_code.co_qualname)
    if key == RUN:
        _built.append(Counter())
        _running[0] += 1
    elif key in BUILT:
        # a client built after main() returned (testkit/surfaces.py asks status in-process)
        # belongs to no command run: counted apart, not to the run before it
        (_built[-1] if _running[0] > 0 else _outside)[key[1].split(".")[0]] += 1
    elif key in ADAPTERS:
        _pending.append((key, _stack(frame)))
    elif key in RULES and _pending:
        rule = _stack(frame)
        serials = {s for s, _, _ in rule}
        for adapter, stack in _pending:
            if RULES[key] not in ADAPTERS[adapter]:
                continue
            shared = [i for i, (s, _, _) in enumerate(stack) if s in serials]
            if not shared:
                continue
            top = shared[-1]
            down = next(i for i, f in enumerate(rule) if f[0] == stack[top][0])
            route = stack[top:][::-1] + rule[down + 1 :]
            modules = len({m for _, m, _ in route})
            names = [f"{m.removeprefix('gitops_bot.')}:{f}" for _, m, f in route]
            _routes[(f"{adapter[0].rsplit('.', 1)[1]}:{adapter[1]}", RULES[key])].append(
                (len(route) - 1, modules, names)
            )
        _pending.clear()


def pytest_runtest_setup(item: pytest.Item) -> None:
    _pending.clear()
    sys.setprofile(_profile)
    threading.setprofile(_profile)


def pytest_runtest_teardown(item: pytest.Item) -> None:
    sys.setprofile(None)
    threading.setprofile(None)


def pytest_terminal_summary(terminalreporter: Any) -> None:
    say = terminalreporter.write_line
    say("gate answers -> the rule judging them: calls crossed, modules crossed (the longest route)")
    for (adapter, rule), found in sorted(_routes.items()):
        calls = sorted({c for c, _, _ in found})
        modules = sorted({m for _, m, _ in found})
        longest = max(found)[2]
        say(f"  {adapter} -> {rule}: {len(found)} answers, calls {calls}, modules {modules}")
        say(f"      {' > '.join(longest)}")
    per_run = Counter(tuple(sorted(c.items())) for c in _built)
    say(f"gate clients built per command run ({len(_built)} runs): ")
    for built, runs in sorted(per_run.items()):
        say(f"  {dict(built) or 'none'}: {runs} runs")
    if _outside:
        say(f"  outside any command run (the tests' own engine calls): {dict(_outside)}")
