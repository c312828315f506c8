#!/usr/bin/env bash
# A differential run beyond the committed goldens: scrambles the fixture objects' CO-RE
# records with more seeds (scramble.py) and compares btfkit with libbpf (core-oracle) on each
# against the synthetic targets and this machine's kernel. Nothing is written to testdata;
# the build must be current (`pnpm build`).
#
# usage: tooling/core-oracle/differential.sh [FIRST_SEED [LAST_SEED]]   (default 3..20)
set -euo pipefail
here=$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")" && pwd)
root=$(cd -- "$here/../.." && pwd)
first=${1:-3}
last=${2:-20}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
"$here/build.sh" "$tmp"
gunzip -c "$root/testdata/core/targets/host-vmlinux.btf.gz" >"$tmp/host-vmlinux.btf"
targets=("$root/testdata/core/targets/synth-a.btf" "$root/testdata/core/targets/synth-b.btf" "$tmp/host-vmlinux.btf")
status=0
for ((seed = first; seed <= last; seed++)); do
	for order in el eb; do
		python3 "$here/scramble.py" "$seed" "$root/testdata/core/relos-$order.o" "$tmp/scr$seed-$order.o"
		for t in "${targets[@]}"; do
			node "$here/differential.mjs" "$tmp/scr$seed-$order.o" "$t" "$tmp/oracle-$order" || status=1
		done
	done
done
exit $status
