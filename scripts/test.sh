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
.venv/bin/mypy gitops_bot testkit bench
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
pytest=(.venv/bin/pytest -n "${PYTEST_WORKERS:-4}" --durations=30)
# The tests' folders (git remotes and clones, the bot's caches, the registries' storage, venvs)
# on a tmpfs where a private mount namespace can be made (as root): on this machine's disk each
# file made and removed costs about a millisecond, and pytest removes all but the three newest
# of /tmp/pytest-of-$USER's folders at the end of each run, whoever's they are, inside that
# run's wall. The tmpfs is mounted on an empty folder of /tmp, so the tests' paths are as long
# as under /tmp/pytest-of-root (a gpg-agent's socket in a test's folder must fit in 108 bytes)
# and the sandbox's own private /dev (testkit/sandbox.py) leaves it in view; it goes with the
# namespace when the run ends. Measured in docs/testing.md.
if [ "$(id -u)" = 0 ] && unshare --mount --propagation private true 2>/dev/null &&
  [ "$(awk '/^MemAvailable:/ {print $2}' /proc/meminfo)" -ge $((4 * 1024 * 1024)) ]; then
  base=$(mktemp -d /tmp/gitops-bot.XXXXXX)
  trap 'rm -rf "$base"' EXIT
  # shellcheck disable=SC2016 # "$1" and "$@" are the inner shell's: the folder, then pytest
  unshare --mount --propagation private sh -c \
    'mount -t tmpfs -o mode=700 gitops-bot-tests "$1" || echo "test.sh: the tests write to disk" >&2
    shift; exec "$@"' sh "$base" "${pytest[@]}" --basetemp "$base/t" "$@"
else
  exec "${pytest[@]}" "$@"
fi
