#!/usr/bin/env bash
# Compile src/ to dist/ (plain JavaScript), then bundle it into dist/ferry.js
# (scripts/rolldown.config.mjs says why). `npm start`, `ferry`, the tests and
# the benchmark run dist/ferry.js: Node's type stripping runs the sources too
# (bin/ferry.js falls back to them), but loading it costs ~21 MB of RSS in
# every daemon (docs/PERFORMANCE.md, "Memory").
set -euo pipefail
cd "$(dirname "$0")/.."
rm -rf dist.tmp
node_modules/.bin/tsc -p tsconfig.build.json --outDir dist.tmp
# plain JavaScript sources (the generated protobuf code and the worker threads) go as they are
(cd src && find . -name '*.js' -print0 | while IFS= read -r -d '' f; do install -D -m 0644 "$f" "../dist.tmp/$f"; done)
node_modules/.bin/rolldown --config scripts/rolldown.config.mjs > /dev/null
rm -rf dist && mv dist.tmp dist
