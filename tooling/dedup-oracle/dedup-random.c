// Random dedup cases for differential testing against libbpf: each case is a random type
// graph (a "unit") appended two to four times, each copy perturbed (structs and unions of
// the unit replaced by forward declarations, members renamed, names swapped), written with
// libbpf's own BTF writer, then deduplicated by libbpf. A unit never holds two identical
// reference types or function prototypes (where libbpf 1.6+ dedups further than 1.1) and no
// loop of reference types without a struct in it (where 1.1 fails with ELOOP).
//
// usage: dedup-random DIR COUNT SEED [typedef-loops]
//   writes DIR/NNN.btf and DIR/NNN.dedup.btf (or DIR/NNN.error) for NNN in 000..COUNT-1.
//   With typedef-loops, typedefs may also point at later types, so loops of reference
//   types through a typedef occur (Go's `type T *T`): libbpf 1.1 fails on those (ELOOP).
#include <bpf/btf.h>
#include <bpf/libbpf.h>
#include <errno.h>
#include <linux/btf.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static uint64_t rng;
static int typedef_loops;

static uint32_t next(void)
{
	// xorshift64*: the same sequence for a seed everywhere.
	rng ^= rng >> 12;
	rng ^= rng << 25;
	rng ^= rng >> 27;
	return (uint32_t)((rng * 0x2545F4914F6CDD1DULL) >> 32);
}

static int pick(int n) { return (int)(next() % (uint32_t)n); }

static int quiet(enum libbpf_print_level level, const char *fmt, va_list ap)
{
	(void)level;
	(void)fmt;
	(void)ap;
	return 0;
}

enum { MAXT = 40 };
static const char *names[] = {"a", "b", "c", "d", "e", NULL};

struct tmpl {
	int kind;
	int name;    // index into names; 5 = anonymous
	int ref;     // template index referenced (-1 = void)
	int n;       // members / params / values
	int refs[4]; // member or param types
	int mname[4];
	int size;
	int kflag;
};

static struct tmpl t[MAXT];
static int nt;

static int is_ref(int k)
{
	return k == BTF_KIND_PTR || k == BTF_KIND_TYPEDEF || k == BTF_KIND_CONST ||
	       k == BTF_KIND_VOLATILE || k == BTF_KIND_FUNC_PROTO || k == BTF_KIND_ARRAY ||
	       k == BTF_KIND_FUNC || k == BTF_KIND_TYPE_TAG;
}

// A target for a reference from template type i: an earlier type, or any struct or union
// (cycles then always pass through one).
static int target(int i, int allow_void)
{
	for (int tries = 0; tries < 20; tries++) {
		int j = pick(nt + (allow_void ? 1 : 0)) - (allow_void ? 1 : 0);
		if (j < 0)
			return -1;
		if (j == i)
			continue;
		if (j < i || t[j].kind == BTF_KIND_STRUCT || t[j].kind == BTF_KIND_UNION)
			return j;
	}
	return 0;
}

static int same_ref(int i, int j)
{
	if (t[i].kind != t[j].kind || t[i].name != t[j].name || t[i].ref != t[j].ref ||
	    t[i].n != t[j].n || t[i].size != t[j].size)
		return 0;
	for (int k = 0; k < t[i].n; k++)
		if (t[i].refs[k] != t[j].refs[k] || t[i].mname[k] != t[j].mname[k])
			return 0;
	return 1;
}

static void make_unit(void)
{
	static const int kinds[] = {BTF_KIND_STRUCT, BTF_KIND_STRUCT, BTF_KIND_UNION,
				    BTF_KIND_PTR,    BTF_KIND_PTR,    BTF_KIND_TYPEDEF,
				    BTF_KIND_CONST,  BTF_KIND_VOLATILE, BTF_KIND_ARRAY,
				    BTF_KIND_FUNC_PROTO, BTF_KIND_FUNC, BTF_KIND_ENUM,
				    BTF_KIND_FWD,    BTF_KIND_FLOAT, BTF_KIND_TYPE_TAG,
				    BTF_KIND_ENUM64};
	nt = 8 + pick(MAXT - 8);
	t[0] = (struct tmpl){.kind = BTF_KIND_INT, .name = 0, .size = 4};
	t[1] = (struct tmpl){.kind = BTF_KIND_INT, .name = 1, .size = 8};
	for (int i = 2; i < nt; i++) {
		t[i] = (struct tmpl){.kind = kinds[pick(sizeof(kinds) / sizeof(kinds[0]))],
				     .name = pick(6)};
		t[i].kflag = pick(2);
	}
	for (int i = 2; i < nt; i++) {
		struct tmpl *x = &t[i];
		switch (x->kind) {
		case BTF_KIND_STRUCT:
		case BTF_KIND_UNION:
			x->n = 1 + pick(3);
			x->size = 8 * x->n;
			for (int k = 0; k < x->n; k++) {
				// Members embed earlier types or point anywhere through a PTR.
				int j = pick(i);
				if (t[j].kind == BTF_KIND_FWD || t[j].kind == BTF_KIND_FUNC)
					j = 0;
				x->refs[k] = j;
				x->mname[k] = pick(5);
			}
			break;
		case BTF_KIND_FUNC_PROTO:
			x->name = 5;
			x->ref = target(i, 1);
			x->n = pick(3);
			for (int k = 0; k < x->n; k++) {
				x->refs[k] = target(i, 0);
				x->mname[k] = pick(6);
			}
			break;
		case BTF_KIND_FUNC: {
			int p = -1;
			for (int j = 0; j < i; j++)
				if (t[j].kind == BTF_KIND_FUNC_PROTO)
					p = j;
			if (p < 0) {
				x->kind = BTF_KIND_FLOAT;
				x->size = 8;
			} else {
				x->ref = p;
				if (x->name == 5)
					x->name = 0;
			}
			break;
		}
		case BTF_KIND_ARRAY:
			x->name = 5;
			x->ref = pick(i);
			if (t[x->ref].kind == BTF_KIND_FWD || t[x->ref].kind == BTF_KIND_FUNC)
				x->ref = 0;
			x->size = 1 + pick(4);
			break;
		case BTF_KIND_PTR:
		case BTF_KIND_CONST:
		case BTF_KIND_VOLATILE:
			x->name = 5;
			x->ref = target(i, 1);
			break;
		case BTF_KIND_TYPEDEF:
		case BTF_KIND_TYPE_TAG:
			if (x->name == 5)
				x->name = 0;
			// Earlier types only, unless typedef loops are asked for.
			x->ref = typedef_loops && x->kind == BTF_KIND_TYPEDEF ? pick(nt) : pick(i);
			if (x->ref == i)
				x->ref = 0;
			break;
		case BTF_KIND_ENUM:
		case BTF_KIND_ENUM64:
			x->n = pick(3);
			for (int k = 0; k < x->n; k++) {
				x->refs[k] = pick(3);
				x->mname[k] = pick(5);
			}
			x->size = x->kind == BTF_KIND_ENUM ? 4 : 8;
			break;
		case BTF_KIND_FWD:
			if (x->name == 5)
				x->name = 0;
			break;
		case BTF_KIND_FLOAT:
			x->size = 8;
			break;
		}
	}
	// No two identical reference types or protos in a unit: make a repeat an INT instead.
	for (int i = 2; i < nt; i++)
		for (int j = 2; j < i; j++)
			if (is_ref(t[i].kind) && same_ref(i, j)) {
				t[i] = (struct tmpl){.kind = BTF_KIND_INT, .name = pick(5), .size = 2};
				break;
			}
}

static const char *nm(int i) { return i >= 5 ? NULL : names[i]; }

// Appends one copy of the unit; `fwd` makes structs/unions forward declarations sometimes,
// `rename` renames a member sometimes.
static int add_unit(struct btf *b, int fwd, int rename)
{
	int base = (int)btf__type_cnt(b);
#define ID(j) ((j) < 0 ? 0 : base + (j))
	for (int i = 0; i < nt; i++) {
		struct tmpl *x = &t[i];
		int err = 0;
		switch (x->kind) {
		case BTF_KIND_INT:
			err = btf__add_int(b, names[x->name], x->size, i == 0 ? BTF_INT_SIGNED : 0);
			break;
		case BTF_KIND_STRUCT:
		case BTF_KIND_UNION:
			if (fwd && x->name < 5 && pick(4) == 0) {
				err = btf__add_fwd(b, names[x->name],
						   x->kind == BTF_KIND_UNION ? BTF_FWD_UNION : BTF_FWD_STRUCT);
				break;
			}
			err = x->kind == BTF_KIND_STRUCT ? btf__add_struct(b, nm(x->name), x->size)
							 : btf__add_union(b, nm(x->name), x->size);
			for (int k = 0; err >= 0 && k < x->n; k++) {
				int mn = x->mname[k];
				if (rename && pick(8) == 0)
					mn = (mn + 1) % 5;
				err = btf__add_field(b, names[mn], ID(x->refs[k]),
						     x->kind == BTF_KIND_STRUCT ? 64 * k : 0, 0);
			}
			break;
		case BTF_KIND_PTR:
			err = btf__add_ptr(b, ID(x->ref));
			break;
		case BTF_KIND_CONST:
			err = btf__add_const(b, ID(x->ref));
			break;
		case BTF_KIND_VOLATILE:
			err = btf__add_volatile(b, ID(x->ref));
			break;
		case BTF_KIND_TYPEDEF:
			err = btf__add_typedef(b, names[x->name], ID(x->ref));
			break;
		case BTF_KIND_TYPE_TAG:
			err = btf__add_type_tag(b, names[x->name], ID(x->ref));
			break;
		case BTF_KIND_ARRAY:
			err = btf__add_array(b, base, ID(x->ref), x->size);
			break;
		case BTF_KIND_FUNC_PROTO:
			err = btf__add_func_proto(b, ID(x->ref));
			for (int k = 0; err >= 0 && k < x->n; k++)
				err = btf__add_func_param(b, nm(x->mname[k]), ID(x->refs[k]));
			break;
		case BTF_KIND_FUNC:
			err = btf__add_func(b, names[x->name], BTF_FUNC_GLOBAL, ID(x->ref));
			break;
		case BTF_KIND_ENUM:
			err = btf__add_enum(b, nm(x->name), 4);
			for (int k = 0; err >= 0 && k < x->n; k++)
				err = btf__add_enum_value(b, names[x->mname[k]], x->refs[k]);
			break;
		case BTF_KIND_ENUM64:
			err = btf__add_enum64(b, nm(x->name), 8, false);
			for (int k = 0; err >= 0 && k < x->n; k++)
				err = btf__add_enum64_value(b, names[x->mname[k]],
							    (__u64)x->refs[k] << 33);
			break;
		case BTF_KIND_FWD:
			err = btf__add_fwd(b, names[x->name], x->kflag ? BTF_FWD_UNION : BTF_FWD_STRUCT);
			break;
		case BTF_KIND_FLOAT:
			err = btf__add_float(b, names[x->name % 5], x->size);
			break;
		}
		if (err < 0)
			return err;
	}
#undef ID
	return 0;
}

static int write_raw(const char *path, const struct btf *b)
{
	__u32 size;
	const void *raw = btf__raw_data(b, &size);
	FILE *f = fopen(path, "wb");

	if (!raw || !f || fwrite(raw, 1, size, f) != size || fclose(f) != 0) {
		fprintf(stderr, "dedup-random: %s: %s\n", path, strerror(errno));
		return 1;
	}
	return 0;
}

int main(int argc, char **argv)
{
	char path[4096];

	if (argc != 4 && !(argc == 5 && strcmp(argv[4], "typedef-loops") == 0)) {
		fprintf(stderr, "usage: dedup-random DIR COUNT SEED [typedef-loops]\n");
		return 2;
	}
	typedef_loops = argc == 5;
	int count = atoi(argv[2]);
	rng = strtoull(argv[3], NULL, 0) * 2654435761ULL + 1;
	libbpf_set_print(quiet);
	for (int c = 0; c < count; c++) {
		struct btf *b = btf__new_empty();
		int copies = 2 + pick(3), err;

		make_unit();
		for (int k = 0; k < copies; k++) {
			err = add_unit(b, k > 0, k > 0 && pick(3) == 0);
			if (err < 0) {
				fprintf(stderr, "dedup-random: case %d: %s\n", c, strerror(-err));
				return 1;
			}
		}
		snprintf(path, sizeof(path), "%s/%03d.btf", argv[1], c);
		if (write_raw(path, b))
			return 1;
		err = btf__dedup(b, NULL);
		if (err) {
			snprintf(path, sizeof(path), "%s/%03d.error", argv[1], c);
			FILE *f = fopen(path, "w");
			if (!f)
				return 1;
			fprintf(f, "%s\n", err == -ELOOP ? "ELOOP" : err == -EINVAL ? "EINVAL" : strerror(-err));
			fclose(f);
		} else {
			snprintf(path, sizeof(path), "%s/%03d.dedup.btf", argv[1], c);
			if (write_raw(path, b))
				return 1;
		}
		btf__free(b);
	}
	return 0;
}
