#!/usr/bin/env bash
# Regenerates every fixture and golden file of the repository, in order: testdata/ from
# the sources beside them, then the goldens packages keep of their own inputs (the C
# formatter's priming blob, btf-elf's zstd-compressed objects, which are made from
# testdata/objects). Uses Debian's clang-16, llvm-16, bpftool, pahole, libbpf-dev and zstd.
# The TypeScript tests only read the results; they never need these tools.
#
# usage: tooling/testdata/regen.sh [--no-vmlinux]
#
#   --no-vmlinux   keep testdata/vmlinux/ as it is (the kernel fixtures depend
#                  on the running kernel; everything else only on the tools)
#
# Safe to rerun: outputs are overwritten, stale outputs removed, and the
# results are checked by check.sh at the end.
set -euo pipefail

here=$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")" && pwd)
root=$(cd -- "$here/../.." && pwd)
testdata=$root/testdata

# bpftool lives in /usr/sbin, which is not on every user's PATH.
PATH=$PATH:/usr/sbin:/sbin

CLANG=${CLANG:-clang-16}
LLVM_OBJCOPY=${LLVM_OBJCOPY:-llvm-objcopy-16}
BPFTOOL=${BPFTOOL:-bpftool}
PAHOLE=${PAHOLE:-pahole}
CC=${CC:-gcc}

with_vmlinux=1
for arg in "$@"; do
	case $arg in
	--no-vmlinux) with_vmlinux=0 ;;
	*)
		echo "regen: unknown argument: $arg" >&2
		exit 2
		;;
	esac
done

log() { printf 'regen: %s\n' "$*" >&2; }
die() {
	printf 'regen: error: %s\n' "$*" >&2
	exit 1
}

check_tools() {
	local missing=() tool
	for tool in "$CLANG" "$LLVM_OBJCOPY" "$BPFTOOL" "$PAHOLE" "$CC" gzip python3 dpkg-query zstd; do
		command -v "$tool" >/dev/null 2>&1 || missing+=("$tool")
	done
	[[ -f /usr/include/bpf/libbpf.h && -f /usr/include/bpf/bpf_helpers.h ]] ||
		missing+=("libbpf-dev (/usr/include/bpf/libbpf.h)")
	if ((with_vmlinux)) && [[ ! -r /sys/kernel/btf/vmlinux ]]; then
		missing+=("/sys/kernel/btf/vmlinux (or pass --no-vmlinux)")
	fi
	if ((${#missing[@]})); then
		die "missing: ${missing[*]}. On Debian 12: apt-get install clang-16 llvm-16 bpftool dwarves libbpf-dev gcc gzip python3"
	fi
}

# The BTF magic 0xeb9f as stored: "9feb" little-endian, "eb9f" big-endian.
btf_magic() { od -An -tx1 -N2 "$1" | tr -d ' \n'; }

# A generated file is committed, so never leave a half-written one behind.
# usage: to FILE CMD...   (runs CMD with stdout into FILE)
to() {
	local out=$1
	shift
	"$@" >"$out.tmp" || {
		rm -f "$out.tmp"
		die "failed: $* > ${out#"$root"/}"
	}
	mv "$out.tmp" "$out"
}

build_helper() {
	log "building libbpf-open-btf, libbpf-resolve, dedup-oracle, dedup-cases"
	"$CC" -O2 -Wall -Wextra -Werror -o "$tmp/libbpf-open-btf" "$here/libbpf-open-btf.c" -lbpf
	"$CC" -O2 -Wall -Wextra -Werror -o "$tmp/libbpf-resolve" "$here/libbpf-resolve.c" -lbpf
	"$CC" -O2 -Wall -Wextra -Werror -o "$tmp/dedup-oracle" "$root/tooling/dedup-oracle/dedup-oracle.c" -lbpf
	"$CC" -O2 -Wall -Wextra -Werror -o "$tmp/dedup-cases" "$root/tooling/dedup-oracle/dedup-cases.c" -lbpf
	"$CC" -O2 -Wall -Wextra -Werror -o "$tmp/dedup-random" "$root/tooling/dedup-oracle/dedup-random.c" -lbpf
}

gen_objects() {
	local dir=$testdata/objects src name order target arch_inc
	arch_inc=/usr/include/$("$CC" -print-multiarch)
	rm -f "$dir"/*.o "$dir"/*.btf "$dir"/*.btf.ext "$dir"/*.golden "$dir"/*.tmp
	for src in "$dir"/*.c; do
		name=$(basename "$src" .c)
		for order in el eb; do
			target=bpf$order
			log "objects/$name-$order.o"
			# Relative source path plus the prefix map keep absolute checkout
			# paths out of DWARF and .BTF.ext line info, so output is stable.
			(cd "$dir" && "$CLANG" -target "$target" -g -O2 -Wall \
				-ffile-prefix-map="$dir"=. -I"$arch_inc" \
				-c "$name.c" -o "$name-$order.o")
			# Output file /dev/null: without one llvm-objcopy rewrites the input.
			"$LLVM_OBJCOPY" --dump-section .BTF="$dir/$name-$order.btf" \
				--dump-section .BTF.ext="$dir/$name-$order.btf.ext" \
				"$dir/$name-$order.o" /dev/null

			case $order:$(btf_magic "$dir/$name-$order.btf") in
			el:9feb | eb:eb9f) ;;
			*) die "objects/$name-$order.btf: wrong byte order for $target" ;;
			esac

			to "$dir/$name-$order.raw.golden" \
				"$BPFTOOL" btf dump file "$dir/$name-$order.btf" format raw
			to "$dir/$name-$order.c.golden" \
				"$BPFTOOL" btf dump file "$dir/$name-$order.btf" format c
			to "$dir/$name-$order.json.golden" \
				"$BPFTOOL" -j btf dump file "$dir/$name-$order.btf" format raw

			# What libbpf holds after bpf_object__open (no load): DATASEC
			# sizes and offsets filled in, .ksyms/.kconfig externs rewritten.
			if "$tmp/libbpf-open-btf" "$dir/$name-$order.o" "$dir/$name-$order.libbpf.btf.tmp" \
				2>"$tmp/libbpf-$name-$order.err"; then
				mv "$dir/$name-$order.libbpf.btf.tmp" "$dir/$name-$order.libbpf.btf"
				to "$dir/$name-$order.libbpf.raw.golden" \
					"$BPFTOOL" btf dump file "$dir/$name-$order.libbpf.btf" format raw
				to "$dir/$name-$order.libbpf.json.golden" \
					"$BPFTOOL" -j btf dump file "$dir/$name-$order.libbpf.btf" format raw
			else
				rm -f "$dir/$name-$order.libbpf.btf.tmp"
				[[ $order == eb ]] ||
					die "libbpf failed to open objects/$name-$order.o: $(cat "$tmp/libbpf-$name-$order.err")"
				log "skip objects/$name-eb.libbpf.*: $(tail -n1 "$tmp/libbpf-$name-$order.err")"
			fi
		done
	done
}

gen_pahole() {
	local dir=$testdata/pahole
	rm -f "$dir"/*.btf "$dir"/*.golden "$dir"/*.tmp
	log "pahole/base.btf, pahole/split.btf"
	"$CC" -g -O0 -c "$dir/base.c" -o "$tmp/base.o"
	"$CC" -g -O0 -c "$dir/split.c" -o "$tmp/split.o"
	# --btf_gen_floats as the kernel build does; without it pahole 1.24 encodes
	# float and double as INT.
	"$PAHOLE" --btf_gen_floats --btf_encode_detached="$dir/base.btf" "$tmp/base.o"
	"$PAHOLE" --btf_gen_floats --btf_base="$dir/base.btf" \
		--btf_encode_detached="$dir/split.btf" "$tmp/split.o"

	to "$dir/base.raw.golden" "$BPFTOOL" btf dump file "$dir/base.btf" format raw
	to "$dir/base.c.golden" "$BPFTOOL" btf dump file "$dir/base.btf" format c
	to "$dir/split.raw.golden" "$BPFTOOL" -B "$dir/base.btf" btf dump file "$dir/split.btf" format raw
	to "$dir/split.c.golden" "$BPFTOOL" -B "$dir/base.btf" btf dump file "$dir/split.btf" format c
	to "$dir/base.json.golden" "$BPFTOOL" -j btf dump file "$dir/base.btf" format raw
	to "$dir/split.json.golden" "$BPFTOOL" -j -B "$dir/base.btf" btf dump file "$dir/split.btf" format raw
}

# The `gen ts` codec fixtures: layouts.h compiled by clang for BPF (the BTF) and
# by the host gcc into a probe that fills each struct through C field access
# and writes the bytes and values (see gen-ts-probe.py for what it checks).
gen_gents() {
	local dir=$testdata/gen-ts order
	rm -f "$dir"/*.o "$dir"/*.btf "$dir"/*.json "$dir"/*.tmp
	for order in el eb; do
		log "gen-ts/layouts-$order.o"
		(cd "$dir" && "$CLANG" -target "bpf$order" -g -O2 -Wall \
			-ffile-prefix-map="$dir"=. -c layouts.c -o "layouts-$order.o")
		"$LLVM_OBJCOPY" --dump-section .BTF="$dir/layouts-$order.btf" \
			"$dir/layouts-$order.o" /dev/null
		"$BPFTOOL" -j btf dump file "$dir/layouts-$order.btf" format raw >"$tmp/gen-ts-$order.json"
	done
	log "gen-ts/layouts.values.json"
	python3 "$here/gen-ts-probe.py" "$tmp/gen-ts-el.json" "$tmp/gen-ts-eb.json" >"$tmp/gen-ts-probe.c"
	"$CC" -O2 -Wall -Werror -I"$dir" -o "$tmp/gen-ts-probe" "$tmp/gen-ts-probe.c"
	"$tmp/gen-ts-probe" "$tmp/gen-ts-init.c" >"$tmp/gen-ts-values.json"
	# The probe's values as static initializers, laid out by clang for both byte orders.
	for order in el eb; do
		"$CLANG" -target "bpf$order" -O2 -Wall -Werror -I"$dir" \
			-c "$tmp/gen-ts-init.c" -o "$tmp/gen-ts-init-$order.o"
	done
	to "$dir/layouts.values.json" python3 "$here/gen-ts-probe.py" merge \
		"$tmp/gen-ts-values.json" "$tmp/gen-ts-init-el.o" "$tmp/gen-ts-init-eb.o"
}

gen_vmlinux() {
	local dir=$testdata/vmlinux module path
	mkdir -p "$dir"
	rm -f "$dir"/*.gz "$dir"/module-* "$dir"/*.tmp "$dir"/kernel-release.txt
	log "vmlinux/ from /sys/kernel/btf/vmlinux ($(uname -r))"
	uname -r >"$dir/kernel-release.txt"
	# Snapshot first so all three files describe the same bytes.
	cp /sys/kernel/btf/vmlinux "$tmp/vmlinux.btf"
	gzip -9 -n <"$tmp/vmlinux.btf" >"$dir/vmlinux.btf.gz"
	"$BPFTOOL" btf dump file "$tmp/vmlinux.btf" format raw | gzip -9 -n >"$dir/vmlinux.raw.golden.gz"
	"$BPFTOOL" btf dump file "$tmp/vmlinux.btf" format c | gzip -9 -n >"$dir/vmlinux.c.golden.gz"
	"$BPFTOOL" -j btf dump file "$tmp/vmlinux.btf" format raw | gzip -9 -n >"$dir/vmlinux.json.golden.gz"

	# Split BTF of the smallest loaded module, if the kernel has any.
	path=$(find /sys/kernel/btf -maxdepth 1 -type f ! -name vmlinux -printf '%s %p\n' |
		sort -n | head -n1 | cut -d' ' -f2-)
	if [[ -z $path ]]; then
		log "skip module split BTF: no modules in /sys/kernel/btf"
		return
	fi
	module=$(basename "$path")
	log "vmlinux/module-$module.btf"
	cp "$path" "$dir/module-$module.btf"
	to "$dir/module-$module.raw.golden" \
		"$BPFTOOL" -B "$tmp/vmlinux.btf" btf dump file "$dir/module-$module.btf" format raw
}

# CO-RE programs for the kernel tests (bpfel only: they are loaded into the
# running kernel), and what bpftool's gen min_core_btf makes of them and of
# core/relos-el.o for each target of core/targets (run after core-oracle's
# regen, which writes those): min/OBJS.TARGET.btf with its raw dump beside, or
# min/OBJS.TARGET.error with bpftool's last words when it refuses.
gen_core_kernel() {
	local dir=$testdata/core-kernel src name arch_inc set target file out
	arch_inc=/usr/include/$("$CC" -print-multiarch)
	rm -f "$dir"/*.o "$dir"/*.tmp "$dir"/min/*
	mkdir -p "$dir/min"
	for src in "$dir"/*.c; do
		name=$(basename "$src" .c)
		log "core-kernel/$name-el.o"
		(cd "$dir" && "$CLANG" -target bpfel -g -O2 -Wall \
			-ffile-prefix-map="$dir"=. -I"$arch_inc" \
			-c "$name.c" -o "$name-el.o")
	done
	gunzip -c "$testdata/vmlinux/vmlinux.btf.gz" >"$tmp/min-vmlinux.btf"
	gunzip -c "$testdata/core/targets/host-vmlinux.btf.gz" >"$tmp/min-host-vmlinux.btf"
	cp "$testdata/core/targets/synth-a.btf" "$tmp/min-synth-a.btf"
	cp "$testdata/core/targets/synth-b.btf" "$tmp/min-synth-b.btf"
	cp "$testdata/core/targets/synth-c.btf" "$tmp/min-synth-c.btf"
	# Object sets, as NAME=paths relative to testdata (the test reads the same list).
	local -A sets=(
		[funcs-el]="core-kernel/funcs-el.o"
		[probe-el]="core-kernel/probe-el.o"
		[all-el]="core-kernel/funcs-el.o core-kernel/probe-el.o objects/core-el.o"
		[relos-el]="core/relos-el.o"
	)
	for set in "${!sets[@]}"; do
		for target in vmlinux host-vmlinux synth-a synth-b synth-c; do
			out=$dir/min/$set.$target
			log "core-kernel/min/$set.$target"
			local objs=()
			for file in ${sets[$set]}; do objs+=("$testdata/$file"); done
			if "$BPFTOOL" gen min_core_btf "$tmp/min-$target.btf" "$out.btf.tmp" "${objs[@]}" \
				>"$tmp/min.err" 2>&1; then
				mv "$out.btf.tmp" "$out.btf"
				to "$out.raw.golden" "$BPFTOOL" btf dump file "$out.btf" format raw
			else
				rm -f "$out.btf.tmp"
				grep '^libbpf: ' "$tmp/min.err" | tail -n1 >"$out.error"
				[[ -s $out.error ]] || die "bpftool failed on $set.$target: $(cat "$tmp/min.err")"
			fi
		done
	done
}

# libbpf's btf__resolve_size and btf__resolve_type over chains around its depth limit and
# sizes around 4 GiB (the BTF is built by libbpf itself).
gen_resolve() {
	log "resolve/"
	mkdir -p "$testdata/resolve"
	"$tmp/libbpf-resolve" "$testdata/resolve/resolve.btf" "$testdata/resolve/resolve.libbpf.golden"
}

# pahole's struct layouts (holes, padding) of the committed BTF, for the explorer's layout
# picture: the objects' layout-el.btf and the committed vmlinux (so they match it even when
# vmlinux/ was kept with --no-vmlinux).
gen_layouts() {
	log "objects/layout-el.pahole.golden, vmlinux/vmlinux.pahole.golden.gz"
	to "$testdata/objects/layout-el.pahole.golden" "$PAHOLE" -F btf "$testdata/objects/layout-el.btf"
	gzip -dc "$testdata/vmlinux/vmlinux.btf.gz" >"$tmp/vmlinux-committed.btf"
	"$PAHOLE" -F btf "$tmp/vmlinux-committed.btf" | gzip -9 -n >"$testdata/vmlinux/vmlinux.pahole.golden.gz"
}

# libbpf's btf__dedup on the hand-made cases and on the cases of dedup/manifest.txt.
# dedup/vmlinux-b.btf.gz is an input kept as committed: a second kernel's BTF (see README).
gen_dedup() {
	local dir=$testdata/dedup name line args arg out
	rm -f "$dir"/*.dedup.btf "$dir"/*.dedup.sha256 "$dir"/split-*.btf "$dir"/cases/* "$dir"/random/*
	mkdir -p "$dir/cases" "$dir/random"
	log "dedup/cases/"
	"$tmp/dedup-cases" "$dir/cases"
	log "dedup/random/"
	"$tmp/dedup-random" "$dir/random" 200 1

	log "dedup/split-standalone.btf, dedup/split-repeats.btf"
	"$CC" -g -O0 -c "$testdata/pahole/split.c" -o "$tmp/split.o"
	"$PAHOLE" --btf_gen_floats --btf_encode_detached="$dir/split-standalone.btf" "$tmp/split.o"
	"$tmp/dedup-oracle" --no-dedup --base "$testdata/pahole/base.btf" \
		"$dir/split-repeats.btf" "$dir/split-standalone.btf"

	while read -r line; do
		[[ -z $line || $line == \#* ]] && continue
		read -r -a args <<<"$line"
		name=${args[0]}
		local cmd=("$tmp/dedup-oracle") gz=0 split=""
		for arg in "${args[@]:1}"; do
			case $arg in
			--base) cmd+=(--base) ;;
			split:*) split=split: arg=${arg#split:} ;;
			esac
			[[ $arg == --base ]] && continue
			if [[ $arg == *.gz ]]; then
				gz=1
				gzip -dc "$testdata/$arg" >"$tmp/$(basename "$arg" .gz)"
				arg=$tmp/$(basename "$arg" .gz)
			else
				arg=$testdata/$arg
			fi
			if [[ ${cmd[-1]} == --base ]]; then
				cmd+=("$arg" "$tmp/out.btf")
			else
				cmd+=("$split$arg")
			fi
			split=""
		done
		# Without --base the output comes right after the program name.
		[[ ${cmd[1]} == --base ]] || cmd=("${cmd[0]}" "$tmp/out.btf" "${cmd[@]:1}")
		log "dedup/$name"
		"${cmd[@]}"
		if ((gz)); then
			out=$(sha256sum "$tmp/out.btf" | cut -d' ' -f1)
			echo "$out $(stat -c %s "$tmp/out.btf")" >"$dir/$name.dedup.sha256"
		else
			mv "$tmp/out.btf" "$dir/$name.dedup.btf"
		fi
	done <"$dir/manifest.txt"
}

# The goldens packages keep beside their own inputs; testdata/objects must be current.
gen_package_goldens() {
	log "packages/btf-types/src/c-format/prime-blob.c.golden"
	"$root/node_modules/.bin/esbuild" "$here/write-prime-blob.ts" --bundle --platform=node \
		--format=esm --alias:@btfkit/wire="$root/packages/btf-wire/src/index.ts" \
		--log-level=warning --outfile="$tmp/write-prime-blob.mjs"
	node "$tmp/write-prime-blob.mjs" "$tmp/prime-blob.btf"
	to "$root/packages/btf-types/src/c-format/prime-blob.c.golden" \
		"$BPFTOOL" btf dump file "$tmp/prime-blob.btf" format c
	log "packages/btf-elf/testdata/*.zstd.o"
	"$root/packages/btf-elf/scripts/regen-testdata.sh"
}

# Rewrites the block between the versions markers in testdata/README.md.
write_versions() {
	local readme=$testdata/README.md
	[[ -f $readme ]] || die "testdata/README.md is missing"
	{
		echo '```'
		"$CLANG" --version | head -n1
		"$BPFTOOL" version | head -n2 | paste -sd' ' | sed 's/  */ /g'
		echo "pahole $("$PAHOLE" --version)"
		echo "libbpf-dev $(dpkg-query -W -f='${Version}' libbpf-dev)"
		"$CC" --version | head -n1
		if ((with_vmlinux)); then
			echo "kernel $(uname -r)"
		else
			echo "kernel $(cat "$testdata/vmlinux/kernel-release.txt")"
		fi
		echo '```'
	} >"$tmp/versions"
	awk -v block="$tmp/versions" '
		/<!-- versions:end -->/ { skip = 0 }
		!skip { print }
		/<!-- versions:begin -->/ { while ((getline l < block) > 0) print l; skip = 1 }
	' "$readme" >"$readme.tmp"
	mv "$readme.tmp" "$readme"
}

check_tools
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

build_helper
gen_objects
gen_pahole
gen_gents
if ((with_vmlinux)); then
	gen_vmlinux
fi
gen_layouts
gen_resolve
gen_dedup
gen_package_goldens
# CO-RE fixtures and libbpf goldens (testdata/core); they read the objects and vmlinux above.
if ((with_vmlinux)); then
	"$root/tooling/core-oracle/regen.sh"
else
	CORE_KEEP_HOST=1 "$root/tooling/core-oracle/regen.sh"
fi
gen_core_kernel
write_versions
"$here/check.sh"
