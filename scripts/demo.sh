#!/usr/bin/env bash
# The main job on the bundled example: start a local registry, push sample images, copy
# manifests-example/ into a scratch GitOps repo and run gitops-bot on it. Cleans up after.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/bootstrap.sh
exec .venv/bin/python -m gitops_bot.testing.demo "$@"
