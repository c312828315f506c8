// SPDX-License-Identifier: GPL-2.0
/*
 * Scalars, qualifiers, pointers, arrays, function pointers, forward
 * declarations and the ordinary data sections. Every type hangs off a global
 * or a used function, since clang emits BTF only for what is referenced.
 */
#include <linux/types.h>
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

/* INT: every width, both signs, plus bool and char. */
struct scalars {
	char c;
	signed char sc;
	unsigned char uc;
	_Bool b;
	short s;
	unsigned short us;
	int i;
	unsigned int ui;
	long l;
	unsigned long ul;
	long long ll;
	unsigned long long ull;
	__int128 s128;
	unsigned __int128 u128;
	/* FLOAT */
	float f;
	double d;
	long double ld;
};

/* TYPEDEF chain three deep. */
typedef unsigned int u32_t;
typedef u32_t pid_like_t;
typedef pid_like_t tgid_t;

/* FWD: struct and union that are never completed. */
struct opaque;
union opaque_u;

/* FUNC_PROTO for a varargs signature: its last parameter is type 0. */
typedef int (*log_fn_t)(const char *fmt, ...);

struct callbacks {
	int (*on_event)(int id, long arg);
	void (*on_done)(void);
	log_fn_t log;
	/* function pointer returning a function pointer */
	int (*(*pick)(int which))(int id, long arg);
};

struct pointers {
	int **pp;
	const char *const *argv;
	volatile int *vreg;
	const volatile unsigned long *cvreg;
	struct opaque *opaque;
	union opaque_u *opaque_u;
	void *any;
	void **any_pp;
};

struct scalars g_scalars;
struct callbacks g_callbacks;
struct pointers g_pointers;
tgid_t g_tgid = 42;

/* ARRAY of ARRAY, and one more level. */
int grid[3][4] = { { 1 } };
char names[2][3][8];

/* .rodata via const volatile; .data and .bss via initialised or not. */
const volatile int cfg_limit = 100;
const volatile char cfg_name[8] = "basic";
volatile long counter = 1;
long zeroed;
static volatile int hidden_hits;

/* A custom data section gets its own DATASEC. */
int custom_counter SEC(".data.custom") = 7;
long custom_table[4] SEC(".data.custom");

/* RESTRICT comes from restrict-qualified parameters. */
static __noinline int sum_into(int *restrict dst, const int *restrict src, int n)
{
	int i;

	for (i = 0; i < n && i < 4; i++)
		dst[i] += src[i];
	return dst[0];
}

__noinline int global_scale(int x)
{
	return x * cfg_limit;
}

SEC("xdp")
int basic_xdp(struct xdp_md *ctx)
{
	int acc[4] = { ctx->data_end - ctx->data, 0, 0, 0 };

	hidden_hits++;
	counter += sum_into(acc, grid[1], 4);
	custom_counter++;
	return global_scale(acc[0]) > 0 ? XDP_PASS : XDP_DROP;
}

SEC("tc")
int basic_tc(void *ctx)
{
	zeroed += g_tgid + g_scalars.i;
	return 0;
}

SEC("license") char LICENSE[] = "GPL";
