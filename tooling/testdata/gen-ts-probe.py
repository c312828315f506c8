#!/usr/bin/env python3
"""Writes the C probe program for the `gen ts` codec fixtures (testdata/gen-ts/).

usage: gen-ts-probe.py LAYOUTS-EL.json LAYOUTS-EB.json > probe.c

Inputs are `bpftool -j btf dump file layouts-{el,eb}.o format raw`. For every
global variable of `.bss` (one per struct of layouts.h) the probe, compiled
with the host gcc:

- checks that gcc lays out every leaf member (scalar, bitfield, array element)
  where clang put it for BPF: byte offsets through `&p->path`, bitfield bits by
  storing all ones into a zeroed struct and finding the bits that changed; it
  exits non-zero on the first mismatch. The eb BTF must give the same offsets.
- fills two copies of the struct, one zeroed and one filled with 0xff, by
  assigning pseudo-random values to every leaf through C field access, in
  declaration order (union members overwrite each other as in C);
- prints one JSON line per struct: both byte images, the values read back
  through C field access, and big-endian images derived as a big-endian
  machine would store the same assignments: right after each assignment the
  leaf's bytes are copied byte-reversed (a scalar of N bytes is its N bytes
  in the opposite order), and a bitfield's value bits are placed most
  significant bit first at the same bit offset (big-endian bit numbering).

Nothing here decides a layout: the member paths come from the BTF, gcc
compiles them (a wrong path does not compile) and computes every offset.

usage: gen-ts-probe.py merge VALUES.json INIT-EL.o INIT-EB.o > VALUES-MERGED.json

With `--init FILE` as its first argument the probe also writes, for every struct
without unions or flexible arrays, its first sample's values as a C initializer
(`const struct T init_N = { .member = value, ... }`, one section each). clang
compiles that for bpfel and bpfeb; `merge` adds the section bytes to the
JSON as `leClang`/`beClang`: the layout of the same values by the compiler
that emitted the BTF, in both byte orders, which the tests compare with the
probe's images.
"""
import json
import struct
import sys

FLEX_N = 3  # elements a flexible array member gets in the probe
SAMPLES = 4


def load(path):
    with open(path) as f:
        return {t["id"]: t for t in json.load(f)["types"]}


def strip(types, tid):
    """Follows typedefs and qualifiers."""
    while True:
        t = types[tid]
        if t["kind"] in ("TYPEDEF", "CONST", "VOLATILE", "RESTRICT", "TYPE_TAG"):
            tid = t["type_id"]
            continue
        return tid, t


def c_spelling(t):
    if t["kind"] == "STRUCT":
        return "struct " + t["name"]
    if t["kind"] == "UNION":
        return "union " + t["name"]
    return t["name"]


def leaf_kind(t):
    k = t["kind"]
    if k == "INT":
        if t["encoding"] == "BOOL":
            return "bool"
        if t["size"] == 16:
            return "i128" if t["encoding"] == "SIGNED" else "u128"
        return "int"
    if k in ("ENUM", "ENUM64"):
        return "int"
    if k == "FLOAT":
        return {4: "f32", 8: "f64"}[t["size"]]
    if k == "PTR":
        return "ptr"
    raise SystemExit(f"gen-ts-probe: no leaf kind for {t}")


def leaves(types, tid, path, bit, in_union, out, flex_ok):
    """Every scalar leaf under type tid at absolute bit offset `bit`."""
    tid, t = strip(types, tid)
    k = t["kind"]
    if k in ("STRUCT", "UNION"):
        members = t["members"]
        for i, m in enumerate(members):
            name = m["name"]
            if name == "(anon)" or name == "":
                if "bitfield_size" in m:
                    continue  # unnamed padding bitfield
                sub = path  # anonymous member: C names its fields directly
            else:
                sub = f"{path}.{name}" if path else name
            mbit = bit + m["bits_offset"]
            if "bitfield_size" in m and m["bitfield_size"]:
                mtid, mt = strip(types, m["type_id"])
                out.append({
                    "path": sub, "kind": leaf_kind(mt), "bitfield": True,
                    "bit": mbit, "bits": m["bitfield_size"],
                    "union": in_union or k == "UNION",
                })
                continue
            last = k == "STRUCT" and i == len(members) - 1
            leaves(types, m["type_id"], sub, mbit, in_union or k == "UNION", out,
                   flex_ok and last)
        return
    if k == "ARRAY":
        n = t["nr_elems"]
        if n == 0:
            if not flex_ok:
                return
            n = FLEX_N
        esize = size_of(types, t["type_id"])
        for i in range(n):
            leaves(types, t["type_id"], f"{path}[{i}]", bit + 8 * i * esize, in_union, out,
                   False)
        return
    size = size_of(types, tid)
    out.append({"path": path, "kind": leaf_kind(t), "bitfield": False, "bit": bit,
                "bytes": size, "union": in_union})


def size_of(types, tid):
    tid, t = strip(types, tid)
    if t["kind"] == "ARRAY":
        return t["nr_elems"] * size_of(types, t["type_id"])
    if t["kind"] == "PTR":
        return 8
    return t["size"]


def roots(types):
    """The `.bss` variables' types: one per struct of layouts.h."""
    out = []
    for t in types.values():
        if t["kind"] == "DATASEC" and t["name"] == ".bss":
            for v in t["vars"]:
                var = types[v["type_id"]]
                out.append((var["name"], var["type_id"]))
    return out


def assign(leaf, lhs):
    k = leaf["kind"]
    if k == "bool":
        return f"{lhs} = r & 1;"
    if k == "f32":
        return f"{lhs} = f32_of(r);"
    if k == "f64":
        return f"{lhs} = f64_of(r);"
    if k == "ptr":
        return f"{lhs} = (void *)(uintptr_t)r;"
    if k in ("i128", "u128"):
        return f"{lhs} = ((unsigned __int128)r << 64) | next(&rng);"
    return f"{lhs} = r;"


def show(leaf, expr):
    k = leaf["kind"]
    if k == "bool":
        return f'fputs({expr} ? "true" : "false", stdout);'
    if k == "f32":
        return f"show_f32({expr});"
    if k == "f64":
        return f"show_f64({expr});"
    if k == "ptr":
        return f'printf("\\"%llu\\"", (unsigned long long)(uintptr_t){expr});'
    if k == "i128":
        return f"show_i128({expr});"
    if k == "u128":
        return f"show_u128({expr});"
    return f"SHOW_INT({expr});"


def init_value(leaf, expr):
    k = leaf["kind"]
    if k == "bool":
        return f'fputs({expr} ? "1" : "0", init);'
    if k == "f32":
        return f'fprintf(init, "(float)%a", (double){expr});'
    if k == "f64":
        return f'fprintf(init, "%a", {expr});'
    if k == "ptr":
        return f'fprintf(init, "(void *)0x%llxULL", (unsigned long long)(uintptr_t){expr});'
    if k in ("i128", "u128"):
        return f"init_u128((unsigned __int128){expr});"
    return f"INIT_INT({expr});"


PRELUDE = r"""/* Generated by tooling/testdata/gen-ts-probe.py from layouts-el.o's BTF. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "layouts.h"

static uint64_t next(uint64_t *s)
{
	/* splitmix64 */
	uint64_t z = (*s += 0x9e3779b97f4a7c15ULL);
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

/* Finite floats only: a NaN's payload need not survive a round trip. */
static float f32_of(uint64_t r)
{
	uint32_t b = (uint32_t)r & 0x807fffffu;
	float f;
	b |= (uint32_t)(1 + (r >> 32) % 254) << 23;
	memcpy(&f, &b, 4);
	return f;
}

static double f64_of(uint64_t r)
{
	uint64_t b = r & 0x800fffffffffffffULL;
	double d;
	b |= (uint64_t)(1 + (r >> 20) % 2046) << 52;
	memcpy(&d, &b, 8);
	return d;
}

static void show_f32(float f)
{
	uint32_t b;
	memcpy(&b, &f, 4);
	printf("\"%08x\"", b);
}

static void show_f64(double d)
{
	uint64_t b;
	memcpy(&b, &d, 8);
	printf("\"%016llx\"", (unsigned long long)b);
}

static void show_u128(unsigned __int128 v)
{
	char buf[48];
	int i = sizeof buf - 1;
	buf[i] = 0;
	do {
		buf[--i] = (char)('0' + (int)(v % 10));
		v /= 10;
	} while (v);
	printf("\"%s\"", buf + i);
}

static void show_i128(__int128 v)
{
	if (v < 0) {
		unsigned __int128 m = -(unsigned __int128)v;
		char buf[48];
		int i = sizeof buf - 1;
		buf[i] = 0;
		do {
			buf[--i] = (char)('0' + (int)(m % 10));
			m /= 10;
		} while (m);
		printf("\"-%s\"", buf + i);
	} else {
		show_u128((unsigned __int128)v);
	}
}

#define SHOW_INT(x)                                                        \
	do {                                                                   \
		if ((x) < 0)                                                       \
			printf("\"%lld\"", (long long)(x));                            \
		else                                                               \
			printf("\"%llu\"", (unsigned long long)(x));                   \
	} while (0)

/* Initializers: the same values as C constants, for clang to lay out (see --init). */
static FILE *init;

static void init_int(long long s, unsigned long long u, int neg)
{
	if (!neg)
		fprintf(init, "%lluULL", u);
	else if (s == -0x7fffffffffffffffLL - 1)
		fputs("(-0x7fffffffffffffffLL - 1)", init);
	else
		fprintf(init, "%lldLL", s);
}

#define INIT_INT(x) init_int((long long)(x), (unsigned long long)(x), (x) < 0)

static void init_u128(unsigned __int128 v)
{
	fprintf(init, "(((unsigned __int128)0x%llxULL << 64) | 0x%llxULL)",
		(unsigned long long)(v >> 64), (unsigned long long)v);
}

static void hex(const unsigned char *b, size_t n)
{
	putchar('"');
	for (size_t i = 0; i < n; i++)
		printf("%02x", b[i]);
	putchar('"');
}

static int bit_at(const unsigned char *b, unsigned i)
{
	return (b[i / 8] >> (i % 8)) & 1;
}

/* Where a bitfield is: the lowest and the number of bits that changed. */
static void check_bits(const char *what, const unsigned char *b, size_t n, unsigned bit,
		       unsigned bits)
{
	unsigned lo = ~0u, cnt = 0;
	for (unsigned i = 0; i < n * 8; i++) {
		if (bit_at(b, i)) {
			if (lo == ~0u)
				lo = i;
			cnt++;
		}
	}
	if (lo != bit || cnt != bits) {
		fprintf(stderr, "gen-ts probe: %s: gcc puts %u bits at bit %u, BTF %u at %u\n",
			what, cnt, lo, bits, bit);
		exit(1);
	}
}

static void check_off(const char *what, size_t got, size_t want)
{
	if (got != want) {
		fprintf(stderr, "gen-ts probe: %s: gcc offset %zu, BTF %zu\n", what, got, want);
		exit(1);
	}
}

/* A big-endian machine's store of a scalar that the host just stored at bytes off..off+n. */
static void be_bytes(unsigned char *be, const unsigned char *le, size_t off, size_t n)
{
	for (size_t i = 0; i < n; i++)
		be[off + i] = le[off + n - 1 - i];
}

/* ... and of a bitfield the host stored at LE bits bit..bit+bits: value MSB first. */
static void be_bits(unsigned char *be, const unsigned char *le, unsigned bit, unsigned bits)
{
	for (unsigned j = 0; j < bits; j++) {
		unsigned v = bit_at(le, bit + bits - 1 - j);
		unsigned pos = bit + j;
		unsigned char mask = (unsigned char)(0x80u >> (pos % 8));
		if (v)
			be[pos / 8] |= mask;
		else
			be[pos / 8] &= (unsigned char)~mask;
	}
}
"""


def main():
    el = load(sys.argv[1])
    eb = load(sys.argv[2])
    out = [PRELUDE]
    calls = []
    el_roots = roots(el)
    eb_roots = dict(roots(eb))
    for idx, (var, tid) in enumerate(el_roots):
        root_t = el[tid]
        spelling = c_spelling(root_t)
        ls = []
        leaves(el, tid, "", 0, False, ls, True)
        ls_eb = []
        leaves(eb, eb_roots[var], "", 0, False, ls_eb, True)
        if [(x["path"], x["bit"], x.get("bits"), x.get("bytes")) for x in ls] != [
            (x["path"], x["bit"], x.get("bits"), x.get("bytes")) for x in ls_eb
        ]:
            raise SystemExit(f"gen-ts-probe: {spelling}: bpfel and bpfeb BTF layouts differ")
        size = size_of(el, tid)
        total = max([size] + [(x["bit"] + 8 * x.get("bytes", 0) + 7) // 8 for x in ls])
        flex = total > size
        fn = f"probe_{idx}"
        calls.append(fn)
        body = []
        body.append(f"static void {fn}(void)\n{{")
        body.append(f"\tstatic unsigned char z_[{total}] __attribute__((aligned(16)));")
        body.append(f"\tstatic unsigned char f_[{total}] __attribute__((aligned(16)));")
        body.append(f"\tstatic unsigned char t_[{total}] __attribute__((aligned(16)));")
        body.append(f"\tunsigned char bz[{total}], bf[{total}];")
        body.append(f"\t{spelling} *z = ({spelling} *)z_, *f = ({spelling} *)f_, *t = ({spelling} *)t_;")
        body.append("\tuint64_t rng, r;")
        body.append("\t(void)t;")
        body.append(f"\tif (sizeof(*z) != {size}) {{")
        body.append(f'\t\tfprintf(stderr, "gen-ts probe: {spelling}: gcc size %zu, BTF {size}\\n", sizeof(*z));')
        body.append("\t\texit(1);\n\t}")
        for x in ls:
            what = f"{spelling}.{x['path']}"
            if x["bitfield"]:
                body.append(f"\tmemset(t_, 0, sizeof t_);")
                body.append(f"\tt->{x['path']} = -1;" if x["kind"] != "bool" else f"\tt->{x['path']} = 1;")
                body.append(f'\tcheck_bits("{what}", t_, sizeof t_, {x["bit"]}, {x["bits"]});')
            else:
                body.append(
                    f'\tcheck_off("{what}", (size_t)((unsigned char *)&z->{x["path"]} - z_), {x["bit"] // 8});'
                )
        body.append(f'\tprintf("{{\\"root\\":\\"{spelling}\\",\\"size\\":{size},\\"total\\":{total},\\"flex\\":{FLEX_N if flex else 0},\\"samples\\":[");')
        body.append(f"\tfor (int s = 0; s < {SAMPLES}; s++) {{")
        body.append(f"\t\tmemset(z_, 0, sizeof z_);\n\t\tmemset(f_, 0xff, sizeof f_);")
        body.append(f"\t\tmemset(bz, 0, sizeof bz);\n\t\tmemset(bf, 0xff, sizeof bf);")
        body.append(f"\t\trng = {idx + 1}ULL * 1000 + (uint64_t)s;")
        for x in ls:
            body.append("\t\tr = next(&rng);")
            # The same value into both copies: draw i128 low halves once.
            a = assign(x, f"z->{x['path']}")
            if x["kind"] in ("i128", "u128"):
                body.append(f"\t\t{a}")
                body.append(f"\t\tf->{x['path']} = z->{x['path']};")
            else:
                body.append(f"\t\t{a}")
                body.append(f"\t\t{assign(x, 'f->' + x['path'])}")
            if x["bitfield"]:
                body.append(f"\t\tbe_bits(bz, z_, {x['bit']}, {x['bits']});")
                body.append(f"\t\tbe_bits(bf, z_, {x['bit']}, {x['bits']});")
            else:
                body.append(f"\t\tbe_bytes(bz, z_, {x['bit'] // 8}, {x['bytes']});")
                body.append(f"\t\tbe_bytes(bf, z_, {x['bit'] // 8}, {x['bytes']});")
        body.append('\t\tprintf("%s{\\"le\\":", s ? "," : "");')
        body.append("\t\thex(z_, sizeof z_);")
        body.append('\t\tfputs(",\\"leFF\\":", stdout);\n\t\thex(f_, sizeof f_);')
        body.append('\t\tfputs(",\\"be\\":", stdout);\n\t\thex(bz, sizeof bz);')
        body.append('\t\tfputs(",\\"beFF\\":", stdout);\n\t\thex(bf, sizeof bf);')
        body.append('\t\tfputs(",\\"values\\":[", stdout);')
        for i, x in enumerate(ls):
            sep = "," if i else ""
            body.append(
                f'\t\tprintf("{sep}{{\\"path\\":\\"{x["path"]}\\",\\"kind\\":\\"{x["kind"]}\\",\\"union\\":{str(x["union"]).lower()},\\"value\\":");'
            )
            body.append(f"\t\t{show(x, 'z->' + x['path'])}")
            body.append('\t\tputchar(\'}\');')
        if not flex and not any(x["union"] for x in ls):
            # clang lays these values out for bpfel and bpfeb (regen.sh): the layout of the
            # compiler that made the BTF, both byte orders, against the images above.
            body.append("\t\tif (s == 0 && init) {")
            body.append(
                f'\t\t\tfprintf(init, "const {spelling} init_{idx} __attribute__((used, section(\\".gents.{idx}\\"))) = {{\\n");'
            )
            for x in ls:
                body.append(f'\t\t\tfputs("\\t.{x["path"]} = ", init);')
                body.append(f"\t\t\t{init_value(x, 'z->' + x['path'])}")
                body.append('\t\t\tfputs(",\\n", init);')
            body.append('\t\t\tfputs("};\\n", init);')
            body.append("\t\t}")
        body.append('\t\tputs("]}");')
        body.append("\t}")
        body.append('\tputs("]}");')
        body.append("}\n")
        out.append("\n".join(body))
    out.append("int main(int argc, char **argv)\n{")
    out.append("\tif (argc > 1) {")
    out.append('\t\tinit = fopen(argv[1], "w");')
    out.append("\t\tif (!init) {")
    out.append('\t\t\tperror(argv[1]);')
    out.append("\t\t\treturn 1;\n\t\t}")
    out.append('\t\tfputs("#include \\"layouts.h\\"\\n", init);')
    out.append("\t}")
    out.append('\tputs("[");')
    for i, c in enumerate(calls):
        if i:
            out.append('\tputs(",");')
        out.append(f"\t{c}();")
    out.append('\tputs("]");')
    out.append("\tif (init && fclose(init))")
    out.append("\t\treturn 1;")
    out.append("\treturn 0;\n}")
    print("\n".join(out))


def elf_sections(path):
    """Section name to bytes of an ELF64 object of either byte order."""
    with open(path, "rb") as f:
        data = f.read()
    e = "<" if data[5] == 1 else ">"
    shoff = struct.unpack_from(e + "Q", data, 0x28)[0]
    shentsize, shnum, shstrndx = struct.unpack_from(e + "HHH", data, 0x3A)
    heads = [struct.unpack_from(e + "IIQQQQIIQQ", data, shoff + i * shentsize) for i in range(shnum)]
    strtab = heads[shstrndx]
    out = {}
    for h in heads:
        start = strtab[4] + h[0]
        name = data[start:data.index(b"\0", start)].decode()
        out[name] = data[h[4]:h[4] + h[5]]
    return out


def merge(values_path, el_path, eb_path):
    with open(values_path) as f:
        roots = json.load(f)
    el = elf_sections(el_path)
    eb = elf_sections(eb_path)
    for idx, root in enumerate(roots):
        name = f".gents.{idx}"
        if name in el:
            root["leClang"] = el[name].hex()
            root["beClang"] = eb[name].hex()
    # One struct per line: a regenerated file diffs per struct.
    lines = [json.dumps(r, separators=(",", ":")) for r in roots]
    print("[\n" + ",\n".join(lines) + "\n]")


if len(sys.argv) > 1 and sys.argv[1] == "merge":
    merge(*sys.argv[2:5])
else:
    main()
