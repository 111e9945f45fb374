#!/usr/bin/env bash
# The main job on the bundled example: start a local registry, push sample images, copy
# manifests-example/ into a scratch GitOps repo with a local git remote and GitHub API, run
# gitops-bot plan and update (twice: the second changes nothing), promote, history, rollback
# and status. Cleans up after, then says how to see the same table as a web page.
# --keep: leave the world running as a playground, with watch and its status page, until
# `scripts/play down` (docs/guides/tutorial.md).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/bootstrap.sh
code=0
.venv/bin/python -m testkit.demo "$@" || code=$?
if [ "$code" -eq 0 ] && [[ " $* " != *" --keep "* ]]; then
  echo
  echo "The same table as a web page: gitops-bot watch --repo <your GitOps repo> --status-page, then open http://127.0.0.1:8080/ (docs/guides/status.md)"
fi
exit "$code"
