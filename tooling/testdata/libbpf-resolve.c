// SPDX-License-Identifier: MIT
/*
 * libbpf-resolve OUT.btf OUT.golden
 *
 * Builds, with libbpf's own btf__add_* calls, a BTF of chains around libbpf's resolve depth
 * limit (typedefs, qualifiers, type tags, variables, declaration tags, arrays) and of sizes
 * around 4 GiB, writes it as raw BTF, and writes for every type ID what libbpf computes:
 *
 *   ID btf__resolve_size btf__resolve_type
 *
 * each a value or a negative errno. The types tests compare `sizeof` and `underlyingType`
 * with it. regen.sh builds this into a temporary directory; it is never committed as a binary.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <bpf/btf.h>
#include <bpf/libbpf.h>

static int check(int id, const char *what)
{
	if (id < 0) {
		fprintf(stderr, "libbpf-resolve: %s: %s\n", what, strerror(-id));
		return -1;
	}
	return id;
}

/* A chain of n links over `base`; kinds cycle through `pattern` (t, c, v, r, g: type tag). */
static int chain(struct btf *btf, int base, int n, const char *pattern)
{
	char name[32];
	int id = base;

	for (int i = 0; i < n; i++) {
		switch (pattern[i % strlen(pattern)]) {
		case 't':
			snprintf(name, sizeof(name), "t%d_%d", base, i);
			id = btf__add_typedef(btf, name, id);
			break;
		case 'c':
			id = btf__add_const(btf, id);
			break;
		case 'v':
			id = btf__add_volatile(btf, id);
			break;
		case 'r':
			id = btf__add_restrict(btf, id);
			break;
		case 'g':
			id = btf__add_type_tag(btf, "tag", id);
			break;
		}
		if (check(id, "chain") < 0)
			return -1;
	}
	return id;
}

int main(int argc, char **argv)
{
	struct btf *btf;
	const void *data;
	__u32 size;
	FILE *out;
	int i32, ptr, fwd, proto, id;

	if (argc != 3) {
		fprintf(stderr, "usage: libbpf-resolve OUT.btf OUT.golden\n");
		return 2;
	}
	btf = btf__new_empty();
	if (!btf)
		return 1;
	i32 = check(btf__add_int(btf, "int", 4, BTF_INT_SIGNED), "int");
	ptr = check(btf__add_ptr(btf, i32), "ptr");
	fwd = check(btf__add_fwd(btf, "opaque", BTF_FWD_STRUCT), "fwd");
	proto = check(btf__add_func_proto(btf, i32), "func_proto");
	if (i32 < 0 || ptr < 0 || fwd < 0 || proto < 0)
		return 1;

	/* Chains of 30 to 33 links of each shape: the limit is crossed in each. */
	for (int n = 30; n <= 33; n++) {
		if (chain(btf, i32, n, "t") < 0 || chain(btf, i32, n, "cvtrg") < 0 ||
		    chain(btf, ptr, n, "vt") < 0)
			return 1;
	}
	/* Arrays count as links too; nested arrays multiply. */
	for (int n = 28; n <= 32; n++) {
		id = chain(btf, i32, n, "t");
		if (id < 0 || check(btf__add_array(btf, i32, id, 3), "array") < 0)
			return 1;
	}
	id = check(btf__add_array(btf, i32, i32, 0x10000), "array");
	if (id < 0 || check(btf__add_array(btf, i32, id, 0xffff), "array") < 0 ||
	    check(btf__add_array(btf, i32, id, 0x10000), "array") < 0)
		return 1;
	/* 2^30 ints are 4 GiB: one too many. A zero count stops every later check. */
	if (check(btf__add_array(btf, i32, i32, 0x3fffffff), "array") < 0 ||
	    check(btf__add_array(btf, i32, i32, 0x40000000), "array") < 0)
		return 1;
	id = check(btf__add_array(btf, i32, i32, 0xffffffff), "array");
	if (id < 0 || check(btf__add_array(btf, i32, id, 0), "array") < 0 ||
	    check(btf__add_array(btf, i32, id, 2), "array") < 0)
		return 1;
	/* What has no size: void behind a qualifier, a forward declaration, a prototype. */
	if (check(btf__add_const(btf, 0), "const") < 0 || chain(btf, fwd, 2, "t") < 0 ||
	    chain(btf, proto, 1, "c") < 0)
		return 1;
	/* Variables and declaration tags are links for the size. */
	id = check(btf__add_var(btf, "v", BTF_VAR_GLOBAL_ALLOCATED, i32), "var");
	if (id < 0 || check(btf__add_decl_tag(btf, "dt", id, -1), "decl_tag") < 0)
		return 1;

	data = btf__raw_data(btf, &size);
	if (!data)
		return 1;
	out = fopen(argv[1], "wb");
	if (!out || fwrite(data, 1, size, out) != size || fclose(out))
		return 1;
	out = fopen(argv[2], "w");
	if (!out)
		return 1;
	fprintf(out, "# ID btf__resolve_size btf__resolve_type (libbpf %s)\n", libbpf_version_string());
	for (__u32 i = 1; i < btf__type_cnt(btf); i++)
		fprintf(out, "%u %lld %d\n", i, (long long)btf__resolve_size(btf, i),
			btf__resolve_type(btf, i));
	if (fclose(out))
		return 1;
	btf__free(btf);
	return 0;
}
