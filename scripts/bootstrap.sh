#!/usr/bin/env bash
# Install what gitops-bot's demo and tests need on a fresh Debian machine (run as root):
# Debian's docker-registry (the CNCF distribution registry), git, shellcheck, ssh-keygen and gpg
# (commit signing), chromium (the status page's browser test), prometheus (the metrics gate's
# tests), then a .venv with the package and its test and dev extras (pytest; ruff, mypy and the
# linters). Safe to run again: it skips what is already there.
set -euo pipefail
cd "$(dirname "$0")/.."

need=()
command -v docker-registry >/dev/null 2>&1 || need+=(docker-registry)
command -v git >/dev/null 2>&1 || need+=(git)
command -v shellcheck >/dev/null 2>&1 || need+=(shellcheck)  # the Action's run: scripts
command -v ssh-keygen >/dev/null 2>&1 || need+=(openssh-client)  # SSH commit signing and its tests
command -v gpg >/dev/null 2>&1 || need+=(gnupg)  # OpenPGP commit signing and its tests
# the status page's browser test (headless); ~55 s to install on a fresh machine, once
command -v chromium >/dev/null 2>&1 || need+=(chromium)
# the metrics gate's tests ask a real Prometheus (testkit/prometheus.py); the pushgateway beside it
command -v prometheus >/dev/null 2>&1 || need+=(prometheus)
command -v prometheus-pushgateway >/dev/null 2>&1 || need+=(prometheus-pushgateway)
# the no-network tests trace every connect and DNS query of the CLI and the tools it starts
command -v strace >/dev/null 2>&1 || need+=(strace)
if [ ${#need[@]} -gt 0 ]; then
  echo "bootstrap: installing ${need[*]} (apt)" >&2
  bash scripts/apt-install.sh "${need[@]}" >/dev/null
fi

# Real kubectl (Kustomize) and helm: the suite renders before and after edits with them.
bash scripts/kube-tools.sh
# axe-core: the status page's accessibility is checked inside headless Chromium with it.
bash scripts/axe-core.sh

PY=${PYTHON:-python3}
if [ ! -x .venv/bin/python ]; then
  echo "bootstrap: creating .venv" >&2
  "$PY" -m venv .venv
fi
stamp=.venv/.gitops-bot-installed
want=$(sha256sum pyproject.toml | cut -d' ' -f1)
if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$want" ]; then
  echo "bootstrap: installing gitops-bot[test,dev] into .venv" >&2
  # uv installs them, as it installs the locks for the Action and the image (itself pinned by
  # hash, one wheel, no index page read): pip's resolver read ~170 index pages one after the
  # other, 190 s of a fresh clone's bootstrap at load 12-14 where uv takes 13 s, the same 103
  # distributions at the same versions
  .venv/bin/python -m pip install -q --disable-pip-version-check --require-hashes -r requirements/installer.lock
  .venv/bin/uv pip install -q --python .venv/bin/python -e '.[keyless,test,dev]'
  echo "$want" > "$stamp"
fi
# The test helpers (testkit/: registry process, local GitHub/Argo CD APIs) are not part of the
# package; the dev venv sees them from the source tree, for the demo, the benches and the tests.
site=$(.venv/bin/python -c 'import sysconfig; print(sysconfig.get_path("purelib"))')
[ -f "$site/gitops-bot-source-tree.pth" ] || pwd > "$site/gitops-bot-source-tree.pth"
