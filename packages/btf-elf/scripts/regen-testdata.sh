#!/usr/bin/env bash
# Regenerates packages/btf-elf/testdata/*.zstd.o from testdata/objects/*.o (rerun after
# tooling/testdata/regen.sh, which runs this at its end). Needs the zstd command; the tests
# never do.
set -euo pipefail
pkg=$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")/.." && pwd)
root=$(cd -- "$pkg/../.." && pwd)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
"$root/node_modules/.bin/esbuild" "$pkg/scripts/gen-compressed.ts" --bundle --platform=node \
	--format=esm --alias:@btfkit/elf="$pkg/src/index.ts" --log-level=warning \
	--outfile="$tmp/gen-compressed.mjs"
node "$tmp/gen-compressed.mjs" "$pkg"
