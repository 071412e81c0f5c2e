#!/usr/bin/env bash
# Assembles the production tree of the built workspace into <out dir>: the root package.json and package-lock.json,
# and for every workspace package (libs/*, apps/*) its package.json and dist/ (no sources, no tests). Then
#   cd <out dir> && npm ci --omit=dev && node --enable-source-maps apps/<service>/dist/main.js
# runs a service: the workspace packages are linked into node_modules/@cpq/ and load their dist/ (`main`).
# The Dockerfile's runtime stage and test/deploy/production-build.test.ts both build their tree with it.
# Usage: scripts/build/pack-production.sh <out dir>   (after `nx run-many -t build`)
set -euo pipefail
ROOT_DIR="$(cd "$(dirname "$0")/../.." && pwd)"
out="${1:?usage: pack-production.sh <out dir>}"
mkdir -p "$out"
cp "$ROOT_DIR/package.json" "$ROOT_DIR/package-lock.json" "$out/"
for dir in "$ROOT_DIR"/libs/* "$ROOT_DIR"/apps/*; do
  [ -f "$dir/package.json" ] || continue
  rel="${dir#"$ROOT_DIR"/}"
  mkdir -p "$out/$rel"
  cp "$dir/package.json" "$out/$rel/"
  if [ -d "$dir/src" ]; then
    [ -d "$dir/dist" ] || { echo "pack-production: $rel has no dist/ (run nx run-many -t build first)" >&2; exit 1; }
    cp -R "$dir/dist" "$out/$rel/"
  fi
done
cp "$ROOT_DIR/deploy/docker/healthcheck.cjs" "$out/healthcheck.cjs"
