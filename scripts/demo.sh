#!/usr/bin/env bash
# The main job on the bundled example: start a local registry, push sample images, copy
# manifests-example/ into a scratch GitOps repo with a local git remote and GitHub API, run
# gitops-bot plan and update (twice: the second changes nothing). Cleans up after.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/bootstrap.sh
exec .venv/bin/python -m testkit.demo "$@"
