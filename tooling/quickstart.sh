#!/usr/bin/env bash
# The README's first command: set up a fresh clone, then dump this machine's kernel BTF as
# `bpftool btf dump file /sys/kernel/btf/vmlinux format raw` would, or the bundled sample
# (testdata/vmlinux) where the kernel has no BTF to read.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
bash tooling/setup.sh
input=()
if [ ! -r /sys/kernel/btf/vmlinux ]; then
  echo "quickstart: no /sys/kernel/btf/vmlinux here, dumping the bundled sample" >&2
  input=(testdata/vmlinux/vmlinux.btf.gz)
fi
exec node apps/btfkit-cli/dist/main.js dump "${input[@]}" "$@"
