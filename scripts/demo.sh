#!/usr/bin/env bash
# The main job on the bundled example: start a local registry, push sample images, copy
# manifests-example/ into a scratch GitOps repo with a local git remote and GitHub API, run
# gitops-bot plan and update (twice: the second changes nothing), promote, history, rollback
# and status. Cleans up after (--keep keeps the scratch directory), then says how to see the
# same table as a web page; it starts no server itself.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/bootstrap.sh
code=0
.venv/bin/python -m testkit.demo "$@" || code=$?
if [ "$code" -eq 0 ]; then
  echo
  echo "The same table as a web page: gitops-bot watch --repo <your GitOps repo> --status-page, then open http://127.0.0.1:8080/ (docs/guides/status.md)"
fi
exit "$code"
