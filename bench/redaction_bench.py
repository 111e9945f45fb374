"""What a week of ``watch`` renewals costs redaction: the spellings registered and redact()'s
time per output line, for the redaction of a given revision ("before") and of the working
tree ("now").

The week (simulated: no network, the clock of ``core.log`` moved on by hand) renews what a
watch of one repository through a GitHub App, with ten images behind a registry's bearer
tokens and one behind ECR, renews: the App's installation token hourly, registered as the
adapter does (the token, the ``token <value>`` header built of it, git's secret of it); each
of the ten scopes' bearer token every five minutes (a JWT, as Docker Hub's and GHCR's last
300 s, asked again each 5 minute cycle); an ECR login every twelve hours (its password and a
session token). Then redact() over a JSON log line holding no secret, the same line holding
the token in force, and a 1,000-image ``plan --output json`` (0.7 MB); medians of repeated
calls.

    .venv/bin/python bench/redaction_bench.py [--before 6bded83] [--days 7]
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import secrets
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from types import ModuleType
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

GITHUB = "GitHub App installation 1 at https://api.github.com"
SCOPES = [f"repository:acme/service-{i}:pull" for i in range(10)]


def _module(name: str, source: str) -> ModuleType:
    path = Path(tempfile.mkdtemp()) / f"{name}.py"
    path.write_text(source)
    spec = importlib.util.spec_from_file_location(name, path)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _jwt() -> str:
    return ".".join(secrets.token_urlsafe(n) for n in (60, 300, 256))


def _week(log: ModuleType, days: float, bounded: bool) -> str:
    """Registers the week's renewals; returns the GitHub token in force at its end."""
    now = [0.0]
    if bounded:
        setattr(log, "_clock", lambda: now[0])  # noqa: B010 (a module loaded from a file)

    def register(value: str, source: str | None) -> None:
        if bounded and source:
            log.register_secret(value, renews=[source])
        else:
            log.register_secret(value)

    token = ""
    for minute in range(0, int(days * 24 * 60), 5):
        now[0] = minute * 60.0
        if minute % 60 == 0:
            token = "ghs_" + secrets.token_urlsafe(27)
            register(token, GITHUB)
            register(f"token {token}", None)  # the API's header, built outside the renewal
            register(token, None)  # git's secret of it
        for scope in SCOPES:
            register(_jwt(), f"registry token registry-1.docker.io {scope}")
        if minute % 720 == 0:
            password, session = secrets.token_urlsafe(1500), secrets.token_urlsafe(600)
            if bounded:
                with log.renewing("ecr login for 1.dkr.ecr.eu-west-1.amazonaws.com"):
                    register(password, None)
                    register(session, None)
            else:
                register(password, None)
                register(session, None)
    return token


def _count(log: ModuleType) -> int:
    return log.registered() if hasattr(log, "registered") else len(log._secrets)


def _per_call(fn: Any, text: str, runs: int) -> float:
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        fn(text)
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def _plan() -> str:
    digest = "sha256:" + "0123456789abcdef" * 4
    images = [
        {"image": f"registry-1.docker.io/acme/app-{i}", "tag": "1.4.2", "digest": digest, "env": "staging"}
        for i in range(1000)
    ]
    return json.dumps({"releases": images, "notes": "x" * 400_000})


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--before", default="6bded83", help="the revision of core/log.py to compare with")
    parser.add_argument("--days", type=float, default=7.0)
    args = parser.parse_args()
    old = subprocess.run(
        ["git", "-C", str(ROOT), "show", f"{args.before}:gitops_bot/core/log.py"],
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    now = (ROOT / "gitops_bot/core/log.py").read_text()
    line = json.dumps(
        {"event": "cycle", "level": "info", "timestamp": "2026-11-26T17:00:00Z", "result": "success"}
        | {"seconds": 4.2, "repository": "https://github.com/acme/gitops.git", "releases": 3}
    )
    plan = _plan()
    print(f"a simulated {args.days:g} days of renewals; redact() medians")
    print(f"{'':8} {'spellings':>10} {'line':>12} {'line+token':>12} {'plan 0.7 MB':>12}")
    for label, source, bounded in (("before", old, False), ("now", now, True)):
        log = _module(f"log_{label}", source)
        empty = (_per_call(log.redact, line, 2000), _per_call(log.redact, plan, 5))
        token = _week(log, args.days, bounded)
        held = (f"the token {token} was refused; " + line) if token else line
        figures = (
            _per_call(log.redact, line, 200),
            _per_call(log.redact, held, 200),
            _per_call(log.redact, plan, 3),
        )
        assert token not in log.redact(held)
        print(
            f"{label:8} {_count(log):>10} {figures[0] * 1e6:>10.0f}us {figures[1] * 1e6:>10.0f}us "
            f"{figures[2] * 1e3:>10.1f}ms   (nothing registered: line {empty[0] * 1e6:.0f}us, "
            f"plan {empty[1] * 1e3:.1f}ms)"
        )


if __name__ == "__main__":
    main()
