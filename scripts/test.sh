#!/usr/bin/env bash
# The whole test suite: lint, format, types, then pytest on 2 cores against real local
# registries and git repositories. Installs what it needs first (scripts/bootstrap.sh).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/bootstrap.sh
# One command a line: under set -e a failure inside an && list would not stop the script.
echo "== ruff"
.venv/bin/ruff check gitops_bot testkit tests bench
.venv/bin/ruff format --check gitops_bot testkit tests bench
echo "== mypy --strict"
.venv/bin/mypy gitops_bot testkit
echo "== pytest"
# property tests try their full number of examples here (testkit/examples.py)
export GITOPS_BOT_TEST_DEPTH=full
# compiled modules kept: with PYTHONDONTWRITEBYTECODE (set on some machines) each worker and each
# gitops-bot process a test starts compiled every test module, testkit and the package afresh
unset PYTHONDONTWRITEBYTECODE
# Four workers on two cores: a whole run on 2 workers left the CPU 43 % idle (vmstat), its
# e2e stories waiting on real servers, git and scrapes rather than computing; on 3 it was still
# 25 % idle (23.5 min of CPU in 15:46 of pytest, 2026-11-27), so a fourth fills more of those
# waits. The slowest tests are named at the end; the suite is held under 15 minutes.
exec .venv/bin/pytest -n "${PYTEST_WORKERS:-4}" --durations=30 "$@"
