#!/usr/bin/env bash
# Checks the fixtures under testdata/ that regen.sh produced: every expected
# file is there and non-empty, byte orders are right, bpftool agrees with
# itself across inputs, libbpf filled in every DATASEC, .BTF.ext carries what
# the sources ask for, and the BTF kinds the TypeScript tests rely on all
# occur. Prints a kind coverage table. Exits non-zero on the first failure.
#
# usage: tooling/testdata/check.sh
set -euo pipefail

here=$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")" && pwd)
root=$(cd -- "$here/../.." && pwd)
testdata=$root/testdata
PATH=$PATH:/usr/sbin:/sbin
BPFTOOL=${BPFTOOL:-bpftool}

# The 19 kinds after BTF_KIND_UNKN, in kind-number order.
KINDS=(INT PTR ARRAY STRUCT UNION ENUM FWD TYPEDEF VOLATILE CONST RESTRICT
	FUNC FUNC_PROTO VAR DATASEC FLOAT DECL_TAG TYPE_TAG ENUM64)

fail() {
	printf 'check: FAIL: %s\n' "$*" >&2
	exit 1
}
ok() { printf 'check: ok: %s\n' "$*" >&2; }
rel() { printf '%s' "${1#"$testdata"/}"; }

nonempty() {
	local f
	for f; do
		[[ -s $f ]] || fail "$(rel "$f") is missing or empty"
	done
}

# Type ids in a raw dump must run first..last without gaps.
check_ids() {
	local golden=$1 first=$2 got
	got=$(grep -oE '^\[[0-9]+\]' | tr -d '[]' |
		awk -v want="$first" '$1 != want { print "id " $1 " where " want " expected"; exit } { want++ } END { if (NR == 0) print "no types" }')
	[[ -z $got ]] || fail "$golden: $got"
}

kind_counts() {
	grep -oE '^\[[0-9]+\] [A-Z_0-9]+' | awk '{ n[$2]++ } END { for (k in n) print k, n[k] }'
}

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

objects=()
for src in "$testdata"/objects/*.c; do
	objects+=("$(basename "$src" .c)")
done
((${#objects[@]})) || fail "no sources in objects/"

# --- objects -----------------------------------------------------------------
for name in "${objects[@]}"; do
	base=$testdata/objects/$name
	for order in el eb; do
		f=$base-$order
		nonempty "$f.o" "$f.btf" "$f.btf.ext" "$f.raw.golden" "$f.c.golden"
		magic=$(od -An -tx1 -N2 "$f.btf" | tr -d ' \n')
		ext_magic=$(od -An -tx1 -N2 "$f.btf.ext" | tr -d ' \n')
		want=9feb
		[[ $order == el ]] || want=eb9f
		[[ $magic == "$want" && $ext_magic == "$want" ]] ||
			fail "$(rel "$f").btf{,.ext}: magic bytes $magic/$ext_magic, want $want"
		check_ids "$(rel "$f").raw.golden" 1 <"$f.raw.golden"
		grep -q '^struct\|^typedef\|^enum\|^union' "$f.c.golden" ||
			fail "$(rel "$f").c.golden: no declarations"

		# bpftool reads .BTF straight out of the ELF the same way.
		"$BPFTOOL" btf dump file "$f.o" format raw >"$tmp/elf.raw"
		cmp -s "$tmp/elf.raw" "$f.raw.golden" ||
			fail "$(rel "$f").o: bpftool dump of the ELF differs from the .btf dump"

		python3 "$here/btf-ext-summary.py" "$f.btf.ext" "$f.btf" >"$tmp/ext"
		for table in func line; do
			n=$(awk -v t="$table" '$1 == t && $2 != ".text"' "$tmp/ext" | wc -l)
			((n >= 2)) || fail "$(rel "$f").btf.ext: $table info in $n program sections, want >= 2"
		done
		if [[ $name == core ]]; then
			kinds=$(awk '$1 == "core" { sub("kinds=", "", $4); print $4 }' "$tmp/ext" |
				tr ',' '\n' | sort -un | paste -sd,)
			[[ $kinds == 0,1,2,3,4,5,6,7,8,9,10,11,12 ]] ||
				fail "$(rel "$f").btf.ext: CO-RE relocation kinds $kinds, want 0..12"
		fi

		if [[ -e $f.libbpf.btf ]]; then
			nonempty "$f.libbpf.raw.golden"
			check_ids "$(rel "$f").libbpf.raw.golden" 1 <"$f.libbpf.raw.golden"
			# After bpf_object__open every DATASEC with variables has a size.
			if grep -E "^\[[0-9]+\] DATASEC '[^']*' size=0 vlen=[1-9]" "$f.libbpf.raw.golden"; then
				fail "$(rel "$f").libbpf.raw.golden: DATASEC left unsized"
			fi
		elif [[ $order == el ]]; then
			fail "$(rel "$f").libbpf.btf is missing"
		fi
	done

	# Byte order changes the encoding, never the types.
	cmp -s "$base-el.raw.golden" "$base-eb.raw.golden" ||
		fail "objects/$name: el and eb raw dumps differ"
	cmp -s "$base-el.c.golden" "$base-eb.c.golden" ||
		fail "objects/$name: el and eb C dumps differ"
done
ok "objects: ${objects[*]} (el+eb: ELF dump == .btf dump, el dump == eb dump)"

# --- pahole ------------------------------------------------------------------
p=$testdata/pahole
nonempty "$p/base.btf" "$p/split.btf" "$p"/{base,split}.{raw,c}.golden
check_ids pahole/base.raw.golden 1 <"$p/base.raw.golden"
base_count=$(grep -c '^\[' "$p/base.raw.golden")
check_ids pahole/split.raw.golden $((base_count + 1)) <"$p/split.raw.golden"
ok "pahole: base has $base_count types, split continues at $((base_count + 1))"

# --- vmlinux -----------------------------------------------------------------
v=$testdata/vmlinux
if [[ -e $v/vmlinux.btf.gz ]]; then
	nonempty "$v/kernel-release.txt" "$v"/vmlinux.{btf,raw.golden,c.golden}.gz
	for gz in "$v"/*.gz; do
		gzip -t "$gz" || fail "$(rel "$gz"): corrupt"
	done
	gzip -dc "$v/vmlinux.btf.gz" >"$tmp/vmlinux.btf"
	gzip -dc "$v/vmlinux.raw.golden.gz" >"$tmp/vmlinux.raw"
	check_ids vmlinux/vmlinux.raw.golden.gz 1 <"$tmp/vmlinux.raw"
	gzip -dc "$v/vmlinux.c.golden.gz" >"$tmp/vmlinux.c"
	grep -q '^struct task_struct {' "$tmp/vmlinux.c" ||
		fail "vmlinux/vmlinux.c.golden.gz: no struct task_struct"
	for mod in "$v"/module-*.btf; do
		[[ -e $mod ]] || continue
		nonempty "${mod%.btf}.raw.golden"
		check_ids "$(rel "${mod%.btf}").raw.golden" $(($(grep -c '^\[' "$tmp/vmlinux.raw") + 1)) \
			<"${mod%.btf}.raw.golden"
	done
	ok "vmlinux: $(grep -c '^\[' "$tmp/vmlinux.raw") types from kernel $(cat "$v/kernel-release.txt")"
else
	fail "vmlinux/vmlinux.btf.gz is missing"
fi

# --- kind coverage -----------------------------------------------------------
columns=()
for name in "${objects[@]}"; do
	kind_counts <"$testdata/objects/$name-el.raw.golden" >"$tmp/kinds.$name"
	columns+=("$name")
done
kind_counts <"$p/base.raw.golden" >"$tmp/kinds.pahole-base"
kind_counts <"$p/split.raw.golden" >"$tmp/kinds.pahole-split"
kind_counts <"$tmp/vmlinux.raw" >"$tmp/kinds.vmlinux"
columns+=(pahole-base pahole-split vmlinux)

{
	printf '%-11s' KIND
	printf ' %12s' "${columns[@]}"
	printf '\n'
	for kind in "${KINDS[@]}"; do
		printf '%-11s' "$kind"
		for c in "${columns[@]}"; do
			n=$(awk -v k="$kind" '$1 == k { print $2 }' "$tmp/kinds.$c")
			printf ' %12s' "${n:--}"
		done
		printf '\n'
	done
} | tee "$tmp/table"

missing=()
for kind in "${KINDS[@]}"; do
	cat "${objects[@]/#/$tmp/kinds.}" | awk -v k="$kind" '$1 == k { found = 1 } END { exit !found }' ||
		missing+=("$kind")
done
((${#missing[@]} == 0)) || fail "kinds missing from the -el object fixtures: ${missing[*]}"
ok "all ${#KINDS[@]} kinds occur in the -el object fixtures"
