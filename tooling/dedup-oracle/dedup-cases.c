// Hand-made dedup cases, one per special case of libbpf's btf__dedup, written with libbpf's
// own BTF writer (btf__add_*) and deduplicated by Debian's libbpf. For every case NAME it
// writes into DIR:
//   NAME.btf          the input (split BTF over NAME.base.btf when the case has a base)
//   NAME.base.btf     the base, for split cases
//   NAME.dedup.btf    btf__raw_data after btf__dedup, or
//   NAME.error        the errno name when btf__dedup fails
//
// usage: dedup-cases DIR
#include <bpf/btf.h>
#include <bpf/libbpf.h>
#include <errno.h>
#include <linux/btf.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int quiet(enum libbpf_print_level level, const char *fmt, va_list ap)
{
	(void)level;
	(void)fmt;
	(void)ap;
	return 0;
}

// Each builder adds its types to b and returns 0; a negative libbpf error aborts.
typedef int (*build_fn)(struct btf *b);

#define TRY(x)                                                                  \
	do {                                                                    \
		int err_ = (x);                                                 \
		if (err_ < 0) {                                                 \
			fprintf(stderr, "dedup-cases: %s:%d: %s\n", __FILE__,   \
				__LINE__, strerror(-err_));                     \
			return err_;                                            \
		}                                                               \
	} while (0)

// The next ID btf__add_* will return: lets a type reference one added after it.
static int next_id(struct btf *b) { return (int)btf__type_cnt(b); }

// struct list { struct list *next; int v; } twice, and a pair that point at each other.
static int cycles(struct btf *b)
{
	for (int copy = 0; copy < 2; copy++) {
		int i = btf__add_int(b, "int", 4, BTF_INT_SIGNED);
		int list = next_id(b) + 1;
		TRY(btf__add_ptr(b, list));
		TRY(btf__add_struct(b, "list", 16));
		TRY(btf__add_field(b, "next", list - 1, 0, 0));
		TRY(btf__add_field(b, "v", i, 64, 0));
		// struct a { struct b *b; }; struct b { struct a *a; };
		int a = next_id(b), pa = a + 1, sb = a + 2, pb = a + 3;
		TRY(btf__add_struct(b, "a", 8));
		TRY(btf__add_field(b, "b", pb, 0, 0));
		TRY(btf__add_ptr(b, a));
		TRY(btf__add_struct(b, "b", 8));
		TRY(btf__add_field(b, "a", pa, 0, 0));
		TRY(btf__add_ptr(b, sb));
	}
	return 0;
}

// A forward declaration in one unit resolves to the definition in another, both ways round.
static int fwd_resolution(struct btf *b)
{
	int i = btf__add_int(b, "int", 4, BTF_INT_SIGNED);
	// unit 1: struct s { int x; }; struct user { struct s *p; };
	int s = btf__add_struct(b, "s", 4);
	TRY(btf__add_field(b, "x", i, 0, 0));
	int ps = btf__add_ptr(b, s);
	TRY(btf__add_struct(b, "user", 8));
	TRY(btf__add_field(b, "p", ps, 0, 0));
	// unit 2: struct s; struct user { struct s *p; };
	int f = btf__add_fwd(b, "s", BTF_FWD_STRUCT);
	int pf = btf__add_ptr(b, f);
	TRY(btf__add_struct(b, "user", 8));
	TRY(btf__add_field(b, "p", pf, 0, 0));
	// unit 3: struct t; struct holder { struct t *p; }; then struct t { int y; } after
	int ft = btf__add_fwd(b, "t", BTF_FWD_STRUCT);
	int pft = btf__add_ptr(b, ft);
	TRY(btf__add_struct(b, "holder", 8));
	TRY(btf__add_field(b, "p", pft, 0, 0));
	int t = btf__add_struct(b, "t", 4);
	TRY(btf__add_field(b, "y", i, 0, 0));
	int pt = btf__add_ptr(b, t);
	TRY(btf__add_struct(b, "holder", 8));
	TRY(btf__add_field(b, "p", pt, 0, 0));
	// A forward declaration no struct references: resolved by name alone.
	TRY(btf__add_fwd(b, "t", BTF_FWD_STRUCT));
	// A union forward declaration of a struct's name stays.
	TRY(btf__add_fwd(b, "s", BTF_FWD_UNION));
	return 0;
}

// Two different struct s: a forward declaration of s is ambiguous and stays.
static int fwd_ambiguous(struct btf *b)
{
	int i = btf__add_int(b, "int", 4, BTF_INT_SIGNED);
	int c = btf__add_int(b, "char", 1, BTF_INT_CHAR);
	TRY(btf__add_struct(b, "s", 4));
	TRY(btf__add_field(b, "x", i, 0, 0));
	TRY(btf__add_struct(b, "s", 1));
	TRY(btf__add_field(b, "c", c, 0, 0));
	int f = btf__add_fwd(b, "s", BTF_FWD_STRUCT);
	TRY(btf__add_ptr(b, f));
	// union u twice the same: its forward declaration resolves.
	for (int k = 0; k < 2; k++) {
		TRY(btf__add_union(b, "u", 4));
		TRY(btf__add_field(b, "x", i, 0, 0));
	}
	TRY(btf__add_fwd(b, "u", BTF_FWD_UNION));
	return 0;
}

// Arrays are deduplicated after structs: inside the struct pass two arrays can be the
// same array without being the same ID.
static int identical_arrays(struct btf *b)
{
	int i = btf__add_int(b, "int", 4, BTF_INT_SIGNED);
	int a1 = btf__add_array(b, i, i, 4);
	TRY(btf__add_struct(b, "two", 32));
	TRY(btf__add_field(b, "a", a1, 0, 0));
	TRY(btf__add_field(b, "b", a1, 128, 0));
	int a2 = btf__add_array(b, i, i, 4);
	int a3 = btf__add_array(b, i, i, 4);
	TRY(btf__add_struct(b, "two", 32));
	TRY(btf__add_field(b, "a", a2, 0, 0));
	TRY(btf__add_field(b, "b", a3, 128, 0));
	// and the other way round
	int a4 = btf__add_array(b, i, i, 4);
	int a5 = btf__add_array(b, i, i, 4);
	TRY(btf__add_struct(b, "three", 32));
	TRY(btf__add_field(b, "a", a4, 0, 0));
	TRY(btf__add_field(b, "b", a5, 128, 0));
	int a6 = btf__add_array(b, i, i, 4);
	TRY(btf__add_struct(b, "three", 32));
	TRY(btf__add_field(b, "a", a6, 0, 0));
	TRY(btf__add_field(b, "b", a6, 128, 0));
	return 0;
}

// Embedded anonymous structs duplicated in one graph: identical, not equal.
static int identical_structs(struct btf *b)
{
	int i = btf__add_int(b, "int", 4, BTF_INT_SIGNED);
	int in1 = btf__add_struct(b, NULL, 4);
	TRY(btf__add_field(b, "x", i, 0, 0));
	TRY(btf__add_struct(b, "outer", 8));
	TRY(btf__add_field(b, "a", in1, 0, 0));
	TRY(btf__add_field(b, "b", in1, 32, 0));
	int in2 = btf__add_struct(b, NULL, 4);
	TRY(btf__add_field(b, "x", i, 0, 0));
	int in3 = btf__add_struct(b, NULL, 4);
	TRY(btf__add_field(b, "x", i, 0, 0));
	TRY(btf__add_struct(b, "outer", 8));
	TRY(btf__add_field(b, "a", in2, 0, 0));
	TRY(btf__add_field(b, "b", in3, 32, 0));
	return 0;
}

// enum and enum64 with their forward declarations, in every order.
static int enums(struct btf *b)
{
	// full, then fwd: the fwd resolves to the full enum
	TRY(btf__add_enum(b, "e", 4));
	TRY(btf__add_enum_value(b, "A", 1));
	TRY(btf__add_enum_value(b, "B", -2));
	TRY(btf__add_fwd(b, "e", BTF_FWD_ENUM));
	// fwd first, then full: the canonical fwd is remapped to the full enum
	TRY(btf__add_fwd(b, "f", BTF_FWD_ENUM));
	TRY(btf__add_enum(b, "f", 4));
	TRY(btf__add_enum_value(b, "C", 3));
	// an enum64 and a 4-byte enum fwd of the same name
	TRY(btf__add_enum64(b, "g", 8, false));
	TRY(btf__add_enum64_value(b, "BIG", 0x100000000ULL));
	TRY(btf__add_fwd(b, "g", BTF_FWD_ENUM));
	// two enum64 with the same values, signed: merged
	for (int k = 0; k < 2; k++) {
		TRY(btf__add_enum64(b, "h", 8, true));
		TRY(btf__add_enum64_value(b, "NEG", (__u64)-5));
	}
	// same name, different values: both stay
	TRY(btf__add_enum(b, "e", 4));
	TRY(btf__add_enum_value(b, "A", 7));
	// enums used through a struct in two units, one with the fwd
	int full = btf__add_enum(b, "k", 4);
	TRY(btf__add_enum_value(b, "K", 0));
	TRY(btf__add_struct(b, "uses_k", 4));
	TRY(btf__add_field(b, "k", full, 0, 0));
	int kf = btf__add_fwd(b, "k", BTF_FWD_ENUM);
	TRY(btf__add_struct(b, "uses_k", 4));
	TRY(btf__add_field(b, "k", kf, 0, 0));
	return 0;
}

// FUNC and FUNC_PROTO: equal ones merge; parameter names count; varargs.
static int funcs(struct btf *b)
{
	for (int k = 0; k < 2; k++) {
		int i = btf__add_int(b, "int", 4, BTF_INT_SIGNED);
		int p = btf__add_func_proto(b, i);
		TRY(btf__add_func_param(b, "a", i));
		TRY(btf__add_func_param(b, "b", i));
		TRY(btf__add_func(b, "add", BTF_FUNC_GLOBAL, p));
		int q = btf__add_func_proto(b, i);
		TRY(btf__add_func_param(b, "x", i));
		TRY(btf__add_func_param(b, "y", i));
		TRY(btf__add_func(b, "add", BTF_FUNC_GLOBAL, q));
		int v = btf__add_func_proto(b, 0);
		TRY(btf__add_func_param(b, "fmt", i));
		TRY(btf__add_func_param(b, NULL, 0));
		TRY(btf__add_func(b, "log", BTF_FUNC_STATIC, v));
		// a struct holding a function pointer: the proto goes through the struct pass
		int pp = btf__add_ptr(b, v);
		TRY(btf__add_struct(b, "ops", 8));
		TRY(btf__add_field(b, "log", pp, 0, 0));
	}
	return 0;
}

// VAR and DATASEC are never merged, even when equal.
static int datasec_var(struct btf *b)
{
	for (int k = 0; k < 2; k++) {
		int i = btf__add_int(b, "int", 4, BTF_INT_SIGNED);
		int v = btf__add_var(b, "counter", BTF_VAR_GLOBAL_ALLOCATED, i);
		TRY(btf__add_datasec(b, ".data", 4));
		TRY(btf__add_datasec_var_info(b, v, 0, 4));
	}
	return 0;
}

// DECL_TAG on types, members and parameters; TYPE_TAG on pointers.
static int tags(struct btf *b)
{
	for (int k = 0; k < 2; k++) {
		int i = btf__add_int(b, "int", 4, BTF_INT_SIGNED);
		int tt = btf__add_type_tag(b, "user", i);
		int p = btf__add_ptr(b, tt);
		int s = btf__add_struct(b, "tagged", 8);
		TRY(btf__add_field(b, "p", p, 0, 0));
		TRY(btf__add_decl_tag(b, "owner", s, -1));
		TRY(btf__add_decl_tag(b, "field", s, 0));
		int fp = btf__add_func_proto(b, i);
		TRY(btf__add_func_param(b, "arg", p));
		int f = btf__add_func(b, "fn", BTF_FUNC_GLOBAL, fp);
		TRY(btf__add_decl_tag(b, "param", f, 0));
		TRY(btf__add_decl_tag(b, k ? "other" : "param", f, -1));
	}
	return 0;
}

// Primitives, qualifiers, typedefs, bitfields and floats.
static int primitives(struct btf *b)
{
	for (int k = 0; k < 2; k++) {
		int u = btf__add_int(b, "unsigned int", 4, 0);
		int c = btf__add_int(b, "char", 1, BTF_INT_CHAR | BTF_INT_SIGNED);
		TRY(btf__add_int(b, "_Bool", 1, BTF_INT_BOOL));
		int d = btf__add_float(b, "double", 8);
		int cv = btf__add_const(b, btf__add_volatile(b, c));
		int r = btf__add_restrict(b, btf__add_ptr(b, cv));
		int td = btf__add_typedef(b, "u32", u);
		TRY(btf__add_typedef(b, "u32_t", td));
		int s = btf__add_struct(b, "bits", 16);
		TRY(btf__add_field(b, "lo", td, 0, 3));
		TRY(btf__add_field(b, "hi", u, 3, 29));
		TRY(btf__add_field(b, "d", d, 64, 0));
		TRY(btf__add_ptr(b, s));
		TRY(btf__add_ptr(b, r));
		TRY(btf__add_ptr(b, 0));
	}
	// the same name and size, another encoding: kept
	TRY(btf__add_int(b, "char", 1, BTF_INT_CHAR));
	return 0;
}

// struct s is a forward declaration in the base and a definition in split BTF: a split
// struct that points at s is not merged into the base one (hypot_adjust_canon).
static int base_fwd_base(struct btf *b)
{
	int i = btf__add_int(b, "int", 4, BTF_INT_SIGNED);
	int f = btf__add_fwd(b, "s", BTF_FWD_STRUCT);
	int pf = btf__add_ptr(b, f);
	TRY(btf__add_struct(b, "user", 8));
	TRY(btf__add_field(b, "p", pf, 0, 0));
	TRY(btf__add_struct(b, "plain", 4));
	TRY(btf__add_field(b, "x", i, 0, 0));
	return 0;
}

static int base_fwd(struct btf *b)
{
	int i = btf__add_int(b, "int", 4, BTF_INT_SIGNED);
	int s = btf__add_struct(b, "s", 4);
	TRY(btf__add_field(b, "x", i, 0, 0));
	int ps = btf__add_ptr(b, s);
	TRY(btf__add_struct(b, "user", 8));
	TRY(btf__add_field(b, "p", ps, 0, 0));
	TRY(btf__add_struct(b, "plain", 4));
	TRY(btf__add_field(b, "x", i, 0, 0));
	int pp = btf__add_ptr(b, next_id(b) - 1);
	TRY(btf__add_typedef(b, "plain_p", pp));
	return 0;
}

// Two copies of struct s; the second has a pointer type per member where the first shares
// one, and the same for a const volatile chain. libbpf 1.1 keeps both structs (the two
// pointers are not the same ID, nor arrays or structs); libbpf 1.6 sees they are identical
// and merges them (the .newer.dedup.btf golden).
static int identical_pointers(struct btf *b)
{
	int i = btf__add_int(b, "int", 4, BTF_INT_SIGNED);
	int p = btf__add_ptr(b, i);
	int cvp = btf__add_ptr(b, btf__add_const(b, btf__add_volatile(b, i)));
	TRY(btf__add_struct(b, "s", 32));
	TRY(btf__add_field(b, "a", p, 0, 0));
	TRY(btf__add_field(b, "b", p, 64, 0));
	TRY(btf__add_field(b, "c", cvp, 128, 0));
	TRY(btf__add_field(b, "d", cvp, 192, 0));
	int i2 = btf__add_int(b, "int", 4, BTF_INT_SIGNED);
	int p1 = btf__add_ptr(b, i2);
	int p2 = btf__add_ptr(b, i2);
	int cvp1 = btf__add_ptr(b, btf__add_const(b, btf__add_volatile(b, i2)));
	int cvp2 = btf__add_ptr(b, btf__add_const(b, btf__add_volatile(b, i2)));
	TRY(btf__add_struct(b, "s", 32));
	TRY(btf__add_field(b, "a", p1, 0, 0));
	TRY(btf__add_field(b, "b", p2, 64, 0));
	TRY(btf__add_field(b, "c", cvp1, 128, 0));
	TRY(btf__add_field(b, "d", cvp2, 192, 0));
	return 0;
}

// A typedef that refers to itself through a pointer (Go's `type T *T`), twice: libbpf 1.1
// fails with ELOOP; libbpf 1.7 dedups typedefs as it does structs and merges the copies.
static int typedef_loop(struct btf *b)
{
	for (int k = 0; k < 2; k++) {
		int t = next_id(b);
		TRY(btf__add_typedef(b, "T", t + 1));
		TRY(btf__add_ptr(b, t));
		TRY(btf__add_struct(b, "holder", 8));
		TRY(btf__add_field(b, "t", t, 0, 0));
	}
	return 0;
}

// Typedefs, qualifiers and structs of the base repeated in split BTF resolve to the base.
static int base_typedef_base(struct btf *b)
{
	int i = btf__add_int(b, "unsigned int", 4, 0);
	int u = btf__add_typedef(b, "u32", i);
	TRY(btf__add_const(b, u));
	TRY(btf__add_struct(b, "pair", 8));
	TRY(btf__add_field(b, "a", u, 0, 0));
	TRY(btf__add_field(b, "b", u, 32, 0));
	return 0;
}

static int base_typedef(struct btf *b)
{
	int i = btf__add_int(b, "unsigned int", 4, 0);
	int u = btf__add_typedef(b, "u32", i);
	int c = btf__add_const(b, u);
	int s = btf__add_struct(b, "pair", 8);
	TRY(btf__add_field(b, "a", u, 0, 0));
	TRY(btf__add_field(b, "b", u, 32, 0));
	TRY(btf__add_typedef(b, "pair_t", s));
	TRY(btf__add_ptr(b, c));
	return 0;
}

// A base that holds several equal copies of a struct (a base is never deduplicated): which
// copy split BTF resolves to follows the walk order of libbpf's dedup table, newest entry
// first, reversed each time the table grows. Filler types between the copies make it grow.
static int base_duplicates_base(struct btf *b)
{
	char name[32];
	int i = btf__add_int(b, "int", 4, BTF_INT_SIGNED);

	for (int k = 0; k < 5; k++) {
		TRY(btf__add_struct(b, "s", 4));
		TRY(btf__add_field(b, "x", i, 0, 0));
		for (int f = 0; f < (k == 4 ? 40 : 3 * k + 1); f++) {
			snprintf(name, sizeof(name), "filler%d_%d", k, f);
			TRY(btf__add_int(b, name, 4, 0));
		}
	}
	return 0;
}

static int base_duplicates(struct btf *b)
{
	int i = btf__add_int(b, "int", 4, BTF_INT_SIGNED);
	int s = btf__add_struct(b, "s", 4);
	TRY(btf__add_field(b, "x", i, 0, 0));
	TRY(btf__add_ptr(b, s));
	return 0;
}

// Pointers in a loop with no struct between them: libbpf 1.1 fails with ELOOP.
static int ptr_loop(struct btf *b)
{
	int p = next_id(b);
	TRY(btf__add_ptr(b, p + 1));
	TRY(btf__add_ptr(b, p));
	return 0;
}

struct dedup_case {
	const char *name;
	build_fn base;
	build_fn build;
};

static const struct dedup_case cases[] = {
	{"cycles", NULL, cycles},
	{"fwd-resolution", NULL, fwd_resolution},
	{"fwd-ambiguous", NULL, fwd_ambiguous},
	{"identical-arrays", NULL, identical_arrays},
	{"identical-structs", NULL, identical_structs},
	{"enums", NULL, enums},
	{"funcs", NULL, funcs},
	{"datasec-var", NULL, datasec_var},
	{"tags", NULL, tags},
	{"primitives", NULL, primitives},
	{"base-fwd", base_fwd_base, base_fwd},
	{"identical-pointers", NULL, identical_pointers},
	{"typedef-loop", NULL, typedef_loop},
	{"base-typedef", base_typedef_base, base_typedef},
	{"base-duplicates", base_duplicates_base, base_duplicates},
	{"ptr-loop", NULL, ptr_loop},
};

static int write_raw(const char *dir, const char *name, const char *suffix, const struct btf *b)
{
	char path[4096];
	const void *raw;
	__u32 size;
	FILE *f;

	raw = btf__raw_data(b, &size);
	if (!raw)
		return -ENOMEM;
	snprintf(path, sizeof(path), "%s/%s%s", dir, name, suffix);
	f = fopen(path, "wb");
	if (!f || fwrite(raw, 1, size, f) != size || fclose(f) != 0) {
		fprintf(stderr, "dedup-cases: %s: %s\n", path, strerror(errno));
		return -EIO;
	}
	return 0;
}

int main(int argc, char **argv)
{
	if (argc != 2) {
		fprintf(stderr, "usage: dedup-cases DIR\n");
		return 2;
	}
	libbpf_set_print(quiet);
	for (size_t k = 0; k < sizeof(cases) / sizeof(cases[0]); k++) {
		const struct dedup_case *c = &cases[k];
		struct btf *base = NULL, *b;
		int err;

		if (c->base) {
			base = btf__new_empty();
			if (!base || c->base(base) < 0 || write_raw(argv[1], c->name, ".base.btf", base))
				return 1;
			b = btf__new_empty_split(base);
		} else {
			b = btf__new_empty();
		}
		if (!b || c->build(b) < 0 || write_raw(argv[1], c->name, ".btf", b))
			return 1;
		err = btf__dedup(b, NULL);
		if (err) {
			char path[4096];
			FILE *f;

			snprintf(path, sizeof(path), "%s/%s.error", argv[1], c->name);
			f = fopen(path, "w");
			if (!f)
				return 1;
			fprintf(f, "%s\n", err == -ELOOP ? "ELOOP" : err == -EINVAL ? "EINVAL" : strerror(-err));
			fclose(f);
		} else if (write_raw(argv[1], c->name, ".dedup.btf", b)) {
			return 1;
		}
		btf__free(b);
		btf__free(base);
	}
	return 0;
}
