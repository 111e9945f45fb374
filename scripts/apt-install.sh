#!/usr/bin/env bash
# apt-get install PACKAGE... on Debian, waiting for the apt/dpkg lock instead of failing with exit
# 100 when another apt process holds it (a fresh machine often runs unattended-upgrades at boot).
# Gives up after APT_LOCK_WAIT seconds (default 600).
set -euo pipefail
export DEBIAN_FRONTEND=noninteractive
wait_s=${APT_LOCK_WAIT:-600}
poll=${APT_LOCK_POLL:-5}

locked() {  # apt's own messages for a lock held by another process
  grep -qE 'Could not get lock|Unable to acquire the dpkg frontend lock|Unable to lock (the )?(administration )?directory|is another process using it' <<<"$1"
}

retry() {
  local start=$SECONDS out rc
  while true; do
    rc=0
    out=$("$@" 2>&1) || rc=$?
    if [ "$rc" -eq 0 ]; then
      return 0
    fi
    if ! locked "$out" || [ $((SECONDS - start)) -ge "$wait_s" ]; then
      printf '%s\n' "$out" >&2
      return "$rc"
    fi
    echo "apt-install: another apt process holds the lock; waiting (up to ${wait_s}s)" >&2
    sleep "$poll"
  done
}

# DPkg::Lock::Timeout makes apt itself wait for the dpkg lock; the loop covers the lists lock
# and older apt.
retry apt-get -o DPkg::Lock::Timeout="$wait_s" update -qq
retry apt-get -o DPkg::Lock::Timeout="$wait_s" install -y -qq "$@"
