#!/usr/bin/env bash
# Builds core-oracle twice into DIR: DIR/oracle-el (Debian's libbpf.a as shipped) and
# DIR/oracle-eb (Debian's relo_core.c with its big-endian bitfield branch, ahead of libbpf.a;
# see README.md). relo_core.h comes from `apt-get source` of the installed libbpf-dev.
#
# usage: tooling/core-oracle/build.sh DIR
set -euo pipefail
here=$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")" && pwd)
out=$(cd -- "$1" && pwd)
CC=${CC:-gcc}
log() { printf 'core-oracle: %s\n' "$*" >&2; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

version=$(dpkg-query -W -f='${Version}' libbpf-dev)
log "libbpf-dev $version: fetching its source for relo_core.h"
(cd "$tmp" && apt-get source -qq "libbpf=${version#*:}" >/dev/null 2>&1) ||
	{ echo "core-oracle: apt-get source libbpf=${version#*:} failed (add a deb-src line for bookworm)" >&2; exit 1; }
src=$(echo "$tmp"/libbpf-*/src)
inc="-I$src -I$src/../include -I$src/../include/uapi"

log "building core-oracle (little-endian: libbpf.a as is)"
"$CC" -O2 -Wall -Werror $inc -o "$out/oracle-el" "$here/core-oracle.c" -l:libbpf.a -lelf -lz
log "building core-oracle (big-endian: relo_core.c with the big-endian bitfield branch)"
sed 's/^#if __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__$/#if 0 \/* core-oracle: big-endian host semantics *\//' \
	"$src/relo_core.c" >"$tmp/relo_core_be.c"
grep -q 'core-oracle: big-endian host semantics' "$tmp/relo_core_be.c" || { echo "core-oracle: relo_core.c changed" >&2; exit 1; }
"$CC" -O2 -w $inc -I"$src" -c "$tmp/relo_core_be.c" -o "$tmp/relo_core_be.o"
"$CC" -O2 -Wall -Werror $inc -o "$out/oracle-eb" "$here/core-oracle.c" "$tmp/relo_core_be.o" -l:libbpf.a -lelf -lz

