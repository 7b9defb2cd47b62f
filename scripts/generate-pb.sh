#!/usr/bin/env bash
# Regenerates src/protocol/pb/*.js + *.d.ts from the .proto files.
# protons emits TypeScript with `enum` and `namespace`, which Node's type
# stripping cannot run, so we compile its output once here and commit the JS.
set -euo pipefail
cd "$(dirname "$0")/.."
tmp=$(mktemp -d /tmp/ferry-pb.XXXXXX)
trap 'rm -rf "$tmp"' EXIT
npx protons -o "$tmp" src/protocol/pb/*.proto
echo '{ "type": "module" }' > "$tmp/package.json"
cat > "$tmp/tsconfig.json" <<JSON
{
  "compilerOptions": {
    "target": "es2022", "module": "nodenext", "moduleResolution": "nodenext",
    "declaration": true, "strict": true, "skipLibCheck": true, "types": [],
    "rootDir": "$tmp", "outDir": "$PWD/src/protocol/pb"
  },
  "include": ["$tmp/*.ts"]
}
JSON
ln -s "$PWD/node_modules" "$tmp/node_modules"
npx tsc -p "$tmp/tsconfig.json"
echo "generated: $(ls src/protocol/pb/*.js | tr '\n' ' ')"
