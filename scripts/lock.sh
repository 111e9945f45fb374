#!/usr/bin/env bash
# The locks the container and the Action install (uv pip install --require-hashes), all compiled
# by uv pip compile for every platform and Python >= 3.11 (--universal: one file serves Linux
# images and macOS/Windows runners):
#
#   requirements.lock           pyproject.toml's runtime dependencies: a run without extras
#   requirements/<extra>.lock   what the `keyless`, `aws`, `gcp` and `http2` extras add on top of it
#                               (base + any of them is that extra's closure, nothing twice)
#   requirements/build.lock     the build backend (uv_build) the release and the container
#                               build the wheel with (`uv build --build-constraints`); the
#                               Action builds with the one its uv bundles
#   requirements/installer.lock uv itself, at this script's own version: the installer the
#                               locks are installed with is the one that wrote them; each
#                               platform the Action and the image run on by its wheel's
#                               direct reference (scripts/installer_lock.py)
#
# Every lock is cut from one resolution of the runtime plus all the extras, so a package two
# extras share is pinned once and any combination of the locks installs together.
# Pins already in the files are kept; `scripts/lock.sh --upgrade` moves them to the newest.
set -euo pipefail
cd "$(dirname "$0")/.."
UV=.venv/bin/uv
EXTRAS=(keyless aws gcp http2)
compile() {
  "$UV" pip compile --universal --python-version 3.11 --generate-hashes \
    --index-url https://pypi.org/simple --no-emit-index-url \
    --custom-compile-command "scripts/lock.sh" --quiet "$@"
}
mkdir -p requirements
all=$(mktemp -d)/all.lock
trap 'rm -rf "$(dirname "$all")"' EXIT
# the one resolution, preferring what the locks pin today
cat requirements.lock requirements/{keyless,aws,gcp,http2}.lock >"$all" 2>/dev/null || true
compile pyproject.toml --extra keyless --extra aws --extra gcp --extra http2 -o "$all" "$@"

compile pyproject.toml -c "$all" -o requirements.lock
# an extra's lock leaves out what the base lock already holds
no_emit=()
while read -r name; do no_emit+=(--no-emit-package "$name"); done \
  < <(sed -nE 's/^([A-Za-z0-9._-]+)==.*/\1/p' requirements.lock)
for extra in "${EXTRAS[@]}"; do
  compile pyproject.toml --extra "$extra" -c "$all" "${no_emit[@]}" -o "requirements/$extra.lock"
done

.venv/bin/python -c 'import tomllib; print(*tomllib.load(open("pyproject.toml", "rb"))["build-system"]["requires"], sep="\n")' \
  | compile - -o requirements/build.lock "$@"
rm -f requirements/installer.lock  # its direct references are not preferences uv reads
compile - -o requirements/installer.lock <<<"uv==$("$UV" --version | cut -d' ' -f2)"
.venv/bin/python scripts/installer_lock.py requirements/installer.lock
