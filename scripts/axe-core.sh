#!/usr/bin/env bash
# axe-core, the accessibility checker the status page's tests run inside headless Chromium, into
# .tools/axe/axe.min.js, from the npm registry, pinned by version and checked against its
# registry integrity hash. Safe to run again: it skips what is already there.
set -euo pipefail
cd "$(dirname "$0")/.."
pkg=axe-core
version=4.14.1
integrity=sha512-FHfa+lmNjQZfJz1q8wKqIDwC6DExcHt/pkjNQb09a3NPjCKg2rhu5qb2S4r76ASyFNNtuFooJpZe37OgudVGtQ==
dest=.tools/axe
if [ -s "$dest/axe.min.js" ] && [ "$(cat "$dest/.version" 2>/dev/null)" = "$version" ]; then
  exit 0
fi
command -v npm >/dev/null 2>&1 || bash scripts/apt-install.sh npm >/dev/null
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
echo "axe-core: fetching $pkg@$version" >&2
(cd "$work" && npm pack --silent "$pkg@$version" >/dev/null 2>&1)
tarball=$(ls "$work"/*.tgz)
got="sha512-$(openssl dgst -sha512 -binary "$tarball" | base64 -w0)"
if [ "$got" != "$integrity" ]; then
  echo "axe-core: $pkg@$version does not match its pinned integrity hash" >&2
  exit 1
fi
tar -xzf "$tarball" -C "$work" package/axe.min.js
mkdir -p "$dest"
install -m 0644 "$work/package/axe.min.js" "$dest/axe.min.js"
echo "$version" > "$dest/.version"
