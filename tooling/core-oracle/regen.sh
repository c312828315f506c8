#!/usr/bin/env bash
# Regenerates testdata/core: libbpf's essential-name lengths of essential-names.txt, the CO-RE
# fixture objects (clang-16, bpfel and bpfeb), the synthetic target BTFs, and the libbpf
# goldens, one JSON line per relocation for every
# object x target, computed by core-oracle.c with Debian's libbpf 1.1.2.
#
# Big-endian goldens: libbpf 1.1 on x86 cannot open a bpfeb object, and relo_core.c picks the
# bitfield left-shift formula by the *host* byte order (the only host-order dependence in
# that file: `#if __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__` in bpf_core_calc_field_relo).
# So core-oracle reads the object's ELF and .BTF.ext itself in either byte order, btf__new
# swaps the foreign-order .BTF, instructions are decoded into host order for
# bpf_core_patch_insn and encoded back, and for bpfeb objects it is linked with Debian's
# relo_core.c (from `apt-get source libbpf`) compiled with that one #if taking the
# big-endian branch, ahead of libbpf.a (whose relo_core.o is then not pulled in).
#
# usage: tooling/core-oracle/regen.sh   (needs a current `pnpm build` for synth-c.mjs; clang-16,
#        llvm-16, gcc, libbpf-dev, libelf-dev, zlib1g-dev, dpkg-dev and a deb-src entry for
#        bookworm for `apt-get source libbpf`)
set -euo pipefail
here=$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")" && pwd)
root=$(cd -- "$here/../.." && pwd)
dir=$root/testdata/core
CLANG=${CLANG:-clang-16}
LLVM_OBJCOPY=${LLVM_OBJCOPY:-llvm-objcopy-16}
CC=${CC:-gcc}
log() { printf 'core-oracle: %s\n' "$*" >&2; }

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

"$here/build.sh" "$tmp"

log "core/essential-names.libbpf.tsv (bpf_core_essential_name_len of each essential-names.txt line)"
"$tmp/oracle-el" --essential <"$dir/essential-names.txt" >"$dir/essential-names.libbpf.tsv"

arch_inc=/usr/include/$("$CC" -print-multiarch)
for name in relos; do
	for order in el eb; do
		log "core/$name-$order.o"
		(cd "$dir" && "$CLANG" -target "bpf$order" -g -O2 -Wall -ffile-prefix-map="$dir"=. \
			-I"$arch_inc" -c "$name.c" -o "$name-$order.o")
	done
done
for order in el eb; do
	log "core/relos-bad-$order.o (access strings broken in place)"
	python3 "$here/bad-access.py" "$dir/relos-$order.o" "$dir/relos-bad-$order.o"
	for seed in 1 2; do
		log "core/relos-scr$seed-$order.o (CO-RE records scrambled, seed $seed)"
		python3 "$here/scramble.py" "$seed" "$dir/relos-$order.o" "$dir/relos-scr$seed-$order.o"
	done
done
for name in synth-a synth-b; do
	log "core/targets/$name.btf"
	(cd "$dir/targets" && "$CLANG" -target bpfel -g -O2 -ffile-prefix-map="$dir"=. -c "$name.c" -o "$tmp/$name.o")
	"$LLVM_OBJCOPY" --dump-section .BTF="$dir/targets/$name.btf" "$tmp/$name.o" /dev/null
done
log "core/targets/synth-c.btf (built with btfkit's Builder: corners no compiler emits)"
node "$here/synth-c.mjs" "$dir/targets/synth-c.btf"
if [[ -r /sys/kernel/btf/vmlinux && ${CORE_KEEP_HOST:-0} != 1 ]]; then
	log "core/targets/host-vmlinux.btf.gz (this machine's kernel, $(uname -r))"
	gzip -9n </sys/kernel/btf/vmlinux >"$dir/targets/host-vmlinux.btf.gz"
	uname -r >"$dir/targets/host-kernel-release.txt"
fi

# Targets: the testdata vmlinux, this machine's kernel, the synthetic ones.
gunzip -c "$root/testdata/vmlinux/vmlinux.btf.gz" >"$tmp/vmlinux.btf"
gunzip -c "$dir/targets/host-vmlinux.btf.gz" >"$tmp/host-vmlinux.btf"
targets=("vmlinux:$tmp/vmlinux.btf" "host-vmlinux:$tmp/host-vmlinux.btf"
	"synth-a:$dir/targets/synth-a.btf" "synth-b:$dir/targets/synth-b.btf" "synth-c:$dir/targets/synth-c.btf")
rm -f "$dir"/goldens/*.jsonl
mkdir -p "$dir/goldens"
objects=("$dir"/relos-{,bad-,scr1-,scr2-}{el,eb}.o "$root"/testdata/objects/core-el.o "$root"/testdata/objects/core-eb.o)
for obj in "${objects[@]}"; do
	base=$(basename "$obj" .o)
	case $base in *-eb) oracle=$tmp/oracle-eb ;; *) oracle=$tmp/oracle-el ;; esac
	for t in "${targets[@]}"; do
		tname=${t%%:*}
		log "core/goldens/$base.$tname.jsonl"
		"$oracle" "$obj" "${t#*:}" >"$dir/goldens/$base.$tname.jsonl.tmp"
		mv "$dir/goldens/$base.$tname.jsonl.tmp" "$dir/goldens/$base.$tname.jsonl"
	done
done
log "done: $(cat "$dir"/goldens/*.jsonl | wc -l) relocation goldens"
