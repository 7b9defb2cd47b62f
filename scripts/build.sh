#!/usr/bin/env bash
# Compile src/ to dist/ (plain JavaScript). `npm start`, `ferry` and the
# benchmark run dist/: Node's type stripping works too (the tests use it), but
# loading it costs ~21 MB of RSS in every daemon (docs/PERFORMANCE.md, "Memory").
set -euo pipefail
cd "$(dirname "$0")/.."
rm -rf dist.tmp
node_modules/.bin/tsc -p tsconfig.build.json --outDir dist.tmp
# plain JavaScript sources (the generated protobuf code and the worker threads) go as they are
(cd src && find . -name '*.js' -print0 | while IFS= read -r -d '' f; do install -D -m 0644 "$f" "../dist.tmp/$f"; done)
rm -rf dist && mv dist.tmp dist
