#!/usr/bin/env bash
# requirements.lock: what the container and the Action install (pip --require-hashes), compiled
# from pyproject.toml's runtime dependencies plus the `keyless`, `aws` and `gcp` extras, for every
# platform and Python >= 3.11 (uv's --universal: one file serves Linux images and macOS/Windows
# runners).
# Pins already in the file are kept; `scripts/lock.sh --upgrade` moves them to the newest.
set -euo pipefail
cd "$(dirname "$0")/.."
exec .venv/bin/uv pip compile pyproject.toml --extra keyless --extra aws --extra gcp --universal --python-version 3.11 \
  --generate-hashes --index-url https://pypi.org/simple --no-emit-index-url \
  --custom-compile-command "scripts/lock.sh" -o requirements.lock --quiet "$@"
